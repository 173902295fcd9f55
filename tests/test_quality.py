"""The GX suites on real tables: the shipped deliveries pass, and each kind of wrong data fails
the rule it should, with a message naming the file, row, column and values."""

import itertools
from datetime import UTC, datetime

import dagster as dg
import pandas as pd
import pytest

from orchestration.geography import departments, regions
from orchestration.ingest.assets import survey_assets
from orchestration.ingest.cases import case_tables, read_case_export
from orchestration.ingest.codebooks import codebook_path, load_codebook
from orchestration.ingest.deliveries import CASE_DATABASE, SURVEY_KINDS
from orchestration.ingest.lineage import Lineage
from orchestration.ingest.surveys import accept_survey, survey_tables
from orchestration.quality import frames
from orchestration.quality.batches import (
    CASE_SUITES,
    DELIVERED_ROW,
    MART_SUITES,
    SMALL_AREA_SUITES,
    SURVEY_SUITES,
    SuiteRun,
    case_runs,
    geography_parameters,
    mart_runs,
    survey_runs,
)
from orchestration.quality.checks import survey_runs_by_wave
from orchestration.quality.context_batches import CONTEXT_SUITES
from orchestration.quality.suites import all_suites, suite
from orchestration.quality.validation import Batch, QualityStore
from orchestration.resources import project_resources
from orchestration.settings import PROJECT_ROOT
from orchestration.statistics.publication import publication_status
from orchestration.warehouse import Warehouse
from synthetic import case_database as synthetic_cases
from tests.conftest import CITIZENS_2020

RAW = PROJECT_ROOT / "raw"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> QualityStore:
    """One GX project and quality report for the module (GX set-up is paid once)."""
    root = tmp_path_factory.mktemp("quality")
    return QualityStore(root / "store", root / "site", "tests")


def study_tables(study: str, tmp_path) -> tuple[dict[str, pd.DataFrame], dict]:
    """A study's warehouse tables as the ingest builds them from the shipped deliveries, and
    the codebook of each wave."""
    kind = SURVEY_KINDS[study]
    fingerprints = kind.fingerprints(RAW)
    accepted = [
        accept_survey(RAW, RAW / relative, digest, tmp_path)
        for relative, digest in fingerprints.items()
    ]
    lineage = Lineage(RAW, fingerprints, datetime.now(UTC), "test")
    codebooks = {each.codebook.wave: each.codebook for each in accepted}
    return survey_tables(kind.name, accepted, lineage), codebooks


def runs_of(study: str, tmp_path, change=None) -> list[SuiteRun]:
    """The suite runs of a study's shipped deliveries, after ``change(respondents, answers)``."""
    tables, codebooks = study_tables(study, tmp_path)
    respondents = tables[f"survey_{study}_respondents"].copy()
    answers = tables[f"survey_{study}_answers"].copy()
    if change:
        change(respondents, answers)
    return survey_runs(study, respondents, answers, codebooks)


def outcome_of(store, runs: list[SuiteRun], suite_name: str, wave: int | None = None):
    [run] = [
        run
        for run in runs
        if run.suite == suite_name and (wave is None or run.batch.name.endswith(str(wave)))
    ]
    return store.validate(suite(run.suite), run.batch)


def shipped_case_tables(tmp_path) -> dict[str, pd.DataFrame]:
    fingerprints = CASE_DATABASE.fingerprints(RAW)
    [(relative, digest)] = fingerprints.items()
    export = read_case_export(RAW, RAW / relative, digest, tmp_path)
    lineage = Lineage(RAW, fingerprints, datetime.now(UTC), "test")
    tables = case_tables(CASE_DATABASE.name, export, lineage)
    return {
        name: tables[f"{CASE_DATABASE.name}{suffix}"]
        for name, suffix in zip(CASE_SUITES, ("", "_profiles", "_modes", "_catalysts"), strict=True)
    }


def test_every_suite_is_readable_and_complete():
    suites = all_suites()
    assert {s.name for s in suites} == {
        *SURVEY_SUITES,
        *CASE_SUITES,
        *MART_SUITES,
        *SMALL_AREA_SUITES,
        *CONTEXT_SUITES,
    }
    for each in suites:
        assert each.description and each.size >= 1
        assert all(e["description"].endswith(".") for e in each.expectations), each.name


