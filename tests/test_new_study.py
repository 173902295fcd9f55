"""Issue 21: a new survey study is its codebook(s), one row in the studies seed, its rows in the
indicator catalogue and its sample model: at most four files, nothing else.

The fixture ``tests/fixtures/sixth_study/`` holds a sixth study (« bénévoles »), one file per
project file it adds to, at the same path: a file that exists in the project gets the fixture's
lines appended, another is created. The test adds it to a copy of the project's code, makes
the samples there (``python -m synthetic``, as ``make samples`` does), delivers the new study's
sample into a copy of the shared finished run, and runs, from the copy, the new study's ingest
and everything downstream of it and of the two seeds but the renders: its quality checks, dbt
and the report export.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import PROJECT_ROOT
from orchestration.transform.project import DBT_EXECUTABLE

FIXTURE = Path(__file__).parent / "fixtures" / "sixth_study"
STUDY, WAVE = "benevoles", 2022
MAX_FILES = 4
INDICATORS = {"benevoles_jouer_collectif", "benevoles_source_innovation", "benevoles_mode_mecenat"}

# Run from the copy's folder (its code comes first on sys.path): the new study's ingest and
# what is downstream of it and of the seeds that name studies and indicators, the renders
# aside; argv[1] is the copied Dagster instance.
RUN = """
import sys
import dagster as dg
from orchestration.definitions import defs
from orchestration.ingest.deliveries import SURVEY_KINDS
from orchestration.run_all import run_assets
from orchestration.settings import dagster_instance_settings

changed = dg.AssetSelection.assets(
    SURVEY_KINDS["benevoles"].asset_key, ["reference", "studies"],
    ["reference", "indicator_catalogue"],
)
renders = dg.AssetSelection.key_prefixes("regional_report") | dg.AssetSelection.assets(
    "national_report", "reports_index"
)
keys = (changed.downstream() - renders).resolve(defs.resolve_asset_graph())
with dg.instance_for_test(overrides=dagster_instance_settings(), temp_dir=sys.argv[1]) as instance:
    result = run_assets(instance, keys, {})
print("steps:", sorted(event.step_key for event in result.get_step_success_events()))
sys.exit(0 if result.success else 1)
"""


def fingerprints(root: Path) -> dict[str, str]:
    """Every file of the project's code (what git tracks or would track), by path."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    files = [name for name in listed.split("\0") if name and (root / name).is_file()]
    return {name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in files}


def copy_code(files: dict[str, str], destination: Path) -> None:
    """The project's code, files by path, into ``destination``."""
    for name in files:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, target)


def add_the_study(code: Path) -> list[str]:
    """Each fixture file into the copy, appended to the file of the same path or created."""
    added = []
    for fixture in sorted(path for path in FIXTURE.rglob("*") if path.is_file()):
        name = fixture.relative_to(FIXTURE).as_posix()
        target = code / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as project_file:
            project_file.write(fixture.read_text(encoding="utf-8"))
        added.append(name)
    return added


