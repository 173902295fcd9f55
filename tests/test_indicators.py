"""The catalogue's indicators estimated per wave and geography: bases, universes, NSP, the
publication status, comparisons with the rest of France and with the previous wave."""

import math

import numpy as np
import pandas as pd
import pytest

from orchestration.transform.indicators import estimate_all

REGIONS = ["11", "84", "94"]


def catalogue(**overrides) -> pd.DataFrame:
    row = {
        "indicator_id": "x_partner",
        "study": "x",
        "question": "partenariat",
        "option": None,
        "counted_answers": "oui",
        "denominator": "with_nsp",
        "universe_question": None,
        "universe_answers": None,
        "unit": "share",
        "label": "test",
    }
    return pd.DataFrame([{**row, **overrides}])


def survey(sizes: dict[str, int], wave: int = 2021, seed: int = 1):
    """Respondents of regions with the given sizes, random weights and answers."""
    rng = np.random.default_rng(seed)
    regions = [code for code, size in sizes.items() for _ in range(size)]
    n = len(regions)
    respondents = pd.DataFrame(
        {
            "study": "x",
            "wave": wave,
            "respondent_id": [f"{wave}-{i}" for i in range(n)],
            "region_code": regions,
            "strata": regions,
            "weight": rng.uniform(0.5, 2.0, n),
        }
    )
    partner = rng.choice(["oui", "non", "nsp", None], size=n, p=[0.5, 0.35, 0.1, 0.05])
    mode = np.where(partner == "oui", rng.choice(["oui", "non"], size=n), None)
    answers = pd.concat(
        [
            long(respondents, "partenariat", None, partner),
            long(respondents, "modes_partenariat", "mecenat", mode),
        ]
    )
    return respondents, answers


def long(respondents, question, option, values) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "study": "x",
            "wave": respondents["wave"],
            "respondent_id": respondents["respondent_id"],
            "question": question,
            "option": option,
            "answer": values,
        }
    )


def expected_share(respondents, answers, question, counted, base) -> float:
    """Plain weighted share, computed without the statistics package."""
    merged = respondents.merge(answers[answers["question"] == question], on="respondent_id")
    merged = merged[merged["answer"].isin(base)]
    hits = merged["answer"].isin(counted)
    return float((merged["weight"] * hits).sum() / merged["weight"].sum())


def test_france_is_the_weighted_share_over_the_base_nsp_included():
    respondents, answers = survey({"11": 200, "84": 150, "94": 20})
    table = estimate_all(catalogue(), respondents, answers, REGIONS)
    france = table[table["geo_code"] == "FR"].iloc[0]
    expected = expected_share(respondents, answers, "partenariat", {"oui"}, {"oui", "non", "nsp"})
    assert france["estimate"] == pytest.approx(expected, rel=1e-12)
    partner = answers[answers["question"] == "partenariat"]
    assert france["n"] == partner["answer"].notna().sum()  # item non-response is out
    assert france["ci_low"] <= france["estimate"] <= france["ci_high"]


def test_nsp_can_be_left_out_of_the_base():
    respondents, answers = survey({"11": 200, "84": 150, "94": 20})
    table = estimate_all(catalogue(denominator="without_nsp"), respondents, answers, REGIONS)
    france = table[table["geo_code"] == "FR"].iloc[0]
    expected = expected_share(respondents, answers, "partenariat", {"oui"}, {"oui", "non"})
    assert france["estimate"] == pytest.approx(expected, rel=1e-12)


def test_a_multi_answer_option_among_its_universe():
    respondents, answers = survey({"11": 200, "84": 150, "94": 20})
    modes = catalogue(
        indicator_id="x_mecenat",
        question="modes_partenariat",
        option="mecenat",
        universe_question="partenariat",
        universe_answers="oui",
    )
    france = estimate_all(modes, respondents, answers, REGIONS).query("geo_code == 'FR'").iloc[0]
    partners = answers[(answers["question"] == "partenariat") & (answers["answer"] == "oui")]
    assert france["n"] == len(partners)
    mecenat = answers[answers["option"] == "mecenat"]
    expected = expected_share(respondents, mecenat, "modes_partenariat", {"oui"}, {"oui", "non"})
    assert france["estimate"] == pytest.approx(expected, rel=1e-12)


