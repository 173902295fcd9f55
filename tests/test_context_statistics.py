"""The context statistics delivery (issue 17): the shipped file is the generator's, every door
rule rejects the file whole with its row, column and rule, and nothing is lost (file untouched,
the last good table kept, a report in the quarantine); the GX suites hold the same contract."""

import hashlib
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.geography import regions
from orchestration.ingest.assets import context_statistics
from orchestration.ingest.conformance import DeliveryRejected
from orchestration.ingest.context import read_catalogue, read_context_statistics
from orchestration.ingest.deliveries import DELIVERY_KINDS
from orchestration.ingest.jobs import delivery_jobs
from orchestration.quality.context_batches import context_runs
from orchestration.quality.suites import suite
from orchestration.quality.validation import QualityStore
from orchestration.resources import project_resources
from orchestration.settings import PROJECT_ROOT
from synthetic import context_statistics as synthetic_context

FILE = Path("context/statistiques_contexte.csv")
HEADER_ROWS = 1


def delivered(raw_dir: Path) -> pd.DataFrame:
    return pd.read_csv(raw_dir / FILE, dtype=str, keep_default_na=False)


def first_row(rows: pd.DataFrame, indicator: str, code: str) -> int:
    """The position of an indicator's row for a geography (the first year)."""
    return int(rows.index[(rows["indicator_id"] == indicator) & (rows["geo_code"] == code)][0])


def drop_region(rows):
    return rows.drop(index=first_row(rows, "taux_pauvrete", "53")), None


def unknown_indicator(rows):
    rows.loc[5, "indicator_id"] = "taux_inconnu"
    return rows, 5


def unit_mismatch(rows):
    position = first_row(rows, "taux_chomage", "53")
    rows.loc[position, "unit"] = "ratio"
    return rows, position


def duplicate_row(rows):
    position = first_row(rows, "taux_pauvrete", "53")
    return pd.concat([rows, rows.loc[[position]]], ignore_index=True), len(rows)


def year_out_of_range(rows):
    position = first_row(rows, "medecins_generalistes", "53")
    rows.loc[position, "year"] = "2031"
    return rows, position


def unknown_geography(rows):
    position = first_row(rows, "superficie", "2A")
    rows.loc[position, "geo_code"] = "20"
    return rows, position


BREACHES = {
    "missing_region": (drop_region, "geo_code", "53 absent(s)"),
    "unknown_indicator": (unknown_indicator, "indicator_id", "indicateur absent du catalogue"),
    "unit_mismatch": (unit_mismatch, "unit", "unité différente de celle du catalogue (pourcent)"),
    "duplicate_row": (duplicate_row, "geo_code", "ligne en double"),
    "year_out_of_range": (year_out_of_range, "year", "année hors de la période du catalogue"),
    "unknown_geography": (unknown_geography, "geo_code", "département métropolitain"),
}


def test_the_shipped_file_is_the_generators_and_every_region_is_there(tmp_path):
    path = tmp_path / FILE
    synthetic_context.write_csv(synthetic_context.generate(), path)
    assert path.read_bytes() == (PROJECT_ROOT / "raw" / FILE).read_bytes()
    rows = read_context_statistics(tmp_path, path, "0" * 64, tmp_path / "quarantine")
    assert set(rows["indicator_id"]) == set(read_catalogue().index)
    population = rows[rows["indicator_id"] == "population"].set_index("geo_code")["value"]
    assert {r.code: r.population for r in regions()} == {
        code: int(population[code]) for code in population.index if code != "FR"
    }
    assert population["FR"] == sum(r.population for r in regions())
    natures = rows.groupby("indicator_id")["nature"].agg(set)
    assert natures["population"] == {"reference"}
    assert natures["superficie"] == natures["nombre_communes"] == {"approximation"}
    others = natures.drop(["population", "superficie", "densite", "nombre_communes"])
    assert all(nature == {"illustrative"} for nature in others)
    illustrative = rows[rows["nature"] == "illustrative"]
    assert illustrative["source"].str.startswith("Donnée illustrative").all()


def test_the_delivery_sensor_watches_the_context_folder():
    kinds = {kind.name: kind for kind in DELIVERY_KINDS}
    assert kinds["context_statistics"].matches(FILE.as_posix())
    assert "ingest_context_statistics" in {job.name for job in delivery_jobs}


def ingest(instance):
    return dg.materialize(
        [context_statistics],
        instance=instance,
        resources=project_resources(),
        raise_on_error=False,
    )


