"""End to end through Dagster, the figures: each number a report prints is the marts' value,
rounded as printed; nothing withheld is printed; modelled estimates are marked."""

import html
import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.geography import region_by_code, regions
from orchestration.ingest.context import read_catalogue
from orchestration.ingest.readers import read_survey
from orchestration.publication.escaping import inert
from orchestration.publication.french import alphabetical, decimal, integer, percent, points
from orchestration.publication.key_messages import (
    national_messages,
    regional_messages,
)
from orchestration.publication.profile_figures import nature_text, rank_text, value_text
from orchestration.publication.vocabulary import MODELLED_NOTE, POPULATIONS
from tests.conftest import CITIZENS_2020
from tests.fragility_reading import plain, printed_tiers, study_segment
from tests.pipeline_reading import (
    CHECKED_REGION,
    CODEBOOK,
    INDICATOR,
    REGION,
    WEIGHT,
    french_percent,
    html_text,
    indicator_row,
    normalized,
    pdf_text,
    printed,
    report_jobs,
    report_of,
    typeset,
    visible_markdown,
)

# What the reports print: direct, modelled (issue 18) or nothing.
PUBLISHED = "marts.fct_published_estimates"


def test_the_small_area_mart_publishes_direct_then_modelled_then_nothing(finished_pipeline):
    """Issue 18: direct exactly where the direct estimate is publishable; modelled only where
    the fit meets every threshold of the seed; nothing otherwise; no ingredient of a modelled
    value (direct share, shrinkage, synthetic part, EBLUP) in the published mart."""
    project, _, _ = finished_pipeline
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        mart = connection.sql("from marts.fct_small_area_estimates").df()
        fits = connection.sql("from intermediate.int_small_area_fits").df()
        direct = connection.sql(f"from {INDICATOR} where geo_level = 'region'").df()
        [model] = connection.sql("from reference.small_area_models").df().to_dict("records")
    assert not {"direct", "shrinkage", "synthetic", "eblup", "sampling_variance"} & set(mart)
    key = ["indicator_id", "wave", "geo_code"]
    rows = mart.merge(direct, on=key, suffixes=("", "_direct")).merge(
        fits, on=key, suffixes=("", "_fit")
    )
    assert len(rows) == len(mart) == len(fits) > 0
    publishable = rows["status"].isin(["published", "fragile"])
    assert (rows["estimate_type"] == "direct").equals(publishable)
    shown = rows[publishable]
    assert (shown["estimate"] == shown["estimate_direct"]).all()
    passes = (
        rows["converged"].astype(bool)
        & (rows["sigma2_u_fit"] > 0)
        & (rows["max_abs_standardised_residual_fit"] <= model["max_abs_standardised_residual"])
        & (rows["cv_fit"] <= model["max_cv"])
        & (rows["effective_size"] >= model["min_effective_size"])
        & rows["estimate_fit"].between(0, 1)
    )
    modelled = rows[rows["estimate_type"] == "modelled"]
    assert len(modelled) > 0 and passes[modelled.index].all()
    assert (modelled["estimate"] == modelled["estimate_fit"]).all()
    assert (modelled["model_id"] == model["model_id"]).all() and (modelled["mse"] >= 0).all()
    assert (
        (modelled["ci_low"] <= modelled["estimate"]) & (modelled["estimate"] <= modelled["ci_high"])
    ).all()
    withheld = rows[rows["estimate_type"] == "suppressed"]
    assert not passes[withheld.index].any() and not publishable[withheld.index].any()
    for column in ("estimate", "ci_low", "ci_high", "mse", "cv"):
        assert withheld[column].isna().all(), column
    assert rows.loc[publishable, "mse"].isna().all()


