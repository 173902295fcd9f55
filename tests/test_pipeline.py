"""End to end through Dagster: sample deliveries -> warehouse -> dbt -> GX -> 28 reports, then a
corrupted delivery that must publish nothing and leave the last good state intact."""

import datetime as dt
import hashlib
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from orchestration.console import STAGES
from orchestration.definitions import defs
from orchestration.geography import FRANCE_CODE, region_by_code, regions
from orchestration.ingest.codebooks import codebook_path, load_codebook
from orchestration.ingest.context import read_catalogue
from orchestration.ingest.readers import read_survey
from orchestration.ingest.sensors import raw_delivery_sensor
from orchestration.publication.escaping import inert
from orchestration.publication.french import alphabetical, date, decimal, integer, percent, points
from orchestration.publication.key_messages import (
    MAX_MESSAGES,
    MIN_MESSAGES,
    national_messages,
    regional_messages,
)
from orchestration.publication.partitions import all_regions_run_tags
from orchestration.publication.profile_figures import nature_text, rank_text, value_text
from orchestration.publication.report_jobs import all_report_jobs
from orchestration.publication.vocabulary import MODELLED_NOTE, POPULATIONS
from orchestration.quality.batches import (
    CASE_SUITES,
    MART_SUITES,
    SMALL_AREA_SUITES,
    SURVEY_SUITES,
)
from orchestration.quality.checks import INDICATOR_MART
from orchestration.quality.context_batches import CONTEXT_SUITES
from orchestration.quality.suites import all_suites
from orchestration.resources import project_resources
from orchestration.run_all import (
    check_warnings,
    failed_checks,
    run_automation,
    run_everything,
    run_job,
    run_on_console,
    step_errors,
)
from orchestration.settings import dagster_instance_settings
from synthetic import case_database
from tests.conftest import CITIZENS_2020, make_isolated_project, rewrite_survey, settled
from tests.fragility_reading import plain, printed_tiers, study_segment
from tests.index_reading import read_index, report_helpers, spaced

CHECKED_REGION = "84"
INDICATOR = "marts.fct_indicator_estimates"
# What the reports print: direct, modelled (issue 18) or nothing.
PUBLISHED = "marts.fct_published_estimates"
HEADLINE = "citoyens_jouer_collectif"
CASE_EXPORT = "cases/impact_pratiques_partenariales.xlsx"
CODEBOOK = load_codebook(codebook_path("citoyens", 2020))
REGION, WEIGHT, ID = CODEBOOK.region, CODEBOOK.weight, CODEBOOK.respondent_id
# What a reader of the index must not see before « À propos de cette publication ».
JARGON = ("moteur", "pandoc", "typst", "pipeline", "dagster", "quarto")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """One isolated project and one Dagster instance, shared by the steps of this module."""
    project = make_isolated_project(tmp_path_factory.mktemp("pipeline"))
    with pytest.MonkeyPatch.context() as patch:
        for name, value in project.env().items():
            patch.setenv(name, value)
        with dg.instance_for_test(overrides=dagster_instance_settings()) as instance:
            result = run_everything(instance)
            yield project, instance, result


def indicator_row(project, code: str) -> tuple[float, int, float, float, str]:
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        return connection.execute(
            f"select estimate, n, ci_low, ci_high, status from {INDICATOR} "
            f"where indicator_id = ? and geo_code = ? "
            f"and wave = (select max(wave) from {INDICATOR} where indicator_id = ?)",
            [HEADLINE, code, HEADLINE],
        ).fetchone()


def report_jobs(project):
    """The 14 reports of the test project, the synthesis first."""
    return all_report_jobs(project.paths, regions())


def french_percent(share: float) -> str:
    return f"{share * 100:.1f}".replace(".", ",") + " %"


def normalized(text: str) -> str:
    """Visible text with every kind of space as one plain space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def html_text(path: Path) -> str:
    """The visible text of a page: scripts and styles (embedded resources) dropped."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    without_tags = re.sub(r"<[^>]+>", " ", page)
    return normalized(html.unescape(without_tags))


def pdf_text(path: Path) -> str:
    return normalized(" ".join(page.extract_text() for page in PdfReader(path).pages))


