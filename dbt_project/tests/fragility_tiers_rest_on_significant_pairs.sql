-- No two fragility domains of one study wave and geography in different tiers without a
-- significant paired difference (the higher tier above); no tier in a geography with a
-- suppressed domain.
-- Rows returned are failures.
{{ config(meta={'dagster': {'ref': {'name': 'fct_fragility_ranking'}}}) }}

with ranking as (
    select * from {{ ref('fct_fragility_ranking') }}
),

pairs as (
    select study, wave, geo_code, domain_a, domain_b, difference, significant
    from {{ ref('fct_fragility_pairs') }}
    union all
    select study, wave, geo_code, domain_b, domain_a, -difference, significant
    from {{ ref('fct_fragility_pairs') }}
),

split_without_test as (
    select upper_tier.study, upper_tier.wave, upper_tier.geo_code,
        upper_tier.domain_id || ' > ' || lower_tier.domain_id as domains,
        'different tiers without a significant paired difference' as failure
    from ranking as upper_tier
    inner join ranking as lower_tier
        on upper_tier.study = lower_tier.study
        and upper_tier.wave = lower_tier.wave
        and upper_tier.geo_code = lower_tier.geo_code
        and upper_tier.tier < lower_tier.tier
    left join pairs
        on pairs.study = upper_tier.study
        and pairs.wave = upper_tier.wave
        and pairs.geo_code = upper_tier.geo_code
        and pairs.domain_a = upper_tier.domain_id
        and pairs.domain_b = lower_tier.domain_id
    where not coalesce(pairs.significant and pairs.difference > 0, false)
),

tier_while_suppressed as (
    select study, wave, geo_code, domain_id as domains,
        'tier in a geography with a suppressed domain' as failure
    from ranking
    where (tier is not null or position is not null)
        and exists (
            select 1 from ranking as withheld
            where withheld.study = ranking.study
                and withheld.wave = ranking.wave
                and withheld.geo_code = ranking.geo_code
                and withheld.status = 'suppressed'
        )
)

select * from split_without_test
union all
select * from tier_while_suppressed