def test_indicator_equals_an_independent_computation_from_the_delivery(finished_pipeline):
    project, _, _ = finished_pipeline
    answers = read_survey(project.raw_dir / CITIZENS_2020, CODEBOOK).data
    question = next(q for q in CODEBOOK.questions if q.name == "jouer_collectif")
    necessary_codes = [c for c, a in question.codes.items() if a in ("incontournable", "utile")]
    region = answers[answers[REGION] == float(CHECKED_REGION)].dropna(subset=[question.variable])
    necessary = region[question.variable].isin(necessary_codes)
    expected = (region[WEIGHT] * necessary).sum() / region[WEIGHT].sum()
    share, base_n, *_ = indicator_row(project, CHECKED_REGION)
    assert share == pytest.approx(expected, rel=1e-12)
    assert base_n == len(region)


@pytest.mark.parametrize("reader", [html_text, pdf_text], ids=["html", "pdf"])
def test_report_prints_the_warehouse_value(finished_pipeline, reader):
    project, _, _ = finished_pipeline
    share, base_n, low, high, status = indicator_row(project, CHECKED_REGION)
    national_share, national_n, national_low, national_high, _ = indicator_row(project, "FR")
    assert status == "published"
    region = region_by_code(CHECKED_REGION)
    text = reader(report_of(project, region.name, reader))
    # The table row of the region: its name, its share, its interval, its unweighted base.
    interval = f"[{french_percent(low)} ; {french_percent(high)}]"
    assert f"{region.name} {french_percent(share)} {interval} {base_n}" in text
    national_base = f"{national_n:,}".replace(",", " ")
    national_interval = f"[{french_percent(national_low)} ; {french_percent(national_high)}]"
    assert (
        f"France métropolitaine {french_percent(national_share)} {national_interval} "
        f"{national_base}" in text
    )
    assert "Données illustratives" in text


@pytest.mark.parametrize("reader", [html_text, pdf_text], ids=["html", "pdf"])
def test_a_suppressed_value_is_never_printed(finished_pipeline, reader):
    project, _, _ = finished_pipeline
    share, base_n, _, _, status = indicator_row(project, "94")  # Corse: under 30 respondents
    assert status == "suppressed" and base_n < 30
    corsica = region_by_code("94")
    regional = reader(report_of(project, corsica.name, reader))
    national = reader(report_of(project, "Synthèse nationale", reader))
    for text in (regional, national):
        assert f"{corsica.name} e.i." in text
    # The renders cannot print what the export does not hold: no suppressed estimate is in it.
    export = json.loads(report_data_path_of(project).read_text(encoding="utf-8"))
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        suppressed = connection.execute(
            f"select indicator_id, wave, geo_code from {PUBLISHED} where status = 'suppressed'"
        ).fetchall()
        modelled = connection.execute(
            f"select indicator_id, wave, geo_code, estimate, ci_low, ci_high from {PUBLISHED}"
            " where status = 'modelled'"
        ).fetchall()
    exported = {
        (item["id"], wave["wave"], code): value
        for item in export["indicators"]
        for wave in item["waves"]
        for code, value in wave["values"].items()
    }
    # Issue 17: the fragility domains are exported in their own block, withheld the same way.
    fragilities = {
        (item["indicator_id"], ranking["wave"], ranking["geo_code"]): item
        for ranking in export["fragilities"]
        for item in ranking["items"]
    }
    assert len(suppressed) > 100
    for key in suppressed:
        if key in fragilities:
            item = fragilities[key]
            assert item["estimate"] is None and item["ci_low"] is None and item["ci_high"] is None
            continue
        value = exported[key]
        assert value["share"] is None and value["ci_low"] is None and value["ci_high"] is None
        assert value["vs_rest_difference"] is None and value["change"] is None
    # Issue 18: where the direct value is withheld but modelled, the export holds the modelled
    # value only, with no comparison resting on it.
    assert modelled
    for *key, estimate, low, high in modelled:
        value = exported[tuple(key)]
        assert (value["share"], value["ci_low"], value["ci_high"]) == (estimate, low, high)
        assert value["status"] == "modelled"
        assert value["vs_rest_difference"] is None and value["vs_rest_significant"] is None
        assert value["change"] is None and value["change_significant"] is None


def report_data_path_of(project) -> Path:
    return project.warehouse.parent / "exports" / "report-data.json"


