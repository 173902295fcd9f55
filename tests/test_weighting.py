"""Weighting on the shipped samples: institute weights kept, mayors raked to the communes'
margins within the trim bounds, foundations uniform, diagnostics equal to an independent Kish
computation. The shared finished run's warehouse is read (ingest, then dbt)."""

import csv
import importlib.util
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.settings import DBT_PROJECT_DIR
from tests.conftest import FinishedRun

SEEDS = DBT_PROJECT_DIR / "seeds"


def seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def warehouse(finished_run: FinishedRun) -> Path:
    """The warehouse of the shared run of the shipped samples (read only)."""
    assert finished_run.result.success
    return finished_run.project.warehouse


def query(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.sql(sql).df()


def test_mayors_weights_hit_the_communes_by_region_and_by_band(warehouse: Path) -> None:
    weights = query(warehouse, "select * from intermediate.int_survey_weights where study = 'elus'")
    assert (weights["weight_source"] == "raked").all()
    communes = {row["reg"]: float(row["communes"]) for row in seed("communes_by_region")}
    by_region = weights.groupby("region_code")["weight"].sum()
    assert set(by_region.index) == set(communes)
    for region, count in communes.items():
        assert by_region[region] == pytest.approx(count, rel=1e-6)
    total = sum(communes.values())
    shares = {
        row["taille_commune"]: float(row["share_of_communes"]) for row in seed("commune_size_bands")
    }
    by_band = weights.groupby("strata")["weight"].sum()
    assert set(by_band.index) == set(shares)
    for band, share in shares.items():
        assert by_band[band] == pytest.approx(total * share / sum(shares.values()), rel=1e-6)


def test_raked_weights_respect_the_trim_bounds(warehouse: Path) -> None:
    designs = {row["study"]: row for row in seed("studies")}
    weights = query(
        warehouse, "select * from intermediate.int_survey_weights where weight_source = 'raked'"
    )
    assert not weights.empty
    for study, rows in weights.groupby("study"):
        low, high = float(designs[study]["trim_low"]), float(designs[study]["trim_high"])
        ratio = rows["weight"] / rows["base_weight"]
        assert ratio.min() >= low * (1 - 1e-6)
        assert ratio.max() <= high * (1 + 1e-6)
        assert rows["raking_converged"].all()


def test_institute_weights_are_kept_unchanged(warehouse: Path) -> None:
    compared = query(
        warehouse,
        """
        select r.study, r.weight as delivered, w.weight, w.base_weight, w.weight_source
        from staging.stg_survey_respondents as r
        join intermediate.int_survey_weights as w using (study, wave, respondent_id)
        where r.study in ('citoyens', 'entreprises', 'associations')
        """,
    )
    assert set(compared["study"]) == {"citoyens", "entreprises", "associations"}
    assert (compared["weight_source"] == "institute").all()
    assert (compared["weight"] == compared["delivered"]).all()
    assert (compared["base_weight"] == compared["delivered"]).all()


def test_foundations_weigh_one_each(warehouse: Path) -> None:
    weights = query(
        warehouse, "select * from intermediate.int_survey_weights where study = 'fondations'"
    )
    assert len(weights) == 42
    assert (weights["weight"] == 1).all()
    assert (weights["weight_source"] == "uniform").all()
    assert weights["strata"].isna().all()


def test_one_weight_per_respondent(warehouse: Path) -> None:
    counts = query(
        warehouse,
        """
        select
            (select count(*) from staging.stg_survey_respondents) as respondents,
            (select count(*) from intermediate.int_survey_weights) as weights,
            (select count(*) from intermediate.int_survey_weights where weight <= 0) as not_positive
        """,
    ).iloc[0]
    assert counts["respondents"] == counts["weights"]
    assert counts["not_positive"] == 0


def test_diagnostics_equal_an_independent_kish_computation(warehouse: Path) -> None:
    weights = query(warehouse, "select study, wave, weight from intermediate.int_survey_weights")
    diagnostics = query(warehouse, "select * from marts.weighting_diagnostics").set_index(
        ["study", "wave"]
    )
    assert len(diagnostics) == weights.groupby(["study", "wave"]).ngroups == 8
    for (study, wave), rows in weights.groupby(["study", "wave"]):
        w = rows["weight"].to_numpy()
        row = diagnostics.loc[(study, wave)]
        assert row["n"] == w.size
        assert row["kish_n_effective"] == pytest.approx(w.sum() ** 2 / (w**2).sum(), rel=1e-9)
        assert row["kish_deff"] == pytest.approx(w.size * (w**2).sum() / w.sum() ** 2, rel=1e-9)
        assert row["min_weight"] == pytest.approx(w.min())
        assert row["max_weight"] == pytest.approx(w.max())
        assert row["weight_ratio"] == pytest.approx(w.max() / w.min())
    elus = diagnostics.loc[("elus", 2020)]
    assert elus["weight_source"] == "raked"
    assert bool(elus["raking_converged"])
    assert elus["raking_iterations"] >= 1
    assert np.isclose(diagnostics.loc[("fondations", 2021), "kish_deff"], 1.0)


def test_trim_bounds_bind_and_are_flagged() -> None:
    """The model's weighting step on a made-up mayors' sample whose untrimmed ratios reach 1.56:
    with an upper bound of 1.55 the ratios stop there, the margins still hold, and the weights
    on the bound are flagged as trimmed."""
    spec = importlib.util.spec_from_file_location(
        "int_survey_weights", DBT_PROJECT_DIR / "models" / "intermediate" / "int_survey_weights.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    bands = ["moins_2000", "2000_19999", "20000_plus"]
    counts = {"11": (10, 5, 2), "24": (3, 8, 6), "94": (2, 4, 10)}
    rows = [
        (r, b) for r, c in counts.items() for b, k in zip(bands, c, strict=True) for _ in range(k)
    ]
    group = pd.DataFrame(
        {
            "study": "elus",
            "wave": 2020,
            "respondent_id": [str(i) for i in range(len(rows))],
            "region_code": [r for r, _ in rows],
            "taille_commune": [b for _, b in rows],
            "weight": np.nan,
        }
    )
    seeds = {
        "communes_by_region": pd.DataFrame({"reg": list(counts), "communes": [1000, 700, 300]}),
        "commune_size_bands": pd.DataFrame(
            {"taille_commune": bands, "share_of_communes": [0.86, 0.127, 0.013]}
        ),
    }
    design = {"weighting": "raked", "strata": "taille_commune", "trim_low": 0.5, "trim_high": 1.55}
    out = module._weigh(group, pd.Series(design), seeds)
    ratio = out["weight"] / out["base_weight"]
    assert bool(out["raking_converged"].iat[0])
    assert ratio.max() <= 1.55 * (1 + 1e-6) and ratio.min() >= 0.5 * (1 - 1e-6)
    assert out["trimmed"].sum() == np.isclose(ratio, 1.55, rtol=1e-6).sum() > 0
    by_region = out.groupby("region_code")["weight"].sum()
    for region, communes in zip(counts, [1000, 700, 300], strict=True):
        assert by_region[region] == pytest.approx(communes, rel=1e-6)
