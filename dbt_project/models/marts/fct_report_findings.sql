-- The findings of each report's note de synthèse, in the order the note prints them: one row
-- per message. orchestration/publication/key_messages.py words them and chooses nothing; its
-- docstring is the rulebook, this model applies it.
--
-- A finding rests only on a `published` estimate (never `suppressed`, never `fragile`) and, for
-- a difference or a change, on a test significant at 5 %; a ranking of the perceived
-- fragilities, only on a region whose every domain is published and ranked in tiers.
{% set headline = 'citoyens_jouer_collectif' %}
{#- How many findings of one kind a note gives (the note is one page), and its least length. -#}
{% set per_kind = 2 %}
{% set min_messages = 4 %}
{% set max_messages = 7 %}

-- The note speaks of shares; the perceived fragilities (section `fragilites`, scores among
-- them) have their own section and wording.
with estimates as (
    select estimates.*
    from {{ ref('fct_indicator_estimates') }} as estimates
    inner join {{ ref('indicator_catalogue') }} as indicator using (indicator_id)
    where indicator.section is distinct from 'fragilites'
),

catalogue as (
    select indicator_id, label from {{ ref('indicator_catalogue') }}
),

regions as (
    select reg as region_code, libelle as region_name from {{ ref('regions') }}
),

reports as (
    select 'FR' as report_code
    union all
    select region_code from regions
),

-- Each indicator's latest wave: the one a note speaks of (the change looks back from it).
latest as (
    select estimates.*, estimates.status = 'published' and estimates.estimate is not null
        as is_finding
    from estimates
    where estimates.wave = (
        select max(other.wave) from estimates as other
        where other.indicator_id = estimates.indicator_id
    )
),

with_labels as (
    select latest.*, catalogue.label, regions.region_name
    from latest
    inner join catalogue using (indicator_id)
    left join regions on regions.region_code = latest.geo_code
),

headlines as (
    select geo_code as report_code, 'headline' as kind, 1 as kind_rank, *
    from with_labels
    where indicator_id = '{{ headline }}' and is_finding
),

-- A region against the rest of France: significant, largest gaps first.
versus_rest_all as (
    select
        geo_code as report_code,
        'versus_rest' as kind,
        row_number() over (
            partition by geo_code order by abs(vs_rest_difference) desc, indicator_id
        ) as kind_rank,
        *
    from with_labels
    where geo_level = 'region' and is_finding and vs_rest_significant
),

-- Changes since the previous wave: both waves published, the change significant.
changes_all as (
    select
        latest.geo_code as report_code,
        'change' as kind,
        row_number() over (
            partition by latest.geo_code order by abs(latest.change) desc, latest.indicator_id
        ) as kind_rank,
        latest.*,
        earlier.estimate as previous_estimate
    from with_labels as latest
    inner join estimates as earlier
        on earlier.indicator_id = latest.indicator_id
        and earlier.geo_code = latest.geo_code
        and earlier.wave = latest.previous_wave
    where latest.is_finding and earlier.status = 'published' and earlier.estimate is not null
        and latest.change_significant
),

survey_findings as (
    select *, null::double as previous_estimate from headlines
    union all by name
    select * from versus_rest_all where kind_rank <= {{ per_kind }}
    union all by name
    select * from changes_all where kind_rank <= {{ per_kind }}
),

-- The case database of each report's territory, with its most represented domain (ties: the
-- name last in alphabetical order).
case_totals as (
    select geo_code as report_code, count as case_count, per_100k_inhabitants
    from {{ ref('fct_case_database_indicators') }}
    where dimension = 'total' and geo_level in ('france', 'region')
),

case_catalysts as (
    select geo_code as report_code, count as catalyst_count
    from {{ ref('fct_case_database_indicators') }}
    where dimension = 'catalysts' and geo_level in ('france', 'region')
),

first_domains as (
    select geo_code as report_code, category as first_domain, count as first_domain_count
    from {{ ref('fct_case_database_indicators') }}
    where dimension = 'domain' and geo_level in ('france', 'region') and count > 0
    qualify row_number() over (partition by geo_code order by count desc, category desc) = 1
),

cases as (
    select
        reports.report_code,
        'cases' as kind,
        1 as kind_rank,
        reports.report_code as geo_code,
        coalesce(case_totals.case_count, 0) as case_count,
        case_totals.per_100k_inhabitants as cases_per_100k,
        coalesce(case_catalysts.catalyst_count, 0) as catalyst_count,
        -- A domain is worth naming only among several cases.
        case when case_totals.case_count > 1 then first_domains.first_domain end as first_domain,
        case when case_totals.case_count > 1 then first_domains.first_domain_count end
            as first_domain_count
    from reports
    left join case_totals using (report_code)
    left join case_catalysts using (report_code)
    left join first_domains using (report_code)
),

