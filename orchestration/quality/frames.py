"""The tables the suites validate, derived from warehouse tables: pure functions of DataFrames.

Some rules are about a whole table rather than a row (a region's weighted share, a question's
non-response, a hole in the indicator grid); each gets a small derived table with one row per
thing checked, so the failure names that thing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.geography import Region
from orchestration.ingest.codebooks import Codebook, code_text

ITEM = "item"
PAIR_SEPARATOR = " = "


def by_wave(table: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """A study's table split into its deliveries, one per wave."""
    return {
        int(wave): rows.reset_index(drop=True) for wave, rows in table.groupby("wave", sort=True)
    }


def item_labels(answers: pd.DataFrame) -> pd.Series:
    """``question`` or ``question/option``, as codebooks and messages name an item."""
    option = answers["option"].astype("string")
    return answers["question"].where(option.isna(), answers["question"] + "/" + option)


def answers_to_check(answers: pd.DataFrame) -> pd.DataFrame:
    """The long-form answers with each item's label, its delivered code as text, and both
    joined to the code and to the answer (``item_code``, ``item_answer``): one column checked
    against a set is vectorised, where GX checks a pair of columns row by row
    (docs/benchmarks.md)."""
    items = item_labels(answers)
    codes = answers["answer_code"].map(code_text)
    return answers.assign(
        **{
            ITEM: items,
            "code": codes,
            "item_code": item_value(items, codes),
            "item_answer": item_value(items, answers["answer"]),
        }
    )


def respondents_to_check(respondents: pd.DataFrame) -> pd.DataFrame:
    """The respondents with ``region_department`` (« 84 = 69 »), checked against the
    geography's pairs in one vectorised column (see :func:`answers_to_check`)."""
    joined = respondents["region_code"] + PAIR_SEPARATOR + respondents["department_code"]
    return respondents.assign(region_department=joined)


def region_department(region_code: str, department_code: str) -> str:
    """« 84 = 69 »: a department with the region it is in."""
    return f"{region_code}{PAIR_SEPARATOR}{department_code}"


def item_value(items: pd.Series, values: pd.Series) -> pd.Series:
    """« item = value », missing where the value is (nothing to check)."""
    return (items + PAIR_SEPARATOR + values.astype("string")).where(values.notna())


def codebook_codes(codebook: Codebook) -> list[str]:
    """Every « item = delivered code » the codebook knows."""
    return [
        f"{variable.label}{PAIR_SEPARATOR}{code_text(code)}"
        for variable in (*codebook.design, *codebook.questions)
        for code in variable.codes
    ]


def codebook_answers(codebook: Codebook) -> list[str]:
    """Every « item = canonical answer » the codebook knows."""
    return [
        f"{variable.label}{PAIR_SEPARATOR}{answer}"
        for variable in (*codebook.design, *codebook.questions)
        for answer in sorted(set(variable.codes.values()))
    ]


def weight_shares(respondents: pd.DataFrame) -> pd.DataFrame:
    """Respondents with ``weight_share``, each weight over the number of respondents (the
    contract's weights have mean 1, so the shares add up to 1), and ``weight_to_mean``, each
    weight over the mean of the wave's usable (positive, finite) weights, for the warning on
    extreme weights."""
    weights = pd.to_numeric(respondents["weight"], errors="coerce").astype(float)
    usable = weights[np.isfinite(weights) & (weights > 0)]
    mean = usable.mean() if len(usable) else np.nan
    return respondents.assign(
        weight_share=weights / len(respondents), weight_to_mean=weights / mean
    )


def regional_structure(respondents: pd.DataFrame, regions: tuple[Region, ...]) -> pd.DataFrame:
    """Each region's weighted share of the delivery beside its share of the population."""
    weights = respondents.groupby("region_code")["weight"].sum()
    population = sum(region.population for region in regions)
    rows = []
    for region in regions:
        weighted = float(weights.get(region.code, 0.0)) / float(weights.sum())
        expected = region.population / population
        rows.append(
            {
                "region_code": region.code,
                "region": region.name,
                "weighted_share": weighted,
                "population_share": expected,
                "gap_points": 100 * (weighted - expected),
                "share_ratio": weighted / expected,
            }
        )
    return pd.DataFrame(rows)