def test_every_key_figure_of_a_region_equals_the_mart(finished_pipeline):
    project, _, _ = finished_pipeline
    region = region_by_code(CHECKED_REGION)
    text = html_text(report_of(project, region.name, html_text))
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        rows = connection.execute(
            f"""
            select r.study, r.wave, r.estimate, r.ci_low, r.ci_high, r.n, r.status,
                f.estimate, f.status
            from {PUBLISHED} as r
            join {PUBLISHED} as f using (indicator_id, wave)
            where r.geo_code = ? and f.geo_code = 'FR' and r.indicator_id like '%_jouer_collectif'
                and r.wave = (select max(wave) from {PUBLISHED} as w
                              where w.indicator_id = r.indicator_id)
            """,
            [CHECKED_REGION],
        ).fetchall()
    assert len(rows) == 5
    # Issue 18: a modelled value is footnoted (and marked: ``printed``).
    assert "modelled" not in {row[6] for row in rows} or typeset(MODELLED_NOTE) in text
    for study, wave, share, low, high, n, status, france, france_status in rows:
        if status == "suppressed":
            # Issue 16: a withheld value is named under the table, not printed as a row of marks.
            assert normalized(f"{POPULATIONS[study]} ({wave})") in text
            assert normalized(f"{POPULATIONS[study]} ({wave}) e.i.") not in text
            assert "Non publiés faute d’effectif suffisant dans la région" in text
            continue
        interval = f"[{french_percent(low)} ; {french_percent(high)}]"
        base = f"{n:,}".replace(",", " ")
        expected = (
            f"{POPULATIONS[study]} ({wave}) {printed(share, status)} {interval} {base} "
            f"{printed(france, france_status)}"
        )
        assert normalized(expected) in text


@pytest.mark.parametrize("reader", [html_text, pdf_text], ids=["html", "pdf"])
def test_a_modelled_value_is_marked_footnoted_explained_and_never_compared(
    finished_pipeline, reader
):
    """Issue 18, item 3: in Corse's report every modelled value is printed as the mart holds
    it, with « (estimation modélisée) », no difference from the rest of France, the one-sentence
    footnote and the method with the seed's thresholds; the synthesis marks its modelled regions
    too; no note de synthèse cites a modelled value."""
    project, _, _ = finished_pipeline
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        rows = connection.execute(
            f"""
            select c.label, r.wave, r.estimate, r.ci_low, r.ci_high, r.n, f.estimate, f.status
            from {PUBLISHED} as r
            join {PUBLISHED} as f using (indicator_id, wave)
            join reference.indicator_catalogue as c using (indicator_id)
            where r.geo_code = '94' and f.geo_code = 'FR' and r.status = 'modelled'
            """
        ).fetchall()
        cited = connection.execute(
            f"""
            select count(*) from marts.fct_report_findings as n
            join {PUBLISHED} as p
                on p.indicator_id = n.indicator_id and p.wave = n.wave
                and p.geo_code = n.geo_code
            where p.status = 'modelled'
            """
        ).fetchone()[0]
    assert len(rows) >= 2 and cited == 0
    text = reader(report_of(project, region_by_code("94").name, reader))
    assert text.count("(estimation modélisée)") >= len(rows)
    for label, wave, share, low, high, n, france, france_status in rows:
        if reader is pdf_text:
            break  # the PDF's table cells wrap: rows are read back from the HTML
        label = "Maires" if label.startswith("Part des maires jugeant") else label
        interval = f"[{french_percent(low)} ; {french_percent(high)}]"
        row = (
            f"{label} ({wave}) {printed(share, 'modelled')} {interval} {n} "
            f"{printed(france, france_status)} –"
        )
        assert typeset(row) in text, row
    # The PDF breaks lines with hyphens and pages: its sentences are read from their start.
    note = typeset(MODELLED_NOTE) if reader is html_text else "« Estimation modélisée » : les"
    assert note in text
    assert "Fay–Herriot" in text and "ne dépasse pas 20 %" in text
    synthesis = reader(report_of(project, "Synthèse nationale", reader))
    assert "mention « modélisée » : estimation modélisée" in synthesis
    assert note in synthesis


