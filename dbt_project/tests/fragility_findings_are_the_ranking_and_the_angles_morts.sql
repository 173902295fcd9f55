-- The fragility findings of the notes say what their marts say: a `perceived_priorities`
-- finding is the region's leading tier of the citizens' latest ranking (its domains by rank,
-- their estimates), in a region whose every domain is published and with a second tier; a
-- `blind_spots` finding lists the region's `angle_mort` domains of fct_fragility_alliances,
-- each a priority with no case. Any row returned is a finding that does not.
{{ config(meta={'dagster': {'ref': {'name': 'fct_report_findings'}}}) }}
with ranking as (
    select ranking.*, domains.label
    from {{ ref('fct_fragility_ranking') }} as ranking
    inner join {{ ref('fragility_domains') }} as domains using (domain_id)
    where study = 'citoyens'
        and wave = (
            select max(wave) from {{ ref('fct_fragility_ranking') }} where study = 'citoyens'
        )
),

leading_tiers as (
    select
        geo_code,
        list(label order by position) filter (where tier = 1) as labels,
        list(estimate order by position) filter (where tier = 1) as estimates,
        bool_and(status = 'published') and max(tier) > 1 and count(tier) = count(*) as citable
    from ranking
    group by geo_code
),

blind as (
    select
        reg,
        list(domain_label order by display_order) as labels,
        bool_and(cases = 0 and (perceived_priority or objective_fragility)) as unanswered
    from {{ ref('fct_fragility_alliances') }}
    where angle_mort
    group by reg
),

findings as (
    select * from {{ ref('fct_report_findings') }}
    where kind in ('perceived_priorities', 'blind_spots')
)

select findings.report_code, findings.kind
from findings
left join leading_tiers
    on findings.kind = 'perceived_priorities' and leading_tiers.geo_code = findings.report_code
left join blind on findings.kind = 'blind_spots' and blind.reg = findings.report_code
where (findings.kind = 'perceived_priorities' and not (
        coalesce(leading_tiers.citable, false)
        and leading_tiers.labels = findings.domain_labels
        and leading_tiers.estimates = findings.domain_values
    ))
    or (findings.kind = 'blind_spots' and not (
        coalesce(blind.unanswered, false) and blind.labels = findings.domain_labels
    ))
