-- The partnership modes of each case, one per row (a case may have several).
select id_cas as case_id, modes_partenariat as partnership_mode
from {{ source('raw', 'case_database_modes') }}
