"""The wording of the publication rules (docs/publication-rules.md) as the reports' helpers
print it: the « e.i. » mark, « non significatif » for tests only, never « stable »."""

import importlib.util

import pytest

from orchestration.publication.methodology import ESTIMATION, reading_guide
from orchestration.publication.vocabulary import MODELLED_NOTE, NOT_PUBLISHED, NOT_PUBLISHED_LEGEND
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


def test_a_modelled_value_is_marked_footnoted_and_never_compared(helpers):
    """Issue 18: « (estimation modélisée) » after the value, the one-sentence footnote wherever
    one is printed, no difference from the rest of France and no change resting on it."""
    modelled = value(share=0.908, ci_low=0.82, ci_high=0.955, n=4, status="modelled")
    assert helpers.share_text(modelled) == "90,8\u202f% (estimation modélisée)"
    assert helpers.versus_rest_text(modelled) == helpers.NO_VALUE
    assert helpers.modelled_note([value(), modelled]).strip() == MODELLED_NOTE
    assert helpers.modelled_note([value(), value(status="fragile")]) == ""
    assert MODELLED_NOTE.count(".") == 1  # one sentence
    assert not helpers.comparable(modelled) and helpers.comparable(value())
    assert not helpers.comparable(value(share=None, status="suppressed"))


def test_a_change_is_never_printed_from_a_modelled_wave(helpers):
    """The changes table leaves out an indicator whose earlier or later regional value is
    modelled, and names it with the withheld ones."""

    def indicator(earlier: dict, later: dict) -> dict:
        return {
            "id": "x",
            "study": "elus",
            "label": "Part des communes partenaires",
            "waves": [
                {"wave": 2015, "values": {"94": earlier, "FR": value()}},
                {"wave": 2020, "values": {"94": later, "FR": value(previous_wave=2015)}},
            ],
        }

    modelled = value(status="modelled")
    for earlier, later in ((modelled, value(previous_wave=2015)), (value(), modelled)):
        figures = {"indicators": [indicator(earlier, later)], "sources": []}
        text = helpers.changes_table(figures, "94")
        assert "Aucune évolution n'est publiable pour la région" in text
        assert "modélisée" not in text
