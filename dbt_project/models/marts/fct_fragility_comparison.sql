-- Perceived priorities beside objective indicators (issue 17, items 3 and 5): one row per
-- region and fragility domain that has both the citizens' score (latest wave of
-- fct_fragility_ranking) and a context indicator with a fragile direction (fct_region_profile).
-- The region's score, interval, tier and its difference with the rest of France (tested in
-- fct_indicator_estimates), France's score; the indicator's value, France's, the rank among
-- the 13 regions; and whether the two readings agree (int_fragility_priorities, the one place
-- defining a priority). A withheld region keeps its objective side only: no score, no tier,
-- no agreement.
with priorities as (
    select * from {{ ref('int_fragility_priorities') }}
),

citizens as (
    select * from {{ ref('fct_fragility_ranking') }}
    where study = 'citoyens' and wave = (
        select max(wave) from {{ ref('fct_fragility_ranking') }} where study = 'citoyens'
    )
),

estimates as (
    select indicator_id, wave, geo_code, vs_rest_difference, vs_rest_significant
    from {{ ref('fct_indicator_estimates') }}
),

regional as (
    select
        c.geo_code as reg,
        c.domain_id,
        c.wave,
        c.status,
        case when c.status <> 'suppressed' then c.estimate end as score,
        case when c.status <> 'suppressed' then c.ci_low end as score_ci_low,
        case when c.status <> 'suppressed' then c.ci_high end as score_ci_high,
        c.tier,
        e.vs_rest_difference,
        e.vs_rest_significant
    from citizens as c
    left join estimates as e using (indicator_id, wave, geo_code)
    where c.geo_code <> 'FR'
),

national as (
    select domain_id, estimate as france_score, tier as france_tier
    from citizens
    where geo_code = 'FR'
),

objective as (
    select
        geo_code as reg,
        domain_id,
        indicator_id,
        label as indicator_label,
        unit,
        year,
        value,
        france_value,
        rank_among_regions,
        objective_fragility
    from {{ ref('fct_region_profile') }}
    where geo_level = 'region' and direction <> 'neutral' and domain_id is not null
)

select
    o.reg,
    o.domain_id,
    d.label as domain_label,
    d.display_order,
    r.wave,
    r.status,
    r.score,
    r.score_ci_low,
    r.score_ci_high,
    r.tier,
    r.vs_rest_difference,
    r.vs_rest_significant,
    n.france_score,
    n.france_tier,
    o.indicator_id,
    o.indicator_label,
    o.unit,
    o.year,
    o.value,
    o.france_value,
    o.rank_among_regions,
    p.perceived_priority,
    p.objective_fragility,
    case
        when p.perceived_priority is null or p.objective_fragility is null then null
        when p.perceived_priority and p.objective_fragility then 'both'
        when p.perceived_priority then 'perceived_only'
        when p.objective_fragility then 'objective_only'
        else 'neither'
    end as agreement
from objective as o
inner join {{ ref('fragility_domains') }} as d using (domain_id)
inner join regional as r using (reg, domain_id)
left join national as n using (domain_id)
left join priorities as p using (reg, domain_id)
order by o.reg, d.display_order, o.indicator_id