def digests(folder: Path) -> dict[str, str]:
    """The published files (the quality report beside them is rewritten by every check, failed
    or not, to show what failed)."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_full_run_publishes_28_reports_and_an_index(pipeline):
    project, _, result = pipeline
    assert result.success, failed_checks(result)
    jobs = report_jobs(project)
    files = [path for job in jobs for path in (job.html, job.pdf)]
    assert len(files) == 28
    assert all(path.exists() and path.stat().st_size > 0 for path in files)
    national = jobs[0]
    assert national.title == "Synthèse nationale"
    # The charts are embedded in both formats: the synthesis' series and its five cross-region
    # comparisons, one per surveyed population (issue 16: they replace the map); each region's
    # key figures and department map.
    for job in jobs:
        expected = 1 + len(compared_populations(job)) if job is national else 2
        expected += fragility_charts(job)
        assert job.html.read_text(encoding="utf-8").count("data:image/png;base64") == expected
        assert sum(len(page.images) for page in PdfReader(job.pdf).pages) == expected
    index = (project.reports_dir / "index.html").read_text(encoding="utf-8")
    for path in files:
        assert f'href="{path.name}"' in index
    assert 'href="qualite/index.html"' in index
    assert read_index(project.reports_dir / "index.html").states == ["à jour"] * 14
    [regional, *_] = [
        event.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.asset_key.to_user_string() == "regional_report"
    ]
    assert regional["rendered"].value == 13 and regional["unchanged"].value == 0
    assert re.search(
        r"Bretagne : HTML : `/.*\.html`, PDF : `/.*\.pdf`, \d+ pages",
        str(regional["rendered_reports"].value),
    )


def test_the_index_is_the_front_page_of_the_publication(pipeline):
    """The index a real run wrote, parsed: the notice, the synthesis and the 13 regions linked
    to files that exist, each region's headline as the reports print it (their own helpers),
    the map, and nothing technical before « À propos de cette publication »."""
    project = pipeline[0]
    page = read_index(project.reports_dir / "index.html")
    synthesis, *regional = report_jobs(project)
    figures = json.loads(synthesis.data_file.read_text(encoding="utf-8"))
    helpers = report_helpers()
    assert figures["synthetic"]  # the shipped sample
    assert spaced(page.notice).startswith("Données illustratives.")
    published = max(job.record().rendered_at for job in report_jobs(project))
    assert f"Publication du {date(dt.datetime.fromisoformat(published).date())}" in spaced(
        page.reader_text
    )
    assert page.sections["synthese"] == [synthesis.html.name, synthesis.pdf.name]
    assert synthesis.html.is_file() and synthesis.pdf.is_file()
    france = spaced(helpers.share_text(figures["national"]))
    assert f"En {figures['wave']}, {france} des habitants" in spaced(page.section_text["synthese"])
    headline = next(i for i in figures["indicators"] if i["id"] == HEADLINE)["waves"][-1]
    rows = {row.id: row for row in page.rows}
    assert len(rows) == 13
    withheld = []
    for job, region in zip(regional, figures["regions"], strict=True):
        row = rows[f"region-{region['code']}"]
        assert row.hrefs == [job.html.name, job.pdf.name]
        assert all((project.reports_dir / href).is_file() for href in row.hrefs)
        name, share, interval, versus = (spaced(cell) for cell in row.cells[:4])
        value = region["collective_necessary"]
        assert name == job.title
        if value["share"] is None:
            withheld.append(name)
            assert (share, interval) == (f"e.i. (France métropolitaine : {france})", "–")
        else:
            assert share == spaced(helpers.share_text(value))
            assert interval == spaced(helpers.interval_text(value))
        assert versus == spaced(helpers.versus_rest_text(headline["values"][region["code"]]))
    assert withheld == ["Corse"]  # in the shipped sample: the « e.i. » row is read too
    # The map: 13 shapes, each a link to its report, coloured only by a significant test.
    assert [shape.href for shape in page.shapes] == [job.html.name for job in regional]
    for shape, job in zip(page.shapes, regional, strict=True):
        value = headline["values"][job.params["region"]]
        figure = spaced(f"{helpers.share_text(value)} {helpers.interval_text(value)}")
        assert spaced(shape.title).startswith(f"{job.title} : {figure}")
        expected = (
            "non-publie"
            if value["share"] is None
            else ("au-dessus" if value["vs_rest_difference"] > 0 else "en-dessous")
            if value["vs_rest_significant"]
            else "sans-ecart"
        )
        assert shape.fill == expected
    reader = page.reader_text
    assert not [word for word in JARGON if word in reader.lower()]
    assert not re.search(r"[0-9a-f]{12}|\w/\w|\.(json|html|pdf|duckdb|py)\b", reader)
    provenance = figures["provenance"]
    assert provenance["run_id"] in page.footer_text
    assert provenance["code_version"] in page.footer_text
    assert page.footer_links == ["qualite/index.html"]
    assert (project.reports_dir / "qualite" / "index.html").is_file()


class LoadedUrls(HTMLParser):
    """The addresses a browser would load by itself: scripts, style sheets, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "link", "img", "iframe", "source"):
            self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def network_urls(folder: Path) -> list[str]:
    """Every http(s) address loaded by an HTML page under ``folder``."""
    urls = []
    for page in sorted(folder.rglob("*.html")):
        reader = LoadedUrls()
        reader.feed(page.read_text(encoding="utf-8"))
        urls += [f"{page.name}: {url}" for url in reader.urls if re.match(r"(https?:)?//", url)]
    return urls


def quality_section(page: str, anchor: str) -> str:
    """The section of the quality report on one suite and batch."""
    [section] = re.findall(rf'<section id="{anchor}">.*?</section>', page, flags=re.S)
    return section


