"""Generic generator of the synthetic survey deliveries, one per study wave.

A study model (``synthetic.study_models``) says in canonical terms who is interviewed, how the
institute weights them and how they answer; the wave's codebook says how the institute names
and codes it all. Answers are drawn by exact counts within cells of identical answer
probabilities (randomised rounding), each answer spread evenly over the cell's weights, so
national weighted results land on the model's figures up to about a point rather than up to
sampling error (which would be ±3 points and more on the companies' skewed weights).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.ingest.codebooks import Codebook, CodedVariable, codebook_path, load_codebook
from synthetic import labels
from synthetic.geography import departments_of, regions
from synthetic.priorities import draw_optional
from synthetic.study_models import STUDY_MODELS
from synthetic.survey_files import SurveyDelivery, write_delivery
from synthetic.survey_model import (
    NSP,
    POSITIVE,
    Design,
    Fieldwork,
    Margin,
    Multiple,
    Single,
    Stratum,
    StudyModel,
)

FILE_LABEL_PREFIX = "DONNEES ILLUSTRATIVES (synthetiques) - "
RAKING_ITERATIONS = 50


def write_all(raw_dir: Path, scale: int = 1) -> list[Path]:
    """Write every study wave's sample delivery under ``raw_dir``, with ``scale`` times the
    respondents (for the benchmark); returns the paths."""
    return [write(scaled(model, scale), raw_dir) for model in STUDY_MODELS]


def scaled(model: StudyModel, factor: int) -> StudyModel:
    """The same study wave with ``factor`` times the interviews in every stratum."""
    strata = tuple(
        replace(stratum, size=stratum.size * factor, floor=stratum.floor * factor)
        for stratum in model.strata
    )
    return replace(model, strata=strata)


def write(model: StudyModel, raw_dir: Path) -> Path:
    """Write one study wave's delivery in its format, as its codebook lays it out."""
    codebook = model_codebook(model)
    path = raw_dir / model.relative_path
    write_delivery(generate(model, codebook), path, codebook.layout)
    return path


def model_codebook(model: StudyModel) -> Codebook:
    """The codebook of the model's study wave, checked to describe the same variables."""
    codebook = load_codebook(codebook_path(model.study, model.wave))
    _check_agreement(model, codebook)
    return codebook


def generate(model: StudyModel, codebook: Codebook) -> SurveyDelivery:
    """Draw the sample and its answers; the model's seed makes it the same every time."""
    rng = np.random.default_rng(model.seed)
    frame = draw_respondents(model, codebook, rng)
    weights = rake(frame, model.margins) if model.margins else np.ones(len(frame))
    frame["fieldwork_date"] = draw_dates(model.fieldwork, len(frame), rng)
    for question in model.questions:
        if isinstance(question, Multiple):
            frame = frame.join(draw_multiple(frame, weights, question, rng))
        else:
            frame[question.name] = draw_answers(frame, weights, question, rng)
    for name, extra in model.extras.items():
        frame[name] = extra.make(frame, rng)
    frame = frame.join(draw_optional(frame, model))
    return SurveyDelivery(
        data=encode(frame, weights, model, codebook),
        variable_labels=_variable_labels(model, codebook),
        value_labels=_value_labels(codebook),
        file_label=FILE_LABEL_PREFIX + codebook.title,
    )


# --- the sample --------------------------------------------------------------------------


def draw_respondents(model: StudyModel, codebook: Codebook, rng) -> pd.DataFrame:
    """Region (and department), design variables, in random order (that of the interviews)."""
    frame = pd.concat([_stratum_rows(stratum, rng) for stratum in model.strata], ignore_index=True)
    for design in model.design:
        if design.name not in frame.columns:
            frame[design.name] = _draw_design(frame, design, rng)
    if codebook.department:
        frame["department"] = _draw_departments(frame["region"], rng)
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)


def allocate(stratum: Stratum, rng) -> dict[str, int]:
    """Interviews per region: a floor each, the rest by the region shares (largest remainders
    for quotas, a multinomial draw for register samples)."""
    codes = list(stratum.region_shares)
    shares = np.array([stratum.region_shares[code] for code in codes], dtype=float)
    free = stratum.size - stratum.floor * len(codes)
    if stratum.random_regions:
        counts = rng.multinomial(free, shares / shares.sum())
    else:
        counts = _largest_remainders(free * shares / shares.sum())
    return {code: stratum.floor + int(count) for code, count in zip(codes, counts, strict=True)}


