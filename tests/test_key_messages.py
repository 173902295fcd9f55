"""The note de synthèse's wording (orchestration/publication/key_messages.py) on findings shaped
like ``marts.fct_report_findings``'s. Which findings a note holds is the model's rule, proven by
its dbt unit tests (dbt_project/models/marts/_findings.yml) and, on the shipped data, by
test_report_figures_e2e; here: each kind's sentence, its numbers as the tables print them, its
data text inert, and the note in the findings' order, one message per finding."""

import pytest
import yaml

from orchestration.publication.french import decimal, integer, percent, points
from orchestration.publication.key_messages import WORDINGS, national_messages, regional_messages
from orchestration.settings import DBT_PROJECT_DIR

FINDINGS_YML = DBT_PROJECT_DIR / "models" / "marts" / "_findings.yml"

COLUMNS = [
    "geo_name", "indicator_id", "study", "label", "wave", "previous_wave", "share", "ci_low",
    "ci_high", "base_n", "previous_share", "difference", "item_count", "total_count",
    "case_count", "cases_per_100k", "catalyst_count", "first_domain", "first_domain_count",
    "region_names", "unit", "domain_labels", "domain_values", "domain_perceived",
    "domain_objective",
]  # fmt: skip


def finding(report, rank, kind, geo=None, **values):
    """One row of the findings mart: every column, null unless given."""
    return {
        "report_code": report,
        "rank": rank,
        "kind": kind,
        "kind_rank": values.pop("kind_rank", 1),
        "geo_code": geo or report,
        **dict.fromkeys(COLUMNS),
        **values,
    }


def survey(share, **values):
    """The figures of a survey finding: its share, interval and base."""
    return {"share": share, "ci_low": share - 0.03, "ci_high": share + 0.03, "base_n": 300} | values


BRETAGNE = "Bretagne <b>"
FINDINGS = [
    finding("53", 1, "headline", geo_name=BRETAGNE, wave=2020, **survey(0.852)),
    finding("53", 2, "versus_rest", label="Part A *x*", wave=2021, difference=-0.052,
            **survey(0.62, base_n=1234)),
    finding("53", 3, "change", label="Part E", wave=2021, previous_wave=2015,
            previous_share=0.40, difference=0.15, **survey(0.55)),
    finding("53", 4, "perceived_priorities", wave=2020, unit="score", item_count=2,
            total_count=12, domain_labels=["Emploi <b>", "Santé"], domain_values=[7.549, 7.45]),
    finding("53", 7, "withheld", item_count=11, total_count=44),
    finding("53", 5, "cases", case_count=12, cases_per_100k=0.36, catalyst_count=1,
            first_domain="Santé <b>", first_domain_count=7),
    finding("53", 6, "blind_spots", item_count=4,
            domain_labels=["Emploi", "*Logement*", "Numérique", "Santé"],
            domain_perceived=[True, False, True, True],
            domain_objective=[False, True, False, True]),
    finding("FR", 1, "headline", wave=2020, **survey(0.812, base_n=3000)),
    finding("FR", 2, "regions_versus_rest", geo="84", geo_name="Auvergne-Rhône-Alpes",
            label="Part B", wave=2021, item_count=3, difference=0.023, **survey(0.9)),
    finding("FR", 3, "cases", case_count=640, cases_per_100k=1.0, catalyst_count=350),
    finding("FR", 4, "published_agreement", item_count=21, total_count=22),
    finding("FR", 5, "withheld_regions", region_names=["Corse", "Bretagne <b>"]),
]  # fmt: skip
FIGURES = {"findings": FINDINGS}


def test_a_note_words_its_findings_in_their_order():
    messages = regional_messages(FIGURES, "53")
    first_words = [m.split(" ")[0] for m in messages]
    assert first_words == ["En", "Part", "Part", "En", "La", "Angles", "Faute"]
    assert len(national_messages(FIGURES)) == 5


def test_survey_findings_print_their_figures_as_the_tables_do():
    headline, versus, change, *_ = regional_messages(FIGURES, "53")
    assert headline == (
        f"En 2020, {percent(0.852)} des habitants de la région Bretagne \\<b\\> jugent "
        "nécessaire de « jouer collectif » face aux crises (intervalle à 95 % : "
        f"{percent(0.822)} à {percent(0.882)} ; base : 300 répondants)."
    )
    assert versus == (
        f"Part A \\*x\\* (2021) : {percent(0.62)} dans la région, 5,2\u00a0points en dessous "
        f"du reste de la France, écart significatif (intervalle à 95 % : {percent(0.59)} à "
        f"{percent(0.65)} ; base : {integer(1234)} répondants)."
    )
    assert change == (
        f"Part E : {percent(0.55)} en 2021 contre {percent(0.40)} en 2015 dans la région, une "
        f"évolution significative de {points(0.15)}."
    )


def test_counts_and_the_case_database():
    *_, cases, _, withheld = regional_messages(FIGURES, "53")
    assert cases == (
        "La base « IMPACT-Pratiques partenariales innovantes » recense 12 pratiques "
        f"partenariales dans la région (0,4 pour {integer(100_000)} habitants) et 1 catalyseur "
        "territorial ; domaine le plus représenté : Santé \\<b\\> (7)."
    )
    assert withheld.startswith("Faute d'effectif suffisant, 11 des 44 indicateurs d'enquête")
    everything = finding("94", 1, "withheld", item_count=44, total_count=44)
    assert "aucun des 44 indicateurs d'enquête ne peut être publié" in WORDINGS["withheld"](
        everything
    )
    one_case = finding("94", 1, "cases", case_count=1, catalyst_count=0)
    assert WORDINGS["cases"](one_case) == (
        "La base « IMPACT-Pratiques partenariales innovantes » recense 1 pratique partenariale "
        "dans la région et aucun catalyseur territorial."
    )


