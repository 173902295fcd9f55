-- MERGE STAND-IN (issue 17, helper C): delete this file when helper A's mart
-- marts.fct_region_profile is merged. No rows, the contract's columns and types, so that
-- int_fragility_priorities builds and its unit tests can mock this ref.
{{ config(materialized='table', schema='marts') }}

select
    cast(null as varchar) as indicator_id,
    cast(null as varchar) as geo_code,
    cast(null as double) as value,
    cast(null as varchar) as unit,
    cast(null as integer) as year,
    cast(null as varchar) as source,
    cast(null as varchar) as nature,
    cast(null as double) as france_value,
    cast(null as integer) as rank_among_regions,
    cast(null as boolean) as objective_fragility,
    cast(null as varchar) as domain_id
where false
