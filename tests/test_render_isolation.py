"""One report's failure never cancels nor half-publishes another, and every reader (the step's
failure, Dagster's report assets, ``index.html``, ``make run``'s summary) is told exactly what was
republished, what failed and why. Renders leave no file outside the project's temporary folder.

One real pipeline run publishes everything; then two regions' map images are made unreadable
(the real trigger: Typst cannot decode them, after the HTML was produced), one of them never
published before, and the 13 regions are rendered again in one run.
"""

import hashlib
import json
import re
import subprocess
import tempfile
from pathlib import Path

import dagster as dg
import pytest

from orchestration.geography import region_by_code, regions
from orchestration.publication.assets import REPORTS_METADATA, write_reports_index
from orchestration.publication.builtin_renderer import render_with_builtin_engine
from orchestration.publication.outcomes import failure_reason
from orchestration.publication.publishing import (
    PARTIAL_PREFIX,
    publish_report,
    recover_publications,
    stage_publication,
    staging_root,
)
from orchestration.publication.rendering import BUILTIN_ENGINE, engine_name
from orchestration.publication.report_jobs import RenderRecord, all_report_jobs, regional_job
from orchestration.publication.report_keys import regional_report_key
from orchestration.publication.scratch import SCRATCH_PREFIX
from orchestration.run_all import job_definition, report_summary, step_errors
from orchestration.schedules import refresh_all_job
from orchestration.settings import ProjectPaths
from tests.conftest import instance_in
from tests.index_reading import read_index, spaced

# Centre-Val de Loire: second in the queue, so a failure there used to cancel the 11 after it.
FAILING = "24"
# Corse: its files are withdrawn first, as if it had never been published.
NEVER_PUBLISHED = "94"
TYPST_REASON = "le PDF n'a pas pu être compilé par Typst : failed to decode image"


