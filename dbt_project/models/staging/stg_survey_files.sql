-- One row per delivered survey file: study, wave, format, label, codebook, size, survey name and
-- institute (from the codebook), fingerprint.
{{ union_surveys('_files', [
    'study', 'wave', 'format', 'file_label', 'codebook', 'respondents', 'warnings',
    'survey_title', 'cast(institute as varchar) as institute',
    "file_label ilike '%ILLUSTRATIVES%' as is_illustrative",
    '_source_file as source_file', '_source_sha256 as source_sha256',
    '_ingested_at as ingested_at',
]) }}