def test_the_perceived_priorities_print_the_scores_as_the_fragilities_section():
    """The leading group, its scores rounded as « Fragilités prioritaires » prints them; one
    domain alone is not « au coude à coude »; a share is printed as a percentage."""
    perceived = regional_messages(FIGURES, "53")[3]
    assert perceived == (
        "En 2020, parmi 12 fragilités de leur territoire, les habitants de la région placent en "
        "tête, au coude à coude et significativement devant les autres : Emploi \\<b\\> "
        f"({decimal(7.549)} sur 10) et Santé ({decimal(7.45)})."
    )
    alone = finding("53", 4, "perceived_priorities", wave=2020, unit="score", item_count=1,
                    total_count=12, domain_labels=["Emploi"], domain_values=[7.0])  # fmt: skip
    assert WORDINGS["perceived_priorities"](alone).endswith(
        "placent en tête, significativement devant les autres : Emploi (7,0 sur 10)."
    )
    shares = alone | {"unit": "share", "domain_values": [0.61]}
    assert WORDINGS["perceived_priorities"](shares).endswith(f": Emploi ({percent(0.61)}).")


def test_the_angles_morts_say_why_each_fragility_is_a_priority():
    """Grouped by why they are priorities, in the order the mart gives them."""
    blind = regional_messages(FIGURES, "53")[5]
    assert blind == (
        "Angles morts : aucune pratique partenariale recensée dans la région ne répond à ces "
        "fragilités prioritaires : Emploi et Numérique (priorités des habitants) ; "
        "\\*Logement\\* (fragilité objective) ; Santé (priorité des habitants et fragilité "
        "objective)."
    )
    one = finding("94", 2, "blind_spots", item_count=1, domain_labels=["Mobilité"],
                  domain_perceived=[False], domain_objective=[True])  # fmt: skip
    assert WORDINGS["blind_spots"](one) == (
        "Angle mort : aucune pratique partenariale recensée dans la région ne répond à cette "
        "fragilité prioritaire : Mobilité (fragilité objective)."
    )


def test_reference_findings_quote_france():
    france = finding("94", 2, "reference_headline", geo="FR", wave=2020, **survey(0.812))
    assert WORDINGS["reference_headline"](france).startswith(
        f"Pour référence, en 2020, {percent(0.812)} des habitants de la France métropolitaine"
    )
    trend = finding(
        "94", 3, "reference_change", geo="FR", label="Part D", wave=2021, previous_wave=2015,
        previous_share=0.4, difference=0.1, **survey(0.5),
    )  # fmt: skip
    assert WORDINGS["reference_change"](trend) == (
        f"Pour référence : part D : {percent(0.5)} en 2021 contre {percent(0.4)} en 2015 en "
        f"France métropolitaine, une évolution significative de {points(0.1)}."
    )
    assert WORDINGS["no_difference"](finding("53", 3, "no_difference")).startswith(
        "Aucun des indicateurs publiés pour la région ne s'écarte significativement"
    )


def test_the_national_note_has_its_cross_region_findings():
    text = "\n".join(national_messages(FIGURES))
    assert "3 valeurs régionales publiées s'écartent significativement" in text
    assert f"{percent(0.9)} en Auvergne\\-Rhône\\-Alpes, 2,3\u00a0points au-dessus" in text
    assert "21 des 22 chiffres publiés par le programme" in text
    assert "n'est pas publiée pour Corse ni Bretagne \\<b\\> ;" in text
    single = finding("FR", 2, "regions_versus_rest", geo="84", geo_name="X", label="B",
                     wave=2021, item_count=1, difference=-0.1, **survey(0.5))  # fmt: skip
    assert WORDINGS["regions_versus_rest"](single).startswith(
        "Une seule valeur régionale publiée s'écarte"
    )
    assert "Aucune région ne s'écarte" in WORDINGS["no_region_differs"](finding("FR", 2, "x"))


def test_data_text_in_a_message_is_inert():
    text = "\n".join(regional_messages(FIGURES, "53") + national_messages(FIGURES))
    assert "<b>" not in text.replace("\\<b\\>", "") and "*x*" not in text
    assert "*Logement*" not in text


@pytest.mark.parametrize("code", ["53", "FR"])
def test_messages_are_full_sentences(code):
    for message in regional_messages(FIGURES, code):
        assert (message[0].isupper() or message[0].isdigit()) and message.endswith(".")


def test_every_kind_of_the_model_has_its_wording():
    """The kinds the model's accepted_values allow, each worded by one function."""
    models = yaml.safe_load(FINDINGS_YML.read_text(encoding="utf-8"))["models"]
    kind = next(c for c in models[0]["columns"] if c["name"] == "kind")
    accepted = next(t for t in kind["data_tests"] if isinstance(t, dict))["accepted_values"]
    assert set(WORDINGS) == set(accepted["arguments"]["values"])
