"""The GX respondents suite: it accepts every shipped study and names what breaks in a bad one."""

import json
from datetime import UTC, datetime

import pytest

from orchestration.geography import departments, regions
from orchestration.ingest.deliveries import SURVEY_KINDS
from orchestration.ingest.lineage import Lineage
from orchestration.ingest.surveys import accept_survey, survey_tables
from orchestration.quality.checks import RESPONDENTS_SUITE
from orchestration.quality.validation import validate_frame
from orchestration.settings import PROJECT_ROOT
from tests.conftest import CITIZENS_2020

ROWS = ["_source_file", "_source_row"]
RAW = PROJECT_ROOT / "raw"
SUITE_SIZE = len(json.loads(RESPONDENTS_SUITE.read_text(encoding="utf-8"))["expectations"])


def respondents(study: str, tmp_path):
    """The study's ``raw.survey_<study>_respondents`` table as the ingest builds it."""
    kind = SURVEY_KINDS[study]
    fingerprints = kind.fingerprints(RAW)
    accepted = [
        accept_survey(RAW, RAW / relative, digest, tmp_path)
        for relative, digest in fingerprints.items()
    ]
    lineage = Lineage(RAW, fingerprints, datetime.now(UTC), "test")
    return survey_tables(kind.name, accepted, lineage)[f"{kind.name}_respondents"]


@pytest.mark.parametrize("study", list(SURVEY_KINDS))
def test_every_shipped_study_meets_the_suite(study, tmp_path):
    outcome = validate_frame(respondents(study, tmp_path), RESPONDENTS_SUITE, ROWS)
    assert outcome.success, outcome.summary()
    assert outcome.evaluated == SUITE_SIZE


def test_failures_name_rule_column_file_and_row(tmp_path):
    data = respondents("citoyens", tmp_path).reset_index(drop=True)
    wave = data.index[data["_source_file"] == CITIZENS_2020]
    first, second, third = wave[:3]
    data.loc[third, "respondent_id"] = data.loc[second, "respondent_id"]  # duplicate
    data.loc[first, "weight"] = 25.0  # implausible weight
    outcome = validate_frame(data, RESPONDENTS_SUITE, ROWS)
    assert not outcome.success
    described = outcome.summary()
    assert f"2 of {SUITE_SIZE} expectations failed" in described
    assert "expect_compound_columns_to_be_unique on column wave, respondent_id: 2 row(s)" in (
        described
    )
    rows = data.loc[[second, third], "_source_row"].tolist()
    assert f"{CITIZENS_2020} row {rows[0]}; {CITIZENS_2020} row {rows[1]}" in described
    assert "expect_column_values_to_be_between on column weight: 1 row(s)" in described


def test_suite_geography_is_the_seed_geography():
    suite = json.loads(RESPONDENTS_SUITE.read_text(encoding="utf-8"))
    sets = {
        e["kwargs"]["column"]: sorted(e["kwargs"]["value_set"])
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set"
    }
    assert sets["region_code"] == sorted(r.code for r in regions())
    assert sets["department_code"] == sorted(d.code for d in departments())
