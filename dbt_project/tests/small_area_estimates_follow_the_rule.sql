-- The published regional estimate follows the rule of fct_small_area_estimates: direct exactly
-- where the direct estimate is publishable (and then its very value); modelled only where every
-- declared diagnostic passed, with a model id, an MSE >= 0 and an interval around a value in
-- [0, 1]; suppressed otherwise, with nothing printed. Rows returned are failures.
{{ config(meta={'dagster': {'ref': {'name': 'fct_small_area_estimates'}}}) }}

select s.*
from {{ ref('fct_small_area_estimates') }} as s
join {{ ref('fct_indicator_estimates') }} as e using (indicator_id, wave, geo_code)
where
    (s.estimate_type = 'direct') != (e.status in ('published', 'fragile'))
    or (s.estimate_type = 'direct' and s.estimate is distinct from e.estimate)
    or (s.estimate_type = 'modelled' and not (
        s.model_outcome = 'passed' and s.model_id is not null and s.mse >= 0
        and s.ci_low <= s.estimate and s.estimate <= s.ci_high
        and s.ci_low >= 0 and s.ci_high <= 1
    ))
    or (s.estimate_type = 'suppressed' and (
        s.model_outcome = 'passed' or s.estimate is not null or s.ci_low is not null
        or s.ci_high is not null or s.mse is not null or s.cv is not null
    ))
