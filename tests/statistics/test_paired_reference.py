"""The paired difference of two items answered by the same respondents reproduces R ``survey``.

``tests/reference/survey_validation/paired_reference_values.csv`` holds, to 15 significant
digits, R's ``svycontrast(svymean(~a + b, design), c(1, -1))`` (difference and SE) and the t
test on ``degf(design)`` (written by ``paired_reference.R``, R 4.2.2, survey 4.1-1), on the
whole design and on a domain through ``subset()``; matched here to a relative 1e-9.
"""

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchestration.statistics import Design, compare_domains, compare_paired

DATA = Path(__file__).resolve().parents[1] / "reference" / "survey_validation"


@pytest.fixture(scope="module")
def r_values() -> dict[str, float]:
    with (DATA / "paired_reference_values.csv").open(newline="") as handle:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "apistrat.csv")
    return frame.assign(
        award=(frame["awards"] == "Yes").astype(float),
        wide=(frame["sch.wide"] == "Yes").astype(float),
    )


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(DATA / "apiclus1.csv")


def designs(apistrat: pd.DataFrame, apiclus1: pd.DataFrame) -> dict:
    return {
        "strat": (apistrat, Design.from_frame(apistrat, "pw", strata="stype", fpc="fpc")),
        "clus1": (apiclus1, Design.from_frame(apiclus1, "pw", clusters="dnum", fpc="fpc")),
    }


CASES = [
    # (R name, design, first item, second item, domain: column and value, or None)
    ("strat.api00_api99", "strat", "api00", "api99", None),
    ("strat_high.api00_api99", "strat", "api00", "api99", ("stype", "H")),
    ("strat.award_wide", "strat", "award", "wide", None),
    ("clus1.api00_api99", "clus1", "api00", "api99", None),
    ("clus1_elementary.api00_api99", "clus1", "api00", "api99", ("stype", "E")),
]


@pytest.mark.parametrize(("name", "design_name", "first", "second", "domain"), CASES)
def test_paired_difference_matches_r_svycontrast(
    r_values, apistrat, apiclus1, name, design_name, first, second, domain
):
    frame, design = designs(apistrat, apiclus1)[design_name]
    rows = None if domain is None else (frame[domain[0]] == domain[1]).to_numpy()
    paired = compare_paired(frame[first], frame[second], design, rows)
    assert paired.difference == pytest.approx(r_values[f"{name}.difference"], rel=1e-9)
    assert paired.se == pytest.approx(r_values[f"{name}.se"], rel=1e-9)
    assert paired.df == r_values[f"{name}.df"]
    assert paired.p_value == pytest.approx(r_values[f"{name}.p_value"], rel=1e-9)


def test_pairing_counts_the_covariance_of_the_same_respondents(apistrat):
    # api00 and api99 are strongly correlated: paired, their difference is far more precise
    # than if the two means came from independent samples.
    design = Design.from_frame(apistrat, "pw", strata="stype", fpc="fpc")
    paired = compare_paired(apistrat["api00"], apistrat["api99"], design)
    stacked = np.concatenate([apistrat["api00"], apistrat["api99"]])
    twice = Design(np.tile(design.weights, 2), np.tile(apistrat["stype"].to_numpy(), 2))
    as_if_independent = compare_domains(stacked, twice, np.arange(stacked.size) < len(apistrat))
    assert paired.se < as_if_independent.se / 5
