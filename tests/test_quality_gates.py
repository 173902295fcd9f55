"""End to end through Dagster, the quality gates: a clean run passes and documents every check;
a corrupted delivery, a breached contract, implausible data or a hole in a mart publishes
nothing and leaves the last good state intact; a warning does not stop publication. Each
failure runs on its own copy of the shared finished project, and runs only the changed
delivery's asset and what is built from it: the steps between the bad input and its gate, and
the publication the gate must stop."""

import hashlib
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import duckdb

from bench.automation_ticks import observe_deliveries, run_automation
from orchestration.definitions import defs
from orchestration.ingest.deliveries import CASE_DATABASE
from orchestration.ingest.readers import read_survey
from orchestration.quality.batches import (
    CASE_SUITES,
    MART_SUITES,
    SMALL_AREA_SUITES,
    SURVEY_SUITES,
)
from orchestration.quality.checks import INDICATOR_MART
from orchestration.quality.context_batches import CONTEXT_SUITES
from orchestration.quality.suites import all_suites
from orchestration.run_all import (
    check_warnings,
    failed_checks,
    run_assets,
    step_errors,
)
from synthetic import case_database
from tests.conftest import CITIZENS_2020, rewrite_survey, settled
from tests.pipeline_reading import (
    CASE_EXPORT,
    CHECKED_REGION,
    CODEBOOK,
    HEADLINE,
    ID,
    INDICATOR,
    REGION,
    WEIGHT,
    indicator_row,
)

CITIZENS = dg.AssetKey(["raw", "survey_citoyens"])
CASES = dg.AssetKey(["raw", "case_database"])
CONTEXT = dg.AssetKey(["raw", "context_statistics"])
# What publishes: the export, the synthesis and the index (the regional reports are rendered
# from the same gated export).
# The export (the whole and its 14 slices, one step), the synthesis and the index.
PUBLICATION = dg.AssetSelection.assets(
    "report_data", "national_report", "reports_index"
) | dg.AssetSelection.key_prefixes("report_export")
# What a run publishes, by the first part of the asset's key.
PUBLISHING = {"report_data", "report_export", "regional_report", "national_report", "reports_index"}


def published_assets(run) -> set[str]:
    """The publication's assets that the run materialized."""
    keys = {event.asset_key for event in run.get_asset_materialization_events()}
    return {key.to_user_string() for key in keys if key.path[0] in PUBLISHING}


def built_from(delivery: dg.AssetKey) -> dg.AssetSelection:
    """A delivery's asset and everything built from it, to the published reports."""
    return dg.AssetSelection.assets(delivery).downstream()


def run_selection(instance: dg.DagsterInstance, selection: dg.AssetSelection):
    """One run of the selected assets and their checks, as automation would run them."""
    return run_assets(instance, selection.resolve(defs.resolve_asset_graph()), {})


def digests(folder: Path) -> dict[str, str]:
    """The published files (the quality report beside them is rewritten by every check, failed
    or not, to show what failed)."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


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


def test_a_clean_run_passes_every_check_and_documents_them(finished_pipeline):
    """The quality report a real run wrote: French, self-contained, every suite on every batch
    it ran on, linked from each check's metadata."""
    project, _, result = finished_pipeline
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


def test_an_unreadable_delivery_fails_the_ingest_and_names_the_file(pipeline_copy):
    project, instance, _ = pipeline_copy
    reports_before = digests(project.reports_dir)
    unreadable = project.raw_dir / "surveys" / "citoyens" / "2019" / "citoyens_2019.sav"
    original = unreadable.read_bytes()
    unreadable.write_bytes(b"ceci n'est pas un fichier SPSS")
    try:
        run = run_selection(instance, built_from(CITIZENS))
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


def test_a_delivery_breaking_its_contract_is_rejected_at_the_door(pipeline_copy):
    project, instance, first = pipeline_copy
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
        # With another delivery, whose check rewrites the quality report after the refusal.
        run = run_selection(instance, built_from(CITIZENS) | dg.AssetSelection.assets(CONTEXT))
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


def report_files_state(project) -> dict[str, tuple[str, int]]:
    """Each published file's digest and modification time: unchanged means not rewritten."""
    return {
        name: (digest, (project.reports_dir / name).stat().st_mtime_ns)
        for name, digest in digests(project.reports_dir).items()
    }


def assert_nothing_published(project, run, reports_before) -> None:
    assert published_assets(run) == set()
    assert report_files_state(project) == reports_before


def test_an_implausible_regional_structure_is_stopped_before_publication(pipeline_copy):
    project, instance, _ = pipeline_copy
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
        run = run_selection(instance, built_from(CITIZENS))
    finally:
        delivery.write_bytes(original)

    assert not run.success
    [failure] = failed_checks(run)
    assert failure.startswith("survey_citoyens_regional_structure: ")
    assert "survey_regional_structure sur survey_citoyens_2020 : 2 échecs bloquants" in failure
    assert "region_code=53" in failure and "region_code=11" in failure
    assert_nothing_published(project, run, reports_before)


