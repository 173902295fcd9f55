-- Every indicator × wave has France and the 13 regions; 0 ≤ low ≤ estimate ≤ high ≤ 1 where
-- estimated (≤ 10 for a mean score, unit `score`); the status follows n and effective n
-- (suppressed < 30, fragile < 100).
-- Rows returned are failures.
{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_estimates'}}}) }}

with estimates as (
    select * from {{ ref('fct_indicator_estimates') }}
),

expected as (
    select distinct estimates.indicator_id, estimates.wave, geographies.geo_code
    from estimates
    cross join (
        select reg as geo_code from {{ ref('regions') }}
        union all
        select 'FR'
    ) as geographies
),

holes as (
    select expected.*, 'missing geography' as failure
    from expected
    left join estimates using (indicator_id, wave, geo_code)
    where estimates.indicator_id is null
),

out_of_order as (
    select indicator_id, wave, geo_code, 'interval does not hold the estimate' as failure
    from estimates
    where estimate is not null
        and ci_low is not null
        and not (
            0 <= ci_low and ci_low <= estimate and estimate <= ci_high
            and ci_high <= case unit when 'score' then 10 else 1 end
        )
),

wrong_status as (
    select indicator_id, wave, geo_code, 'status inconsistent with n' as failure
    from estimates
    where status != case
        when n < 30 or coalesce(n_effective, 0) < 30 then 'suppressed'
        when n < 100 then 'fragile'
        else 'published'
    end
)

select * from holes
union all
select * from out_of_order
union all
select * from wrong_status
