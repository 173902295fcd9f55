-- One row per delivered survey file: study, wave, format, label, codebook, size, survey name and
-- institute (from the codebook), fingerprint.
select
    study, wave, format, file_label, codebook, respondents, warnings, survey_title, institute,
    file_label ilike '%ILLUSTRATIVES%' as is_illustrative,
    _source_file as source_file, _source_sha256 as source_sha256, _ingested_at as ingested_at
from {{ source('raw', 'survey_files') }}
