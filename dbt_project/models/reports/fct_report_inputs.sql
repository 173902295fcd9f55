-- Every delivered file behind the printed figures, with its SHA-256: the survey waves, the
-- case export, the context statistics (the reports' provenance lists them).
select distinct source_file as file, source_sha256 as sha256
from {{ ref('stg_survey_files') }}
union
select distinct _source_file, _source_sha256
from {{ source('raw', 'case_database') }}
union
select distinct _source_file, _source_sha256
from {{ source('raw', 'context_statistics') }}
order by file