def test_a_clean_run_passes_every_check_and_documents_them(pipeline):
    """The quality report a real run wrote: French, self-contained, every suite on every batch
    it ran on, linked from each check's metadata."""
    project, _, result = pipeline
    evaluations = result.get_asset_check_evaluations()
    gx_checks = [e for e in evaluations if e.metadata.get("data_docs")]
    assert len(gx_checks) == (
        5 * len(SURVEY_SUITES)
        + len(CASE_SUITES)
        + len(MART_SUITES)
        + len(SMALL_AREA_SUITES)
        + len(CONTEXT_SUITES)
    )
    assert [e.check_name for e in evaluations if not e.passed] == []
    site = project.reports_dir / "qualite" / "index.html"
    assert sorted(p.name for p in site.parent.rglob("*")) == ["index.html"]
    page = site.read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert "<h1>Contrôles de qualité des données</h1>" in page
    assert "<script" not in page and network_urls(site.parent) == []
    for each in all_suites():
        assert f'<h3 id="{each.name}">{html.escape(each.description)}</h3>' in page
    # One section per suite and batch: 8 deliveries x 3 suites, 6 weighted deliveries x 2,
    # the case database's 4 suites, the mart's 3, the small-area mart's 1, the context
    # statistics' 2; each rule passed, blocking or warning.
    sections = re.findall(r'<section id="([^"]+)">', page)
    assert len(sections) == (
        8 * 3
        + 6 * 2
        + len(CASE_SUITES)
        + len(MART_SUITES)
        + len(SMALL_AREA_SUITES)
        + len(CONTEXT_SUITES)
    )
    assert "Pas encore exécutée" not in page and 'class="etat echec"' not in page
    weights = quality_section(page, "survey_weights--survey_citoyens_2020")
    assert "La somme des poids est égale au nombre de répondants, à 1 % près." in weights
    assert "<td>weight</td><td>bloquante</td>" in weights
    assert "<td>weight_to_mean</td><td>avertissement</td>" in weights
    assert weights.count('<td><span class="etat reussi">réussi</span></td>') == 4
    assert "aucune ligne hors règle sur 3\u202f000" in weights
    linked = []
    for check in gx_checks:
        assert check.metadata["data_docs"].value == str(site)
        linked += re.findall(r"#([\w-]+)`", check.metadata["data_docs_pages"].value)
    assert sorted(linked) == sorted(sections)


def test_the_small_area_mart_publishes_direct_then_modelled_then_nothing(pipeline):
    """Issue 18: direct exactly where the direct estimate is publishable; modelled only where
    the fit meets every threshold of the seed; nothing otherwise; no ingredient of a modelled
    value (direct share, shrinkage, synthetic part, EBLUP) in the published mart."""
    project, _, _ = pipeline
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


def test_indicator_equals_an_independent_computation_from_the_delivery(pipeline):
    project, _, _ = pipeline
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
def test_report_prints_the_warehouse_value(pipeline, reader):
    project, _, _ = pipeline
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
def test_a_suppressed_value_is_never_printed(pipeline, reader):
    project, _, _ = pipeline
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


def printed(value: float | None, status: str) -> str:
    if status == "suppressed":
        return "e.i."
    marks = {"fragile": " (effectif faible)", "modelled": " (estimation modélisée)"}
    return french_percent(value) + marks.get(status, "")


def test_every_key_figure_of_a_region_equals_the_mart(pipeline):
    project, _, _ = pipeline
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


def typeset(text: str) -> str:
    """A sentence of the code as the reports print it: typographic apostrophes, plain spaces."""
    return normalized(text.replace("'", "’"))


@pytest.mark.parametrize("reader", [html_text, pdf_text], ids=["html", "pdf"])
def test_a_modelled_value_is_marked_footnoted_explained_and_never_compared(pipeline, reader):
    """Issue 18, item 3: in Corse's report every modelled value is printed as the mart holds
    it, with « (estimation modélisée) », no difference from the rest of France, the one-sentence
    footnote and the method with the seed's thresholds; the synthesis marks its modelled regions
    too; no note de synthèse cites a modelled value."""
    project, _, _ = pipeline
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


def test_the_synthesis_prints_each_published_figure_beside_its_estimate(pipeline):
    project, _, _ = pipeline
    text = html_text(report_of(project, "Synthèse nationale", html_text))
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        rows = connection.execute(
            f"""
            select c.label, e.wave, e.estimate, e.ci_low, e.ci_high, e.n, e.status, p.value
            from reference.published_figures as p
            join reference.indicator_catalogue as c using (indicator_id)
            join {INDICATOR} as e using (indicator_id, wave)
            where e.geo_code = 'FR'
            """
        ).fetchall()
    assert len(rows) == 23
    for label, wave, share, low, high, n, status, published in rows:
        accord = "dans l’intervalle" if low <= published <= high else "hors de l’intervalle"
        base = f"{n:,}".replace(",", " ")
        expected = (
            f"{label} ({wave}) {printed(share, status)} "
            f"[{french_percent(low)} ; {french_percent(high)}] {base} "
            f"{round(published * 100)} % {accord}"
        )
        assert normalized(expected.replace("'", "’")) in text


