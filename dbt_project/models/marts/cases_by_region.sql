-- Number of partnership cases documented in each region (all 13, zero included).
select
    regions.reg as region_code,
    regions.libelle as region_name,
    count(cases.case_id) as case_count
from {{ ref('regions') }} as regions
left join {{ ref('stg_cases') }} as cases on cases.region_code = regions.reg
group by all
order by region_code
