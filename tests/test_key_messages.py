"""The note de synthèse's rules (orchestration/publication/key_messages.py) on small exports
shaped like ``report_data``'s: which findings become messages, and which never do."""

import re

import pytest

from orchestration.publication.french import percent
from orchestration.publication.key_messages import (
    MAX_MESSAGES,
    MIN_MESSAGES,
    national_messages,
    regional_messages,
)


def value(share=None, status="published", n=500, vs=None, vs_sig=None, change=None, ch_sig=None):
    """One exported value; a withheld one carries no share, interval or test, as exported."""
    shown = status != "suppressed"
    return {
        "share": share if shown else None,
        "ci_low": share - 0.03 if shown and share is not None else None,
        "ci_high": share + 0.03 if shown and share is not None else None,
        "n": n,
        "status": status,
        "vs_rest_difference": vs if shown else None,
        "vs_rest_significant": vs_sig if shown else None,
        "previous_wave": 2015,
        "change": change if shown else None,
        "change_significant": ch_sig if shown else None,
    }


def indicator(id_, label, region_values, france=None, earlier=None):
    """An indicator with a latest wave (2021) and, when given, an earlier one (2015)."""
    france = france or value(0.5, n=3000)
    waves = []
    if earlier is not None:
        waves.append({"wave": 2015, "values": {"FR": value(0.4, n=3000), **earlier}})
    waves.append({"wave": 2021, "values": {"FR": france, **region_values}})
    return {"id": id_, "study": "citoyens", "section": "pratiques", "label": label, "waves": waves}


def export(indicators, cases=12, withheld_headline=False):
    territory = {
        "cases": cases,
        "per_100k": 0.4,
        "catalysts": 3,
        "by_category": {"domain": {"Culture": 5, "Santé <b>": 7}},
        "departments": {},
    }
    headline = indicator(
        "citoyens_jouer_collectif",
        "Part jugeant « jouer collectif » nécessaire",
        {"53": value(status="suppressed", n=20) if withheld_headline else value(0.85, n=300)},
        france=value(0.812, n=3000),
    )
    return {
        "indicators": [headline, *indicators],
        "regions": [
            {
                "code": "53",
                "name": "Bretagne",
                "collective_necessary": {"share": None},
                "case_count": 1,
            }
        ],
        "territories": {"53": territory, "FR": {**territory, "cases": 640}},
        "published": [],
    }


FIGURES = export(
    [
        indicator("a", "Part A", {"53": value(0.62, vs=0.12, vs_sig=True)}),
        indicator(
            "b", "Part B fragile", {"53": value(0.90, status="fragile", n=60, vs=0.4, vs_sig=True)}
        ),
        indicator("c", "Part C non significative", {"53": value(0.70, vs=0.2, vs_sig=False)}),
        indicator("d", "Part D retenue", {"53": value(status="suppressed", n=12)}),
        indicator(
            "e",
            "Part E en hausse",
            {"53": value(0.55, change=0.15, ch_sig=True)},
            earlier={"53": value(0.40)},
        ),
        indicator(
            "f",
            "Part F sans évolution significative",
            {"53": value(0.55, change=0.3, ch_sig=False)},
            earlier={"53": value(0.25)},
        ),
    ]
)


def test_significant_findings_become_messages_with_their_figures():
    messages = regional_messages(FIGURES, "53")
    assert MIN_MESSAGES <= len(messages) <= MAX_MESSAGES
    text = "\n".join(messages)
    assert f"Part A (2021) : {percent(0.62)} dans la région" in text
    assert "au-dessus du reste de la France, écart significatif" in text
    assert f"Part E en hausse : {percent(0.55)} en 2021 contre {percent(0.40)} en 2015" in text
    assert f"{percent(0.85)} des habitants de la région Bretagne" in messages[0]


def test_no_message_rests_on_a_fragile_withheld_or_non_significant_figure():
    text = "\n".join(regional_messages(FIGURES, "53"))
    for label in ("Part B", "Part C", "Part D", "Part F"):
        assert label not in text
    # What cannot be said is one sentence, a count, not a list of names.
    withheld = [m for m in regional_messages(FIGURES, "53") if m.startswith("Faute d'effectif")]
    assert len(withheld) == 1 and "1 des 7 indicateurs" in withheld[0]


def test_a_region_with_nothing_publishable_still_gets_four_messages():
    figures = export(
        [
            indicator(
                "d",
                "Part D retenue",
                {"53": value(status="suppressed", n=12)},
                france=value(0.5, n=3000, change=0.1, ch_sig=True),
                earlier={"53": value(status="suppressed", n=10)},
            )
        ],
        cases=1,
        withheld_headline=True,
    )
    messages = regional_messages(figures, "53")
    assert len(messages) >= MIN_MESSAGES
    assert not any("région Bretagne jugent" in m for m in messages)
    assert any(m.startswith("Pour référence") and percent(0.812) in m for m in messages)
    assert any("1 pratique partenariale dans la région" in m for m in messages)
    assert any("aucun des 2 indicateurs d'enquête ne peut être publié" in m for m in messages)
    assert not any("ne s'écarte significativement" in m for m in messages)  # nothing to test
    # Only France's figures are quoted, as the reference.
    assert any(m.startswith("Pour référence : part D retenue") for m in messages)
    numbers = set(re.findall(r"\d+,\d %", "\n".join(messages)))
    assert numbers <= {percent(v) for v in (0.812, 0.782, 0.842, 0.5, 0.4)}


def test_data_text_in_a_message_is_inert():
    text = "\n".join(regional_messages(FIGURES, "53"))
    assert "Santé \\<b\\>" in text and "<b>" not in text.replace("\\<b\\>", "")


def test_the_national_note_has_its_cross_region_findings():
    figures = export([indicator("a", "Part A", {"53": value(0.62, vs=0.12, vs_sig=True)})])
    figures["indicators"][0]["waves"][-1]["values"]["53"] = value(status="suppressed", n=20)
    messages = national_messages(figures)
    text = "\n".join(messages)
    assert MIN_MESSAGES <= len(messages) <= MAX_MESSAGES
    assert "Une seule valeur régionale publiée s'écarte significativement" in text
    assert "n'est pas publiée pour Bretagne" in text


@pytest.mark.parametrize("code", ["53"])
def test_messages_are_full_sentences(code):
    for message in regional_messages(FIGURES, code):
        assert message[0].isupper() and message.endswith(".")
