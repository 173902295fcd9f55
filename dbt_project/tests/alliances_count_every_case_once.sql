-- Every case of the database counts once in fct_fragility_alliances, in its region: a case
-- whose domain of action the seed case_domain_fragilities does not map would be missing from
-- the alliances. Rows returned are failures (the regions whose counts differ).
{{ config(meta={'dagster': {'ref': {'name': 'fct_fragility_alliances'}}}) }}

with delivered as (
    select region_code as reg, count(*) as cases from {{ ref('stg_cases') }} group by all
),

counted as (
    select reg, sum(cases) as cases from {{ ref('fct_fragility_alliances') }} group by all
)

select counted.reg, counted.cases as counted, coalesce(delivered.cases, 0) as delivered
from counted
left join delivered using (reg)
where counted.cases != coalesce(delivered.cases, 0)
