-- The « catalyseurs territoriaux » that animate alliances, with their region and department.
select
    id_catalyseur as catalyst_id,
    nom as name,
    region as region_code,
    departement as department_code
from {{ source('raw', 'case_database_catalysts') }}
