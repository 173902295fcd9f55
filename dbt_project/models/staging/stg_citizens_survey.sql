-- One row per respondent and wave, with readable names and the canonical answer (codebook).
with respondents as (
    select * from {{ source('raw', 'citizens_survey') }}
),

collective as (
    select _source_file, _source_row, answer
    from {{ source('raw', 'citizens_survey_answers') }}
    where question = 'jouer_collectif'
)

select
    cast(respondents.ID as integer) as respondent_id,
    cast(respondents.VAGUE as integer) as wave,
    lpad(cast(cast(respondents.REGION as integer) as varchar), 2, '0') as region_code,
    respondents.DEP as department_code,
    cast(respondents.SEXE as integer) as sex_code,
    cast(respondents.AGE5 as integer) as age_band_code,
    -- Canonical answer, whatever the wave's codes; null for item non-response.
    collective.answer as collective_answer,
    -- « Nécessaire » = incontournable + utile; « nsp » (ne sait pas) is an answer, in the base.
    collective.answer in ('incontournable', 'utile') as judges_collective_necessary,
    cast(respondents.POIDS as double) as weight,
    respondents._source_file as source_file
from respondents
left join collective
    on collective._source_file = respondents._source_file
    and collective._source_row = respondents._source_row