def _largest_remainders(quotas: np.ndarray) -> np.ndarray:
    counts = np.floor(quotas).astype(int)
    by_remainder = np.argsort(-(quotas - counts), kind="stable")
    counts[by_remainder[: round(quotas.sum()) - counts.sum()]] += 1
    return counts


def _stratum_rows(stratum: Stratum, rng) -> pd.DataFrame:
    counts = allocate(stratum, rng)
    rows = pd.DataFrame({"region": np.repeat(list(counts), list(counts.values()))})
    return rows.assign(**stratum.fixed)


def _draw_design(frame: pd.DataFrame, design: Design, rng) -> pd.Series:
    drawn = pd.Series(None, index=frame.index, dtype=object)
    if design.given is None:
        groups = {None: frame.index}
    else:
        groups = frame.groupby(design.given, sort=True).groups
    for value, rows in groups.items():
        distribution = design.by_given.get(value, design.sample)
        drawn[rows] = _choice(distribution, len(rows), rng)
    return drawn


def _choice(distribution, size: int, rng) -> np.ndarray:
    values = np.array(list(distribution), dtype=object)
    return values[rng.choice(len(values), size=size, p=list(distribution.values()))]


def _draw_departments(region_codes: pd.Series, rng) -> pd.Series:
    departments = pd.Series(None, index=region_codes.index, dtype=object)
    for region in regions():
        rows = region_codes.index[region_codes == region.code]
        codes = [d.code for d in departments_of(region)]
        departments[rows] = np.array(codes, dtype=object)[rng.integers(len(codes), size=len(rows))]
    return departments


def rake(frame: pd.DataFrame, margins: tuple[Margin, ...]) -> np.ndarray:
    """Iterative proportional fitting to the margins; weights scaled to a mean of 1."""
    keys = [_margin_key(frame, margin) for margin in margins]
    weights = np.ones(len(frame))
    for _ in range(RAKING_ITERATIONS):
        for margin, key in zip(margins, keys, strict=True):
            totals = pd.Series(weights).groupby(key).sum()
            targets = pd.Series(margin.targets) / sum(margin.targets.values())
            weights = weights * (key.map(targets / (totals / totals.sum()))).to_numpy()
    return np.round(weights / weights.mean(), 6)


def _margin_key(frame: pd.DataFrame, margin: Margin) -> pd.Series:
    key = frame[list(margin.variables)].astype(str).agg("|".join, axis=1)
    if set(key) != set(margin.targets):
        raise ValueError(
            f"raking on {margin.variables}: sample cells {sorted(set(key))} "
            f"differ from target cells {sorted(margin.targets)}"
        )
    return key


def draw_dates(fieldwork: Fieldwork, size: int, rng) -> list:
    """Interview dates over the fieldwork window, in interview (respondent id) order."""
    days = [
        fieldwork.start + timedelta(days=offset)
        for offset in range((fieldwork.end - fieldwork.start).days + 1)
    ]
    if fieldwork.weekdays_only:
        days = [day for day in days if day.weekday() < 5]
    intensity = (1 - fieldwork.daily_decline) ** np.arange(len(days))
    picks = np.sort(rng.choice(len(days), size=size, p=intensity / intensity.sum()))
    return [days[pick] for pick in picks]


# --- the answers -------------------------------------------------------------------------


def draw_answers(frame: pd.DataFrame, weights: np.ndarray, question: Single, rng) -> pd.Series:
    """Canonical answers of one question (``None`` where not asked or not answered)."""
    answers = pd.Series(None, index=frame.index, dtype=object)
    asked = _base_mask(frame, question.base)
    values = list(question.answers)
    distribution = np.array(list(question.answers.values()), dtype=float)
    to_draw = asked
    if question.implied:
        variable, value, answer = question.implied
        implied = asked & (frame[variable] == value)
        answers[implied] = answer
        distribution = _without_implied(distribution, values.index(answer), weights, asked, implied)
        to_draw = asked & ~implied
    rows = to_draw.to_numpy()
    shifts = _shifts(frame[rows], question.effects)
    probabilities = _shifted(distribution, values, shifts, weights[rows])
    answers[rows] = np.array(values, dtype=object)[_exact_draw(probabilities, weights[rows], rng)]
    return _blank_nonresponse(answers, asked, question.nonresponse, rng)


