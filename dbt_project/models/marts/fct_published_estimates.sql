-- What the reports print for each indicator × wave × geography: the direct estimate with its
-- comparisons where it is publishable; the modelled one (« estimation modélisée ») where
-- fct_small_area_estimates publishes it, with no comparison and no change, since neither was
-- tested on the model's precision; nothing where neither is publishable.
-- docs/publication-rules.md §§ 4 and 8.
with sources as (
    select
        e.*,
        s.estimate_type = 'modelled' as is_modelled,
        s.estimate as modelled_estimate,
        s.ci_low as modelled_ci_low,
        s.ci_high as modelled_ci_high,
        s.model_id as modelled_by
    from {{ ref('fct_indicator_estimates') }} as e
    left join {{ ref('fct_small_area_estimates') }} as s
        on s.indicator_id = e.indicator_id and s.wave = e.wave and s.geo_code = e.geo_code
),

published as (
    select
        *,
        coalesce(is_modelled, false) as modelled,
        status != 'suppressed' and not coalesce(is_modelled, false) as direct
    from sources
)

select
    indicator_id,
    study,
    wave,
    geo_level,
    geo_code,
    unit,
    n,
    case when modelled then 'modelled' else status end as status,
    case when modelled then modelled_estimate when direct then estimate end as estimate,
    case when modelled then modelled_ci_low when direct then ci_low end as ci_low,
    case when modelled then modelled_ci_high when direct then ci_high end as ci_high,
    case when modelled then modelled_by end as model_id,
    case when direct then vs_rest_difference end as vs_rest_difference,
    case when direct then vs_rest_significant end as vs_rest_significant,
    previous_wave,
    case when direct then change end as change,
    case when direct then change_significant end as change_significant
from published
order by indicator_id, wave, geo_level, geo_code
