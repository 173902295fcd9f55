-- The example cases each report quotes (« Quelques pratiques récentes »): for France (`FR`) and
-- each region, the most recent cases, then by identifier, so that the same data always give
-- the same examples; `var('report_example_cases')` of them.
with cases as (
    select
        c.case_id,
        c.region_code,
        c.title,
        d.libelle as department,
        c.domain,
        c.year,
        string_agg(p.actor_profile, ', ' order by p.actor_profile) as profiles
    from {{ ref('stg_cases') }} as c
    join {{ ref('departements') }} as d on d.dep = c.department_code
    join {{ ref('stg_case_profiles') }} as p using (case_id)
    group by all
),

placed as (
    select 'FR' as geo_code, * from cases
    union all
    select region_code as geo_code, * from cases
),

ranked as (
    select
        *,
        row_number() over (partition by geo_code order by year desc, case_id) as rank
    from placed
)

select geo_code, rank, title, department, domain, profiles
from ranked
where rank <= {{ var('report_example_cases') }}
order by geo_code, rank