def test_reports_have_their_sections_provenance_and_no_raw_values(pipeline):
    project, _, result = pipeline
    region = region_by_code(CHECKED_REGION)
    pdf = pdf_text(report_of(project, region.name, pdf_text))
    for section in (
        "Chiffres clés",
        "Les pratiques partenariales",
        "Évolutions",
        "Le territoire",
        "Méthode",
        "À propos de cette publication",
    ):
        assert section in pdf
    html_page = html_text(report_of(project, region.name, html_text))
    assert result.run_id in html_page
    for relative in [CITIZENS_2020, CASE_EXPORT]:
        digest = hashlib.sha256((project.raw_dir / relative).read_bytes()).hexdigest()
        assert f"{relative} SHA-256 {digest}" in html_page
    for job in report_jobs(project):
        images = re.findall(r"<img\b[^>]*>", job.html.read_text(encoding="utf-8"))
        for image in images:
            assert re.search(r'\balt="[^"]{20,}"', image), (job.title, image[:200])
        for text in (html_text(job.html), pdf_text(job.pdf)):
            for raw in ("nan", "None", "True", "False", "suppressed", "published", "institute"):
                assert not re.search(rf"\b{raw}\b", text), (job.title, raw)


def fragility_charts(job) -> int:
    """The report's fragility charts (issue 17), each drawn only when published: a region's
    citizens' scores and its perceived-vs-objective chart, the synthesis's heat map."""
    figures = json.loads(job.data_file.read_text(encoding="utf-8"))
    return sum(name.startswith(("fragilites-", "percu-objectif-")) for name in figures["charts"])


def compared_populations(job) -> list[str]:
    """The populations the synthesis compares across regions: those with at least one region
    whose key figure is published (a chart of withheld regions only is not drawn)."""
    figures = json.loads(job.data_file.read_text(encoding="utf-8"))
    return [
        item["study"]
        for item in figures["indicators"]
        if item["section"] == "chiffres_cles"
        and any(
            value["share"] is not None
            for code, value in item["waves"][-1]["values"].items()
            if code != FRANCE_CODE
        )
    ]


def report_of(project, title: str, reader) -> Path:
    job = next(job for job in report_jobs(project) if job.title == title)
    return job.html if reader is html_text else job.pdf


def published_times(job) -> tuple[int, int]:
    """When the report's two files were last published (each render replaces them)."""
    return job.html.stat().st_mtime_ns, job.pdf.stat().st_mtime_ns


def requested_assets(result) -> set[str]:
    """The assets an evaluation of the automation conditions requested."""
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    return {key.to_user_string() for key in keys if result.get_num_requested(key)}


# What a general reader must not meet before the annex « À propos de cette publication »: the
# machinery, and the statisticians' words (the section « Méthode » says it in plain French).
TECHNICAL_WORDS = (
    "pipeline", "docs/", ".md", "SHA-256", "Dagster", "Korn", "Kish", "linéarisation",
    "effet de plan", "moteur",
)  # fmt: skip


def visible_markdown(text: str) -> str:
    """What a reader sees of a line of markdown written through inert(): the characters, with
    apostrophes set as pandoc sets French text."""
    return normalized(re.sub(r"\\(.)", r"\1", text).replace("'", "’"))


def test_each_report_opens_with_its_cover_and_note_and_ends_with_provenance(pipeline):
    """Issue 16: own title (cover, <title>, PDF metadata), one H1, a table of contents, the note
    de synthèse as key_messages writes it from the report's export, and nothing technical
    (pipeline, file path, hash, run id) before the annex."""
    project, _, result = pipeline
    annex = "À propos de cette publication"
    for job in report_jobs(project):
        figures = json.loads(job.data_file.read_text(encoding="utf-8"))
        if job.source == "national.qmd":
            title, messages = "IMPACT-France", national_messages(figures)
        else:
            title = f"IMPACT-{job.title}"
            messages = regional_messages(figures, job.params["region"])
        # Pandoc sets the apostrophe as French text wants in the page; the PDF's metadata
        # keeps the plain one.
        typeset = title.replace("'", "’")
        page_html = job.html.read_text(encoding="utf-8")
        assert html.unescape(re.search(r"<title>(.*?)</title>", page_html, re.S)[1]) == typeset
        assert len(re.findall(r"<h1\b", page_html)) == 1
        assert 'id="TOC"' in page_html
        reader = PdfReader(job.pdf)
        assert reader.metadata.title == title
        # The cover's large title may wrap after one of its hyphens (Bourgogne-Franche-Comté).
        cover = normalized(reader.pages[0].extract_text()).replace("- ", "-")
        assert title in cover.replace("’", "'"), job.title
        assert "Note de synthèse" in cover and "Données illustratives" in cover
        text = html_text(job.html)
        assert MIN_MESSAGES <= len(messages) <= MAX_MESSAGES, job.title
        note = text.index("Note de synthèse", text.index("Données illustratives"))
        positions = [text.index(visible_markdown(m), note) for m in messages]
        assert positions == sorted(positions), job.title
        for reader_text in (text, pdf_text(job.pdf)):
            before_annex = reader_text[: reader_text.rindex(annex)]
            for jargon in (*TECHNICAL_WORDS, result.run_id):
                assert jargon not in before_annex, (job.title, jargon)
            assert "territorialx" not in reader_text and "effectif effectif" not in reader_text


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