FINDINGS = "marts.fct_report_findings"


# Numbers the sentences print whatever the data: « intervalle à 95 % », « test à 5 % »,
# « pour 100 000 habitants ».
WORDING_NUMBERS = {"95", "5", "100 000"}


def numbers(text: str) -> list[str]:
    """The numbers of a visible text as printed: « 3 000 », « 81,2 », « 2020 »."""
    return re.findall(r"\d+(?: \d{3})*(?:,\d+)?", normalized(text))


SURVEY_FIGURES = ("wave", "share", "ci_low", "ci_high", "base_n")


# The mart's columns each kind of sentence prints.
PRINTED = {
    "headline": SURVEY_FIGURES,
    "reference_headline": SURVEY_FIGURES,
    "versus_rest": (*SURVEY_FIGURES, "difference"),
    "regions_versus_rest": (*SURVEY_FIGURES, "difference", "item_count"),
    "change": ("wave", "share", "previous_wave", "previous_share", "difference"),
    "reference_change": ("wave", "share", "previous_wave", "previous_share", "difference"),
    "cases": ("case_count", "cases_per_100k", "catalyst_count", "first_domain_count"),
    "withheld": ("item_count", "total_count"),
    "published_agreement": ("item_count", "total_count"),
    "perceived_priorities": ("wave", "total_count", "domain_values"),
}


def printed_numbers(finding: dict) -> set[str]:
    """The mart's values of a finding, formatted as the note and the tables print them."""
    texts = []
    for name in PRINTED.get(finding["kind"], ()):
        value = finding[name]
        if value is None:
            continue
        if name in ("wave", "previous_wave"):
            texts.append(str(value))
        elif name == "domain_values":  # scores out of 10, as « Fragilités prioritaires »
            score = finding["unit"] == "score"
            texts += [f"{decimal(v)} sur 10" if score else percent(v) for v in value]
        elif name == "difference":
            texts.append(points(abs(value)))
        elif name == "cases_per_100k":
            texts.append(decimal(value, 1))
        elif name in ("share", "ci_low", "ci_high", "previous_share"):
            texts.append(percent(value))
        elif value != 0:  # a count of zero is written in words: « aucun catalyseur »
            texts.append(integer(value))
    return {number for text in texts for number in numbers(text)}


def mart_findings(project, code: str) -> list[dict]:
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        frame = connection.execute(
            f"select * from {FINDINGS} where report_code = ? order by rank", [code]
        ).df()
    return [{k: _plain(v) for k, v in f.items()} for f in frame.to_dict("records")]


def _plain(value):
    """A cell of the mart as Python: a list column as a list, a missing value as None."""
    if isinstance(value, np.ndarray):  # how pandas gives a list column
        return value.tolist()
    return None if not isinstance(value, list | str) and pd.isna(value) else value


def test_every_number_of_each_note_is_the_marts_rounded_as_printed(finished_pipeline):
    """Issue 16: each message printed in a note is one finding of fct_report_findings, in its
    order, and prints the mart's values of that finding as the tables round them, nothing
    else."""
    project, _, _ = finished_pipeline
    for job in report_jobs(project):
        figures = json.loads(job.data_file.read_text(encoding="utf-8"))
        code = "FR" if job.source == "national.qmd" else job.params["region"]
        messages = national_messages(figures) if code == "FR" else regional_messages(figures, code)
        findings = mart_findings(project, code)
        assert len(messages) == len(findings), job.title
        text = html_text(job.html)
        for message, finding in zip(messages, findings, strict=True):
            printed = visible_markdown(message)
            assert printed in text, (job.title, printed)
            names = [finding["label"], finding["geo_name"], finding["first_domain"]]
            listed = [*(finding["region_names"] or ()), *(finding["domain_labels"] or ())]
            for name in filter(None, [*names, *listed]):
                printed = printed.replace(visible_markdown(inert(name)), "")
            expected = printed_numbers(finding)
            assert set(numbers(printed)) - WORDING_NUMBERS <= expected, (job.title, printed)
            assert expected <= set(numbers(printed)), (job.title, printed)


