"""French typography of every number and date a reader sees."""

import datetime as dt
import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from orchestration.publication.french import (
    NARROW_NBSP,
    NBSP,
    alphabetical,
    counted,
    date,
    decimal,
    integer,
    percent,
    points,
    quoted,
)


def test_thousands_are_grouped_with_a_narrow_no_break_space():
    assert integer(3000) == f"3{NARROW_NBSP}000"
    assert integer(65505213) == f"65{NARROW_NBSP}505{NARROW_NBSP}213"
    assert integer(42) == "42"


def test_decimal_comma_and_percent_sign_after_a_narrow_no_break_space():
    assert decimal(1.0372, 2) == "1,04"
    assert decimal(1234.5, 1) == f"1{NARROW_NBSP}234,5"
    assert percent(0.8123) == f"81,2{NARROW_NBSP}%"
    assert percent(1.0) == f"100,0{NARROW_NBSP}%"


def test_points_are_signed_and_agree_in_number():
    assert points(0.052) == f"+5,2{NBSP}points"
    assert points(-0.012) == f"−1,2{NBSP}point"
    assert points(0.0) == f"0,0{NBSP}point"


def test_dates_are_written_in_french():
    assert date(dt.date(2026, 11, 1)) == "1er novembre 2026"
    assert date(dt.date(2021, 8, 15)) == "15 août 2021"


def test_french_quotes_hold_no_break_spaces():
    assert quoted("jouer collectif") == f"«{NBSP}jouer collectif{NBSP}»"


@pytest.mark.parametrize("missing", [None, math.nan])
def test_a_missing_value_is_refused_not_spelled(missing):
    with pytest.raises(ValueError, match="missing value"):
        percent(missing) if missing is not None else integer(missing)


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
@example(0.1875)  # a half: rounded to one decimal, off by exactly 0.05 (give or take a float)
def test_percent_reads_back_as_the_share(share):
    text = percent(share)
    assert "." not in text and "nan" not in text
    number = float(text.removesuffix(f"{NARROW_NBSP}%").replace(NARROW_NBSP, "").replace(",", "."))
    assert number == pytest.approx(share * 100, abs=0.05 + 1e-9)


def test_a_count_agrees_with_its_noun_and_zero_reads_aucun():
    def catalysts(n):
        return counted(
            n, "catalyseur territorial", "catalyseurs territoriaux", "aucun catalyseur territorial"
        )

    assert catalysts(0) == "aucun catalyseur territorial"
    assert catalysts(1) == "1 catalyseur territorial"
    assert catalysts(10) == "10 catalyseurs territoriaux"
    assert catalysts(1200) == "1\u202f200 catalyseurs territoriaux"


def test_names_sort_in_dictionary_order_accents_aside():
    names = ["Normandie", "Île-de-France", "Hauts-de-France", "Éa", "Ea", "Grand Est"]
    assert sorted(names, key=alphabetical) == [
        "Éa",
        "Ea",
        "Grand Est",
        "Hauts-de-France",
        "Île-de-France",
        "Normandie",
    ]