-- The citizens' leading tier of the fragilities of a region (« Fragilités prioritaires »), at
-- their latest wave: only when every domain is published (none withheld, none fragile), hence
-- ranked, and a second tier exists (the leading domains are significantly ahead of the others).
citizens_ranking as (
    select ranking.*, domains.label as domain_label, domains.display_order
    from {{ ref('fct_fragility_ranking') }} as ranking
    inner join {{ ref('fragility_domains') }} as domains using (domain_id)
    inner join regions on regions.region_code = ranking.geo_code
    where ranking.study = 'citoyens' and ranking.wave = (
        select max(wave) from {{ ref('fct_fragility_ranking') }} where study = 'citoyens'
    )
),

perceived_priorities as (
    select
        geo_code as report_code,
        'perceived_priorities' as kind,
        1 as kind_rank,
        geo_code,
        wave,
        any_value(unit) as unit,
        count(*) filter (where tier = 1) as item_count,
        count(*) as total_count,
        list(domain_label order by position) filter (where tier = 1) as domain_labels,
        list(estimate order by position) filter (where tier = 1) as domain_values
    from citizens_ranking
    group by geo_code, wave
    having count(tier) = count(*) and max(tier) > 1 and bool_and(status = 'published')
),

-- The region's « angles morts » (fct_fragility_alliances): its priority fragilities, perceived
-- or objective, that no recorded case of the region answers; in the domains' display order.
blind_spots as (
    select
        reg as report_code,
        'blind_spots' as kind,
        1 as kind_rank,
        reg as geo_code,
        count(*) as item_count,
        list(domain_label order by display_order) as domain_labels,
        list(coalesce(perceived_priority, false) order by display_order) as domain_perceived,
        list(coalesce(objective_fragility, false) order by display_order) as domain_objective
    from {{ ref('fct_fragility_alliances') }}
    where angle_mort
    group by reg
),

-- What a region's sample cannot say: how many of the indicators are withheld.
withheld as (
    select
        geo_code as report_code,
        'withheld' as kind,
        1 as kind_rank,
        geo_code,
        count(*) filter (where status = 'suppressed' or estimate is null) as item_count,
        count(*) as total_count
    from latest
    where geo_level = 'region'
    group by geo_code
    having count(*) filter (where status = 'suppressed' or estimate is null) > 0
),

-- A regional note below four messages is completed by the reference findings, in this order:
-- France's headline, the statement that nothing published differs from the rest of France,
-- France's changes.
regional_counts as (
    select
        regions.region_code as report_code,
        (select count(*) from headlines where headlines.report_code = regions.region_code)
        + (
            select count(*) from versus_rest_all as v
            where v.report_code = regions.region_code and v.kind_rank <= {{ per_kind }}
        )
        + (
            select count(*) from changes_all as c
            where c.report_code = regions.region_code and c.kind_rank <= {{ per_kind }}
        )
        + 1
        + (select count(*) from withheld where withheld.report_code = regions.region_code)
        + (select count(*) from perceived_priorities as p where p.report_code = regions.region_code)
        + (select count(*) from blind_spots as b where b.report_code = regions.region_code)
            as main_count,
        exists (select 1 from versus_rest_all as v where v.report_code = regions.region_code)
            as has_versus_rest,
        exists (
            select 1 from latest where latest.geo_code = regions.region_code and latest.is_finding
        ) as has_published,
        exists (select 1 from withheld where withheld.report_code = regions.region_code)
            as has_withheld,
        exists (select 1 from headlines where headlines.report_code = 'FR')
            as france_headline_published
    from regions
),

regional_fallbacks as (
    select
        *,
        main_count + france_headline_published::int as after_reference_headline,
        main_count + france_headline_published::int
        + (main_count + france_headline_published::int < {{ min_messages }}
            and has_published and not has_versus_rest)::int as after_no_difference
    from regional_counts
),

reference_findings as (
    select f.report_code, 'reference_headline' as kind, 1 as kind_rank,
        h.* exclude (report_code, kind, kind_rank)
    from regional_fallbacks as f
    cross join headlines as h
    where h.report_code = 'FR' and f.main_count < {{ min_messages }}
    union all by name
    select f.report_code, 'no_difference' as kind, 1 as kind_rank, f.report_code as geo_code
    from regional_fallbacks as f
    where f.after_reference_headline < {{ min_messages }} and f.has_published
        and not f.has_versus_rest
    union all by name
    select f.report_code, 'reference_change' as kind, c.kind_rank,
        c.* exclude (report_code, kind, kind_rank)
    from regional_fallbacks as f
    cross join changes_all as c
    where c.report_code = 'FR' and c.kind_rank <= {{ per_kind }}
        and f.after_no_difference + c.kind_rank <= {{ min_messages }}
),