def test_no_finding_rests_on_a_withheld_fragile_or_non_significant_value(finished_pipeline):
    """Every survey finding's value is `published` in fct_indicator_estimates, with the same
    share, its test (gap or change) significant, and a change's earlier wave published too."""
    project, _, _ = finished_pipeline
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        rows = connection.execute(
            f"""
            select f.kind, f.share, f.previous_share, now.estimate, now.status,
                now.vs_rest_significant, now.change_significant, earlier.estimate,
                earlier.status
            from {FINDINGS} as f
            join {INDICATOR} as now using (indicator_id, wave, geo_code)
            left join {INDICATOR} as earlier
                on earlier.indicator_id = f.indicator_id and earlier.geo_code = f.geo_code
                and earlier.wave = f.previous_wave
            """
        ).fetchall()
        survey_findings = connection.execute(
            f"select count(*) from {FINDINGS} where indicator_id is not null"
        ).fetchone()[0]
    assert len(rows) == survey_findings > 14
    for kind, share, previous, estimate, status, versus, change, earlier, earlier_status in rows:
        assert status == "published" and share == estimate, kind
        if kind in ("versus_rest", "regions_versus_rest"):
            assert versus is True
        if kind in ("change", "reference_change"):
            assert change is True and earlier_status == "published" and previous == earlier


PROFILE = "marts.fct_region_profile"


def region_profile(project, code: str) -> pd.DataFrame:
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        return connection.execute(
            f"from {PROFILE} where geo_code = ? order by display_order", [code]
        ).df()


def profile_section_text(text: str) -> str:
    """The « Profil de la région » section of a report's visible text: from its table's title
    (the heading's name is in the contents too) to the next section."""
    start = text.index("Profil de la région : indicateurs de contexte")
    assert text.rindex("Profil de la région", 0, start) > text.rindex("Note de synthèse", 0, start)
    return text[start : text.index("Fragilités prioritaires", start)]


def printed_row(row) -> str:
    """A row of the profile table as the HTML shows it, from the mart's values."""
    rank = None if pd.isna(row.rank_among_regions) else int(row.rank_among_regions)
    cells = [
        visible_markdown(inert(row.label)),
        value_text(row.value, row.unit),
        value_text(row.france_value, row.unit),
        rank_text(rank, out_of=False) or "–",
        str(row.year),
        nature_text(row.nature),
    ]
    return normalized(" ".join(cells))


def test_each_region_prints_its_profile_as_the_mart_holds_it(finished_pipeline):
    """Issue 17: each regional report has « Profil de la région » after the note; each row of
    its table is the mart's row as printed (HTML), the PDF prints each of its values, and the
    objective fragilities named are the mart's."""
    project, _, _ = finished_pipeline
    for job in report_jobs(project)[1:]:
        code = job.params["region"]
        mart = region_profile(project, code)
        assert len(mart) == len(read_catalogue()), job.title
        page = profile_section_text(html_text(job.html))
        pdf = profile_section_text(pdf_text(job.pdf))
        for row in mart.itertuples():
            assert printed_row(row) in page, (job.title, printed_row(row))
        fragile = mart[mart["objective_fragility"].fillna(False).astype(bool)]
        if len(fragile):
            sentence = page[page.index("Fragilités objectives") : page.index("Nature et source")]
            assert "parmi les quatre régions les plus touchées" in sentence
            named = [
                f"{visible_markdown(inert(r.label.lower()))} "
                f"({rank_text(int(r.rank_among_regions))})"
                for r in fragile.itertuples()
            ]
            assert all(name in sentence for name in named), (job.title, sentence)
            assert sentence.count(" sur 13)") == len(fragile), (job.title, sentence)
        assert "Valeurs illustratives" in page and "fichier de référence" in page
        for row in mart.itertuples():
            for value in (row.value, row.france_value):
                for number in numbers(value_text(value, row.unit)):
                    assert re.search(rf"(?<![\d,]){number}(?![\d,])", pdf), (job.title, number)