def item_nonresponse(answers: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """For each question, how many respondents were asked it (routing applied) and the share
    of them who gave no answer (for a multi-answer question: no option answered)."""
    questions = answers[answers["role"] == "question"]
    given = questions.dropna(subset=["answer_code"])
    answered = given.groupby("question")["respondent_id"].unique()
    answer_of = given[given["option"].isna()].set_index(["question", "respondent_id"])["answer"]
    everyone = pd.Index(answers["respondent_id"].unique())
    rows = []
    for question in dict.fromkeys(questions["question"]):
        asked = everyone
        for filter_question, leading in codebook.asked(question).items():
            filter_answers = answer_of.xs(filter_question, level="question")
            asked = asked.intersection(filter_answers[filter_answers.isin(leading)].index)
        missing = len(asked.difference(answered.get(question, [])))
        rows.append(
            {
                "question": question,
                "asked": len(asked),
                "missing": missing,
                "nonresponse_rate": missing / len(asked) if len(asked) else 0.0,
            }
        )
    return pd.DataFrame(rows)


def indicator_coverage(
    estimates: pd.DataFrame,
    catalogue: pd.DataFrame,
    codebooks: list[Codebook],
    geo_codes: list[str],
) -> pd.DataFrame:
    """The expected grid (indicator × delivered wave whose codebook asks its questions ×
    France and regions) and whether the mart holds each cell."""
    expected = [
        {"indicator_id": row.indicator_id, "wave": codebook.wave, "geo_code": geo}
        for row in catalogue.itertuples()
        for codebook in codebooks
        if codebook.study == row.study and _asks(codebook, row)
        for geo in geo_codes
    ]
    grid = pd.DataFrame(expected, columns=["indicator_id", "wave", "geo_code"])
    held = estimates[["indicator_id", "wave", "geo_code"]].drop_duplicates()
    merged = grid.merge(held.assign(present=True), how="left", on=list(grid.columns))
    return merged.assign(present=merged["present"].notna() & merged["present"].astype(bool))


def _asks(codebook: Codebook, indicator) -> bool:
    names = {variable.name for variable in codebook.questions}
    universe = indicator.universe_question
    return indicator.question in names and (pd.isna(universe) or universe in names)


def published_comparison(estimates: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """The programme's published figures beside the national estimate and its interval."""
    national = estimates[estimates["geo_level"] == "france"][
        ["indicator_id", "wave", "estimate", "ci_low", "ci_high"]
    ]
    figures = published[["indicator_id", "wave", "value"]].rename(columns={"value": "published"})
    figures = figures.astype({"wave": "int64"})
    return figures.merge(
        national.astype({"wave": "int64"}), how="left", on=["indicator_id", "wave"]
    )


# Rounding room for « between the direct and the synthetic estimate ».
SHRINKAGE_TOLERANCE = 1e-12


def small_area_to_check(estimates: pd.DataFrame, fits: pd.DataFrame) -> pd.DataFrame:
    """The published small-area estimates (``fct_small_area_estimates``) with
    ``eblup_entre_direct_et_synthetique``, read in ``int_small_area_fits``: whether the EBLUP
    (before benchmarking) lies between the region's direct and synthetic estimates, as a
    shrinkage estimator must (equal to the synthetic one where the region has no respondent);
    empty where no model was fitted. The ingredients themselves are not carried over."""
    key = ["indicator_id", "wave", "geo_code"]
    direct, synthetic, eblup = (
        fits[column].astype(float) for column in ("direct", "synthetic", "eblup")
    )
    low = np.fmin(direct, synthetic) - SHRINKAGE_TOLERANCE
    high = np.fmax(direct, synthetic) + SHRINKAGE_TOLERANCE
    between = ((eblup >= low) & (eblup <= high)).astype(object)
    between[eblup.isna()] = None
    checked = fits[key].assign(eblup_entre_direct_et_synthetique=between)
    return estimates.merge(checked, on=key, how="left", validate="one_to_one")
