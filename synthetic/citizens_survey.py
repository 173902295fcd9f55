"""Synthetic IMPACT-Citoyens delivery: an SPSS file with variable and value labels.

It mimics what the polling institute delivers: an online quota sample of adults, boosted in small
regions, with a raking weight (``POIDS``) to the regional population and to national sex and age
margins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from synthetic.geography import departments_of, regions
from synthetic.reproducible import fix_sav_timestamp

WAVE = 2020
SAMPLE_SIZE = 3000
MIN_PER_REGION = 100
FILE_LABEL = "DONNEES ILLUSTRATIVES (synthetiques) - IMPACT-Citoyens 2020"

SEX_LABELS = {1: "Homme", 2: "Femme"}
AGE_BAND_LABELS = {
    1: "18-24 ans",
    2: "25-34 ans",
    3: "35-49 ans",
    4: "50-64 ans",
    5: "65 ans et plus",
}
AGE_BAND_BOUNDS = {1: (18, 24), 2: (25, 34), 3: (35, 49), 4: (50, 64), 5: (65, 90)}
PCS_LABELS = {
    1: "Agriculteurs exploitants",
    2: "Artisans, commerçants, chefs d'entreprise",
    3: "Cadres et professions intellectuelles supérieures",
    4: "Professions intermédiaires",
    5: "Employés",
    6: "Ouvriers",
    7: "Retraités",
    8: "Autres inactifs",
}
AGGLOMERATION_LABELS = {
    1: "Communes rurales",
    2: "Moins de 20 000 habitants",
    3: "De 20 000 à 99 999 habitants",
    4: "100 000 habitants et plus",
    5: "Agglomération parisienne",
}
ANSWER_LABELS = {
    1: "Incontournable",
    2: "Utile",
    3: "Secondaire",
    4: "Inutile",
    5: "Contre-productif",
    9: "Ne sait pas",
}
QUESTION_LABEL = (
    "Face aux crises, diriez-vous que « jouer collectif » entre associations, entreprises, "
    "collectivités et citoyens est… ?"
)
VARIABLE_LABELS = {
    "ID": "Identifiant du répondant",
    "VAGUE": "Année de la vague d'enquête",
    "REGION": "Région de résidence (code INSEE)",
    "DEP": "Département de résidence (code INSEE)",
    "SEXE": "Sexe",
    "AGE": "Âge en années révolues",
    "AGE5": "Âge en 5 tranches",
    "PCS": "Catégorie socioprofessionnelle du répondant",
    "AGGLO": "Catégorie d'agglomération",
    "Q1_COLLECTIF": QUESTION_LABEL,
    "POIDS": "Poids de redressement (région, sexe, âge)",
}

# National margins of adults 18+ (rounded INSEE structure), the raking targets.
SEX_MARGINS = {1: 0.48, 2: 0.52}
AGE_MARGINS = {1: 0.10, 2: 0.145, 3: 0.235, 4: 0.245, 5: 0.275}
# Answer distribution by age band: 81 % necessary nationally, a little less among the young.
ANSWER_PROBABILITIES = {
    1: (0.30, 0.47, 0.11, 0.04, 0.03, 0.05),
    2: (0.33, 0.47, 0.10, 0.04, 0.02, 0.04),
    3: (0.35, 0.46, 0.10, 0.04, 0.02, 0.03),
    4: (0.37, 0.45, 0.09, 0.04, 0.02, 0.03),
    5: (0.38, 0.45, 0.09, 0.03, 0.02, 0.03),
}
# Regional shifts of the "incontournable" share, to give the regional reports something to say.
REGION_SHIFTS = {"76": 0.02, "53": 0.03, "94": -0.04, "11": -0.02, "32": -0.01, "84": 0.01}


@dataclass(frozen=True)
class SurveyDelivery:
    """A survey delivery as the institute sends it: data plus SPSS metadata."""

    data: pd.DataFrame
    variable_labels: dict[str, str]
    value_labels: dict[str, dict[int, str]]
    file_label: str


def generate(seed: int = WAVE) -> SurveyDelivery:
    """Draw the synthetic citizens sample; the same seed gives the same delivery."""
    rng = np.random.default_rng(seed)
    frame = _draw_respondents(rng)
    frame["POIDS"] = _raking_weights(frame)
    return SurveyDelivery(
        data=frame,
        variable_labels=VARIABLE_LABELS,
        value_labels={
            "REGION": {int(r.code): r.name for r in regions()},
            "SEXE": SEX_LABELS,
            "AGE5": AGE_BAND_LABELS,
            "PCS": PCS_LABELS,
            "AGGLO": AGGLOMERATION_LABELS,
            "Q1_COLLECTIF": ANSWER_LABELS,
        },
        file_label=FILE_LABEL,
    )


def write_sav(delivery: SurveyDelivery, path: Path) -> None:
    """Write the delivery as an SPSS ``.sav`` file with its labels."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pyreadstat.write_sav(
        delivery.data,
        str(path),
        file_label=delivery.file_label,
        column_labels=delivery.variable_labels,
        variable_value_labels=delivery.value_labels,
    )
    fix_sav_timestamp(path)