COMPARISON = "marts.fct_fragility_comparison"


COMPARISON_SECTION = "Fragilités perçues et fragilités objectives"


def html_section(page: str, heading: str) -> str:
    """The HTML of the section under the ``<h2>`` whose text holds ``heading``."""
    for start in re.finditer(r"<h2[^>]*>(.*?)</h2>", page, flags=re.S):
        if heading in html.unescape(re.sub(r"<[^>]+>", "", start[1])):
            return page[start.end() : page.index("<h2", start.end())]
    raise AssertionError(f"no section « {heading} »")


def table_rows(fragment: str, after: str = "") -> list[list[str]]:
    """The body rows of the first table after ``after`` in an HTML fragment, cells as seen."""
    table = re.search(r"<table.*?</table>", fragment[fragment.index(after) :], flags=re.S)
    rows = [
        [normalized(html.unescape(re.sub(r"<[^>]+>", " ", cell))).strip() for cell in cells]
        for cells in (
            re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table[0], flags=re.S)
        )
    ]
    return [row for row in rows if row]


def shown(text: str) -> str:
    return visible_markdown(inert(text)).strip()


def comparison_mart(project) -> pd.DataFrame:
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        return connection.execute(f"from {COMPARISON} order by reg, display_order").df()


def test_each_region_sets_perceived_beside_objective_fragilities_as_the_mart_holds_them(
    finished_pipeline,
):
    """Issue 17, item 3: each regional report's « Fragilités perçues et fragilités objectives »
    prints the mart's rows as the tables round them, names in each agreement line exactly the
    mart's domains, and words a gap with the rest of France only where it is significant; a
    region whose scores are withheld prints none of them."""
    project, _, _ = finished_pipeline
    mart = comparison_mart(project)
    for job in report_jobs(project)[1:]:
        code = job.params["region"]
        mine = mart[mart["reg"] == code]
        section = html_section(job.html.read_text(encoding="utf-8"), COMPARISON_SECTION)
        text = normalized(html.unescape(re.sub(r"<[^>]+>", " ", section)))
        if mine["score"].isna().any():
            assert "Trop peu d'habitants".replace("'", "’") in text, job.title
            assert "<table" not in section, job.title
            continue
        expected = [
            [
                shown(row.domain_label),
                normalized(decimal(row.score)),
                normalized(decimal(row.france_score)),
                shown(row.indicator_label),
                normalized(value_text(row.value, row.unit)),
                normalized(value_text(row.france_value, row.unit)),
                rank_text(int(row.rank_among_regions), out_of=False),
            ]
            for row in mine.itertuples()
        ]
        assert table_rows(section, "Tableau") == expected, job.title
        for kind, lead in (
            ("both", "Priorités perçues qui sont aussi des fragilités objectives"),
            ("perceived_only", "Priorités perçues sans fragilité objective mesurée"),
            ("objective_only", "Fragilités objectives hors du groupe de tête des habitants"),
        ):
            labels = [shown(label) for label in mine[mine["agreement"] == kind]["domain_label"]]
            if labels:
                assert f"{lead} : {' ; '.join(labels)}." in text, (job.title, kind)
            else:
                assert lead not in text, (job.title, kind)
        significant = set(mine[mine["vs_rest_significant"].fillna(False).astype(bool)].index)
        if not significant:
            assert "ne diffère significativement de celle du reste de la France" in text
            continue
        lead = "Les habitants de la région jugent"
        sentence = text[text.index(lead) : text.index("(écarts significatifs à 5 %)")]
        for row in mine.itertuples():
            named = f"{shown(row.domain_label)} ({'+' if row.vs_rest_difference > 0 else '−'}"
            assert (named in sentence) == (row.Index in significant), (job.title, named)


