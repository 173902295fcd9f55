"""The IMPACT indicators of the catalogue (``dbt_project/seeds/indicator_catalogue.csv``),
estimated for France and each region, wave by wave, under their study's design.

The formulas live in :mod:`orchestration.statistics`; this module only says which respondents,
answers and domains each indicator is about. It runs inside the dbt Python model
``fct_indicator_estimates``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from orchestration.geography import FRANCE_CODE as FRANCE
from orchestration.statistics import (
    Calibration,
    Design,
    Difference,
    Estimate,
    PublicationStatus,
    compare_domains,
    compare_waves,
    mean_interval,
    proportion_interval,
    publication_status,
    weighted_mean,
    weighted_proportion,
    with_edge_uncertainty,
)

NSP = "nsp"
# Catalogue cells holding several canonical answers separate them with "|".
ANSWER_SEPARATOR = "|"
WITH_NSP = "with_nsp"
SUPPRESSED = PublicationStatus.SUPPRESSED.value
# Catalogue units: a share of respondents (0 to 1), or a mean score (out of 10).
SHARE, SCORE = "share", "score"
# How int_survey_weights separates a respondent's calibration cells.
CELL_SEPARATOR = ";"


@dataclass(frozen=True)
class Indicator:
    """One line of the catalogue: which answers count, among whom."""

    id: str
    study: str
    question: str
    option: str | None
    counted: frozenset[str]
    include_nsp: bool
    universe_question: str | None
    universe_answers: frozenset[str]
    unit: str = SHARE

    @classmethod
    def from_row(cls, row: dict) -> Indicator:
        """An indicator from a catalogue row (empty cells are ``None`` or NaN)."""
        return cls(
            id=row["indicator_id"],
            study=row["study"],
            question=row["question"],
            option=_text(row.get("option")),
            counted=_answers(row["counted_answers"]),
            include_nsp=row["denominator"] == WITH_NSP,
            universe_question=_text(row.get("universe_question")),
            universe_answers=_answers(row.get("universe_answers")),
            unit=_text(row.get("unit")) or SHARE,
        )


@dataclass(frozen=True)
class SurveyWave:
    """One study wave: its respondents (weights, strata, region) and their answers."""

    study: str
    wave: int
    respondents: pd.DataFrame
    answers: pd.DataFrame

    @cached_property
    def design(self) -> Design:
        """The wave's sample design: its weights, stratified when the study declares strata,
        calibrated when the pipeline raked them (built once per wave, not once per indicator).

        Raked weights depend on the sample: treating them as fixed overstates the variance of
        what the margins explain (issue 15). The calibration's cells (``calibration_cells``)
        and base weights give the variance of the calibration estimator, as R's
        ``calibrate()`` does.
        """
        strata = self.respondents["strata"]
        return Design(
            weights=self.respondents["weight"].to_numpy(dtype=float),
            strata=None if strata.isna().all() else strata.fillna("").to_numpy(dtype=str),
            calibration=_calibration(self.respondents),
        )

    def asked(self, question: str, option: str | None) -> bool:
        """Whether this wave holds the question (and option)."""
        return (question, option or "") in self._answers_by_item

    def answer_of(self, question: str, option: str | None) -> pd.Series:
        """Each respondent's canonical answer (NaN for item non-response), in design order."""
        rows = self._answers_by_item.get((question, option or ""), pd.Series(dtype=object))
        return self.respondents["respondent_id"].map(rows)

    @cached_property
    def _answers_by_item(self) -> dict[tuple[str, str], pd.Series]:
        # Split once: looking each item up in the whole long form took one scan per lookup.
        answers = self.answers.assign(option=self.answers["option"].fillna(""))
        return {
            (question, option): rows.set_index("respondent_id")["answer"]
            for (question, option), rows in answers.groupby(["question", "option"], sort=False)
        }


def _calibration(respondents: pd.DataFrame) -> Calibration | None:
    """The calibration of a wave whose weights were raked (or post-stratified) by the
    pipeline: one indicator column per margin category; ``None`` for fixed weights."""
    if "calibration_cells" not in respondents or respondents["calibration_cells"].isna().all():
        return None
    cells = respondents["calibration_cells"]
    if cells.isna().any():
        raise ValueError("calibration cells missing for some respondents of a calibrated wave")
    indicators = cells.astype(str).str.get_dummies(sep=CELL_SEPARATOR)
    return Calibration(
        base_weights=respondents["base_weight"].to_numpy(dtype=float),
        indicators=indicators.to_numpy(dtype=float),
    )