def test_one_row_per_geography_and_status_follows_the_base():
    respondents, answers = survey({"11": 400, "84": 60, "94": 12})
    table = estimate_all(catalogue(), respondents, answers, [*REGIONS, "53"])
    assert table["geo_code"].tolist() == ["FR", "11", "84", "94", "53"]
    status = table.set_index("geo_code")["status"]
    n = table.set_index("geo_code")["n"]
    for code in status.index:
        if n[code] < 30:
            assert status[code] == "suppressed"
        elif n[code] < 100:
            assert status[code] == "fragile"
        else:
            assert status[code] == "published"
    empty = table[table["geo_code"] == "53"].iloc[0]  # nobody surveyed there
    assert empty["n"] == 0 and math.isnan(empty["estimate"]) and empty["status"] == "suppressed"


def test_regions_are_compared_with_the_rest_of_france():
    respondents, answers = survey({"11": 300, "84": 300, "94": 40})
    table = estimate_all(catalogue(), respondents, answers, REGIONS).set_index("geo_code")
    assert table.loc["FR", "vs_rest_significant"] is None
    region = table.loc["84"]
    rest = respondents["region_code"] != "84"
    rest_share = expected_share(
        respondents[rest], answers, "partenariat", {"oui"}, {"oui", "non", "nsp"}
    )
    assert region["vs_rest_difference"] == pytest.approx(region["estimate"] - rest_share)
    assert 0 <= region["vs_rest_p_value"] <= 1


def test_a_region_equals_the_same_indicator_on_its_rows_only():
    respondents, answers = survey({"11": 300, "84": 200, "94": 40})
    full = estimate_all(catalogue(), respondents, answers, REGIONS).set_index("geo_code")
    mine = respondents["region_code"] == "84"
    alone = estimate_all(catalogue(), respondents[mine], answers, ["84"]).set_index("geo_code")
    assert full.loc["84", "estimate"] == pytest.approx(alone.loc["FR", "estimate"], rel=1e-12)
    # Stratified by region, the region's variance comes from its own stratum only.
    assert full.loc["84", "se"] == pytest.approx(alone.loc["FR", "se"], rel=1e-12)


def test_a_later_wave_is_compared_with_the_previous_one():
    first = survey({"11": 300, "84": 200, "94": 40}, wave=2015, seed=1)
    second = survey({"11": 300, "84": 200, "94": 40}, wave=2021, seed=2)
    respondents = pd.concat([first[0], second[0]], ignore_index=True)
    answers = pd.concat([first[1], second[1]], ignore_index=True)
    table = estimate_all(catalogue(), respondents, answers, REGIONS)
    france = table[table["geo_code"] == "FR"].set_index("wave")
    assert pd.isna(france.loc[2015, "previous_wave"])
    assert france.loc[2021, "previous_wave"] == 2015
    assert france.loc[2021, "change"] == pytest.approx(
        france.loc[2021, "estimate"] - france.loc[2015, "estimate"]
    )
    assert isinstance(france.loc[2021, "change_significant"], bool | np.bool_)


def test_nothing_is_derived_from_a_suppressed_estimate():
    """Region 94 has 20 respondents in 2015 and 60 in 2021; region 84 has 200 then 20: the
    change of each rests on a suppressed wave and is null, and so is the difference with the
    rest of France of a suppressed region (docs/publication-rules.md § 4)."""
    first = survey({"11": 300, "84": 200, "94": 20}, wave=2015, seed=1)
    second = survey({"11": 300, "84": 20, "94": 60}, wave=2021, seed=2)
    respondents = pd.concat([first[0], second[0]], ignore_index=True)
    answers = pd.concat([first[1], second[1]], ignore_index=True)
    table = estimate_all(catalogue(), respondents, answers, REGIONS)
    rows = table.set_index(["wave", "geo_code"])
    assert rows.loc[(2015, "94"), "status"] == rows.loc[(2021, "84"), "status"] == "suppressed"
    assert rows.loc[(2021, "94"), "status"] == "fragile"
    for code in ("84", "94"):
        later = rows.loc[(2021, code)]
        assert later["previous_wave"] == 2015
        assert pd.isna(later["change"]) and pd.isna(later["change_p_value"])
        assert pd.isna(later["change_significant"])
    for key in ((2015, "94"), (2021, "84")):
        assert pd.isna(rows.loc[key, "vs_rest_difference"])
        assert pd.isna(rows.loc[key, "vs_rest_p_value"])
        assert pd.isna(rows.loc[key, "vs_rest_significant"])
    # Published on both sides: the change and the difference are there.
    assert not pd.isna(rows.loc[(2021, "11"), "change"])
    assert not pd.isna(rows.loc[(2021, "94"), "vs_rest_difference"])
