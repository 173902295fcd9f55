-- The profile of each region: every context indicator at its latest year, for France and the
-- 13 regions, with the France value beside it and, when the indicator has a fragile direction,
-- the region's rank among the 13 (1 = most affected) and whether it is among the four most
-- affected (« fragilité objective »). Neutral indicators (population, area...) have no rank.
with catalogue as (
    select * from {{ ref('context_indicators') }}
),

statistics as (
    select * from {{ ref('stg_context_statistics') }}
    where geo_level in ('france', 'region')
),

latest as (
    select indicator_id, max(year) as year from statistics group by indicator_id
),

profile as (
    select s.*
    from statistics as s
    inner join latest as l on l.indicator_id = s.indicator_id and l.year = s.year
),

ranked as (
    select
        p.*,
        c.label,
        c.domain_id,
        c.direction,
        c.display_order,
        case
            when p.geo_level <> 'region' or c.direction = 'neutral' then null
            when c.direction = 'higher_is_worse'
                then rank() over (
                    partition by p.indicator_id, p.geo_level order by p.value desc
                )
            else rank() over (partition by p.indicator_id, p.geo_level order by p.value asc)
        end as rank_among_regions
    from profile as p
    inner join catalogue as c on c.indicator_id = p.indicator_id
)

select
    r.indicator_id,
    r.label,
    r.domain_id,
    r.direction,
    r.display_order,
    r.geo_level,
    r.geo_code,
    r.year,
    r.value,
    r.unit,
    r.source,
    r.nature,
    f.value as france_value,
    cast(r.rank_among_regions as integer) as rank_among_regions,
    case
        when r.rank_among_regions is null then null
        else r.rank_among_regions <= 4
    end as objective_fragility
from ranked as r
left join profile as f on f.indicator_id = r.indicator_id and f.geo_level = 'france'