def test_every_number_of_each_note_is_the_marts_rounded_as_printed(pipeline):
    """Issue 16: each message printed in a note is one finding of fct_report_findings, in its
    order, and prints the mart's values of that finding as the tables round them, nothing
    else."""
    project, _, _ = pipeline
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


def test_no_finding_rests_on_a_withheld_fragile_or_non_significant_value(pipeline):
    """Every survey finding's value is `published` in fct_indicator_estimates, with the same
    share, its test (gap or change) significant, and a change's earlier wave published too."""
    project, _, _ = pipeline
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


def test_each_region_prints_its_profile_as_the_mart_holds_it(pipeline):
    """Issue 17: each regional report has « Profil de la région » after the note; each row of
    its table is the mart's row as printed (HTML), the PDF prints each of its values, and the
    objective fragilities named are the mart's."""
    project, _, _ = pipeline
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
DIVERGENCES = "Où priorités perçues et fragilités objectives divergent"


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


def test_each_region_sets_perceived_beside_objective_fragilities_as_the_mart_holds_them(pipeline):
    """Issue 17, item 3: each regional report's « Fragilités perçues et fragilités objectives »
    prints the mart's rows as the tables round them, names in each agreement line exactly the
    mart's domains, and words a gap with the rest of France only where it is significant; a
    region whose scores are withheld prints none of them."""
    project, _, _ = pipeline
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


def test_the_synthesis_shows_every_region_s_priorities_and_their_divergences(pipeline):
    """Issue 17, item 5: the national synthesis has the heat map of the 13 regions' scores
    and a table of the divergences equal to the mart (perceived only, objective only)."""
    project, _, _ = pipeline
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
def test_fragility_rankings_rest_on_significant_pairs_and_print_the_mart(pipeline, reader):
    """Issue 17: each region's printed tiers are the mart's, with its values as printed; a
    domain is printed before another only where their paired difference is significant; a
    region without a ranking prints none."""
    project, _, _ = pipeline
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


def test_a_changed_case_export_updates_its_region_through_sensor_and_automation(pipeline):
    project, instance, _ = pipeline
    # Everything under raw/ was ingested by the full run, and everything downstream updated.
    assert not raw_delivery_sensor(
        dg.build_sensor_context(instance=instance, resources=project_resources())
    ).run_requests
    idle = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert requested_assets(idle) == set()
    export = project.raw_dir / CASE_EXPORT
    cases, catalysts = case_database.generate()
    case_database.write_xlsx((cases.iloc[:-1], catalysts), export)  # one case withdrawn
    settled(export)
    jobs = report_jobs(project)
    published_before = {job.title: published_times(job) for job in jobs}

    # The sensor ingests the case database only...
    sensed = raw_delivery_sensor(
        dg.build_sensor_context(instance=instance, resources=project_resources())
    )
    [request] = sensed.run_requests
    ingest = run_job(instance, request.job_name, request.tags)
    assert ingest.success
    assert {e.asset_key.to_user_string() for e in ingest.get_asset_materialization_events()} == {
        "raw/case_database"
    }
    # ...and declarative automation updates what depends on it, never the survey models, in
    # three runs: a partitioned asset follows an unpartitioned one at the next tick.
    ticks = run_automation(instance, idle.cursor)
    assert [tick.names for tick in ticks] == [
        {
            "staging/stg_cases",
            "staging/stg_case_profiles",
            "staging/stg_case_modes",
            "staging/stg_catalysts",
            "marts/fct_case_database_indicators",
            "marts/fct_report_findings",
            "marts/fct_fragility_alliances",
            "marts/fct_report_examples",
            "marts/fct_report_inputs",
            "report_data",
            "national_report",
            "reports_index",
        },
        {"regional_report"},
        {"reports_index"},
    ]
    assert all(tick.result.success for tick in ticks)
    # The 13 regions in one run.
    assert all_regions_run_tags().items() <= ticks[1].result.dagster_run.tags.items()
    # Only the withdrawn case's region and the synthesis print other figures: only they are
    # rendered again; the 12 other regions keep their files.
    region = region_by_code(cases.iloc[-1]["region"])
    rendered = {job.title for job in jobs if published_times(job) != published_before[job.title]}
    assert rendered == {"Synthèse nationale", region.name}
    assert read_index(project.reports_dir / "index.html").states == ["à jour"] * 14
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        total = connection.execute(
            "select sum(count) from marts.fct_case_database_indicators "
            "where dimension = 'total' and geo_level = 'region'"
        ).fetchone()
    assert total[0] == len(cases) - 1
    national = next(job for job in report_jobs(project) if job.title == "Synthèse nationale")
    # The France row: share, interval, base, no rest-of-France difference, cases.
    assert f"3 000 – {len(cases) - 1} " in html_text(national.html)