def _region_allocation() -> dict[str, int]:
    """A floor per region, the rest proportional to population (largest remainders)."""
    all_regions = regions()
    total_population = sum(r.population for r in all_regions)
    free = SAMPLE_SIZE - MIN_PER_REGION * len(all_regions)
    shares = {r.code: free * r.population / total_population for r in all_regions}
    counts = {code: int(share) for code, share in shares.items()}
    by_remainder = sorted(shares, key=lambda code: shares[code] - counts[code], reverse=True)
    for code in by_remainder[: free - sum(counts.values())]:
        counts[code] += 1
    return {code: MIN_PER_REGION + count for code, count in counts.items()}


def _draw_respondents(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for region in regions():
        region_departments = departments_of(region)
        for _ in range(_region_allocation()[region.code]):
            rows.append(_draw_respondent(rng, region.code, region_departments))
    frame = pd.DataFrame(rows)
    frame.insert(0, "ID", np.arange(1, len(frame) + 1, dtype=float))
    return frame


def _draw_respondent(rng: np.random.Generator, region_code: str, region_departments) -> dict:
    # Quota samples over-represent women and the middle-aged a little; raking corrects it.
    sex = int(rng.choice([1, 2], p=[0.46, 0.54]))
    age_band = int(rng.choice(list(AGE_BAND_BOUNDS), p=[0.08, 0.15, 0.27, 0.27, 0.23]))
    low, high = AGE_BAND_BOUNDS[age_band]
    age = int(rng.integers(low, high + 1))
    pcs = 7 if age_band == 5 else int(rng.choice([1, 2, 3, 4, 5, 6, 8]))
    agglomeration = 5 if region_code == "11" else int(rng.choice([1, 2, 3, 4]))
    return {
        "VAGUE": float(WAVE),
        "REGION": float(region_code),
        "DEP": str(rng.choice([d.code for d in region_departments])),
        "SEXE": float(sex),
        "AGE": float(age),
        "AGE5": float(age_band),
        "PCS": float(pcs),
        "AGGLO": float(agglomeration),
        "Q1_COLLECTIF": float(_draw_answer(rng, region_code, age_band)),
    }


def _draw_answer(rng: np.random.Generator, region_code: str, age_band: int) -> int:
    probabilities = np.array(ANSWER_PROBABILITIES[age_band])
    shift = REGION_SHIFTS.get(region_code, 0.0)
    probabilities[0] += shift
    probabilities[2] -= shift
    return int(rng.choice(list(ANSWER_LABELS), p=probabilities / probabilities.sum()))


def _raking_weights(frame: pd.DataFrame, iterations: int = 50) -> np.ndarray:
    """Iterative proportional fitting to region populations and national sex and age margins.

    Weights are scaled to a mean of 1, the institutes' usual convention.
    """
    population = {float(r.code): r.population for r in regions()}
    total = sum(population.values())
    margins = {
        "REGION": {code: pop / total for code, pop in population.items()},
        "SEXE": {float(k): v for k, v in SEX_MARGINS.items()},
        "AGE5": {float(k): v for k, v in AGE_MARGINS.items()},
    }
    weights = np.ones(len(frame))
    for _ in range(iterations):
        for variable, targets in margins.items():
            shares = pd.Series(weights).groupby(frame[variable].to_numpy()).sum() / weights.sum()
            factors = frame[variable].map({v: targets[v] / shares[v] for v in shares.index})
            weights = weights * factors.to_numpy()
    return np.round(weights / weights.mean(), 6)
