-- One row per respondent of every study and wave: geography, institute weight (null when the
-- study delivers none), fieldwork date, and where the row was delivered.
select
    study, wave, respondent_id, region_code, department_code, weight, fieldwork_date,
    _source_file as source_file, _source_row as source_row
from {{ source('raw', 'survey_respondents') }}