def test_an_unreadable_delivery_fails_the_ingest_and_names_the_file(pipeline):
    project, instance, _ = pipeline
    reports_before = digests(project.reports_dir)
    unreadable = project.raw_dir / "surveys" / "citoyens" / "2019" / "citoyens_2019.sav"
    original = unreadable.read_bytes()
    unreadable.write_bytes(b"ceci n'est pas un fichier SPSS")
    try:
        run = run_everything(instance)
    finally:
        unreadable.write_bytes(original)
    assert not run.success
    [error] = step_errors(run)
    assert error.startswith("raw__survey_citoyens: ")
    assert "surveys/citoyens/2019/citoyens_2019.sav : fichier SPSS illisible" in error
    assert digests(project.reports_dir) == reports_before
    advice = [
        entry.user_message
        for entry in instance.all_logs(run.run_id)
        if entry.user_message.startswith("Que faire maintenant : ")
    ]
    assert len(advice) == 1 and "déposez-le de nouveau dans raw/" in advice[0]


def raw_table_digest(project) -> tuple:
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        return connection.execute(
            "select count(*), sum(weight), max(_source_sha256) from raw.survey_citoyens_respondents"
        ).fetchone()


def test_a_delivery_breaking_its_contract_is_rejected_at_the_door(pipeline):
    project, instance, first = pipeline
    assert first.success
    reports_before = digests(project.reports_dir)
    raw_before = raw_table_digest(project)
    indicator_before = indicator_row(project, CHECKED_REGION)
    delivery = project.raw_dir / CITIZENS_2020
    original = delivery.read_bytes()
    ids = [int(i) for i in read_survey(delivery, CODEBOOK).data[ID]]

    def breach(answers):
        answers.loc[[4, 10], REGION] = 99.0  # SPSS cases 5 and 11
        answers.loc[7, WEIGHT] = -1.0  # SPSS case 8

    quality = project.reports_dir / "qualite" / "index.html"
    anchor = "survey_respondents--survey_citoyens_2020"
    checked_before = quality_section(quality.read_text(encoding="utf-8"), anchor)
    breached = rewrite_survey(delivery, breach)
    try:
        run = run_everything(instance)
    finally:
        delivery.write_bytes(original)

    assert not run.success
    [error] = step_errors(run)
    where = CITIZENS_2020
    assert f"{where}, ligne 5 (répondant {ids[4]}), variable {REGION} : ce n'est pas" in error
    assert f"{where}, ligne 11 (répondant {ids[10]}), variable {REGION}" in error
    assert f"{where}, ligne 8 (répondant {ids[7]}), variable {WEIGHT} : le poids doit" in error
    # Rejected whole: the warehouse, the marts and the reports are as they were.
    assert raw_table_digest(project) == raw_before
    assert indicator_row(project, CHECKED_REGION) == indicator_before
    assert digests(project.reports_dir) == reports_before
    assert breached != hashlib.sha256(original).hexdigest()
    # The quality report keeps the last accepted delivery's results and adds the refusal.
    page = quality.read_text(encoding="utf-8")
    assert quality_section(page, anchor) == checked_before
    [refused] = re.findall(r'<section class="refus".*?</section>', page, flags=re.S)
    assert f"<strong>{CITIZENS_2020}</strong>" in refused
    [rejection] = (project.warehouse.parent / "quarantine").rglob(f"*{breached[:12]}*")
    assert html.escape(rejection.read_text(encoding="utf-8")) in refused


def console_of(instance, capfd) -> tuple[int, list[str], str]:
    """``make run`` on ``instance``: its exit status, its console lines, its log file's text."""
    status = run_on_console(instance)
    out, err = capfd.readouterr()
    assert err == ""  # nothing escapes to stderr: Dagster's events and dbt's output are logged
    lines = out.splitlines()
    [log] = [line for line in lines if line.startswith("Journal complet du run : ")]
    return status, lines, Path(log.removeprefix("Journal complet du run : ")).read_text()


def test_make_run_prints_a_line_per_stage_and_a_summary_naming_where_to_look(pipeline, capfd):
    _, instance, _ = pipeline
    status, lines, log = console_of(instance, capfd)
    assert status == 0, "\n".join(lines)
    assert len(lines) <= 20  # was 880 lines of Dagster events before the summary
    for stage in STAGES:
        assert len([line for line in lines if line.startswith(f"{stage.title} : ")]) == 1
    assert any("index.html" in line and "`make ui`" in line for line in lines)
    assert not any(" - DEBUG - " in line or "Traceback" in line for line in lines)
    # The full log holds what the console no longer shows: every Dagster event, dbt's output.
    assert " - DEBUG - " in log and "STEP_START" in log and "RUN_SUCCESS" in log
    assert "dbt build" in log


