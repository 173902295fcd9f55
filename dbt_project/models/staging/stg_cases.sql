-- One row per case of the case database, geographic codes as text.
select
    id_cas as case_id,
    titre as title,
    lpad(region, 2, '0') as region_code,
    departement as department_code,
    profil_porteur as actor_profile,
    mode_partenariat as partnership_mode,
    echelon as territorial_level,
    domaine as domain,
    cast(annee as integer) as year,
    _source_file as source_file
from {{ source('raw', 'case_database') }}