@dataclass(frozen=True)
class EstimateRow:
    """One line of ``fct_indicator_estimates``."""

    indicator_id: str
    study: str
    wave: int
    geo_level: str
    geo_code: str
    # `share` (0 to 1) or `score` (a mean out of 10): the unit of estimate and interval.
    unit: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    n_effective: float
    deff: float
    df: float
    status: str
    # The sum of the weights of the respondents in the base: the region's share of the national
    # estimate (France's is the sum of the regions'), used to benchmark small-area estimates.
    weighted_n: float = 0.0
    # Regions only: the region against the rest of France, same wave (design-based t test);
    # null when the region is suppressed (docs/publication-rules.md).
    vs_rest_difference: float = math.nan
    vs_rest_p_value: float = math.nan
    vs_rest_significant: bool | None = None
    # The previous wave holding the same question, and the change since (independent samples);
    # the change and its test are null when either wave is suppressed.
    previous_wave: int | None = None
    change: float = math.nan
    change_p_value: float = math.nan
    change_significant: bool | None = None


def estimate_all(
    catalogue: pd.DataFrame,
    respondents: pd.DataFrame,
    answers: pd.DataFrame,
    region_codes: list[str],
) -> pd.DataFrame:
    """Every indicator × wave × geography (France, then each region), as one tidy table.

    ``respondents``: study, wave, respondent_id, region_code, strata, weight (one row each).
    ``answers``: study, wave, respondent_id, question, option, answer (the long form).
    """
    by_wave = dict(tuple(answers.groupby(["study", "wave"])))
    waves = survey_waves(
        respondents, lambda study, wave: by_wave.get((study, wave), answers.iloc[0:0])
    )
    return estimate_waves(catalogue, waves, region_codes)


def survey_waves(
    respondents: pd.DataFrame, answers_of: Callable[[str, int], pd.DataFrame]
) -> Iterator[SurveyWave]:
    """The waves in study and wave order, each with the answers ``answers_of(study, wave)``
    gives: called one wave at a time, so only one wave's answers need be in memory."""
    for (study, wave), people in respondents.groupby(["study", "wave"], sort=True):
        yield SurveyWave(
            study=study,
            wave=int(wave),
            respondents=people.reset_index(drop=True),
            answers=answers_of(study, int(wave)),
        )


def estimate_waves(
    catalogue: pd.DataFrame, waves: Iterable[SurveyWave], region_codes: list[str]
) -> pd.DataFrame:
    """:func:`estimate_all` over waves given in study and wave order (:func:`survey_waves`);
    each wave is compared with the previous one asking the same indicator."""
    indicators = [Indicator.from_row(row) for row in catalogue.to_dict("records")]
    rows: list[EstimateRow] = []
    previous: dict[tuple[str, str], tuple[int, Estimate]] = {}
    for wave in waves:
        for indicator in indicators:
            if indicator.study != wave.study or not wave.asked(
                indicator.question, indicator.option
            ):
                continue
            for row, estimate in _wave_rows(indicator, wave, region_codes):
                key = (indicator.id, row.geo_code)
                if estimate is not None and key in previous:
                    row = _with_change(row, *previous[key], estimate)
                if estimate is not None:
                    previous[key] = (wave.wave, estimate)
                rows.append(row)
    # Catalogue order, then wave, then France and the regions as given.
    indicator_rank = {indicator.id: rank for rank, indicator in enumerate(indicators)}
    geo_rank = {code: rank for rank, code in enumerate([FRANCE, *region_codes])}
    rows.sort(key=lambda row: (indicator_rank[row.indicator_id], row.wave, geo_rank[row.geo_code]))
    return pd.DataFrame([asdict(row) for row in rows], columns=list(EstimateRow.__annotations__))


def _wave_rows(
    indicator: Indicator, wave: SurveyWave, region_codes: list[str]
) -> Iterator[tuple[EstimateRow, Estimate | None]]:
    design = wave.design
    counted = counted_values(indicator, wave)
    regions = wave.respondents["region_code"].to_numpy()
    everyone = np.ones(len(regions), dtype=bool)
    yield _row(indicator, wave, "france", FRANCE, counted, design, everyone, None)
    for code in region_codes:
        in_region = regions == code
        versus = _versus_rest(counted, design, in_region)
        yield _row(indicator, wave, "region", code, counted, design, in_region, versus)


