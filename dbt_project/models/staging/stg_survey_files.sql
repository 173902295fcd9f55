-- One row per delivered survey file: study, wave, format, label, codebook, size, fingerprint.
{{ union_surveys('_files', [
    'study', 'wave', 'format', 'file_label', 'codebook', 'respondents', 'warnings',
    "file_label ilike '%ILLUSTRATIVES%' as is_illustrative",
    '_source_file as source_file', '_source_sha256 as source_sha256',
    '_ingested_at as ingested_at',
]) }}
