"""The wording of the publication rules (docs/publication-rules.md) as the reports' helpers
print it: the « e.i. » mark, « non significatif » for tests only, never « stable »."""

import importlib.util

import pytest

from orchestration.publication.methodology import ESTIMATION, reading_guide
from orchestration.publication.vocabulary import NOT_PUBLISHED, NOT_PUBLISHED_LEGEND
from orchestration.settings import REPORT_SOURCES_DIR

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def helpers():
    """``reports/report_helpers.py``, the module the report sources import."""
    spec = importlib.util.spec_from_file_location(
        "report_helpers", REPORT_SOURCES_DIR / "report_helpers.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def value(**fields) -> dict:
    base = {
        "share": 0.522,
        "ci_low": 0.48,
        "ci_high": 0.56,
        "n": 400,
        "status": "published",
        "vs_rest_difference": None,
        "vs_rest_significant": None,
        "previous_wave": None,
        "change": None,
        "change_significant": None,
    }
    return {**base, **fields}


def test_a_withheld_value_is_marked_ei_not_ns(helpers):
    assert NOT_PUBLISHED == "e.i."
    assert helpers.share_text(value(share=None, status="suppressed")) == "e.i."
    assert "effectif insuffisant" in NOT_PUBLISHED_LEGEND
    assert "n.s." not in reading_guide() + ESTIMATION + NOT_PUBLISHED_LEGEND
    assert "« e.i. » : effectif insuffisant, valeur non publiée" in reading_guide()


def test_a_change_that_is_not_significant_is_not_called_stable(helpers):
    """44,2 % -> 52,2 %, not significant: « évolution non significative », never « stable »."""
    text = helpers.change_text(value(previous_wave=2015, change=0.08, change_significant=False))
    assert text == "évolution non significative depuis 2015"
    significant = value(previous_wave=2015, change=0.08, change_significant=True)
    assert helpers.change_text(significant) == f"+8,0{NBSP}points depuis 2015"


def test_a_change_resting_on_a_withheld_wave_is_marked(helpers):
    """The mart holds no change when a wave is suppressed: « e.i. » in its place, whichever
    wave it is."""
    earlier_withheld = value(previous_wave=2015, change=None, change_significant=None)
    assert helpers.change_text(earlier_withheld) == NOT_PUBLISHED
    later_withheld = value(share=None, status="suppressed", previous_wave=2015)
    assert helpers.change_text(later_withheld) == NOT_PUBLISHED
    assert helpers.change_text(value()) == helpers.NO_VALUE  # no previous wave


def test_region_against_the_rest(helpers):
    assert helpers.versus_rest_text(value(share=None, status="suppressed")) == NOT_PUBLISHED
    not_significant = value(vs_rest_difference=0.01, vs_rest_significant=False)
    assert helpers.versus_rest_text(not_significant) == "écart non significatif"
    above = value(vs_rest_difference=0.041, vs_rest_significant=True)
    assert helpers.versus_rest_text(above) == f"+4,1{NBSP}points (au-dessus)"