def draw_multiple(
    frame: pd.DataFrame, weights: np.ndarray, question: Multiple, rng
) -> pd.DataFrame:
    """One column per option, ``oui`` when ticked (``None`` where not asked)."""
    items = question.items()
    ticked = pd.DataFrame({item.name: draw_answers(frame, weights, item, rng) for item in items})
    none = ticked.eq("non").all(axis=1).to_numpy()
    if question.at_least_one and none.any():
        # Those who ticked nothing get one option, in proportion to the options' shares.
        shares = np.array(list(question.drawing_shares().values()))
        picks = _exact_draw(np.tile(shares / shares.sum(), (none.sum(), 1)), weights[none], rng)
        for row, pick in zip(np.flatnonzero(none), picks, strict=True):
            ticked.iat[row, pick] = "oui"
    return ticked


def _base_mask(frame: pd.DataFrame, base) -> pd.Series:
    asked = pd.Series(True, index=frame.index)
    for variable, value in base.items():
        asked &= frame[variable] == value
    return asked


def _without_implied(distribution, answer: int, weights, asked, implied) -> np.ndarray:
    # The implied rows already give `answer`; the others make up the rest of the distribution.
    share = weights[implied.to_numpy()].sum() / weights[asked.to_numpy()].sum()
    rest = distribution.copy()
    rest[answer] -= share
    if rest.min() < 0:
        raise ValueError("implied answers exceed the question's distribution")
    return rest / rest.sum()


def _shifts(frame: pd.DataFrame, effects) -> np.ndarray:
    total = np.zeros(len(frame))
    for variable, by_value in effects.items():
        total += frame[variable].map(by_value).fillna(0.0).to_numpy(dtype=float)
    return total


def _shifted(distribution: np.ndarray, values: list[str], shifts, weights) -> np.ndarray:
    """Per-respondent probabilities: the positive share moved by each one's shift (log-odds),
    re-centred so its weighted mean is unchanged; « ne sait pas » keeps its share."""
    matrix = np.tile(distribution, (len(shifts), 1))
    if not np.any(shifts):
        return matrix
    positive = np.isin(values, POSITIVE)
    unknown = np.array(values) == NSP
    negative = ~positive & ~unknown
    answering = 1 - distribution[unknown].sum()
    target = distribution[positive].sum() / answering
    logits = np.log(target / (1 - target)) + shifts
    centred = _expit(logits + _centring(logits, weights, target)) * answering
    matrix[:, positive] *= (centred / distribution[positive].sum())[:, None]
    matrix[:, negative] *= ((answering - centred) / distribution[negative].sum())[:, None]
    return matrix


def _centring(logits: np.ndarray, weights: np.ndarray, target: float) -> float:
    # Bisection: the constant that brings the weighted mean probability back to the target.
    low, high = -10.0, 10.0
    for _ in range(60):
        middle = (low + high) / 2
        if np.average(_expit(logits + middle), weights=weights) < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _expit(x):
    return 1 / (1 + np.exp(-x))