-- The national synthesis: the regional values that differ from the rest of France, counted,
-- with the largest; or the statement that none does.
regional_gaps as (
    select
        'FR' as report_code,
        'regions_versus_rest' as kind,
        1 as kind_rank,
        v.* exclude (report_code, kind, kind_rank),
        count(*) over () as item_count
    from versus_rest_all as v
    qualify row_number() over (
        order by abs(v.vs_rest_difference) desc, v.indicator_id, v.geo_code
    ) = 1
),

no_regional_gap as (
    select 'FR' as report_code, 'no_region_differs' as kind, 1 as kind_rank, 'FR' as geo_code
    where not exists (select 1 from versus_rest_all)
),

-- How many of the programme's published figures lie in the national interval of this run.
published_agreement as (
    select
        'FR' as report_code,
        'published_agreement' as kind,
        1 as kind_rank,
        'FR' as geo_code,
        count(*) filter (where p.value between e.ci_low and e.ci_high) as item_count,
        count(*) as total_count
    from {{ ref('published_figures') }} as p
    inner join estimates as e
        on e.indicator_id = p.indicator_id and e.wave = p.wave and e.geo_code = 'FR'
    where e.status = 'published' and e.estimate is not null
    having count(*) > 0
),

-- The regions whose headline is withheld, named in one sentence of the national note.
withheld_headlines as (
    select
        'FR' as report_code,
        'withheld_regions' as kind,
        1 as kind_rank,
        'FR' as geo_code,
        count(*) as item_count,
        list(region_name order by geo_code) as region_names
    from with_labels
    where indicator_id = '{{ headline }}' and geo_level = 'region'
        and (status = 'suppressed' or estimate is null)
    having count(*) > 0
),

findings as (
    select * from survey_findings
    union all by name
    select * from cases
    union all by name
    select * from withheld
    union all by name
    select * from perceived_priorities
    union all by name
    select * from blind_spots
    union all by name
    select * from reference_findings
    union all by name
    select * from regional_gaps
    union all by name
    select * from no_regional_gap
    union all by name
    select * from published_agreement
    union all by name
    select * from withheld_headlines
),

-- Where each kind sits in its note. A regional note ends with its withheld count, or with its
-- case database and its angles morts when nothing is withheld; the reference findings come
-- just before that end. A regional note holding more than seven findings drops, first, its
-- second change, then its second gap to the rest of France (`keep`: the order in which the
-- findings are kept; the reference findings only ever complete a note of fewer than four).
ordered as (
    select
        findings.*,
        case
            when findings.report_code = 'FR' then case findings.kind
                when 'headline' then 1
                when 'change' then 2
                when 'regions_versus_rest' then 3
                when 'no_region_differs' then 3
                when 'cases' then 4
                when 'published_agreement' then 5
                when 'withheld_regions' then 6
            end
            else case findings.kind
                when 'headline' then 1
                when 'versus_rest' then 2
                when 'change' then 3
                when 'perceived_priorities' then 4
                when 'cases' then case when counts.has_withheld then 5 else 10 end
                when 'blind_spots' then case when counts.has_withheld then 6 else 11 end
                when 'reference_headline' then 7
                when 'no_difference' then 8
                when 'reference_change' then 9
                when 'withheld' then 12
            end
        end as place,
        case
            when findings.report_code = 'FR' then 1
            when findings.kind = 'versus_rest' and findings.kind_rank > 1 then 3
            when findings.kind = 'change' and findings.kind_rank > 1 then 4
            when findings.kind in ('reference_headline', 'no_difference', 'reference_change')
                then 5
            else 1
        end as keep
    from findings
    left join regional_counts as counts using (report_code)
    qualify row_number() over (
        partition by findings.report_code order by keep, place, findings.kind_rank
    ) <= {{ max_messages }}
)

select
    report_code,
    row_number() over (partition by report_code order by place, kind_rank)::integer as rank,
    kind,
    kind_rank::integer as kind_rank,
    geo_code,
    region_name as geo_name,
    indicator_id,
    study,
    label,
    wave::integer as wave,
    case when kind in ('change', 'reference_change') then previous_wave end::integer
        as previous_wave,
    estimate as share,
    ci_low,
    ci_high,
    n::integer as base_n,
    previous_estimate as previous_share,
    case
        when kind in ('versus_rest', 'regions_versus_rest') then vs_rest_difference
        when kind in ('change', 'reference_change') then change
    end as difference,
    item_count::integer as item_count,
    total_count::integer as total_count,
    case_count::integer as case_count,
    cases_per_100k,
    catalyst_count::integer as catalyst_count,
    first_domain,
    first_domain_count::integer as first_domain_count,
    region_names,
    unit,
    domain_labels,
    domain_values,
    domain_perceived,
    domain_objective
from ordered
order by report_code, rank
