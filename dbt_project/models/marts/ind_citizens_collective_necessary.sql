-- Share of citizens who judge « jouer collectif » necessary (incontournable + utile), weighted,
-- for France and each region, per wave. Base: respondents who answered, « ne sait pas »
-- included; item non-response (no answer at all) is out of the base.
with respondents as (
    select * from {{ ref('stg_citizens_survey') }}
    where collective_answer is not null
),

by_scope as (
    select 'region' as geo_level, region_code as geo_code, * exclude (region_code)
    from respondents
    union all
    select 'france' as geo_level, 'FR' as geo_code, * exclude (region_code)
    from respondents
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
    -- Sample deliveries say so in their SPSS file label; reports must then say it too.
    bool_or(files.file_label ilike '%ILLUSTRATIVES%') as is_illustrative
from by_scope
left join {{ source('raw', 'citizens_survey_files') }} as files
    on files._source_file = by_scope.source_file
left join {{ ref('regions') }} as regions on regions.reg = by_scope.geo_code
group by all
order by wave, geo_level, geo_code