def dead_pid() -> int:
    """The id of a process that has exited (a killed run's)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def break_map(job) -> None:
    """Make the region's department map unreadable: its report's PDF cannot be compiled."""
    [image] = [path for name, path in job.images().items() if name.startswith("carte-")]
    image.write_bytes(b"ceci n'est pas une image PNG")


def render_regions(instance) -> dg.JobExecutionResult:
    """The 13 regional reports and the index, in one run, as the render_reports job would."""
    job = dg.build_reconstructable_job(
        "orchestration.run_all", job_definition.__name__, (refresh_all_job.name,)
    )
    keys = [regional_report_key(region) for region in regions()]
    return dg.execute_job(
        job, instance=instance, asset_selection=[*keys, dg.AssetKey("reports_index")]
    )


@pytest.fixture(scope="module")
def runs(finished_run, tmp_path_factory):
    """A full run (a copy of the shared one), then the 13 regions rendered again with two of
    them broken; the system's temporary folder and Jupyter's runtime folder are watched during
    the second run."""
    root = tmp_path_factory.mktemp("isolation")
    project = finished_run.copy_to(root)
    system_tmp, jupyter_runtime = root / "system-tmp", root / "jupyter-runtime"
    system_tmp.mkdir()
    jupyter_runtime.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in project.env().items():
            patch.setenv(name, value)
        with instance_in(root / "dagster") as instance:
            first = finished_run.result
            reports = all_report_jobs(project.paths, regions())
            jobs = {job.params.get("region"): job for job in reports}  # None: the synthesis
            before = {
                code: (digest(job.html), digest(job.pdf), job.record())
                for code, job in jobs.items()
            }
            published_at = {code: job.pdf.stat().st_mtime_ns for code, job in jobs.items()}
            never = jobs[NEVER_PUBLISHED]
            for path in (never.html, never.pdf, never.record_file):
                path.unlink()
            break_map(jobs[FAILING])
            break_map(never)
            leftover = project.paths.scratch_dir / f"{SCRATCH_PREFIX}{dead_pid()}-tue"
            (leftover / "reports").mkdir(parents=True)
            (leftover / "reports" / "kernel-connection.json").write_text("{}", encoding="utf-8")
            # Whatever the render writes outside the project must show up in these two.
            patch.setenv("TMPDIR", str(system_tmp))
            patch.setenv("JUPYTER_RUNTIME_DIR", str(jupyter_runtime))
            patch.setattr(tempfile, "tempdir", None)
            second = render_regions(instance)
            yield {
                "project": project,
                "instance": instance,
                "first": first,
                "second": second,
                "jobs": jobs,
                "before": before,
                "published_at": published_at,
                "leftover": leftover,
                "system_tmp": system_tmp,
                "jupyter_runtime": jupyter_runtime,
            }


def test_one_region_failing_neither_stops_nor_hides_the_others(runs):
    first, second, jobs = runs["first"], runs["second"], runs["jobs"]
    assert first.success and engine_name() == BUILTIN_ENGINE
    assert not second.success
    others = [code for code in jobs if code not in (None, FAILING, NEVER_PUBLISHED)]
    assert len(others) == 11
    for code in others:
        job = jobs[code]
        assert job.record().run_id == second.run_id, job.title  # rendered in the second run
        assert job.is_current() and job.failure() is None
        assert job.pdf.stat().st_mtime_ns != runs["published_at"][code]  # published again
    # The failing region keeps its last published files, byte for byte, and their record.
    failing = jobs[FAILING]
    html, pdf, record = runs["before"][FAILING]
    assert (digest(failing.html), digest(failing.pdf), failing.record()) == (html, pdf, record)
    assert failing.failure().run_id == second.run_id
    assert failing.failure().reason.startswith(TYPST_REASON)
    # The never-published one stays unpublished: its HTML was produced, and not published alone.
    never = jobs[NEVER_PUBLISHED]
    assert not never.html.exists() and not never.pdf.exists() and never.record() is None
    assert not staging_root(runs["project"].reports_dir).exists() or not any(
        staging_root(runs["project"].reports_dir).iterdir()
    )


def test_the_step_fails_and_says_which_reports_failed_and_why(runs):
    second, jobs = runs["second"], runs["jobs"]
    [failure] = [e for e in second.get_step_failure_events() if e.step_key == "regional_report"]
    metadata = failure.step_failure_data.user_failure_data.metadata
    assert (metadata["rendered"].value, metadata["failed"].value) == (11, 2)
    states = {r["stem"]: (r["state"], r["reason"]) for r in metadata[REPORTS_METADATA].value}
    assert states[jobs[FAILING].stem][0] == "failed"
    assert states[jobs[FAILING].stem][1].startswith(TYPST_REASON)
    assert states[jobs[NEVER_PUBLISHED].stem][0] == "failed"
    assert sum(state == "rendered" for state, _ in states.values()) == 11
    failed_listing = metadata["failed_reports"].value
    assert f"- {jobs[FAILING].title} : {TYPST_REASON}" in failed_listing
    [error] = step_errors(second)
    assert error.startswith("regional_report: ")
    assert "2 rapports sur 13 n'ont pas pu être rendus :" in error
    assert f"- {jobs[FAILING].title} : {TYPST_REASON}" in error
    # The index step did not run (its input failed): the failing step wrote the index instead.
    started = {e.step_key for e in second.all_events if e.is_step_start}
    assert started == {"regional_report"}


def test_dagster_shows_the_regions_that_succeeded_and_those_that_failed(runs):
    instance, second = runs["instance"], runs["second"]

    def latest_run(code: str) -> str:
        key = regional_report_key(region_by_code(code))
        [record] = instance.fetch_materializations(key, limit=1).records
        return record.run_id

    assert latest_run(FAILING) == runs["first"].run_id
    assert latest_run("84") == second.run_id
    index_record = instance.get_latest_materialization_event(dg.AssetKey("reports_index"))
    assert index_record.run_id == second.run_id
    assert index_record.asset_materialization.metadata["reports_failed"].value == 2


def test_the_index_matches_what_is_published(runs):
    jobs, project = runs["jobs"], runs["project"]
    index = project.reports_dir / "index.html"
    page, text = read_index(index), index.read_text(encoding="utf-8")
    rows = {row.id: row for row in page.rows}
    states = {row.id: spaced(row.cells[-1]) for row in page.rows}
    failing, never = f"region-{FAILING}", f"region-{NEVER_PUBLISHED}"
    # In plain French for the reader; the technical reason in « À propos de cette publication ».
    assert re.fullmatch(
        r"en retard sur les données \(version du .+ ; la mise à jour du .+ a échoué\)",
        states[failing],
    )
    assert jobs[FAILING].pdf.name in rows[failing].hrefs  # its last published files
    assert re.fullmatch(r"pas encore publié \(la mise à jour du .+ a échoué\)", states[never])
    assert not rows[never].hrefs
    assert "Typst" not in page.reader_text
    footer = spaced(page.footer_text)
    for job in (jobs[FAILING], jobs[NEVER_PUBLISHED]):
        reason = f"Rendu échoué de « {re.escape(job.title)} » le .+ : {re.escape(TYPST_REASON)}"
        assert re.search(reason, footer)
    # The map links only to what is online.
    linked = [shape.href for shape in page.shapes if shape.href]
    assert len(linked) == 12 and jobs[NEVER_PUBLISHED].html.name not in linked
    assert page.states.count("à jour") == 12  # the 11 other regions and the synthesis
    # Rewriting the index from the disk gives the same page: it already said what is online.
    write_reports_index(project.paths)
    assert index.read_text(encoding="utf-8") == text


def test_make_run_s_summary_says_what_was_republished_and_what_failed(runs):
    jobs = runs["jobs"]
    first = report_summary(runs["first"])
    assert first[0].startswith("Rapports republiés (14) : Synthèse nationale, ")
    second = "\n".join(report_summary(runs["second"]))
    republished = [jobs[c].title for c in jobs if c not in (None, FAILING, NEVER_PUBLISHED)]
    assert f"Rapports republiés (11) : {', '.join(republished)}." in second
    assert "Rapports dont le rendu a échoué (2) :" in second
    assert (
        f"  - {jobs[FAILING].title} (la version publiée précédente reste en ligne) : "
        f"{TYPST_REASON}" in second
    )
    assert f"  - {jobs[NEVER_PUBLISHED].title} (pas encore publié) : {TYPST_REASON}" in second


def test_renders_leave_nothing_outside_the_project_s_temporary_folder(runs):
    project = runs["project"]
    assert not runs["leftover"].exists()  # the killed run's scratch folder, removed
    assert list(project.paths.scratch_dir.iterdir()) == []
    assert list(runs["jupyter_runtime"].iterdir()) == []
    assert list(runs["system_tmp"].iterdir()) == []


def test_a_publication_interrupted_after_its_commit_is_completed(tmp_path):
    job, new = published_job(tmp_path)
    record = RenderRecord.now("cle-2", "run-2", BUILTIN_ENGINE)
    committed = stage_publication(job, new, record)
    # Killed between the two renames: the new HTML beside the old PDF, the old record.
    (committed / job.html.name).replace(job.html)
    assert job.record().key == "cle-1" and job.pdf.read_text() == "ancien pdf"
    assert recover_publications(job.paths.reports_dir) == [job.stem]
    assert (job.html.read_text(), job.pdf.read_text()) == ("nouveau html", "nouveau pdf")
    assert job.record() == record and job.failure() is None
    assert list(staging_root(job.paths.reports_dir).iterdir()) == []


def test_a_publication_killed_before_its_commit_leaves_the_last_one(tmp_path):
    job, new = published_job(tmp_path)
    partial = staging_root(job.paths.reports_dir) / f"{PARTIAL_PREFIX}{dead_pid()}-x"
    partial.mkdir(parents=True)
    (partial / job.html.name).write_text("html à moitié copié", encoding="utf-8")
    assert recover_publications(job.paths.reports_dir) == []
    assert not partial.exists()
    assert (job.html.read_text(), job.pdf.read_text()) == ("ancien html", "ancien pdf")
    assert job.record().key == "cle-1"


def published_job(tmp_path: Path):
    """A region's job with published files, their record and a failure record; and the files
    of a new render."""
    paths = ProjectPaths(
        tmp_path / "raw", tmp_path / "warehouse" / "impact.duckdb", tmp_path / "out"
    )
    job = regional_job(region_by_code("84"), paths)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    old = {"html": scratch / "old.html", "pdf": scratch / "old.pdf"}
    new = {"html": scratch / "new.html", "pdf": scratch / "new.pdf"}
    for files, label in ((old, "ancien"), (new, "nouveau")):
        for fmt, path in files.items():
            path.write_text(f"{label} {fmt}", encoding="utf-8")
    publish_report(job, old, RenderRecord.now("cle-1", "run-1", BUILTIN_ENGINE))
    job.write_failure("cle-2", "run-1b", "raison")
    assert json.loads(job.record_file.read_text())["key"] == "cle-1"
    return job, new


def failure_of(folder: Path, qmd: str) -> str:
    """The French reason of a real render of ``qmd`` that fails."""
    source = folder / "rapport.qmd"
    source.write_text(qmd, encoding="utf-8")
    with pytest.raises(Exception) as caught:
        render_with_builtin_engine(source, {}, ["html", "pdf"])
    return failure_reason(caught.value)


def test_a_failure_reason_is_short_french_and_names_the_cell(tmp_path):
    reason = failure_of(tmp_path, "# Titre\n\n```{python}\n#| label: calcul\n1 / 0\n```\n")
    assert reason == (
        "l'exécution du document a échoué : cell 'calcul' (line 3) failed: "
        "ZeroDivisionError: division by zero"
    )


def test_a_failure_reason_reads_paths_relative_to_the_report(tmp_path):
    # As in a render's scratch copy of reports/ (a title such as ![x](/etc/hostname) did this).
    folder = tmp_path / f"{SCRATCH_PREFIX}123-abc" / "reports"
    folder.mkdir(parents=True)
    reason = failure_of(folder, "# Titre\n\n![Carte](absente.png)\n")
    assert reason == (
        "le PDF n'a pas pu être compilé par Typst : file not found (searched at absente.png)"
    )
