-- Every report (France and each region) has a note of 4 to 7 findings, ranked 1, 2, 3...
{{ config(meta={'dagster': {'ref': {'name': 'fct_report_findings'}}}) }}
with reports as (
    select 'FR' as report_code
    union all
    select reg from {{ ref('regions') }}
),

notes as (
    select report_code, count(*) as findings, max(rank) as last_rank
    from {{ ref('fct_report_findings') }}
    group by report_code
)

select reports.report_code, notes.findings, notes.last_rank
from reports
left join notes using (report_code)
where coalesce(notes.findings, 0) not between 4 and 7 or notes.last_rank != notes.findings
