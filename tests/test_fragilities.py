"""Perceived priority fragilities (issue 17): the optional questions of the contract, the
shipped answers, the estimates against an independent computation, and the tiers.

The shared finished run's warehouse is read (the shipped samples, ingested, then built by dbt,
its tests included); the independent figures are computed here from the delivered file
and its weights with plain numpy and pandas, never with the pipeline's functions.
"""

from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from orchestration.ingest.assets import survey_assets
from orchestration.ingest.codebooks import codebook_path, load_codebook
from orchestration.ingest.conformance import check_survey
from orchestration.ingest.readers import read_survey
from orchestration.resources import project_resources
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.transform.fragilities import leading_tiers
from tests.conftest import CITIZENS_2020, FinishedRun, make_isolated_project, rewrite_survey

CITIZENS = load_codebook(codebook_path("citoyens", 2020))
MAYORS = load_codebook(codebook_path("elus", 2020))
FILE = Path(CITIZENS_2020)
MAYORS_2020 = PROJECT_ROOT / "raw" / "surveys" / "elus" / "2020" / "elus_2020.sav"
SCORES = [q for q in CITIZENS.questions if q.name == "fragilites_score"]
CITED = [q for q in MAYORS.questions if q.name == "fragilites_prioritaires"]
NSP_CODE = 99.0
TOLERANCE = 1e-9


@pytest.fixture
def delivered() -> pd.DataFrame:
    return read_survey(PROJECT_ROOT / "raw" / CITIZENS_2020, CITIZENS).data


# --- the contract ------------------------------------------------------------------------


def test_fragility_questions_are_optional_and_cover_every_domain():
    domains = pd.read_csv(DBT_PROJECT_DIR / "seeds" / "fragility_domains.csv")["domain_id"]
    for items in (SCORES, CITED):
        assert all(item.optional for item in items)
        assert sorted(item.option for item in items) == sorted(domains)
    assert set(SCORES[0].codes.values()) == {str(score) for score in range(11)} | {"nsp"}
    assert set(CITED[0].codes.values()) == {"cite", "non_cite"}


def test_a_delivery_without_the_optional_questions_is_accepted(delivered):
    # The delivery as accepted before issue 17: the same file without the new variables.
    previous = delivered.drop(columns=[item.variable for item in SCORES])
    report = check_survey(FILE, previous, CITIZENS)
    assert report.accepted, report.text()
    assert not report.warnings


def test_an_optional_question_when_delivered_is_held_to_its_codes(delivered):
    delivered.loc[7, SCORES[0].variable] = 11.0
    [problem] = check_survey(FILE, delivered, CITIZENS).problems
    assert problem.describe(FILE).endswith(
        f"variable {SCORES[0].variable} : code absent du codebook pour fragilites_score (valeur 11)"
    )


def test_an_optional_question_delivered_in_part_is_refused(delivered):
    missing = SCORES[3].variable
    [problem] = check_survey(FILE, delivered.drop(columns=[missing]), CITIZENS).problems
    assert problem.describe(FILE) == f"{FILE}, variable {missing} : variable obligatoire absente"


def test_optional_must_be_true_or_false(tmp_path):
    content = yaml.safe_load(codebook_path("elus", 2020).read_text(encoding="utf-8"))
    content["multiple"]["fragilites_prioritaires"]["optional"] = "oui"
    path = tmp_path / "2020.yml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="multiple.fragilites_prioritaires.optional"):
        load_codebook(path)


def test_the_previous_delivery_is_still_ingested(tmp_path, monkeypatch):
    project = make_isolated_project(tmp_path)
    for name, value in project.env().items():
        monkeypatch.setenv(name, value)
    variables = [item.variable for item in SCORES]

    def previous(data: pd.DataFrame) -> None:
        for variable in variables:
            del data[variable]

    rewrite_survey(project.raw_dir / CITIZENS_2020, previous)
    [citizens] = [a for a in survey_assets if a.key.path == ["raw", "survey_citoyens"]]
    assert dg.materialize([citizens], resources=project_resources()).success
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        questions = connection.execute(
            "select distinct question from raw.survey_citoyens_answers where wave = 2020"
        ).fetchall()
    assert ("jouer_collectif",) in questions
    assert ("fragilites_score",) not in questions


# --- the shipped answers -----------------------------------------------------------------


def test_each_mayor_cites_one_to_three_fragilities():
    data, _ = pyreadstat.read_sav(str(MAYORS_2020))
    cited = (data[[item.variable for item in CITED]] == 1).sum(axis=1)
    assert cited.between(1, 3).all()


# --- the estimates, independently --------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(finished_run: FinishedRun) -> Path:
    """The warehouse of the shared run of the shipped samples (read only); the run succeeded,
    so the dbt tests passed (the tier rule's among them)."""
    assert finished_run.result.success
    return finished_run.project.warehouse


def mart(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql).df()


def stratified_mean(y: pd.Series, weight: pd.Series, strata: pd.Series, domain: pd.Series):
    """Weighted mean of ``y`` over ``domain`` (y missing: out of the base) and its Taylor SE
    under a stratified design with replacement: influence w (y - mean) / sum(w) in the base, 0
    elsewhere; variance = sum over strata of n_h / (n_h - 1) * sum (z - mean_h z)^2."""
    base = domain & y.notna()
    total = weight[base].sum()
    mean = (weight[base] * y[base]).sum() / total
    z = pd.Series(0.0, index=y.index)
    z[base] = weight[base] * (y[base] - mean) / total
    by_stratum = z.groupby(strata)
    n_h = by_stratum.transform("size")
    variance = ((z - by_stratum.transform("mean")) ** 2 * n_h / (n_h - 1)).sum()
    return mean, np.sqrt(variance)


