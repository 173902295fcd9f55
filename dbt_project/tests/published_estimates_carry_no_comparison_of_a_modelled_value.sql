-- No printed comparison rests on a modelled value: a modelled row has no difference from the
-- rest of France and no change, and no later wave's change starts from a modelled or withheld
-- one (docs/publication-rules.md § 4). Rows returned are failures.
{{ config(meta={'dagster': {'ref': {'name': 'fct_published_estimates'}}}) }}

select later.*
from {{ ref('fct_published_estimates') }} as later
left join {{ ref('fct_published_estimates') }} as earlier
    on earlier.indicator_id = later.indicator_id
    and earlier.geo_code = later.geo_code
    and earlier.wave = later.previous_wave
where
    (later.status = 'modelled' and (
        later.vs_rest_difference is not null or later.vs_rest_significant is not null
        or later.change is not null or later.change_significant is not null
    ))
    or (later.change is not null and earlier.status in ('modelled', 'suppressed'))