def _exact_draw(probabilities: np.ndarray, weights: np.ndarray, rng) -> np.ndarray:
    """Answer indices: within each group of identical probabilities, counts as close to the
    expected ones as whole numbers allow (randomised rounding), each answer spread evenly over
    the group's weights so that weighted shares match too."""
    drawn = np.empty(len(probabilities), dtype=int)
    groups, inverse = np.unique(probabilities.round(12), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    for group, row in enumerate(groups):
        members = np.flatnonzero(inverse == group)
        counts = _randomised_round(len(members) * row / row.sum(), rng)
        # Members by weight, ties (often all of them) in random order.
        by_weight = members[np.lexsort((rng.random(len(members)), weights[members]))]
        drawn[by_weight] = _interleaved(counts, rng)
    return drawn


def _interleaved(counts: np.ndarray, rng) -> np.ndarray:
    # Each answer's positions evenly spaced along the sequence, with a random phase.
    positions = np.concatenate(
        [(np.arange(count) + rng.random()) / max(count, 1) for count in counts]
    )
    answers = np.repeat(np.arange(len(counts)), counts)
    return answers[np.argsort(positions, kind="stable")]


def _randomised_round(expected: np.ndarray, rng) -> np.ndarray:
    counts = np.floor(expected + 1e-9).astype(int)
    missing = int(round(expected.sum())) - counts.sum()
    if missing > 0:
        remainders = np.clip(expected - counts, 0, None)
        lucky = rng.choice(
            len(expected), size=missing, replace=False, p=remainders / remainders.sum()
        )
        counts[lucky] += 1
    return counts


def _blank_nonresponse(answers: pd.Series, asked: pd.Series, rate: float, rng) -> pd.Series:
    candidates = np.flatnonzero(asked.to_numpy())
    blanks = rng.choice(candidates, size=round(rate * len(candidates)), replace=False)
    answers.iloc[blanks] = None
    return answers


# --- the delivered file ------------------------------------------------------------------


def encode(frame: pd.DataFrame, weights, model: StudyModel, codebook: Codebook) -> pd.DataFrame:
    """The delivered table: the codebook's variable names and codes, in a usual order."""
    columns = {codebook.respondent_id: np.arange(len(frame), dtype=float) + model.first_id}
    if codebook.wave_variable:
        columns[codebook.wave_variable] = np.full(len(frame), float(model.wave))
    columns[codebook.region] = frame["region"].astype(float).to_numpy()
    if codebook.department:
        columns[codebook.department] = frame["department"].to_numpy()
    columns |= {coded.variable: _coded(frame, coded) for coded in codebook.design}
    columns |= {name: frame[name].to_numpy() for name in codebook.other}
    if codebook.fieldwork_date:
        columns[codebook.fieldwork_date] = frame["fieldwork_date"].to_numpy()
    columns |= {coded.variable: _coded(frame, coded) for coded in codebook.questions}
    if codebook.weight:
        columns[codebook.weight] = weights
    return pd.DataFrame(columns)


def _coded(frame: pd.DataFrame, coded: CodedVariable) -> np.ndarray:
    code_of = {value: code for code, value in coded.codes.items()}
    canonical = frame[coded.label]
    unknown = set(canonical.dropna()) - set(code_of)
    if unknown:
        raise ValueError(f"{coded.label}: values {sorted(unknown)} have no code in the codebook")
    return canonical.map(code_of).to_numpy(dtype=float)


def _variable_labels(model: StudyModel, codebook: Codebook) -> dict[str, str]:
    roles = {**labels.ROLE_LABELS, **model.labels}
    named = {
        codebook.respondent_id: roles["respondent_id"],
        codebook.wave_variable: roles["wave"],
        codebook.region: roles["region"],
        codebook.department: roles["department"],
        codebook.fieldwork_date: roles["fieldwork_date"],
        codebook.weight: roles["weight"],
    }
    coded = {
        coded.variable: labels.variable_label(coded, dict(model.labels))
        for coded in (*codebook.design, *codebook.questions)
    }
    extras = {name: extra.label for name, extra in model.extras.items()}
    return {name: label for name, label in named.items() if name} | coded | extras


def _value_labels(codebook: Codebook) -> dict[str, dict[int, str]]:
    region_names = {int(region.code): region.name for region in regions()}
    coded = {
        coded.variable: labels.value_labels(coded)
        for coded in (*codebook.design, *codebook.questions)
    }
    return {codebook.region: region_names} | coded


def _check_agreement(model: StudyModel, codebook: Codebook) -> None:
    """The model must fill exactly what the codebook describes, no more, no less."""
    drawn = {d.name for d in model.design} | {f for s in model.strata for f in s.fixed}
    questions = (*model.questions, *model.optional_questions)
    drawn |= {item.name for question in questions for item in question.items()}
    described = {coded.label for coded in (*codebook.design, *codebook.questions)}
    problems = []
    if drawn != described:
        problems.append(
            f"model-only {sorted(drawn - described)}, codebook-only {sorted(described - drawn)}"
        )
    if set(model.extras) != set(codebook.other):
        problems.append(f"extras {sorted(model.extras)} != other {sorted(codebook.other)}")
    if bool(model.margins) != bool(codebook.weight):
        problems.append("a weight is delivered if and only if the model rakes one")
    if problems:
        raise ValueError(f"{codebook.path} and the {model.study} {model.wave} model: {problems}")
