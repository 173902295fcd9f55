-- Share of citizens who judge « jouer collectif » necessary (incontournable + utile), weighted,
-- for France and each region, per wave where the question was asked. Base: respondents who
-- answered, « ne sait pas » included; item non-response (no answer at all) is out of the base.
with answers as (
    select
        respondents.wave,
        respondents.region_code,
        respondents.weight,
        respondents.source_file,
        answers.answer in ('incontournable', 'utile') as judges_collective_necessary
    from {{ ref('stg_survey_respondents') }} as respondents
    inner join {{ ref('stg_survey_answers') }} as answers
        using (study, wave, respondent_id)
    where respondents.study = 'citoyens'
        and answers.question = 'jouer_collectif'
        and answers.answer is not null
),

by_scope as (
    select 'region' as geo_level, region_code as geo_code, * exclude (region_code)
    from answers
    union all
    select 'france' as geo_level, 'FR' as geo_code, * exclude (region_code)
    from answers
)

select
    by_scope.wave,
    by_scope.geo_level,
    by_scope.geo_code,
    coalesce(regions.libelle, 'France métropolitaine') as geo_name,
    count(*) as base_n,
    sum(by_scope.weight) as weighted_base,
    sum(by_scope.weight * cast(by_scope.judges_collective_necessary as integer))
        / sum(by_scope.weight) as share,
    -- Sample deliveries say so in their file label; reports must then say it too.
    bool_or(files.is_illustrative) as is_illustrative
from by_scope
left join {{ ref('stg_survey_files') }} as files
    on files.source_file = by_scope.source_file
left join {{ ref('regions') }} as regions on regions.reg = by_scope.geo_code
group by all
order by wave, geo_level, geo_code