def test_a_refused_delivery_says_its_french_message_first_on_the_console(pipeline, capfd):
    project, instance, _ = pipeline
    delivery = project.raw_dir / CITIZENS_2020
    original = delivery.read_bytes()
    respondent = int(read_survey(delivery, CODEBOOK).data[ID].iloc[7])

    def negative_weight(answers):
        answers.loc[7, WEIGHT] = -1.0  # SPSS case 8

    rewrite_survey(delivery, negative_weight)
    try:
        status, lines, log = console_of(instance, capfd)
    finally:
        delivery.write_bytes(original)
    message = (
        f"{CITIZENS_2020}, ligne 8 (répondant {respondent}), variable {WEIGHT} : le poids doit "
        "être un nombre fini supérieur à 0 (valeur -1)"
    )
    assert status == 1
    assert "Ingestion des livraisons : échec" in " ".join(lines)
    failed = lines.index("Étape en échec : Ingestion des livraisons.")
    assert lines[failed + 1] == f"raw__survey_citoyens : {message}"
    assert lines[failed + 2].startswith("raw__survey_citoyens : Rapport complet : ")
    assert lines[failed + 3].startswith("Que faire maintenant : Une livraison a été refusée")
    assert not any(
        "Traceback" in line or "Stack Trace" in line or 'File "' in line for line in lines
    )
    # The stack trace is kept for the log; Dagster's failure starts with the French message.
    assert "in accept_survey" in log and "raise DeliveryRejected(" in log
    [failure] = [
        entry.dagster_event.step_failure_data
        for entry in instance.all_logs(
            instance.get_runs(limit=1)[0].run_id, of_type=dg.DagsterEventType.STEP_FAILURE
        )
    ]
    assert failure.user_failure_data.description.startswith(message)
    assert failure.error.message.split(": ", 1)[1].startswith(message)


def report_files_state(project) -> dict[str, tuple[str, int]]:
    """Each published file's digest and modification time: unchanged means not rewritten."""
    return {
        name: (digest, (project.reports_dir / name).stat().st_mtime_ns)
        for name, digest in digests(project.reports_dir).items()
    }


def assert_nothing_published(project, run, reports_before) -> None:
    materialized = {
        event.asset_key.to_user_string() for event in run.get_asset_materialization_events()
    }
    assert not materialized & {"report_data", "regional_report", "national_report", "reports_index"}
    assert report_files_state(project) == reports_before


def test_an_implausible_regional_structure_is_stopped_before_publication(pipeline):
    project, instance, _ = pipeline
    reports_before = report_files_state(project)
    delivery = project.raw_dir / CITIZENS_2020
    original = delivery.read_bytes()

    def move_bretagne_to_paris(answers):
        # Valid codes, consistent department: the door accepts it; the structure is absurd.
        bretons = answers[REGION] == 53.0
        answers.loc[bretons, REGION] = 11.0
        answers.loc[bretons, CODEBOOK.department] = "75"

    rewrite_survey(delivery, move_bretagne_to_paris)
    try:
        run = run_everything(instance)
    finally:
        delivery.write_bytes(original)

    assert not run.success
    [failure] = failed_checks(run)
    assert failure.startswith("survey_citoyens_regional_structure: ")
    assert "survey_regional_structure sur survey_citoyens_2020 : 2 échecs bloquants" in failure
    assert "region_code=53" in failure and "region_code=11" in failure
    assert_nothing_published(project, run, reports_before)


def test_case_codes_outside_their_lists_are_stopped_before_publication(pipeline):
    project, instance, _ = pipeline
    reports_before = report_files_state(project)
    export = project.raw_dir / CASE_EXPORT
    original = export.read_bytes()
    cases, catalysts = case_database.generate()
    hostile = "Intercommunal <script>alert(1)</script>"
    cases.loc[3, "echelon"] = hostile
    cases.loc[8, "profils_acteurs"] = "Association ; Syndicat"
    case_database.write_xlsx((cases, catalysts), export)
    try:
        run = run_everything(instance)
    finally:
        export.write_bytes(original)

    assert not run.success
    failures = dict(failure.split(": ", 1) for failure in failed_checks(run))
    assert set(failures) == {"case_database", "case_profiles"}
    assert f"{CASE_EXPORT} ligne 5" in failures["case_database"]  # header on row 1
    assert f"valeurs {hostile}" in failures["case_database"]
    # The quality report names the row and shows the delivered value as text.
    page = (project.reports_dir / "qualite" / "index.html").read_text(encoding="utf-8")
    section = quality_section(page, "case_database--case_database")
    assert f"<li>{CASE_EXPORT} ligne 5</li>" in section
    assert f"Valeurs : {html.escape(hostile)}" in section
    assert "<script" not in page
    assert f"id_cas={cases.loc[8, 'id_cas']}" in failures["case_profiles"]
    assert "valeurs Syndicat" in failures["case_profiles"]
    assert_nothing_published(project, run, reports_before)


def test_automation_goes_no_further_than_a_delivery_failing_its_checks(pipeline):
    project, instance, _ = pipeline
    idle = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    export = project.raw_dir / CASE_EXPORT
    original = export.read_bytes()
    cases, catalysts = case_database.generate()
    cases.loc[3, "echelon"] = "Intercommunal"
    case_database.write_xlsx((cases, catalysts), export)
    settled(export)
    try:
        [request] = raw_delivery_sensor(
            dg.build_sensor_context(instance=instance, resources=project_resources())
        ).run_requests
        ingest = run_job(instance, request.job_name, request.tags)
        tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=idle.cursor)
    finally:
        export.write_bytes(original)

    assert not ingest.success
    assert [failure.split(": ")[0] for failure in failed_checks(ingest)] == ["case_database"]
    # The case database was ingested, but its blocking check failed: nothing depends on it yet.
    assert requested_assets(tick) == set()


