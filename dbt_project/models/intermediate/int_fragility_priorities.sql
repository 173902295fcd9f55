-- The priority fragilities of each region, the one place that says where they come from:
-- perceived (the leading group, tier 1, of the citizens' latest wave in fct_fragility_ranking)
-- and objective (any context indicator of the domain among the four most affected regions in
-- fct_region_profile). One row per region and fragility domain; a flag is null when the
-- region has no such information (a region withheld in the survey gets no tiers; a domain
-- without a context indicator has no objective flag), never false by default.
with regions as (
    select reg from {{ ref('regions') }}
),

domains as (
    select domain_id from {{ ref('fragility_domains') }}
),

citizens as (
    select * from {{ ref('fct_fragility_ranking') }}
    where study = 'citoyens'
),

-- The latest wave that ranked the citizens' fragilities.
perceived as (
    select geo_code as reg, domain_id, tier = 1 as perceived_priority
    from citizens
    where wave = (select max(wave) from citizens) and tier is not null
),

objective as (
    select geo_code as reg, domain_id, bool_or(objective_fragility) as objective_fragility
    from {{ ref('fct_region_profile') }}
    where domain_id is not null
    group by all
)

select
    regions.reg,
    domains.domain_id,
    perceived.perceived_priority,
    objective.objective_fragility
from regions
cross join domains
left join perceived using (reg, domain_id)
left join objective using (reg, domain_id)
order by regions.reg, domains.domain_id
