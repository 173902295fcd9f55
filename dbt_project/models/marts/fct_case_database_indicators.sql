-- Indicators of the case database « IMPACT-Pratiques partenariales innovantes », as counts:
-- cases by domain, territorial level (échelon), actor profile and partnership mode, for France
-- and each region, with their share of the geography's cases and, for the totals, the rate per
-- 100 000 inhabitants (INSEE populations); cases per department; catalysts per region.
-- Every category appears in every geography (zero included). A case has several actor profiles
-- and may have several modes: their shares add up to more than 1.
with cases as (
    select * from {{ ref('stg_cases') }}
),

regions as (
    select reg as region_code, pop_municipale_2021 as population from {{ ref('regions') }}
),

geographies as (
    select 'france' as geo_level, 'FR' as geo_code, sum(population) as population from regions
    union all
    select 'region', region_code, population from regions
    union all
    select 'department', dep, null from {{ ref('departements') }}
),

-- Each case counts in France, in its region and in its department. Region and department
-- codes overlap ("84" is a region and a department): the level is part of the key.
case_geographies as (
    select case_id, 'france' as geo_level, 'FR' as geo_code from cases
    union all
    select case_id, 'region', region_code from cases
    union all
    select case_id, 'department', department_code from cases
),

case_categories as (
    select case_id, 'total' as dimension, 'ensemble' as category from cases
    union all
    select case_id, 'domain', domain from cases
    union all
    select case_id, 'territorial_level', territorial_level from cases
    union all
    select case_id, 'actor_profile', actor_profile from {{ ref('stg_case_profiles') }}
    union all
    select case_id, 'partnership_mode', partnership_mode from {{ ref('stg_case_modes') }}
),

catalysts as (
    select 'france' as geo_level, 'FR' as geo_code, catalyst_id from {{ ref('stg_catalysts') }}
    union all
    select 'region', region_code, catalyst_id from {{ ref('stg_catalysts') }}
),

-- Departments get totals only: their categories would be too thin to read.
grid as (
    select geographies.*, categories.dimension, categories.category
    from geographies
    cross join (select distinct dimension, category from case_categories) as categories
    where geographies.geo_level != 'department' or categories.dimension = 'total'
    union all
    select geographies.*, 'catalysts', 'ensemble'
    from geographies
    where geographies.geo_level != 'department'
),

counted as (
    select case_geographies.geo_level, case_geographies.geo_code, case_categories.dimension, case_categories.category,
        count(distinct case_categories.case_id) as items
    from case_categories
    inner join case_geographies using (case_id)
    group by all
    union all
    select geo_level, geo_code, 'catalysts', 'ensemble', count(*) from catalysts group by all
),

totals as (
    select geo_level, geo_code, items as geography_cases
    from counted
    where dimension = 'total'
)

select
    grid.dimension,
    grid.category,
    grid.geo_level,
    grid.geo_code,
    coalesce(counted.items, 0) as count,
    case
        when grid.dimension in ('total', 'catalysts') then null
        else coalesce(counted.items, 0) / nullif(totals.geography_cases, 0)
    end as share_of_cases,
    case
        when grid.dimension in ('total', 'catalysts')
            then coalesce(counted.items, 0) * 100000.0 / grid.population
    end as per_100k_inhabitants
from grid
left join counted using (geo_level, geo_code, dimension, category)
left join totals using (geo_level, geo_code)
order by grid.dimension, grid.category, grid.geo_level, grid.geo_code
