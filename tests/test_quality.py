"""The GX suite itself: it accepts the sample delivery and names what breaks in a bad one."""

import json

import pyreadstat

from orchestration.geography import regions
from orchestration.ingest.deliveries import CITIZENS_SURVEY
from orchestration.quality.checks import CITIZENS_SUITE
from orchestration.quality.validation import validate_frame
from orchestration.settings import PROJECT_ROOT

ROWS = ["_source_file", "_source_row"]


def delivered_frame():
    data, _ = pyreadstat.read_sav(str(PROJECT_ROOT / "raw" / CITIZENS_SURVEY.sample_file))
    return data.assign(
        _source_file=CITIZENS_SURVEY.sample_file, _source_row=range(1, len(data) + 1)
    )


def test_sample_delivery_meets_the_suite():
    outcome = validate_frame(delivered_frame(), CITIZENS_SUITE, ROWS)
    assert outcome.success, outcome.summary()
    assert outcome.evaluated == 15


def test_failures_name_rule_column_file_and_row():
    data = delivered_frame()
    data.loc[2, "ID"] = data.loc[1, "ID"]  # duplicate respondent (rows 2 and 3)
    data.loc[5, "Q1_COLLECTIF"] = None  # missing answer (row 6)
    outcome = validate_frame(data, CITIZENS_SUITE, ROWS)
    assert not outcome.success
    described = outcome.summary()
    assert "2 of 15 expectations failed" in described
    assert "expect_compound_columns_to_be_unique on column VAGUE, ID: 2 row(s)" in described
    where = CITIZENS_SURVEY.sample_file
    assert f"{where} row 2; {where} row 3" in described
    assert "expect_column_values_to_not_be_null on column Q1_COLLECTIF: 1 row(s)" in described
    assert f"{where} row 6" in described


def test_suite_region_codes_are_the_seed_regions():
    suite = json.loads(CITIZENS_SUITE.read_text(encoding="utf-8"))
    [region_rule] = [
        e
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set" and e["kwargs"]["column"] == "REGION"
    ]
    assert sorted(region_rule["kwargs"]["value_set"]) == sorted(int(r.code) for r in regions())
