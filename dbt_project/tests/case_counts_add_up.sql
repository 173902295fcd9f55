-- The 13 regions add up to France in every category, and the 96 departments to the total;
-- the France total is the number of cases delivered. Rows returned are failures.
{{ config(meta={'dagster': {'ref': {'name': 'fct_case_database_indicators'}}}) }}

with indicators as (
    select * from {{ ref('fct_case_database_indicators') }}
),

by_level as (
    select dimension, category, geo_level, sum(count) as count
    from indicators
    group by all
)

select france.dimension, france.category, other.geo_level, france.count, other.count
from by_level as france
inner join by_level as other using (dimension, category)
where france.geo_level = 'france'
    and other.geo_level != 'france'
    and france.count != other.count
union all
select 'total', 'ensemble', 'delivered', total.count, (select count(*) from {{ ref('stg_cases') }})
from by_level as total
where total.dimension = 'total'
    and total.geo_level = 'france'
    and total.count != (select count(*) from {{ ref('stg_cases') }})