def test_citizens_mean_scores_equal_an_independent_computation(warehouse: Path):
    data, _ = pyreadstat.read_sav(str(PROJECT_ROOT / "raw" / CITIZENS_2020))
    region = data[CITIZENS.region].astype(int).astype(str)
    rows = mart(
        warehouse,
        "select indicator_id, geo_code, estimate, se, n from marts.fct_indicator_estimates "
        "where indicator_id like 'citoyens_fragilite_%'",
    )
    assert len(rows) == 12 * 14
    for row in rows.itertuples():
        item = next(i for i in SCORES if row.indicator_id == f"citoyens_fragilite_{i.option}")
        score = data[item.variable].where(data[item.variable] != NSP_CODE)
        domain = region == row.geo_code if row.geo_code != "FR" else region.notna()
        mean, se = stratified_mean(score, data[CITIZENS.weight], region, domain)
        assert row.estimate == pytest.approx(mean, rel=TOLERANCE, abs=TOLERANCE)
        assert row.se == pytest.approx(se, rel=TOLERANCE, abs=TOLERANCE)
        assert row.n == (domain & score.notna()).sum()


def test_mayors_cited_shares_equal_an_independent_computation(warehouse: Path):
    # The raked weights are the pipeline's (the delivery has none); the share is computed here
    # from the delivered answers. Their SEs, calibration included, equal R's calibrate() +
    # svymean in tests/test_calibrated_estimates.py.
    data, _ = pyreadstat.read_sav(str(MAYORS_2020))
    weights = mart(
        warehouse,
        "select respondent_id, weight from intermediate.int_survey_weights where study = 'elus'",
    )
    weight = (
        data[MAYORS.respondent_id]
        .astype(int)
        .astype(str)
        .map(weights.set_index("respondent_id")["weight"])
    )
    region = data[MAYORS.region].astype(int).astype(str)
    rows = mart(
        warehouse,
        "select indicator_id, geo_code, estimate from marts.fct_indicator_estimates "
        "where indicator_id like 'elus_fragilite_%'",
    )
    for row in rows.itertuples():
        item = next(i for i in CITED if row.indicator_id == f"elus_fragilite_{i.option}")
        domain = region == row.geo_code if row.geo_code != "FR" else region.notna()
        cited = (data[item.variable] == 1).astype(float)
        expected = (weight[domain] * cited[domain]).sum() / weight[domain].sum()
        assert row.estimate == pytest.approx(expected, rel=TOLERANCE, abs=TOLERANCE)


def test_paired_differences_equal_an_independent_computation(warehouse: Path):
    # Bretagne's citizens, emploi minus santé: the difference of the two means, its SE from the
    # stratified variance of the difference of their influence values.
    data, _ = pyreadstat.read_sav(str(PROJECT_ROOT / "raw" / CITIZENS_2020))
    region = data[CITIZENS.region].astype(int).astype(str)
    weight = data[CITIZENS.weight]
    domain = region == "53"
    influences = []
    for variable in ("FRAG_EMPLOI", "FRAG_SANTE"):
        y = data[variable].where(data[variable] != NSP_CODE)
        base = domain & y.notna()
        mean = (weight[base] * y[base]).sum() / weight[base].sum()
        z = pd.Series(0.0, index=y.index)
        z[base] = weight[base] * (y[base] - mean) / weight[base].sum()
        influences.append((mean, z))
    (mean_a, z_a), (mean_b, z_b) = influences
    z = z_a - z_b
    by_stratum = z.groupby(region)
    n_h = by_stratum.transform("size")
    se = np.sqrt(((z - by_stratum.transform("mean")) ** 2 * n_h / (n_h - 1)).sum())
    [pair] = mart(
        warehouse,
        "select difference, se from marts.fct_fragility_pairs where study = 'citoyens' "
        "and geo_code = '53' and domain_a = 'emploi' and domain_b = 'sante'",
    ).itertuples()
    assert pair.difference == pytest.approx(mean_a - mean_b, rel=TOLERANCE)
    assert pair.se == pytest.approx(se, rel=TOLERANCE)


def test_tiers_rest_on_significant_paired_differences(warehouse: Path):
    ranking = mart(warehouse, "from marts.fct_fragility_ranking where tier is not null")
    pairs = mart(warehouse, "from marts.fct_fragility_pairs")
    significant = {
        (row.study, row.geo_code, frozenset((row.domain_a, row.domain_b))): row.significant
        for row in pairs.itertuples()
    }
    for (study, geo), group in ranking.groupby(["study", "geo_code"]):
        for upper in group.itertuples():
            for lower in group[group["tier"] > upper.tier].itertuples():
                assert significant[(study, geo, frozenset((upper.domain_id, lower.domain_id)))]
                assert upper.estimate > lower.estimate


def test_suppressed_geographies_get_no_tiers(warehouse: Path):
    corse = mart(
        warehouse, "from marts.fct_fragility_ranking where study = 'citoyens' and geo_code = '94'"
    )
    assert (corse["status"] == "suppressed").all()
    assert corse["tier"].isna().all() and corse["position"].isna().all()


# --- the tier rule -----------------------------------------------------------------------


def test_a_tier_boundary_needs_every_pair_across_it_significant():
    ordered = ["a", "b", "c", "d"]
    # a–b and b–c not significant: a, b, c are one chain of ties; everything beats d.
    different = {frozenset(p) for p in [("a", "c"), ("a", "d"), ("b", "d"), ("c", "d")]}
    assert leading_tiers(ordered, lambda x, y: frozenset((x, y)) in different) == [1, 1, 1, 2]
    assert leading_tiers(ordered, lambda x, y: True) == [1, 2, 3, 4]
    assert leading_tiers(ordered, lambda x, y: False) == [1, 1, 1, 1]
