-- One row per respondent and wave, with readable names and the answer's delivered label.
with answers as (
    select * from {{ source('raw', 'citizens_survey') }}
),

answer_labels as (
    select _source_file, code, label
    from {{ source('raw', 'citizens_survey_labels') }}
    where variable = 'Q1_COLLECTIF'
)

select
    cast(answers.ID as integer) as respondent_id,
    cast(answers.VAGUE as integer) as wave,
    lpad(cast(cast(answers.REGION as integer) as varchar), 2, '0') as region_code,
    answers.DEP as department_code,
    cast(answers.SEXE as integer) as sex_code,
    cast(answers.AGE5 as integer) as age_band_code,
    cast(answers.Q1_COLLECTIF as integer) as collective_answer_code,
    answer_labels.label as collective_answer,
    -- « Nécessaire » = incontournable (1) + utile (2); « ne sait pas » (9) stays in the base.
    cast(answers.Q1_COLLECTIF as integer) in (1, 2) as judges_collective_necessary,
    cast(answers.POIDS as double) as weight,
    answers._source_file as source_file
from answers
left join answer_labels
    on answer_labels._source_file = answers._source_file
    and answer_labels.code = answers.Q1_COLLECTIF
