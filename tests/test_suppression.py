"""No value derived from a suppressed estimate is published, anywhere (issue 15, defect 3;
docs/publication-rules.md § 4).

One full run of the pipeline on the shipped deliveries, which hold the cases in several regions:
regions suppressed in a wave (fewer than 30 respondents) beside published ones, and changes
between a suppressed and a published wave (entreprises and associations, regions 27, 28, 52,
84). Every published artefact is then read back: the mart, the export and each report's slice
(including the charts' alternative texts), each report's HTML and PDF text, the run's metadata
and the quality report.
"""

import json
import math
import re
from pathlib import Path

import duckdb
import pytest

from orchestration.geography import region_by_code, regions
from orchestration.publication.report_jobs import all_report_jobs
from orchestration.publication.vocabulary import NOT_PUBLISHED, POPULATIONS
from tests.conftest import instance_in, project_env
from tests.pipeline_reading import french_percent, html_text, normalized, pdf_text

MART = "marts.fct_indicator_estimates"
PUBLISHED = "marts.fct_published_estimates"  # what the reports print (issue 18)
CHANGE_FIELDS = ("change", "change_p_value", "change_significant")
VERSUS_FIELDS = ("vs_rest_difference", "vs_rest_p_value", "vs_rest_significant")


@pytest.fixture(scope="module")
def published(finished_run):
    """The shipped deliveries through the whole pipeline (the shared run, read only), and the
    run's event log as text."""
    result = finished_run.result
    assert result.success
    with project_env(finished_run.project) as project:
        with instance_in(finished_run.instance_dir) as instance:
            events = instance.all_logs(result.run_id)
        metadata = " ".join(str(e.dagster_event) for e in events if e.dagster_event)
        yield project, metadata


def estimates(project) -> list[dict]:
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        frame = connection.sql(
            f"""
            select e.*, p.status as previous_status, p.estimate as previous_estimate,
                c.label, c.section, m.status as published_status, m.estimate as printed
            from {MART} as e
            join reference.indicator_catalogue as c using (indicator_id)
            join {PUBLISHED} as m using (indicator_id, wave, geo_code)
            left join {MART} as p
                on p.indicator_id = e.indicator_id and p.geo_code = e.geo_code
                and p.wave = e.previous_wave
            """
        ).df()
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def withheld_change(row: dict) -> bool:
    """The change of this row would rest on a suppressed wave."""
    return row["previous_wave"] is not None and "suppressed" in (
        row["status"],
        row["previous_status"],
    )


def secrets(rows: list[dict]) -> list[float]:
    """Every number that must not be published: suppressed estimates and their bounds, and
    the changes that would have been computed from a suppressed wave."""
    numbers = []
    for row in rows:
        if row["status"] == "suppressed" and row["estimate"] is not None:
            numbers += [row["estimate"], row["ci_low"], row["ci_high"]]
        if withheld_change(row) and None not in (row["estimate"], row["previous_estimate"]):
            numbers.append(row["estimate"] - row["previous_estimate"])
    # Simple fractions (1/3, 1/4: unweighted shares of a few foundations, and 0 or 1) are
    # everywhere for other reasons, e.g. the case database's shares.
    return [x for x in numbers if x is not None and not _simple_fraction(x)]


def _simple_fraction(x: float) -> bool:
    return any(abs(x * m - round(x * m)) < 1e-9 for m in range(1, 61))


def numbers_in(value) -> list[float]:
    """Every number in a JSON document (strings included: a number written into a text)."""
    if isinstance(value, dict):
        return [x for item in value.values() for x in numbers_in(item)]
    if isinstance(value, list):
        return [x for item in value for x in numbers_in(item)]
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [float(value)]
    return [float(x) for x in re.findall(r"-?\d+\.\d{6,}(?:e-?\d+)?", str(value))]


def leaked(found: list[float], hidden: list[float]) -> list[float]:
    ordered = sorted(hidden)
    return [x for x in found if any(math.isclose(x, s, rel_tol=1e-9) for s in ordered)]


def exports(project) -> list[Path]:
    folder = project.warehouse.parent / "exports"
    return [folder / "report-data.json", *sorted((folder / "reports").glob("*.json"))]


def test_the_fixture_has_withheld_cells_in_several_regions(published):
    project, _ = published
    rows = estimates(project)
    regions_with_change = {r["geo_code"] for r in rows if withheld_change(r)}
    suppressed_regions = {r["geo_code"] for r in rows if r["status"] == "suppressed"}
    assert len(regions_with_change - {"94"}) >= 3
    assert len(suppressed_regions) >= 10
    # A published wave after (or before) a suppressed one: the case that gave values away.
    assert any(withheld_change(r) and r["status"] != "suppressed" for r in rows)


def test_the_mart_holds_no_derived_value_of_a_suppressed_estimate(published):
    project, _ = published
    for row in estimates(project):
        if withheld_change(row):
            assert all(row[field] is None for field in CHANGE_FIELDS), row
        if row["status"] == "suppressed":
            assert all(row[field] is None for field in VERSUS_FIELDS), row


