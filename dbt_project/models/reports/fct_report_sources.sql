-- Each survey wave as the reports' methodology and provenance name it: its delivered file and
-- hash, its fieldwork dates and its weighting diagnostics.
select
    f.study,
    f.wave,
    coalesce(f.file_label, '') as title,
    f.format,
    f.source_file as file,
    f.source_sha256 as sha256,
    f.respondents,
    strftime(min(r.fieldwork_date), '%Y-%m-%d') as fieldwork_start,
    strftime(max(r.fieldwork_date), '%Y-%m-%d') as fieldwork_end,
    w.weight_source,
    w.min_weight,
    w.max_weight,
    w.kish_deff,
    w.kish_n_effective,
    f.survey_title,
    f.institute,
    f.is_illustrative
from {{ ref('stg_survey_files') }} as f
left join {{ ref('stg_survey_respondents') }} as r using (study, wave)
left join {{ ref('weighting_diagnostics') }} as w using (study, wave)
group by all
order by f.study, f.wave