def test_the_synthesis_shows_every_region_s_priorities_and_their_divergences(finished_pipeline):
    """Issue 17, item 5: the national synthesis has the heat map of the 13 regions' scores
    and a table of the divergences equal to the mart (perceived only, objective only)."""
    project, _, _ = finished_pipeline
    mart = comparison_mart(project)
    synthesis = report_jobs(project)[0]
    page = synthesis.html.read_text(encoding="utf-8")
    section = html_section(page, "Les fragilités prioritaires des régions")
    assert 'alt="Carte de chaleur' in section
    names = {region.code: region.name for region in regions()}
    expected = []
    for code, rows in sorted(mart.groupby("reg"), key=lambda item: alphabetical(names[item[0]])):
        if rows["agreement"].isna().all():
            continue
        cells = [names[code]]
        for kind in ("perceived_only", "objective_only"):
            labels = list(rows[rows["agreement"] == kind]["domain_label"])
            cells.append(normalized(" ; ".join(labels).replace("'", "’")) or "–")
        expected.append(cells)
    assert table_rows(section, "Tableau") == [[shown(c) for c in row] for row in expected]
    withheld = [names[code] for code, rows in mart.groupby("reg") if rows["score"].isna().all()]
    for name in withheld:
        assert name in normalized(html.unescape(re.sub(r"<[^>]+>", " ", section)))


def fragility_marts(project) -> tuple[pd.DataFrame, dict]:
    """The latest wave's ranking with the domains' labels, and each pair's significance."""
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        ranking = connection.execute(
            """
            select r.*, d.label from marts.fct_fragility_ranking as r
            join reference.fragility_domains as d using (domain_id)
            where r.wave = (select max(wave) from marts.fct_fragility_ranking as o
                            where o.study = r.study)
            """
        ).df()
        pairs = connection.execute("from marts.fct_fragility_pairs").df()
    significant = {
        (row.study, row.geo_code, frozenset((row.domain_a, row.domain_b))): row.significant
        for row in pairs.itertuples()
    }
    return ranking, significant


@pytest.mark.parametrize("reader", [html_text, pdf_text], ids=["html", "pdf"])
def test_fragility_rankings_rest_on_significant_pairs_and_print_the_mart(finished_pipeline, reader):
    """Issue 17: each region's printed tiers are the mart's, with its values as printed; a
    domain is printed before another only where their paired difference is significant; a
    region without a ranking prints none."""
    project, _, _ = finished_pipeline
    ranking, significant = fragility_marts(project)
    ranked_regions = 0
    for job in report_jobs(project)[1:]:
        code = job.params["region"]
        text = reader(job.pdf if reader is pdf_text else job.html)
        for study in ("citoyens", "elus"):
            mine = ranking[(ranking["study"] == study) & (ranking["geo_code"] == code)]
            by_label = {plain(row.label): row for row in mine.itertuples()}
            printed = printed_tiers(study_segment(text, study))
            if mine["tier"].isna().any():
                assert printed == [], (job.title, study)
                continue
            ranked_regions += study == "citoyens"
            value = decimal if study == "citoyens" else percent
            assert [
                [(label, normalized(value(by_label[label].estimate))) for label, _ in tier]
                for tier in printed
            ] == [[(label, normalized(shown)) for label, shown in tier] for tier in printed]
            assert [[by_label[label].domain_id for label, _ in tier] for tier in printed] == [
                list(group.sort_values("position")["domain_id"])
                for _, group in mine.sort_values("position").groupby("tier")
            ], (job.title, study)
            for upper, tier in enumerate(printed):
                for lower in printed[upper + 1 :]:
                    for a, _ in tier:
                        for b, _ in lower:
                            key = (
                                study,
                                code,
                                frozenset((by_label[a].domain_id, by_label[b].domain_id)),
                            )
                            assert significant[key], (job.title, a, b)
                            assert by_label[a].estimate > by_label[b].estimate
    assert ranked_regions == 12  # all but Corse, too few citizens to publish
