"""The perceived priority fragilities (issue 17): scores out of 10 and domains cited.

Drawn after every other variable, from a random stream of their own
(:data:`OPTIONAL_STREAM`), so that adding these optional questions leaves the rest of each
delivery exactly as it was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthetic.survey_model import NSP, Cited, Scores, StudyModel

# Mixed with the study's seed: the optional questions' own random stream.
OPTIONAL_STREAM = 17
CITED, NOT_CITED = "cite", "non_cite"

# Citizens' mean score out of 10 per fragility domain (illustrative): emploi, pouvoir d'achat
# and santé high everywhere; some regions put another domain beside them or ahead.
FRAGILITY_SCORES = Scores(
    "fragilites_score",
    {
        "emploi": 7.6,
        "pouvoir_achat": 7.7,
        "securite": 6.4,
        "developpement_economique": 6.0,
        "environnement": 6.5,
        "exclusion": 5.7,
        "education": 6.1,
        "sante": 7.5,
        "logement": 5.9,
        "numerique": 4.7,
        "mobilite": 5.4,
        "lien_social": 5.3,
    },
    by_region={
        "32": {"emploi": 1.1, "pouvoir_achat": 0.2},
        "24": {"sante": 1.2},
        "28": {"sante": 0.7, "emploi": 0.2},
        "11": {"logement": 1.8, "securite": 0.9, "mobilite": 0.8, "emploi": -0.2},
        "93": {"securite": 1.3},
        "53": {"environnement": 1.2, "emploi": -0.3},
        "76": {"emploi": 0.5},
        "84": {"environnement": 0.4, "mobilite": 0.3},
        "44": {"emploi": 0.4, "pouvoir_achat": 0.3},
        "75": {"sante": 0.4},
        "52": {"emploi": -0.6, "pouvoir_achat": -0.3},
        "27": {"mobilite": 0.6, "sante": 0.5},
    },
    spread=1.4,
)

# Mayors cite up to three domains; each domain's pull, multiplied by region (illustrative):
# emploi, développement économique and santé first, the others well behind.
FRAGILITY_CITED = Cited(
    "fragilites_prioritaires",
    {
        "emploi": 1.0,
        "pouvoir_achat": 0.3,
        "securite": 0.25,
        "developpement_economique": 0.95,
        "environnement": 0.3,
        "exclusion": 0.15,
        "education": 0.2,
        "sante": 0.9,
        "logement": 0.35,
        "numerique": 0.25,
        "mobilite": 0.4,
        "lien_social": 0.3,
    },
    how_many={1: 0.1, 2: 0.2, 3: 0.7},
    by_region={
        "24": {"sante": 2.4},
        "28": {"sante": 1.8},
        "11": {"logement": 3.0, "securite": 2.5},
        "93": {"securite": 2.5},
        "53": {"environnement": 2.8},
        "32": {"emploi": 1.6},
        "27": {"mobilite": 2.2},
    },
)


def draw_optional(frame: pd.DataFrame, model: StudyModel) -> pd.DataFrame:
    """The answers to the model's optional questions, one column per ``question/option``."""
    rng = np.random.default_rng([model.seed, OPTIONAL_STREAM])
    columns = [
        draw_scores(frame, question, rng)
        if isinstance(question, Scores)
        else draw_cited(frame, question, rng)
        for question in model.optional_questions
    ]
    return pd.concat(columns, axis=1) if columns else pd.DataFrame(index=frame.index)


def draw_scores(frame: pd.DataFrame, question: Scores, rng) -> pd.DataFrame:
    """Scores 0–10 as text (the codebook's canonical answers), « nsp » for some items."""
    options = list(question.means)
    means = np.array([question.means[option] for option in options])
    shifts = np.array(
        [
            [question.by_region.get(region, {}).get(o, 0.0) for o in options]
            for region in frame["region"]
        ]
    ).reshape(len(frame), len(options))
    level = rng.normal(0.0, question.shared, size=(len(frame), 1))
    noise = rng.normal(0.0, question.spread, size=(len(frame), len(options)))
    scores = np.clip(np.rint(means + shifts + level + noise), 0, 10).astype(int).astype(str)
    answers = np.where(rng.random(scores.shape) < question.nsp, NSP, scores)
    return pd.DataFrame(answers, index=frame.index, columns=_names(question.name, options))


def draw_cited(frame: pd.DataFrame, question: Cited, rng) -> pd.DataFrame:
    """Each respondent cites a few options, drawn without replacement by their regional pull
    (Gumbel top-k: the k largest of log-pull plus Gumbel noise)."""
    options = list(question.appeal)
    pull = np.array(
        [
            [question.appeal[o] * question.by_region.get(region, {}).get(o, 1.0) for o in options]
            for region in frame["region"]
        ]
    ).reshape(len(frame), len(options))
    keys = np.log(pull) + rng.gumbel(size=pull.shape)
    counts = rng.choice(
        list(question.how_many), size=len(frame), p=list(question.how_many.values())
    )
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    answers = np.where(rank < counts[:, None], CITED, NOT_CITED)
    return pd.DataFrame(answers, index=frame.index, columns=_names(question.name, options))


def _names(question: str, options: list[str]) -> list[str]:
    return [f"{question}/{option}" for option in options]
