-- Every wave of the indicator has France and each of the 13 regions, with a share in [0, 1].
-- Rows returned are failures. Shown in Dagster as a check of the indicator model.
{{ config(meta={'dagster': {'ref': {'name': 'ind_citizens_collective_necessary'}}}) }}

with expected as (
    select waves.wave, 'region' as geo_level, regions.reg as geo_code
    from (select distinct wave from {{ ref('ind_citizens_collective_necessary') }}) as waves
    cross join {{ ref('regions') }} as regions
    union all
    select distinct wave, 'france', 'FR' from {{ ref('ind_citizens_collective_necessary') }}
)

select expected.*, indicator.share
from expected
left join {{ ref('ind_citizens_collective_necessary') }} as indicator
    using (wave, geo_level, geo_code)
where indicator.share is null or indicator.share not between 0 and 1
