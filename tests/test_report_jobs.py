"""A report's key: it changes with what the report prints, not with its provenance footer."""

import json

import pytest

from orchestration.geography import region_by_code
from orchestration.publication.index_page import ReportStatus, write_index
from orchestration.publication.report_jobs import national_job, regional_job
from orchestration.settings import ProjectPaths

ENGINE = "moteur intégré (pandoc + Typst)"


@pytest.fixture
def job(tmp_path):
    """Auvergne-Rhône-Alpes' job, with a small export and its map on disk."""
    paths = ProjectPaths(tmp_path / "raw", tmp_path / "warehouse" / "impact.duckdb", tmp_path)
    job = regional_job(region_by_code("84"), paths)
    export = {
        "wave": 2020,
        "indicators": [{"id": "x", "waves": [{"wave": 2020, "values": {"FR": 0.5, "84": 0.6}}]}],
        "charts": {"departements-84": {"file": "carte-departements-84.png"}},
        "provenance": {"run_id": "run-1", "code_version": "abc", "exported_at": "2026-11-27"},
        "inputs": [{"file": "cases.xlsx", "sha256": "aa"}],
    }
    write(job.data_file, export)
    image = paths.exports_dir / "charts" / "carte-departements-84.png"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"png-1")
    return job


def write(path, document):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")


def edit(job, change):
    document = json.loads(job.data_file.read_text(encoding="utf-8"))
    change(document)
    write(job.data_file, document)


def test_a_new_run_with_the_same_figures_keeps_the_key(job):
    before = job.key(ENGINE)

    def new_run(document):
        document["provenance"] |= {"run_id": "run-2", "exported_at": "2026-11-28"}
        document["inputs"][0]["sha256"] = "bb"  # another file, the same figures here

    edit(job, new_run)
    assert job.key(ENGINE) == before


@pytest.mark.parametrize(
    "change",
    [
        lambda document: document["indicators"][0]["waves"][0]["values"].update({"84": 0.7}),
        lambda document: document["provenance"].update({"code_version": "def"}),
    ],
    ids=["a printed value", "the code version"],
)
def test_the_key_changes_with_what_is_printed(job, change):
    before = job.key(ENGINE)
    edit(job, change)
    assert job.key(ENGINE) != before


def test_the_key_changes_with_the_map_and_the_engine(job):
    before = job.key(ENGINE)
    assert job.key("Quarto") != before
    next(iter(job.images().values())).write_bytes(b"png-2")
    assert job.key(ENGINE) != before


def test_a_report_is_current_only_when_rendered_from_its_key(job):
    assert not job.is_current(ENGINE)  # never rendered
    job.write_record(job.key(ENGINE), "run-1", ENGINE)
    assert not job.is_current(ENGINE)  # recorded, but the files are missing
    for path in (job.html, job.pdf):
        path.write_text("rendu", encoding="utf-8")
    assert job.is_current(ENGINE)
    edit(job, lambda document: document["charts"].clear())
    assert not job.is_current(ENGINE)


def test_the_index_states_each_report_status(job):
    synthesis = national_job(job.paths)
    write(synthesis.data_file, {"charts": {}, "provenance": {"code_version": "abc"}})
    job.write_record(job.key(ENGINE), "run-1", ENGINE)
    for path in (job.html, job.pdf):
        path.write_text("rendu", encoding="utf-8")
    index = job.paths.reports_dir / "index.html"
    statuses = [ReportStatus.of(each, ENGINE) for each in (synthesis, job)]
    page = write_index(index, statuses).read_text(encoding="utf-8")
    assert "Synthèse nationale</td><td></td><td><em>pas encore publié</em>" in page
    assert f'<a href="{job.html.name}">Auvergne-Rhône-Alpes</a>' in page
    assert "à jour, rendu le " in page
    assert "moteur" not in page and "Données illustratives" not in page
    page = write_index(index, statuses, synthetic=True).read_text(encoding="utf-8")
    assert "<strong>Données illustratives.</strong>" in page
    edit(job, lambda document: document["charts"].clear())
    page = write_index(index, [ReportStatus.of(job, ENGINE)]).read_text(encoding="utf-8")
    assert "<strong>en retard sur les données</strong> : rendu le " in page