def test_case_codes_outside_their_lists_are_stopped_before_publication(pipeline_copy):
    project, instance, _ = pipeline_copy
    reports_before = report_files_state(project)
    export = project.raw_dir / CASE_EXPORT
    original = export.read_bytes()
    cases, catalysts = case_database.generate()
    hostile = "Intercommunal <script>alert(1)</script>"
    cases.loc[3, "echelon"] = hostile
    cases.loc[8, "profils_acteurs"] = "Association ; Syndicat"
    case_database.write_xlsx((cases, catalysts), export)
    try:
        run = run_selection(instance, built_from(CASES))
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


def test_automation_goes_no_further_than_a_delivery_failing_its_checks(pipeline_copy):
    project, instance, _ = pipeline_copy
    idle = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    export = project.raw_dir / CASE_EXPORT
    original = export.read_bytes()
    cases, catalysts = case_database.generate()
    cases.loc[3, "echelon"] = "Intercommunal"
    case_database.write_xlsx((cases, catalysts), export)
    settled(export)
    try:
        assert [o.asset_key for o in observe_deliveries(instance)] == [CASE_DATABASE.source_key]
        ticks = run_automation(instance, idle.cursor)
    finally:
        export.write_bytes(original)

    # One run: the ingest, whose blocking check fails, and nothing after it; no second tick.
    [tick] = ticks
    assert not tick.result.success
    assert [failure.split(": ")[0] for failure in failed_checks(tick.result)] == ["case_database"]
    materialized = {e.asset_key for e in tick.result.get_asset_materialization_events()}
    assert materialized == {CASE_DATABASE.asset_key}
    assert published_assets(tick.result) == set()


def test_a_warning_is_shown_but_does_not_stop_publication(pipeline_copy):
    project, instance, _ = pipeline_copy
    export = project.raw_dir / CASE_EXPORT
    original = export.read_bytes()
    cases, catalysts = case_database.generate()
    twin = cases.index[cases["region"] == cases.loc[0, "region"]][1]
    cases.loc[twin, "titre"] = cases.loc[0, "titre"]  # same title, same region
    case_database.write_xlsx((cases, catalysts), export)
    try:
        # The export and one render are enough to show that nothing stopped publication.
        publishing = built_from(CASES) - dg.AssetSelection.groups("reports") | PUBLICATION
        run = run_selection(instance, publishing)
    finally:
        export.write_bytes(original)

    assert run.success
    [warning] = check_warnings(run)
    assert warning.startswith("case_database: ")
    assert "[avertissement] Deux cas d'une même région n'ont pas le même titre" in warning
    assert f"{CASE_EXPORT} ligne 2" in warning and f"{CASE_EXPORT} ligne {twin + 2}" in warning
    assert {"report_data", "national_report", "reports_index"} <= published_assets(run)


def test_a_hole_in_the_indicator_mart_is_stopped_before_publication(pipeline_copy):
    project, instance, _ = pipeline_copy
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
    run = job.execute_in_process(instance=instance, raise_on_error=False)

    assert not run.success
    [failure] = failed_checks(run)
    assert failure.startswith("indicator_coverage: ")
    assert "Chaque indicateur est estimé pour la France et les 13 régions" in failure
    rule = "(expect_column_values_to_be_in_set, colonne present)"
    assert f"{rule} : {len(waves)} ligne(s)" in failure
    for (wave,) in waves:
        assert f"indicator_id={HEADLINE} wave={wave} geo_code=94" in failure
    assert_nothing_published(project, run, reports_before)


def test_implausible_data_fail_the_quality_check_and_publish_nothing(pipeline_copy):
    project, instance, _ = pipeline_copy
    reports_before = digests(project.reports_dir)
    indicator_before = indicator_row(project, CHECKED_REGION)
    delivery = project.raw_dir / CITIZENS_2020

    def implausible(answers):
        # Within the contract (positive weights), outside the quality rules (mean 1).
        answers.loc[[4, 10], WEIGHT] = 50.0  # SPSS cases 5 and 11

    delivered = rewrite_survey(delivery, implausible)
    second = run_selection(instance, built_from(CITIZENS))

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
    assert "marts/fct_indicator_estimates" not in materialized
    assert published_assets(second) == set()
    assert digests(project.reports_dir) == reports_before
    assert indicator_row(project, CHECKED_REGION) == indicator_before
    assert hashlib.sha256(delivery.read_bytes()).hexdigest() == delivered


def test_the_warehouse_is_not_left_locked(pipeline_copy):
    project, _, _ = pipeline_copy
    # A writer can open the file after the runs: no step kept a connection.
    with duckdb.connect(str(project.warehouse)) as connection:
        assert connection.execute("select count(*) from raw.survey_citoyens").fetchone()[0] > 0