def counted_values(indicator: Indicator, wave: SurveyWave) -> np.ndarray:
    """1 where the answer counts, 0 where it does not, NaN outside the indicator's base
    (no answer, « ne sait pas » when excluded, outside the universe); for a score, the
    answer's number where it is one of the counted answers (the scores), NaN elsewhere."""
    answer = wave.answer_of(indicator.question, indicator.option)
    in_base = answer.notna()
    if not indicator.include_nsp:
        in_base &= answer != NSP
    if indicator.universe_question is not None:
        universe = wave.answer_of(indicator.universe_question, None)
        in_base &= universe.isin(indicator.universe_answers)
    if indicator.unit == SCORE:
        scored = in_base & answer.isin(indicator.counted)
        return np.where(scored, pd.to_numeric(answer.where(scored), errors="coerce"), np.nan)
    return np.where(in_base, answer.isin(indicator.counted).astype(float), np.nan)


def _row(
    indicator: Indicator,
    wave: SurveyWave,
    level: str,
    code: str,
    counted: np.ndarray,
    design: Design,
    domain: np.ndarray,
    versus: Difference | None,
) -> tuple[EstimateRow, Estimate | None]:
    where = dict(
        indicator_id=indicator.id,
        study=wave.study,
        wave=wave.wave,
        geo_level=level,
        geo_code=code,
        unit=indicator.unit,
    )
    if not (domain & ~np.isnan(counted)).any():
        # Nobody in the base here (no foundation in Corse): nothing to estimate or publish.
        empty = dict(
            estimate=math.nan,
            se=math.nan,
            ci_low=math.nan,
            ci_high=math.nan,
            n=0,
            n_effective=0.0,
            deff=math.nan,
            df=math.nan,
        )
        return EstimateRow(**where, **empty, status=publication_status(0, 0.0).value), None
    score = indicator.unit == SCORE
    # A mean score has a t interval (R's confint(svymean)); a share, Korn–Graubard's.
    estimator, interval_of = (
        (weighted_mean, mean_interval) if score else (weighted_proportion, proportion_interval)
    )
    estimate = estimator(counted, design, domain)
    # One respondent (or one per stratum) leaves no spread to build an interval on.
    interval = (
        interval_of(estimate) if estimate.n >= 2 and estimate.df >= 1 else (math.nan, math.nan)
    )
    row = EstimateRow(
        **where,
        estimate=estimate.estimate,
        se=estimate.se,
        ci_low=interval[0],
        ci_high=interval[1],
        n=estimate.n,
        n_effective=estimate.n_effective,
        deff=estimate.deff,
        df=float(estimate.df),
        status=publication_status(estimate.n, estimate.n_effective).value,
        weighted_n=float(design.weights[domain & ~np.isnan(counted)].sum()),
    )
    # A region withheld for want of respondents gives no difference with the rest of France:
    # the difference and the rest's published figure would give its value away.
    if versus is not None and row.status != SUPPRESSED:
        # A unanimous region (SE 0) is tested with the variance of its exact interval.
        versus = versus if score else with_edge_uncertainty(versus, estimate)
        row = _replace(
            row,
            vs_rest_difference=versus.difference,
            vs_rest_p_value=versus.p_value,
            vs_rest_significant=versus.significant,
        )
    return row, estimate


def _versus_rest(counted: np.ndarray, design: Design, in_region: np.ndarray) -> Difference | None:
    """The region against the rest of France (not against a national figure containing it)."""
    known = ~np.isnan(counted)
    if (
        (in_region & known).sum() < 2
        or (~in_region & known).sum() < 2
        or design.degrees_of_freedom() < 2
    ):
        return None
    return compare_domains(counted, design, in_region)


def _with_change(row: EstimateRow, wave: int, earlier: Estimate, later: Estimate) -> EstimateRow:
    """The change since the previous wave; none when either wave is withheld, since the other
    wave's published figure and the change would give the withheld one away."""
    withheld = SUPPRESSED in (_status(earlier), _status(later))
    if withheld or min(earlier.n, later.n) < 2 or min(earlier.df, later.df) < 1:
        return _replace(row, previous_wave=wave)
    change = compare_waves(earlier, later)
    return _replace(
        row,
        previous_wave=wave,
        change=change.difference,
        change_p_value=change.p_value,
        change_significant=change.significant,
    )


def _status(estimate: Estimate) -> str:
    return publication_status(estimate.n, estimate.n_effective).value


def _replace(row: EstimateRow, **changes) -> EstimateRow:
    return EstimateRow(**{**asdict(row), **changes})


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    return str(value)


def _answers(value) -> frozenset[str]:
    text = _text(value)
    return frozenset() if text is None else frozenset(text.split(ANSWER_SEPARATOR))