def test_a_warning_is_shown_but_does_not_stop_publication(pipeline):
    project, instance, _ = pipeline
    export = project.raw_dir / CASE_EXPORT
    original = export.read_bytes()
    cases, catalysts = case_database.generate()
    twin = cases.index[cases["region"] == cases.loc[0, "region"]][1]
    cases.loc[twin, "titre"] = cases.loc[0, "titre"]  # same title, same region
    case_database.write_xlsx((cases, catalysts), export)
    try:
        run = run_everything(instance)
    finally:
        export.write_bytes(original)

    assert run.success
    [warning] = check_warnings(run)
    assert warning.startswith("case_database: ")
    assert "[avertissement] Deux cas d'une même région n'ont pas le même titre" in warning
    assert f"{CASE_EXPORT} ligne 2" in warning and f"{CASE_EXPORT} ligne {twin + 2}" in warning
    materialized = {
        event.asset_key.to_user_string() for event in run.get_asset_materialization_events()
    }
    assert {"report_data", "regional_report", "national_report", "reports_index"} <= materialized


def test_a_hole_in_the_indicator_mart_is_stopped_before_publication(pipeline):
    project, instance, _ = pipeline
    reports_before = report_files_state(project)
    with duckdb.connect(str(project.warehouse)) as connection:
        waves = connection.execute(
            f"delete from {INDICATOR} where indicator_id = ? and geo_code = '94' returning wave",
            [HEADLINE],
        ).fetchall()
    # Re-check the mart and publish from it, as after a faulty transform.
    mart_checks = [dg.AssetCheckKey(INDICATOR_MART, suite) for suite in MART_SUITES]
    republish = dg.define_asset_job(
        "republish",
        selection=dg.AssetSelection.checks(*mart_checks)
        | dg.AssetSelection.assets("report_data").downstream(),
    )
    job = dg.Definitions.merge(defs, dg.Definitions(jobs=[republish])).resolve_job_def("republish")
    run = job.execute_in_process(
        instance=instance, tags=all_regions_run_tags(), raise_on_error=False
    )

    assert not run.success
    [failure] = failed_checks(run)
    assert failure.startswith("indicator_coverage: ")
    assert "Chaque indicateur est estimé pour la France et les 13 régions" in failure
    rule = "(expect_column_values_to_be_in_set, colonne present)"
    assert f"{rule} : {len(waves)} ligne(s)" in failure
    for (wave,) in waves:
        assert f"indicator_id={HEADLINE} wave={wave} geo_code=94" in failure
    assert_nothing_published(project, run, reports_before)


def test_implausible_data_fail_the_quality_check_and_publish_nothing(pipeline):
    project, instance, _ = pipeline
    reports_before = digests(project.reports_dir)
    indicator_before = indicator_row(project, CHECKED_REGION)
    delivery = project.raw_dir / CITIZENS_2020

    def implausible(answers):
        # Within the contract (positive weights), outside the quality rules (mean 1).
        answers.loc[[4, 10], WEIGHT] = 50.0  # SPSS cases 5 and 11

    delivered = rewrite_survey(delivery, implausible)
    second = run_everything(instance)

    assert not second.success
    failures = dict(failure.split(": ", 1) for failure in failed_checks(second))
    # Two weights of 50 break the weight rules only: the regions they raise (Île-de-France
    # +1.0 point, Centre-Val de Loire +1.5 points, 1.37 times its share) stay within the
    # structure's tolerance (2 points, 1.5 times), so that check passes.
    assert set(failures) == {"survey_citoyens_weights"}
    where = CITIZENS_2020
    weights = failures["survey_citoyens_weights"]
    # The sum blocks; the size of a weight alone only warns, naming the rows (issue 15).
    assert "La somme des poids est égale au nombre de répondants, à 1 % près." in weights
    assert ", colonne weight)" not in weights
    assert ", colonne weight_to_mean) : 2 ligne(s)" in weights
    assert f"{where} ligne 5 ; {where} ligne 11" in weights
    materialized = {
        event.asset_key.to_user_string() for event in second.get_asset_materialization_events()
    }
    assert "raw/survey_citoyens" in materialized  # loaded, so the check could name the rows
    assert not materialized & {
        "marts/fct_indicator_estimates",
        "report_data",
        "regional_report",
        "national_report",
        "reports_index",
    }
    assert digests(project.reports_dir) == reports_before
    assert indicator_row(project, CHECKED_REGION) == indicator_before
    assert hashlib.sha256(delivery.read_bytes()).hexdigest() == delivered


def test_the_warehouse_is_not_left_locked(pipeline):
    project, _, _ = pipeline
    # A writer can open the file after the runs: no step kept a connection.
    with duckdb.connect(str(project.warehouse)) as connection:
        assert connection.execute("select count(*) from raw.survey_citoyens").fetchone()[0] > 0
