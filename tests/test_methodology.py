"""The methodology a general reader reads (issue 16, item 6): who was asked, when, how many in
France and in the region, and how precise a percentage is; the jargon waits for the annex."""

import math

import pytest

from orchestration.publication.methodology import (
    READING_GUIDE,
    margin_points,
    precision_text,
    small_area_text,
    survey_rows,
    weighting_rows,
)

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"
# Words a general reader should not meet in the section « Méthode ».
JARGON = (
    "Kish",
    "Korn",
    "Clopper",
    "linéarisation",
    "effet de plan",
    "erreur type",
    "calage",
    "Fay",
    "REML",
    "EBLUP",
    "EQM",
)


def source(study="citoyens", wave=2020, respondents=3000, kish_deff=1.04) -> dict:
    return {
        "study": study,
        "wave": wave,
        "respondents": respondents,
        "fieldwork_start": "2020-06-03",
        "fieldwork_end": "2020-06-16",
        "weight_source": "institute",
        "min_weight": 0.556301,
        "max_weight": 1.468811,
        "kish_deff": kish_deff,
        "kish_n_effective": respondents / kish_deff,
    }


def test_precision_is_the_half_width_of_a_95_percent_interval_at_one_half():
    # 1,96 × √(0,25 × 1,04 / 3 000) = 1,8246 points.
    assert margin_points(3000, 1.04) == pytest.approx(1.8246, abs=1e-4)
    assert margin_points(1000, 1.0) == pytest.approx(100 * 1.959964 * math.sqrt(0.25 / 1000))
    assert precision_text(3000, 1.04) == f"±{NBSP}1,8{NBSP}point"
    assert precision_text(159, 1.04) == f"±{NBSP}7,9{NBSP}points"


def test_no_precision_where_no_share_can_be_published():
    assert precision_text(29, 1.0) == "–"
    assert precision_text(0, 1.0) == "–"


def test_the_regional_table_says_how_many_answered_in_the_region_and_how_precise():
    figures = {
        "sources": [source(), source("fondations", 2021, 42, 1.0)],
        "regional_respondents": {"53": {"citoyens/2020": 159, "fondations/2021": 2}},
    }
    header, rows = survey_rows(figures, "53")
    assert header == [
        "Enquête et population interrogée",
        "Période d'enquête",
        "Répondants en France",
        "dont dans la région",
        "Précision dans la région",
    ]
    assert rows[0] == [
        "IMPACT-Citoyens 2020 : Citoyens (18 ans et plus)",
        "du 3 juin 2020 au 16 juin 2020",
        f"3{NARROW_NBSP}000",
        "159",
        f"±{NBSP}7,9{NBSP}points",
    ]
    assert rows[1][3:] == ["2", "–"]


def test_a_region_without_respondents_in_a_survey_reads_zero():
    header, rows = survey_rows({"sources": [source()], "regional_respondents": {}}, "94")
    assert rows[0][3:] == ["0", "–"]


def test_the_national_table_gives_the_precision_in_france():
    header, rows = survey_rows({"sources": [source()]})
    assert header[-1] == "Précision en France"
    assert rows[0][-1] == f"±{NBSP}1,8{NBSP}point"


def test_the_reading_guide_has_no_statistical_jargon():
    for line in READING_GUIDE:
        for word in JARGON:
            assert word.lower() not in line.lower(), word


def test_a_wave_is_named_by_its_codebooks_title():
    phare = {**source("entreprises", 2015), "survey_title": "PHARE-Entreprises 2015"}
    header, rows = survey_rows({"sources": [phare, source()]})
    assert rows[0][0] == "PHARE-Entreprises 2015 : Dirigeants d’entreprise"
    assert rows[1][0] == "IMPACT-Citoyens 2020 : Citoyens (18 ans et plus)"  # no title: the study's


def test_the_annex_gives_each_wave_its_weighting_and_diagnostics():
    header, rows = weighting_rows({"sources": [source()]})
    assert header[1:] == ["Pondération", "Poids", "Effet de plan (Kish)", "Effectif efficace"]
    assert rows == [
        [
            "IMPACT-Citoyens 2020",
            "pondération de l'institut",
            "0,56 à 1,47",
            "1,04",
            f"2{NARROW_NBSP}885",
        ]
    ]


def test_the_annex_states_the_small_area_model_and_the_seeds_thresholds():
    """Issue 18: how a modelled value is made and when it is published, with the thresholds of
    the seed (here made different from the shipped ones, so that they are read, not written)."""
    model = {
        "model_id": "fh_test",
        "max_abs_standardised_residual": 2.5,
        "max_cv": 0.15,
        "min_effective_size": 50.0,
    }
    text = small_area_text(model)
    for words in (
        "Fay–Herriot",
        "modèle fh_test",
        "REML",
        "g1 + g2 + 2 g3",
        "échelle logit",
        "ne dépasse 2,5 en valeur absolue",
        "ne dépasse pas 15 %",
        "au moins celle de 50 répondants",
        "la note de synthèse n'en cite aucune",
    ):
        assert words in text, words
    assert small_area_text(None) == ""
