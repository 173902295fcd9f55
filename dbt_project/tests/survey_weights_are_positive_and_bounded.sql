-- Every final weight is positive and finite, and a raked weight stays within its study's trim bounds
-- (ratio weight / base_weight, seed studies; relative tolerance 1e-6) after a raking
-- that converged.
{{ config(meta={'dagster': {'ref': {'name': 'int_survey_weights'}}}) }}
select w.study, w.wave, w.respondent_id, w.weight, w.base_weight, w.raking_converged
from {{ ref('int_survey_weights') }} as w
left join {{ ref('studies') }} as d on d.study = w.study
where w.weight is null
   or w.weight <= 0
   or not isfinite(w.weight)
   or w.base_weight <= 0
   or (
       w.weight_source = 'raked'
       and (
           not w.raking_converged
           or w.weight / w.base_weight < d.trim_low * (1 - 1e-6)
           or w.weight / w.base_weight > d.trim_high * (1 + 1e-6)
       )
   )
