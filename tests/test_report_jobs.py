"""A report's export version and key: they change with what the report prints (its figures,
images and sources), not with its provenance footer."""

import json
import shutil

import pytest

from orchestration.geography import region_by_code
from orchestration.publication import report_jobs
from orchestration.publication.report_jobs import regional_job
from orchestration.settings import REPORT_SOURCES_DIR, ProjectPaths

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
    before = job.export_version(), job.key()

    def new_run(document):
        document["provenance"] |= {"run_id": "run-2", "exported_at": "2026-11-28"}
        document["provenance"]["code_version"] = "def"  # a commit that changes no figure
        document["inputs"][0]["sha256"] = "bb"  # another file, the same figures here

    edit(job, new_run)
    assert (job.export_version(), job.key()) == before


@pytest.mark.parametrize(
    "change",
    [
        lambda document: document["indicators"][0]["waves"][0]["values"].update({"84": 0.7}),
        lambda document: document["charts"].clear(),
    ],
    ids=["a printed value", "a chart"],
)
def test_the_export_version_changes_with_what_is_printed(job, change):
    before = job.export_version(), job.key()
    edit(job, change)
    assert job.export_version() != before[0] and job.key() != before[1]


def test_the_export_version_changes_with_the_map(job):
    before = job.export_version()
    next(iter(job.images().values())).write_bytes(b"png-2")
    assert job.export_version() != before


def test_the_key_changes_with_the_report_sources_not_the_export_version(job, tmp_path, monkeypatch):
    sources = tmp_path / "sources"
    shutil.copytree(REPORT_SOURCES_DIR, sources)
    monkeypatch.setattr(report_jobs, "REPORT_SOURCES_DIR", sources)
    before = job.export_version(), job.key()
    template = sources / "region.qmd"
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert job.export_version() == before[0]
    assert job.key() != before[1]


def test_a_report_is_current_only_when_rendered_from_its_key(job):
    assert not job.is_current()  # never rendered
    job.write_record(job.key(), "run-1", ENGINE)
    assert not job.is_current()  # recorded, but the files are missing
    for path in (job.html, job.pdf):
        path.write_text("rendu", encoding="utf-8")
    assert job.is_current()
    edit(job, lambda document: document["charts"].clear())
    assert not job.is_current()