def test_no_export_holds_a_withheld_or_derived_value(published):
    """The export and each report's slice (charts' alternative texts and captions included)."""
    project, _ = published
    rows = estimates(project)
    status = {(r["indicator_id"], r["wave"], r["geo_code"]): r for r in rows}
    hidden = secrets(rows)
    assert len(hidden) > 100
    for path in exports(project):
        document = json.loads(path.read_text(encoding="utf-8"))
        assert not leaked(numbers_in(document), hidden), path.name
        for item in document["indicators"]:
            for wave in item["waves"]:
                for code, value in wave["values"].items():
                    row = status[(item["id"], wave["wave"], code)]
                    if row["status"] == "suppressed":
                        # Issue 18: a withheld direct value may be replaced by a modelled one,
                        # never printed itself, and nothing is compared with it.
                        modelled = row["published_status"] == "modelled"
                        assert value["share"] == (row["printed"] if modelled else None)
                        assert value["share"] is None or value["share"] != row["estimate"]
                        assert modelled or (value["ci_low"], value["ci_high"]) == (None, None)
                        assert value["vs_rest_difference"] is None, (path.name, row)
                        assert value["vs_rest_significant"] is None
                    if withheld_change(row):
                        assert value["change"] is None and value["change_significant"] is None


def test_run_metadata_and_data_docs_hold_no_withheld_value(published):
    project, metadata = published
    hidden = secrets(estimates(project))
    assert not leaked(numbers_in(metadata), hidden)
    pages = sorted((project.reports_dir / "qualite").rglob("*.html"))
    assert pages
    for page in pages:
        assert not leaked(numbers_in(page.read_text(encoding="utf-8")), hidden), page.name


def printed(share, status: str) -> str:
    if status == "suppressed":
        return NOT_PUBLISHED
    return french_percent(share) + (" (effectif faible)" if status == "fragile" else "")


def region_rows(rows: list[dict], code: str) -> tuple[list[str], list[str]]:
    """The names a region's report must give for its withheld cells (issue 16: named in one
    sentence under their table, never a row of marks): the indicators whose latest wave is
    withheld (« label (wave) »), and the changes resting on a withheld wave (« label »)."""
    by_key = {(r["indicator_id"], r["wave"], r["geo_code"]): r for r in rows}
    waves: dict[str, list[int]] = {}
    for r in rows:
        waves.setdefault(r["indicator_id"], []).append(r["wave"])
    tables, changes = [], []
    for indicator, years in waves.items():
        years = sorted(set(years))
        later = by_key[(indicator, years[-1], code)]
        if later["section"] == "fragilites":
            # Issue 17: a withheld fragility ranking is said in one sentence of its own section
            # (test_report_figures_e2e.py::test_fragility_rankings_rest_on_significant_pairs...).
            continue
        if later["status"] == "suppressed" and later["n"] > 0:
            label = (
                POPULATIONS[later["study"]]
                if later["section"] == "chiffres_cles"
                else later["label"]
            )
            tables.append(f"{label} ({later['wave']})")
        if len(years) >= 2 and withheld_change(later):
            changes.append(later["label"])
    return tables, changes


# What a report says instead of a wall of « e.i. » rows (reports/report_helpers.py).
WITHHELD_SENTENCES = (
    "Non publiés faute d’effectif suffisant dans la région :",
    "Aucun de ces indicateurs n’est publiable pour la région faute d’effectif suffisant",
)
CHANGE_SENTENCES = (
    "Évolutions non publiées faute d’effectif suffisant dans la région",
    "Aucune évolution n’est publiable pour la région faute d’effectif suffisant",
)


def suppressed_rows_per_table(page_html: str) -> list[int]:
    """How many rows of each table of an HTML report hold the mark."""
    return [
        sum(f">{NOT_PUBLISHED}<" in row for row in re.findall(r"<tr.*?</tr>", table, re.S))
        for table in re.findall(r"<table.*?</table>", page_html, re.S)
    ]


def test_each_report_names_every_withheld_value_and_shows_no_wall_of_marks(published):
    """Each withheld indicator and change is named under its table, never printed; no table
    holds more than 2 rows of marks; the PDF, made from the same markdown, holds as many
    marks as the HTML and no withheld change or difference worded."""
    project, _ = published
    rows = estimates(project)
    jobs = {job.title: job for job in all_report_jobs(project.paths, regions())}
    checked_changes = 0
    for region in regions():
        job = jobs[region.name]
        page, pdf = html_text(job.html), pdf_text(job.pdf)
        tables, changes = region_rows(rows, region.code)
        for name in tables:
            assert normalized(name.replace("'", "’")) in page, (region.name, name)
            assert normalized(f"{name} {NOT_PUBLISHED}".replace("'", "’")) not in page, (
                region.name,
                name,
            )
        if tables:
            assert any(sentence in page for sentence in WITHHELD_SENTENCES), region.name
        for name in changes:
            assert normalized(name.replace("'", "’")) in page, (region.name, name)
        if changes:
            assert any(sentence in page for sentence in CHANGE_SENTENCES), region.name
        checked_changes += len(changes)
        assert max(suppressed_rows_per_table(job.html.read_text(encoding="utf-8"))) <= 2
        assert page.count(f" {NOT_PUBLISHED}") == pdf.count(f" {NOT_PUBLISHED}"), region.name
        for text in (page, pdf):
            assert "effectif insuffisant, valeur non publiée" in text  # the legend
            assert " n.s. " not in text and "stable" not in text
    assert checked_changes >= 3
    national = html_text(jobs["Synthèse nationale"].html)
    corsica = region_by_code("94")
    assert normalized(f"{corsica.name} {NOT_PUBLISHED} –") in national
