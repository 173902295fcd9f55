-- The alliances of the case database that answer each fragility of a region: one row per
-- region and fragility domain (every one, zero included). A case counts in its region (the
-- case's `region` column, as in fct_case_database_indicators) under the fragility domain its
-- domain of action maps to (seed case_domain_fragilities: a Culture case counts under
-- lien_social). An « angle mort » is a priority fragility, perceived or objective, that no
-- case of the region answers.
with cases as (
    select
        cases.case_id,
        cases.title,
        cases.year,
        cases.region_code as reg,
        cases.department_code,
        mapping.domain_id
    from {{ ref('stg_cases') }} as cases
    inner join {{ ref('case_domain_fragilities') }} as mapping
        on mapping.case_domain = cases.domain
),

-- The examples: the most recent cases, then by identifier, so the same export gives the same.
answered as (
    select
        reg,
        domain_id,
        count(*) as cases,
        list(title order by year desc, case_id)[1:2] as examples
    from cases
    group by all
),

-- The export ties a catalyst neither to a domain nor to a case, only to a department: the
-- catalysts counted for a domain are the region's in a department where one of its cases is.
catalysts as (
    select cases.reg, cases.domain_id, count(distinct catalysts.catalyst_id) as catalysts
    from cases
    inner join {{ ref('stg_catalysts') }} as catalysts
        on catalysts.region_code = cases.reg
        and catalysts.department_code = cases.department_code
    group by all
)

select
    priorities.reg,
    priorities.domain_id,
    domains.label as domain_label,
    domains.display_order,
    coalesce(answered.cases, 0) as cases,
    coalesce(catalysts.catalysts, 0) as catalysts,
    coalesce(answered.examples, []) as examples,
    priorities.perceived_priority,
    priorities.objective_fragility,
    (coalesce(priorities.perceived_priority, false) or coalesce(priorities.objective_fragility, false))
    and coalesce(answered.cases, 0) = 0 as angle_mort
from {{ ref('int_fragility_priorities') }} as priorities
inner join {{ ref('fragility_domains') }} as domains using (domain_id)
left join answered using (reg, domain_id)
left join catalysts using (reg, domain_id)
order by priorities.reg, domains.display_order
