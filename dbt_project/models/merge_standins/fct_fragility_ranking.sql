-- MERGE STAND-IN (issue 17, helper C): delete this file when helper B's mart
-- marts.fct_fragility_ranking is merged. No rows, the contract's columns and types
-- (docs: notes issue17-design.md), so that int_fragility_priorities builds and its unit tests
-- can mock this ref.
{{ config(materialized='table', schema='marts') }}

select
    cast(null as varchar) as study,
    cast(null as integer) as wave,
    cast(null as varchar) as geo_code,
    cast(null as varchar) as domain_id,
    cast(null as double) as estimate,
    cast(null as double) as ci_low,
    cast(null as double) as ci_high,
    cast(null as varchar) as status,
    cast(null as integer) as position,
    cast(null as integer) as tier
where false
