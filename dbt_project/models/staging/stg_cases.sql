-- One row per case of the case database, geographic codes as text.
select
    id_cas as case_id,
    titre as title,
    description,
    region as region_code,
    departement as department_code,
    echelon as territorial_level,
    domaine as domain,
    cast(annee as integer) as year,
    _source_file as source_file,
    _source_row as source_row
from {{ source('raw', 'case_database') }}
