-- The published regional estimate of each modellable indicator × wave: the direct one where it
-- passes the publication rules, the modelled one where the model passes its diagnostics,
-- nothing otherwise. No ingredient of a modelled value (direct share, shrinkage, synthetic
-- part) is here: docs/publication-rules.md § 4.
select
    f.indicator_id,
    f.study,
    f.wave,
    f.geo_code,
    f.n,
    f.direct_status,
    f.estimate_type,
    case f.estimate_type
        when 'direct' then e.estimate when 'modelled' then f.estimate
    end as estimate,
    case f.estimate_type
        when 'direct' then e.ci_low when 'modelled' then f.ci_low
    end as ci_low,
    case f.estimate_type
        when 'direct' then e.ci_high when 'modelled' then f.ci_high
    end as ci_high,
    case when f.estimate_type = 'modelled' then f.mse end as mse,
    case when f.estimate_type = 'modelled' then f.cv end as cv,
    f.model_id,
    f.model_outcome,
    f.sigma2_u,
    f.iterations,
    f.truncated_at_zero,
    f.max_abs_standardised_residual
from {{ ref('int_small_area_fits') }} as f
join {{ ref('fct_indicator_estimates') }} as e
    on e.indicator_id = f.indicator_id and e.wave = f.wave and e.geo_code = f.geo_code
order by f.indicator_id, f.wave, f.geo_code