def changed_files(before: dict[str, str], root: Path) -> set[str]:
    """The files of ``root`` that differ from ``before`` or are new."""
    after = {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    return {name for name, digest in after.items() if before.get(name) != digest}


def in_the_copy(code: Path, command: list[str], env: dict[str, str], folder: str = "."):
    """``command`` run from the copy (``folder`` in it), whose code it imports (dbt's Python
    models too, through ``PYTHONPATH``)."""
    return subprocess.run(
        command,
        cwd=code / folder,
        env={**os.environ, **env, "PYTHONPATH": str(code), "GX_ANALYTICS_ENABLED": "false"},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def sixth_study(finished_run, tmp_path_factory):
    """The copy of the code with the sixth study, the copy of the finished run it ran on, and
    what changed in the code: (code folder, project, files added to, files changed by
    ``make samples``, the run's completed process)."""
    code = tmp_path_factory.mktemp("code")
    shipped = fingerprints(PROJECT_ROOT)
    copy_code(shipped, code)
    added = add_the_study(code)
    edited = changed_files(shipped, code)
    samples = in_the_copy(code, [sys.executable, "-m", "synthetic", str(code / "raw")], {})
    assert samples.returncode == 0, samples.stderr
    made = changed_files(shipped, code) - edited
    root = tmp_path_factory.mktemp("six")  # short: see FinishedRun.copy_to
    project = finished_run.copy_to(root)
    delivery = Path("surveys", STUDY, str(WAVE))
    shutil.copytree(code / "raw" / delivery, project.raw_dir / delivery)
    parse = in_the_copy(
        code, [str(DBT_EXECUTABLE), "parse", "--quiet"], project.env(), "dbt_project"
    )
    assert parse.returncode == 0, parse.stdout + parse.stderr
    run = in_the_copy(code, [sys.executable, "-c", RUN, str(root / "dagster")], project.env())
    return code, project, added, edited, made, run


def test_a_new_study_is_at_most_four_files(sixth_study):
    _, _, added, edited, made, _ = sixth_study
    assert len(added) <= MAX_FILES
    assert set(added) == {
        f"codebooks/{STUDY}/{WAVE}.yml",
        "dbt_project/seeds/studies.csv",
        "dbt_project/seeds/indicator_catalogue.csv",
        "synthetic/study_models.py",
    }
    assert edited == set(added)
    # make samples then writes the new study's sample delivery, and every other sample again,
    # byte for byte.
    assert made == {f"raw/surveys/{STUDY}/{WAVE}/{STUDY}_{WAVE}.csv"}


def test_the_new_study_runs_through_ingest_quality_dbt_and_the_export(sixth_study):
    _, project, _, _, _, run = sixth_study
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    steps = run.stdout.splitlines()[-1]
    for step in ("raw__survey_benevoles", "survey_benevoles_quality", "impact_dbt_models"):
        assert step in steps
    assert "report_data" in steps


def test_the_new_studys_indicators_are_estimated_for_france_and_the_regions(sixth_study):
    _, project, _, _, _, _ = sixth_study
    with duckdb.connect(str(project.warehouse), read_only=True) as warehouse:
        estimates = warehouse.execute(
            "select indicator_id, geo_code, status, estimate from marts.fct_indicator_estimates"
            " where indicator_id like 'benevoles%' and wave = ?",
            [WAVE],
        ).df()
        studies = warehouse.execute(
            "select distinct study from staging.stg_survey_respondents"
        ).fetchall()
    assert {study for (study,) in studies} >= {STUDY, "citoyens", "fondations"}
    assert set(estimates["indicator_id"]) == INDICATORS
    assert estimates["geo_code"].nunique() == 14  # France and the 13 regions
    france = estimates[estimates["geo_code"] == "FR"].set_index("indicator_id")
    assert (france["status"] == "published").all()
    # The sample model draws 86 % « incontournable » or « utile », 3 % « ne sait pas ».
    assert france.loc["benevoles_jouer_collectif", "estimate"] == pytest.approx(0.86, abs=0.04)


def test_the_report_export_holds_the_new_studys_figures_and_source(sixth_study):
    _, project, _, _, _, _ = sixth_study
    export = json.loads(
        (project.warehouse.parent / "exports" / "report-data.json").read_text("utf-8")
    )
    indicators = {item["id"]: item for item in export["indicators"] if item["study"] == STUDY}
    assert set(indicators) == INDICATORS
    [wave] = indicators["benevoles_jouer_collectif"]["waves"]
    assert wave["wave"] == WAVE and wave["values"]["FR"]["status"] == "published"
    [source] = [source for source in export["sources"] if source["study"] == STUDY]
    assert source["survey_title"] == "IMPACT-Bénévoles 2022"
    assert source["weight_source"] == "uniform"


def test_the_other_studies_figures_do_not_move(sixth_study, finished_run):
    _, project, _, _, _, _ = sixth_study
    query = (
        "select * from marts.fct_indicator_estimates where indicator_id not like 'benevoles%'"
        " order by indicator_id, wave, geo_code"
    )
    figures = []
    for warehouse in (finished_run.project.warehouse, project.warehouse):
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            figures.append(connection.execute(query).df())
    assert len(figures[0]) > 0
    assert figures[0].equals(figures[1])
