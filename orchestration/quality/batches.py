"""Which suite validates which table: the batches of each guarded asset, with their parameters.

Pure functions of DataFrames and codebooks, so they are tested without Dagster; the asset checks
in ``checks.py`` read the tables and run them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from orchestration.geography import FRANCE_CODE, departments, regions
from orchestration.ingest.codebooks import Codebook
from orchestration.ingest.lineage import SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN
from orchestration.quality import frames
from orchestration.quality.validation import Batch

DELIVERED_ROW = (SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN)
ESTIMATE_KEY = ("indicator_id", "wave", "geo_code")

SURVEY_SUITES = (
    "survey_respondents",
    "survey_answers",
    "survey_weights",
    "survey_regional_structure",
    "survey_item_nonresponse",
)
CASE_SUITES = ("case_database", "case_profiles", "case_modes", "case_catalysts")
MART_SUITES = ("indicator_estimates", "indicator_coverage", "published_figures")
SMALL_AREA_SUITES = ("small_area_estimates",)


@dataclass(frozen=True)
class SuiteRun:
    """A suite to run on one batch."""

    suite: str
    batch: Batch


def geography_parameters() -> dict[str, list]:
    """The 13 regions, the 96 departments and which region each department is in."""
    return {
        "regions": [region.code for region in regions()],
        "departements": [department.code for department in departments()],
        "paires_region_departement": [[d.region_code, d.code] for d in departments()],
        "regions_departements": [
            frames.region_department(d.region_code, d.code) for d in departments()
        ],
    }


def survey_runs(
    study: str,
    respondents: pd.DataFrame,
    answers: pd.DataFrame,
    codebooks: dict[int, Codebook],
    answers_sample: str = "",
) -> list[SuiteRun]:
    """The suites of each delivery (wave) of a study; weights and regional structure only for
    waves whose institute delivered a weight (the others are weighted by the pipeline).
    ``answers_sample`` says how ``answers`` was sampled, if it was (see ``sampling.py``)."""
    answers_by_wave = frames.by_wave(answers)
    runs = []
    for wave, people in frames.by_wave(respondents).items():
        codebook = codebooks[wave]
        name = f"survey_{study}_{wave}"
        wave_answers = frames.answers_to_check(answers_by_wave.get(wave, answers.iloc[:0]))
        runs += [
            SuiteRun(
                "survey_respondents",
                Batch(
                    name,
                    frames.respondents_to_check(people),
                    DELIVERED_ROW,
                    {**geography_parameters(), "vague": [wave]},
                ),
            ),
            SuiteRun(
                "survey_answers",
                Batch(
                    name,
                    wave_answers,
                    (*DELIVERED_ROW, frames.ITEM),
                    {
                        "codes_du_codebook": frames.codebook_codes(codebook),
                        "modalites_du_codebook": frames.codebook_answers(codebook),
                    },
                    answers_sample,
                ),
            ),
            SuiteRun(
                "survey_item_nonresponse",
                Batch(
                    name,
                    frames.item_nonresponse(wave_answers, codebook),
                    ("question",),
                    sample=answers_sample,
                ),
            ),
        ]
        if codebook.weight:
            runs += [
                SuiteRun(
                    "survey_weights", Batch(name, frames.weight_shares(people), DELIVERED_ROW)
                ),
                SuiteRun(
                    "survey_regional_structure",
                    Batch(name, frames.regional_structure(people, regions()), ("region_code",)),
                ),
            ]
    return runs


def case_runs(tables: dict[str, pd.DataFrame]) -> list[SuiteRun]:
    """The case database's four suites, keyed by the suite name of each table."""
    geography = geography_parameters()
    return [
        SuiteRun(
            "case_database",
            Batch(
                "case_database",
                tables["case_database"],
                DELIVERED_ROW,
                {**geography, "annee_courante": dt.date.today().year},
            ),
        ),
        SuiteRun("case_profiles", Batch("case_profiles", tables["case_profiles"], ("id_cas",))),
        SuiteRun("case_modes", Batch("case_modes", tables["case_modes"], ("id_cas",))),
        SuiteRun(
            "case_catalysts",
            Batch("case_catalysts", tables["case_catalysts"], DELIVERED_ROW, geography),
        ),
    ]


def mart_runs(
    estimates: pd.DataFrame,
    catalogue: pd.DataFrame,
    published: pd.DataFrame,
    codebooks: list[Codebook],
) -> list[SuiteRun]:
    """The indicator mart's suites: its rows, its completeness, its agreement with the
    programme's published figures."""
    geo_codes = [FRANCE_CODE, *(region.code for region in regions())]
    return [
        SuiteRun("indicator_estimates", Batch("fct_indicator_estimates", estimates, ESTIMATE_KEY)),
        SuiteRun(
            "indicator_coverage",
            Batch(
                "fct_indicator_estimates",
                frames.indicator_coverage(estimates, catalogue, codebooks, geo_codes),
                ESTIMATE_KEY,
            ),
        ),
        SuiteRun(
            "published_figures",
            Batch(
                "fct_indicator_estimates",
                frames.published_comparison(estimates, published),
                ("indicator_id", "wave"),
            ),
        ),
    ]


def small_area_runs(estimates: pd.DataFrame, fits: pd.DataFrame) -> list[SuiteRun]:
    """The small-area mart's suite, on the published rows with the shrinkage check of their
    fits (:func:`frames.small_area_to_check`)."""
    return [
        SuiteRun(
            "small_area_estimates",
            Batch(
                "fct_small_area_estimates",
                frames.small_area_to_check(estimates, fits),
                ESTIMATE_KEY,
            ),
        )
    ]
