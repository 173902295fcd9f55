-- A finding of the notes de synthèse never rests on a withheld or fragile value, nor on a
-- non-significant test: every survey finding's value (and, for a change, its previous wave's)
-- is `published` in fct_indicator_estimates, with the same share, and its test significant.
{{ config(meta={'dagster': {'ref': {'name': 'fct_report_findings'}}}) }}
with findings as (
    select * from {{ ref('fct_report_findings') }}
    where indicator_id is not null
),

estimates as (
    select * from {{ ref('fct_indicator_estimates') }}
)

select findings.report_code, findings.rank, findings.kind, findings.indicator_id
from findings
left join estimates as now
    on now.indicator_id = findings.indicator_id
    and now.wave = findings.wave
    and now.geo_code = findings.geo_code
left join estimates as earlier
    on earlier.indicator_id = findings.indicator_id
    and earlier.wave = findings.previous_wave
    and earlier.geo_code = findings.geo_code
where now.status is distinct from 'published'
    or now.estimate is distinct from findings.share
    or (findings.kind in ('versus_rest', 'regions_versus_rest')
        and not coalesce(now.vs_rest_significant, false))
    or (findings.kind in ('change', 'reference_change')
        and (not coalesce(now.change_significant, false)
            or earlier.status is distinct from 'published'
            or earlier.estimate is distinct from findings.previous_share))