@pytest.mark.parametrize("study", list(SURVEY_KINDS))
def test_every_shipped_delivery_passes_every_survey_suite(study, store, tmp_path):
    runs = runs_of(study, tmp_path)
    outcomes = []
    for run in runs:
        assert suite(run.suite).parameters() <= set(run.batch.parameters), run.suite
        outcome = store.validate(suite(run.suite), run.batch)
        assert not outcome.failures, outcome.summary()
        assert outcome.evaluated == suite(run.suite).size
        outcomes.append(outcome)
    page = store.build_site().read_text(encoding="utf-8")  # the report lists each outcome
    for outcome in outcomes:
        assert f'id="{outcome.anchor}"' in page, outcome.anchor
    weighted = {run.batch.name for run in runs if run.suite == "survey_weights"}
    _, codebooks = study_tables(study, tmp_path)
    assert weighted == {f"survey_{study}_{w}" for w, c in codebooks.items() if c.weight}


def answer_batches(runs) -> dict[str, Batch]:
    return {run.batch.name: run.batch for run in runs if run.suite == "survey_answers"}


def test_a_very_large_delivery_is_validated_on_a_documented_sample_of_whole_respondents(
    store, isolated_project, dagster_instance
):
    kind = SURVEY_KINDS["citoyens"]
    citizens = next(asset for asset in survey_assets if asset.key == kind.asset_key)
    assert dg.materialize(
        [citizens], instance=dagster_instance, resources=project_resources()
    ).success
    warehouse = Warehouse(path=str(isolated_project.warehouse))
    raw_dir = isolated_project.raw_dir
    whole = answer_batches(survey_runs_by_wave(kind, warehouse, raw_dir))
    sampled_runs = list(survey_runs_by_wave(kind, warehouse, raw_dir, sample_above=5_000))
    sampled = answer_batches(sampled_runs)
    assert sampled.keys() == whole.keys() and len(sampled) > 1
    for name, batch in sampled.items():
        full = whole[name].frame
        answers_per_respondent = full.groupby(list(DELIVERED_ROW)).size()
        kept = batch.frame.groupby(list(DELIVERED_ROW)).size()
        assert whole[name].sample == ""
        assert 0 < len(kept) < len(answers_per_respondent)
        # A sampled respondent keeps every answer: one answer per item still holds.
        assert kept.equals(answers_per_respondent.loc[kept.index])
        every = -(-len(full) // 5_000)
        assert batch.sample == (
            f"sample: 1 respondent in {every} (hash of the id), "
            f"{len(batch.frame)} of {len(full)} answer rows"
        )
    for run in sampled_runs:
        outcome = store.validate(suite(run.suite), run.batch)
        assert outcome.success, outcome.summary()
        if run.suite in ("survey_answers", "survey_item_nonresponse"):
            assert "(sample: 1 respondent in" in outcome.summary()


def test_duplicate_respondents_are_named_by_file_and_row(store, tmp_path):
    def duplicate(respondents, answers):
        wave = respondents.index[respondents["_source_file"] == CITIZENS_2020]
        respondents.loc[wave[2], "respondent_id"] = respondents.loc[wave[1], "respondent_id"]

    outcome = outcome_of(
        store, runs_of("citoyens", tmp_path, duplicate), "survey_respondents", 2020
    )
    [failure] = outcome.failures
    assert failure.rule == "expect_column_values_to_be_unique" and failure.blocking
    assert failure.unexpected_count == 2
    assert f"{CITIZENS_2020} ligne 2 ; {CITIZENS_2020} ligne 3" in failure.describe()
    assert "Aucun identifiant de répondant n'est répété." in outcome.summary()


def test_codes_and_answers_outside_the_codebook_are_named(store, tmp_path):
    def recode(respondents, answers):
        first = answers.index[
            (answers["_source_file"] == CITIZENS_2020) & (answers["question"] == "jouer_collectif")
        ][0]
        answers.loc[first, ["answer_code", "answer"]] = [7.0, "peut-etre"]

    outcome = outcome_of(store, runs_of("citoyens", tmp_path, recode), "survey_answers", 2020)
    rules = {(f.rule, f.column) for f in outcome.errors}
    assert rules == {
        ("expect_column_values_to_be_in_set", "item_code"),
        ("expect_column_values_to_be_in_set", "item_answer"),
    }
    described = outcome.summary()
    assert "item=jouer_collectif" in described
    assert "valeurs jouer_collectif = 7" in described
    assert "valeurs jouer_collectif = peut-etre" in described


def test_weights_that_do_not_add_up_fail_and_an_extreme_weight_is_a_warning(store, tmp_path):
    def inflate(respondents, answers):
        wave = respondents.index[respondents["_source_file"] == CITIZENS_2020]
        respondents.loc[wave[[4, 10]], "weight"] = 50.0

    outcome = outcome_of(store, runs_of("citoyens", tmp_path, inflate), "survey_weights", 2020)
    assert {f.rule for f in outcome.errors} == {"expect_column_sum_to_be_between"}
    [warning] = outcome.warnings
    assert warning.column == "weight_to_mean"
    assert f"{CITIZENS_2020} ligne 5 ; {CITIZENS_2020} ligne 11" in outcome.summary()


@pytest.mark.parametrize("bad", [0.0, -1.0, float("inf"), float("nan")])
def test_a_missing_zero_negative_or_infinite_weight_blocks_naming_the_row(store, tmp_path, bad):
    def spoil(respondents, answers):
        wave = respondents.index[respondents["_source_file"] == CITIZENS_2020]
        respondents.loc[wave[6], "weight"] = bad

    outcome = outcome_of(store, runs_of("citoyens", tmp_path, spoil), "survey_weights", 2020)
    assert not outcome.success
    failed = {(f.rule, f.column) for f in outcome.errors}
    rule = (
        "expect_column_values_to_not_be_null"
        if bad != bad
        else "expect_column_values_to_be_between"
    )
    assert (rule, "weight") in failed
    assert f"{CITIZENS_2020} ligne 7" in outcome.summary()


def test_a_small_region_calibrated_to_its_margin_is_not_blocked(store, tmp_path):
    """Issue 15: 31 respondents of a small region weighted 36 times the smallest weight (10,8
    against 0,3: the former rule « weight <= 10 » refused the delivery). Honest data: the
    weights are published, with a warning naming the 31 rows."""

    def calibrate_small_region(respondents, answers):
        wave = respondents.index[respondents["_source_file"] == CITIZENS_2020]
        weights = pd.Series(1.0, index=wave)
        weights.iloc[:31] = 10.8
        weights.iloc[31:1031] = 0.3
        rest = weights.iloc[1031:]
        # The rest takes what is left so that the weights keep mean 1 (the contract).
        weights.iloc[1031:] = (len(wave) - weights.iloc[:1031].sum()) / len(rest)
        respondents.loc[wave, "weight"] = weights

    outcome = outcome_of(
        store, runs_of("citoyens", tmp_path, calibrate_small_region), "survey_weights", 2020
    )
    assert outcome.success and not outcome.errors
    [warning] = outcome.warnings
    assert warning.column == "weight_to_mean" and warning.unexpected_count == 31
    assert f"{CITIZENS_2020} ligne 1 ;" in outcome.summary()


def test_an_implausible_regional_structure_fails_naming_the_region(store, tmp_path):
    def move_bretagne(respondents, answers):
        bretons = respondents["region_code"] == "53"
        respondents.loc[bretons, ["region_code", "department_code"]] = ["11", "75"]

    outcome = outcome_of(
        store, runs_of("citoyens", tmp_path, move_bretagne), "survey_regional_structure", 2020
    )
    described = outcome.summary()
    assert not outcome.success
    assert "region_code=53" in described and "region_code=11" in described


def test_item_nonresponse_is_counted_among_those_asked(tmp_path):
    # Entreprises 2021: « source_performance » is asked to partnering companies only; counted
    # over every company its non-response would look like a third.
    tables, codebooks = study_tables("entreprises", tmp_path)
    answers = frames.answers_to_check(frames.by_wave(tables["survey_entreprises_answers"])[2021])
    codebook = codebooks[2021]
    rates = frames.item_nonresponse(answers, codebook).set_index("question")
    performance = rates.loc["source_performance"]
    assert performance["asked"] < answers["respondent_id"].nunique()
    assert performance["nonresponse_rate"] < 0.05
    assert rates["asked"].max() == answers["respondent_id"].nunique()


def test_high_item_nonresponse_is_a_warning_that_does_not_block(store, tmp_path):
    def blank(respondents, answers):
        question = (answers["_source_file"] == CITIZENS_2020) & (
            answers["question"] == "devoir_alliance"
        )
        answers.loc[answers.index[question][:600], ["answer_code", "answer"]] = None

    outcome = outcome_of(
        store, runs_of("citoyens", tmp_path, blank), "survey_item_nonresponse", 2020
    )
    [warning] = outcome.warnings
    assert outcome.success and not warning.blocking
    assert "question=devoir_alliance" in warning.describe()


def test_the_shipped_case_database_passes(store, tmp_path):
    for run in case_runs(shipped_case_tables(tmp_path)):
        outcome = store.validate(suite(run.suite), run.batch)
        assert not outcome.failures, outcome.summary()


def test_case_values_outside_their_lists_fail_and_duplicate_titles_warn(store, tmp_path):
    tables = shipped_case_tables(tmp_path)
    cases = tables["case_database"]
    cases.loc[3, "echelon"] = "Intercommunal"
    cases.loc[5, "titre"] = cases.loc[6, "titre"]
    cases.loc[5, ["region", "departement"]] = cases.loc[6, ["region", "departement"]].to_list()
    tables["case_profiles"].loc[0, "profils_acteurs"] = "Syndicat"
    outcomes = {run.suite: store.validate(suite(run.suite), run.batch) for run in case_runs(tables)}
    [error] = outcomes["case_database"].errors
    assert error.column == "echelon" and "Intercommunal" in error.values
    assert f"ligne {cases.loc[3, '_source_row']}" in error.describe()
    [warning] = outcomes["case_database"].warnings
    assert warning.column == "region, titre" and warning.unexpected_count == 2
    [profile] = outcomes["case_profiles"].errors
    assert "Syndicat" in profile.values
    assert f"id_cas={tables['case_profiles'].loc[0, 'id_cas']}" in profile.describe()


def test_case_suite_lists_are_the_contract_lists():
    kwargs = {
        e["kwargs"]["column"]: e["kwargs"]["value_set"]
        for name in CASE_SUITES
        for e in suite(name).expectations
        if e["type"] == "expect_column_values_to_be_in_set"
    }
    assert kwargs["echelon"] == list(synthetic_cases.LEVELS)
    assert kwargs["domaine"] == list(synthetic_cases.DOMAINS)
    assert kwargs["profils_acteurs"] == list(synthetic_cases.ACTOR_PROFILES)
    assert kwargs["modes_partenariat"] == list(synthetic_cases.PARTNERSHIP_MODES)


def test_geography_parameters_are_the_seeds():
    parameters = geography_parameters()
    assert parameters["regions"] == [r.code for r in regions()]
    assert len(parameters["departements"]) == 96
    assert ["84", "01"] in parameters["paires_region_departement"]
    assert ["11", "01"] not in parameters["paires_region_departement"]
    assert "84 = 01" in parameters["regions_departements"]
    assert {d.region_code for d in departments()} == set(parameters["regions"])


def estimates_grid() -> pd.DataFrame:
    """Mart-like rows over a grid of sample sizes, with the status publication.py gives."""
    rows = []
    for n, n_effective in itertools.product(
        (0, 29, 30, 99, 100, 500), (float("nan"), 12.0, 29.9, 30.0, 80.0, 400.0)
    ):
        rows.append(
            {
                "indicator_id": f"i{n}_{n_effective}",
                "study": "citoyens",
                "wave": 2020,
                "geo_level": "region",
                "geo_code": "84",
                "unit": "share",
                "estimate": 0.5,
                "ci_low": 0.4,
                "ci_high": 0.6,
                "n": n,
                "n_effective": n_effective,
                "status": str(publication_status(n, n_effective)),
            }
        )
    return pd.DataFrame(rows)


def test_the_mart_suite_states_the_publication_rule_of_the_code(store):
    grid = estimates_grid()
    key = ("indicator_id", "wave", "geo_code")
    outcome = store.validate(suite("indicator_estimates"), Batch("grid", grid, key))
    assert not outcome.failures, outcome.summary()
    wrong = grid.assign(status=grid["status"].replace({"fragile": "published"}))
    broken = store.validate(suite("indicator_estimates"), Batch("grid", wrong, key))
    assert [f.description for f in broken.errors] == [
        "De 30 à 99 répondants, taille effective d'au moins 30 : l'estimation est publiée "
        "comme fragile."
    ]


def test_a_hole_in_the_mart_blocks_and_a_drift_from_published_figures_warns(store):
    estimates = pd.DataFrame(
        {
            "indicator_id": ["a", "a", "b"],
            "wave": [2020, 2020, 2020],
            "geo_level": ["france", "region", "france"],
            "geo_code": ["FR", "84", "FR"],
            "estimate": [0.8, 0.7, 0.5],
            "ci_low": [0.78, 0.6, 0.45],
            "ci_high": [0.82, 0.8, 0.55],
        }
    )
    catalogue = pd.DataFrame(
        {
            "indicator_id": ["a", "b"],
            "study": "citoyens",
            "question": "jouer_collectif",
            "universe_question": None,
        }
    )
    published = pd.DataFrame(
        {"indicator_id": ["a", "b"], "wave": [2020, 2020], "value": [0.9, 0.5]}
    )
    codebooks = [load_codebook(codebook_path("citoyens", 2020))]
    runs = {run.suite: run for run in mart_runs(estimates, catalogue, published, codebooks)}

    coverage = store.validate(suite("indicator_coverage"), runs["indicator_coverage"].batch)
    [hole] = coverage.errors
    assert hole.unexpected_count == 2 * 14 - 3
    assert "indicator_id=a wave=2020 geo_code=11" in hole.describe()

    drift = store.validate(suite("published_figures"), runs["published_figures"].batch)
    [warning] = drift.warnings
    assert drift.success and not warning.blocking
    assert "indicator_id=a wave=2020" in warning.describe()
    assert "indicator_id=b" not in warning.describe()
