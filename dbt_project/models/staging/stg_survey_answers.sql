-- The long form of every study and wave: one row per respondent and coded variable (and option
-- of a multi-answer question), with the canonical answer; null answer = item non-response.
select
    study, wave, respondent_id, role, question, option, answer_code, answer,
    _source_file as source_file, _source_row as source_row
from {{ source('raw', 'survey_answers') }}
