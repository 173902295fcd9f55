-- The actor profiles of each case, one per row (a case has several).
select id_cas as case_id, profils_acteurs as actor_profile
from {{ source('raw', 'case_database_profiles') }}