@pytest.mark.parametrize("breach", list(BREACHES))
def test_a_breach_rejects_the_file_whole_and_nothing_is_lost(
    breach, isolated_project, dagster_instance
):
    """Each door rule: the ingest fails naming file, row, column and rule; the table keeps the
    last good load, the delivered file is untouched, a report waits in the quarantine."""
    assert ingest(dagster_instance).success
    query = "from raw.context_statistics order by _source_row"
    with duckdb.connect(str(isolated_project.warehouse), read_only=True) as connection:
        before = connection.execute(query).df()
    change, column, rule = BREACHES[breach]
    rows, position = change(delivered(isolated_project.raw_dir))
    path = isolated_project.raw_dir / FILE
    rows.to_csv(path, index=False)
    bad = path.read_bytes()
    result = ingest(dagster_instance)
    assert not result.success
    [failure] = result.get_step_failure_events()
    message = failure.step_failure_data.error.message
    assert str(FILE) in message and f"variable {column}" in message and rule in message
    if position is not None:
        assert f"ligne {position + HEADER_ROWS + 1} (indicateur " in message
    with duckdb.connect(str(isolated_project.warehouse), read_only=True) as connection:
        assert connection.execute(query).df().equals(before)
    assert path.read_bytes() == bad
    [report] = (isolated_project.warehouse.parent / "quarantine").rglob("*.rejected.txt")
    assert hashlib.sha256(bad).hexdigest() in report.read_text(encoding="utf-8")


def test_a_bad_value_a_bad_level_and_a_missing_column_are_named(tmp_path):
    rows = delivered(PROJECT_ROOT / "raw")
    rows.loc[3, "value"] = "7,5"
    rows.loc[4, "geo_level"] = "commune"
    path = tmp_path / FILE
    path.parent.mkdir(parents=True)
    rows.to_csv(path, index=False)
    with pytest.raises(DeliveryRejected) as error:
        read_context_statistics(tmp_path, path, "0" * 64, tmp_path / "quarantine")
    assert "ligne 5 (indicateur population), variable value : la valeur doit être un nombre" in (
        str(error.value)
    )
    assert "ligne 6 (indicateur population), variable geo_level" in str(error.value)
    rows.drop(columns="unit").to_csv(path, index=False)
    with pytest.raises(DeliveryRejected, match="variable unit : colonne obligatoire absente"):
        read_context_statistics(tmp_path, path, "1" * 64, tmp_path / "quarantine")


@pytest.fixture
def store(tmp_path) -> QualityStore:
    return QualityStore(tmp_path / "store", tmp_path / "site", "tests")


def outcomes(store, rows: pd.DataFrame) -> dict:
    catalogue = read_catalogue().reset_index()
    return {
        run.suite: store.validate(suite(run.suite), run.batch)
        for run in context_runs(rows, catalogue)
    }


def typed_shipped_rows(tmp_path) -> pd.DataFrame:
    raw = PROJECT_ROOT / "raw"
    rows = read_context_statistics(raw, raw / FILE, "0" * 64, tmp_path / "quarantine")
    return rows.assign(_source_file=FILE.as_posix(), _source_row=range(2, 2 + len(rows)))


def test_the_shipped_file_passes_both_suites(store, tmp_path):
    for outcome in outcomes(store, typed_shipped_rows(tmp_path)).values():
        assert outcome.success and not outcome.failures, outcome.summary()


def test_the_suites_stop_a_missing_region_an_implausible_value_and_a_wrong_unit(store, tmp_path):
    rows = typed_shipped_rows(tmp_path)
    chomage = first_row(rows, "taux_chomage", "11")
    rows.loc[chomage, "value"] = 45.0
    rows.loc[first_row(rows, "revenu_median", "24"), "unit"] = "pourcent"
    rows = rows.drop(index=first_row(rows, "taux_pauvrete", "53"))
    found = outcomes(store, rows)
    failed = {failure.description: failure for failure in found["context_statistics"].errors}
    too_high = failed[
        "Une valeur régionale ne dépasse pas le maximum plausible de son indicateur (catalogue)."
    ]
    assert too_high.rows == (f"{FILE.as_posix()} ligne {chomage + 2}",)
    assert "Chaque valeur est dans l'unité que le catalogue donne à son indicateur." in failed
    [missing] = found["context_coverage"].errors
    assert missing.rows == ("indicator_id=taux_pauvrete year=2021 geo_code=53",)
