"""A report's key: it changes with what the report prints, not with its provenance footer."""

import json

import pytest

from orchestration.geography import region_by_code
from orchestration.publication.report_jobs import regional_job
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
