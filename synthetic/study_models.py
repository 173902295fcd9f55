"""Truth models of the synthetic IMPACT surveys: one per study wave shipped in ``raw/``.

National figures are the programme's published ones (``shared/reference/published-figures.md``);
everything else (sample structures, regional contrasts, NSP and non-response rates) is
plausible invention, never real answers. Percentages are of the population the survey stands
for (weighted when the institute delivers a weight), « ne sait pas » included in the base.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from synthetic.priorities import FRAGILITY_CITED, FRAGILITY_SCORES
from synthetic.survey_model import (
    Design,
    Extra,
    Fieldwork,
    Margin,
    Multiple,
    Single,
    Stratum,
    StudyModel,
    agreement_scale,
    necessity_scale,
    population_shares,
    region_margin,
    shares,
    yes_no,
)

# --- regional contrasts (log-odds of the positive share), stable across waves ------------

CITIZEN_REGIONS = {
    "76": 0.18,
    "53": 0.15,
    "52": 0.08,
    "84": 0.05,
    "11": -0.15,
    "32": -0.12,
    "44": -0.06,
    "94": -0.25,
}
MAYOR_REGIONS = {"53": 0.35, "52": 0.2, "75": 0.1, "11": -0.3, "93": -0.25, "94": -0.3}
COMPANY_REGIONS = {"52": 0.2, "53": 0.15, "84": 0.1, "11": -0.12, "32": -0.15, "94": -0.2}
ASSOCIATION_REGIONS = {"76": 0.15, "53": 0.15, "11": 0.1, "44": -0.15, "28": -0.12}

# Communes per region (about 2020): small communes are where most mayors are.
COMMUNES = {
    "11": 1268,
    "24": 1757,
    "27": 3702,
    "28": 2651,
    "32": 3800,
    "44": 5121,
    "52": 1238,
    "53": 1208,
    "75": 4312,
    "76": 4454,
    "84": 4030,
    "93": 946,
    "94": 360,
}

# --- citizens ----------------------------------------------------------------------------

AGE_BOUNDS = {
    "18-24": (18, 24),
    "25-34": (25, 34),
    "35-49": (35, 49),
    "50-64": (50, 64),
    "65+": (65, 92),
}
# Adults 18+ by sex and age band (rounded INSEE structure), the raking target.
SEX_AGE_POPULATION = {
    "homme|18-24": 5.2,
    "homme|25-34": 7.0,
    "homme|35-49": 11.3,
    "homme|50-64": 11.8,
    "homme|65+": 12.2,
    "femme|18-24": 4.9,
    "femme|25-34": 7.3,
    "femme|35-49": 11.8,
    "femme|50-64": 12.6,
    "femme|65+": 15.9,
}
PCS_ORDER = (
    "agriculteurs",
    "artisans_commercants_chefs",
    "cadres",
    "professions_intermediaires",
    "employes",
    "ouvriers",
    "retraites",
    "autres_inactifs",
)


def _pcs(*percentages: float) -> dict[str, float]:
    return shares(dict(zip(PCS_ORDER, percentages, strict=True)))


PCS_BY_AGE = {
    "18-24": _pcs(0.5, 1, 4, 12, 22, 14, 0, 46.5),
    "25-34": _pcs(1, 4, 17, 22, 24, 17, 0, 15),
    "35-49": _pcs(1.5, 6, 19, 22, 22, 17, 0, 12.5),
    "50-64": _pcs(2, 6, 14, 17, 20, 15, 17, 9),
    "65+": _pcs(0, 0.5, 0.5, 0.5, 0.5, 0.5, 93, 4.5),
}
AGGLOMERATION = shares(
    {
        "rural": 27,
        "moins_20000": 20,
        "20000_99999": 15,
        "100000_plus": 38,
        "agglomeration_parisienne": 0,
    }
)
AGGLOMERATION_BY_REGION = {
    "11": shares(
        {
            "rural": 5,
            "moins_20000": 4,
            "20000_99999": 3,
            "100000_plus": 0,
            "agglomeration_parisienne": 88,
        }
    ),
    "94": shares(
        {
            "rural": 45,
            "moins_20000": 20,
            "20000_99999": 35,
            "100000_plus": 0,
            "agglomeration_parisienne": 0,
        }
    ),
}
CITIZEN_DESIGN = (
    # Online quota samples over-represent women and the middle-aged a little; raking corrects it.
    Design("sexe", shares({"homme": 46, "femme": 54})),
    Design("tranche_age", shares({"18-24": 8, "25-34": 15, "35-49": 27, "50-64": 27, "65+": 23})),
    Design("pcs", PCS_BY_AGE["35-49"], given="tranche_age", by_given=PCS_BY_AGE),
    Design("agglomeration", AGGLOMERATION, given="region", by_given=AGGLOMERATION_BY_REGION),
)
CITIZEN_MARGINS = (region_margin(), Margin(("sexe", "tranche_age"), SEX_AGE_POPULATION))
# The young judge « jouer collectif » a little less necessary.
AGE_EFFECTS = {"18-24": -0.25, "25-34": -0.1, "50-64": 0.05, "65+": 0.12}
CITIZEN_OPINION = {"region": CITIZEN_REGIONS}


def age_in_years(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Age in completed years, inside the respondent's age band."""
    low = frame["tranche_age"].map(lambda band: AGE_BOUNDS[band][0]).to_numpy()
    high = frame["tranche_age"].map(lambda band: AGE_BOUNDS[band][1]).to_numpy()
    return rng.integers(low, high + 1).astype(float)


def count_in_band(variable: str, bounds: dict[str, tuple[int, int]]):
    """A count (inhabitants, employees) log-uniform inside the respondent's band."""

    def make(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        low = np.log(frame[variable].map(lambda band: bounds[band][0]).to_numpy(dtype=float))
        high = np.log(frame[variable].map(lambda band: bounds[band][1] + 1).to_numpy(dtype=float))
        return np.floor(np.exp(rng.uniform(low, high)))

    return make


CITOYENS_2019 = StudyModel(
    study="citoyens",
    wave=2019,
    suffix=".sav",
    seed=201901,
    strata=(Stratum(3500, population_shares(), floor=10),),
    fieldwork=Fieldwork(date(2019, 9, 10), date(2019, 9, 24), daily_decline=0.12),
    design=CITIZEN_DESIGN,
    questions=(
        Single(
            "devoir_alliance",
            agreement_scale(27, 52, 13, 4, 4),
            {"region": {**CITIZEN_REGIONS, "76": 0.25}},
            nonresponse=0.02,
        ),
        Single(
            "source_innovation",
            agreement_scale(22, 52, 16, 5, 5),
            CITIZEN_OPINION,
            nonresponse=0.02,
        ),
        Single(
            "mobilisation_insuffisante",
            agreement_scale(14, 35, 30, 10, 11),
            {"region": {"76": 0.1, "11": 0.1, "53": -0.1}},
            nonresponse=0.03,
        ),
    ),
    margins=CITIZEN_MARGINS,
    extras={"S2_AGE": Extra("Âge exact (années révolues)", age_in_years)},
    labels={
        "region": "Région de résidence (code INSEE)",
        "department": "Département de résidence (code INSEE)",
        "fieldwork_date": "Date de passation du questionnaire",
        "weight": "Pondération (région ; sexe croisé par âge)",
        "wave": "Année de l'enquête",
    },
)

CITOYENS_2020 = StudyModel(
    study="citoyens",
    wave=2020,
    suffix=".sav",
    seed=202001,
    strata=(Stratum(3000, population_shares(), floor=10),),
    fieldwork=Fieldwork(date(2020, 6, 3), date(2020, 6, 16), daily_decline=0.12),
    design=CITIZEN_DESIGN,
    questions=(
        # No item non-response: the panel's script forced an answer, « ne sait pas » allowed.
        Single(
            "jouer_collectif",
            necessity_scale(35, 46, 10, 3, 2, 4),
            {"region": CITIZEN_REGIONS, "tranche_age": AGE_EFFECTS},
        ),
        Single(
            "devoir_alliance",
            agreement_scale(30, 51, 11, 4, 4),
            {"region": {**CITIZEN_REGIONS, "76": 0.25}},
            nonresponse=0.02,
        ),
        Single(
            "source_innovation",
            agreement_scale(24, 52, 15, 5, 4),
            CITIZEN_OPINION,
            nonresponse=0.02,
        ),
        Single(
            "mobilisation_insuffisante",
            agreement_scale(15, 34, 30, 10, 11),
            {"region": {"76": 0.1, "11": 0.1, "53": -0.1}},
            nonresponse=0.03,
        ),
    ),
    optional_questions=(FRAGILITY_SCORES,),
    margins=CITIZEN_MARGINS,
    extras={"AGE": Extra("Âge en années révolues", age_in_years)},
    labels={
        "region": "Région de résidence (code INSEE)",
        "department": "Département de résidence (code INSEE)",
        "weight": "Poids de redressement (région, sexe × âge)",
    },
)

# --- mayors ------------------------------------------------------------------------------

COMMUNE_SIZE_BOUNDS = {
    "moins_2000": (40, 1999),
    "2000_19999": (2000, 19999),
    "20000_plus": (20000, 250000),
}


def _mayor_strata(per_band: int) -> tuple[Stratum, ...]:
    # The same number of mayors per commune-size band; within a band, regions weigh by their
    # communes of that size: number of communes for the small ones, population for the large.
    total = sum(COMMUNES.values())
    communes = {code: count / total for code, count in COMMUNES.items()}
    population = population_shares()
    middle = {code: (communes[code] + population[code]) / 2 for code in population}
    return (
        Stratum(per_band, communes, fixed={"taille_commune": "moins_2000"}),
        Stratum(per_band, middle, fixed={"taille_commune": "2000_19999"}),
        Stratum(per_band, population, fixed={"taille_commune": "20000_plus"}),
    )


COMMUNE_SIZE_EFFECTS = {"moins_2000": -0.2, "20000_plus": 0.25}

ELUS_2020 = StudyModel(
    study="elus",
    wave=2020,
    suffix=".sav",
    seed=202002,
    strata=_mayor_strata(150),
    fieldwork=Fieldwork(date(2020, 9, 14), date(2020, 10, 9), weekdays_only=True),
    questions=(
        Single(
            "jouer_collectif",
            necessity_scale(48, 44, 5, 1, 0.5, 1.5),
            {"region": MAYOR_REGIONS, "taille_commune": COMMUNE_SIZE_EFFECTS},
            nonresponse=0.01,
        ),
        Single(
            "source_innovation",
            agreement_scale(38, 49, 8, 2, 3),
            {"region": MAYOR_REGIONS, "taille_commune": COMMUNE_SIZE_EFFECTS},
            nonresponse=0.01,
        ),
        Single(
            "partenariat_local",
            yes_no(70),
            {"region": MAYOR_REGIONS, "taille_commune": {"moins_2000": -0.6, "20000_plus": 1.0}},
        ),
        Multiple(
            "echelons",
            {"local": 92, "departemental": 45, "regional": 25, "national": 8},
            base={"partenariat_local": "oui"},
        ),
    ),
    optional_questions=(FRAGILITY_CITED,),
    extras={
        "POPULATION": Extra(
            "Population municipale de la commune",
            count_in_band("taille_commune", COMMUNE_SIZE_BOUNDS),
        )
    },
    labels={
        "respondent_id": "Numéro d'entretien",
        "region": "Région de la commune (code INSEE)",
        "department": "Département de la commune (code INSEE)",
        "fieldwork_date": "Date de l'entretien téléphonique",
    },
)

# --- companies ---------------------------------------------------------------------------

EMPLOYEE_BOUNDS = {
    "1-9": (1, 9),
    "10-49": (10, 49),
    "50-249": (50, 249),
    "250-4999": (250, 4999),
    "5000+": (5000, 60000),
}
COMPANY_SECTORS = shares({"industrie": 22, "construction": 14, "commerce": 24, "services": 40})
COMPANY_LABELS = {
    "respondent_id": "Numéro de questionnaire",
    "region": "Région du siège de l'entreprise (code INSEE)",
    "fieldwork_date": "Date de l'entretien",
    "weight": "Poids de redressement (région, taille d'entreprise)",
}


def _company_model(wave, suffix, seed, sizes, size_population, size_effects, questions, **more):
    return StudyModel(
        study="entreprises",
        wave=wave,
        suffix=suffix,
        seed=seed,
        strata=(Stratum(1000, population_shares(), random_regions=True),),
        design=(Design("taille_entreprise", shares(sizes)), Design("secteur", COMPANY_SECTORS)),
        questions=questions(size_effects),
        margins=(region_margin(), Margin(("taille_entreprise",), shares(size_population))),
        extras={
            "EFFECTIF": Extra(
                "Effectif salarié de l'entreprise",
                count_in_band("taille_entreprise", EMPLOYEE_BOUNDS),
            )
        },
        labels=COMPANY_LABELS,
        **more,
    )


def _company_questions_2015(size_effects) -> tuple:
    partnering = {"partenariat": "oui"}
    return (
        Single(
            "partenariat",
            yes_no(38),
            {"region": COMPANY_REGIONS, "taille_entreprise": size_effects},
        ),
        Multiple(
            "modes_partenariat",
            {
                "pratiques_responsables": 45,
                "mecenat": 30,
                "cooperation_economique": 25,
                "innovation_societale": 16,
            },
            base=partnering,
        ),
        Multiple(
            "echelons",
            {"local": 74, "regional": 51, "national": 25, "international": 15},
            base=partnering,
        ),
    )


def _company_questions_2021(size_effects) -> tuple:
    partnering = {"partenariat": "oui"}
    by_partnering = {"partenariat": {"oui": 0.3, "non": -0.3}}
    return (
        Single(
            "partenariat",
            yes_no(57),
            {"region": COMPANY_REGIONS, "taille_entreprise": size_effects},
        ),
        Single(
            "jouer_collectif",
            necessity_scale(34, 49, 10, 2, 1, 4),
            {"region": COMPANY_REGIONS, **by_partnering},
            nonresponse=0.015,
        ),
        Single(
            "rd_societale",
            yes_no(35, nsp=5),
            {"partenariat": {"oui": 0.8, "non": -0.8}},
            nonresponse=0.01,
        ),
        Multiple(
            "modes_partenariat",
            {
                "mecenat": 36,
                "pratiques_responsables": 52,
                "cooperation_economique": 31,
                "innovation_societale": 22,
            },
            base=partnering,
        ),
        Multiple(
            "echelons",
            {"local": 76, "regional": 50, "national": 27, "international": 14},
            base=partnering,
        ),
        *(
            Single(name, scale, {"region": COMPANY_REGIONS}, base=partnering, nonresponse=0.015)
            for name, scale in (
                ("source_innovation", agreement_scale(25, 50, 15, 5, 5)),
                ("source_performance", agreement_scale(22, 50, 17, 6, 5)),
                ("source_confiance", agreement_scale(29, 50, 12, 4, 5)),
            )
        ),
    )


ENTREPRISES_2015 = _company_model(
    2015,
    ".xlsx",
    201501,
    sizes={"10-49": 45, "50-249": 30, "250-4999": 20, "5000+": 5},
    # Companies of 10 employees or more (rounded INSEE structure).
    size_population={"10-49": 81.6, "50-249": 15.0, "250-4999": 3.23, "5000+": 0.17},
    size_effects={"50-249": 0.35, "250-4999": 0.8, "5000+": 1.4},
    questions=_company_questions_2015,
    fieldwork=Fieldwork(date(2015, 3, 2), date(2015, 3, 27), weekdays_only=True),
    first_id=15001,
)

ENTREPRISES_2021 = _company_model(
    2021,
    ".sav",
    202101,
    sizes={"1-9": 30, "10-49": 30, "50-249": 20, "250-4999": 15, "5000+": 5},
    # Employer companies (rounded INSEE structure): most have fewer than 10 employees.
    size_population={"1-9": 80.0, "10-49": 16.5, "50-249": 2.8, "250-4999": 0.67, "5000+": 0.03},
    size_effects={"10-49": 0.2, "50-249": 0.5, "250-4999": 0.9, "5000+": 1.4},
    questions=_company_questions_2021,
    fieldwork=Fieldwork(date(2021, 3, 15), date(2021, 4, 9), weekdays_only=True),
)

# --- associations ------------------------------------------------------------------------

ASSOCIATION_SIZE_BOUNDS = {"1-2": (1, 2), "3-9": (3, 9), "10-49": (10, 49), "50+": (50, 800)}
ASSOCIATION_SIZE_EFFECTS = {"1-2": -0.2, "10-49": 0.3, "50+": 0.6}
ASSOCIATION_DESIGN = (
    Design("taille_association", shares({"1-2": 35, "3-9": 30, "10-49": 22, "50+": 13})),
    Design(
        "secteur",
        shares(
            {
                "social": 22,
                "sante": 6,
                "education": 12,
                "culture_sport": 33,
                "environnement": 5,
                "autre": 22,
            }
        ),
    ),
)
# The 148 000 employer associations (rounded structure), the raking targets.
ASSOCIATION_MARGINS = (
    region_margin(),
    Margin(("taille_association",), shares({"1-2": 53, "3-9": 27, "10-49": 15, "50+": 5})),
    Margin(
        ("secteur",),
        shares(
            {
                "social": 18,
                "sante": 4,
                "education": 12,
                "culture_sport": 38,
                "environnement": 4,
                "autre": 24,
            }
        ),
    ),
)
ASSOCIATION_LABELS = {
    "respondent_id": "Identifiant de l'association",
    "region": "Région du siège de l'association (code INSEE)",
    "department": "Département du siège de l'association (code INSEE)",
    "fieldwork_date": "Date de réponse au questionnaire",
    "weight": "Poids de redressement (région, taille, secteur)",
}
# What respondents wrote as their sector, in the 2015 free-text field.
SECTOR_TEXTS = {
    "social": ("Action sociale", "Aide à domicile", "Insertion par l'activité économique"),
    "sante": ("Santé", "Établissement médico-social", "Prévention santé"),
    "education": ("Éducation populaire", "Formation professionnelle", "Soutien scolaire"),
    "culture_sport": ("Culture", "Sport", "Théâtre, musique", "Loisirs et vie sociale"),
    "environnement": ("Environnement", "Protection de la nature", "Éducation à l'environnement"),
    "autre": ("Défense des droits", "Solidarité internationale", "Économie sociale et solidaire"),
}
ASSOCIATION_EXTRAS = {
    "NB_SALARIES": Extra(
        "Nombre de salariés", count_in_band("taille_association", ASSOCIATION_SIZE_BOUNDS)
    )
}


def sector_text(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """The sector as the respondent wrote it (accents and all)."""
    return np.array(
        [
            SECTOR_TEXTS[sector][rng.integers(len(SECTOR_TEXTS[sector]))]
            for sector in frame["secteur"]
        ],
        dtype=object,
    )


ASSOCIATIONS_2015 = StudyModel(
    study="associations",
    wave=2015,
    suffix=".csv",
    seed=201502,
    strata=(Stratum(1000, population_shares(), random_regions=True),),
    fieldwork=Fieldwork(date(2015, 4, 7), date(2015, 5, 5), daily_decline=0.05),
    design=ASSOCIATION_DESIGN,
    questions=(
        Single(
            "partenariat_entreprise",
            yes_no(38, nsp=1),
            {"region": ASSOCIATION_REGIONS, "taille_association": ASSOCIATION_SIZE_EFFECTS},
            nonresponse=0.01,
        ),
    ),
    margins=ASSOCIATION_MARGINS,
    extras={
        **ASSOCIATION_EXTRAS,
        "SECTEUR_LIB": Extra("Secteur d'activité (en clair)", sector_text),
    },
    labels=ASSOCIATION_LABELS,
    first_id=1,
)

ASSOCIATIONS_2021 = StudyModel(
    study="associations",
    wave=2021,
    suffix=".sav",
    seed=202102,
    strata=(Stratum(1000, population_shares(), random_regions=True),),
    fieldwork=Fieldwork(date(2021, 4, 12), date(2021, 5, 21), daily_decline=0.05),
    design=ASSOCIATION_DESIGN,
    questions=(
        Single(
            "partenariat_entreprise",
            yes_no(48, nsp=1),
            {"region": ASSOCIATION_REGIONS, "taille_association": ASSOCIATION_SIZE_EFFECTS},
        ),
        # Partnering with a company is a partnership: those associations answer « oui ».
        Single(
            "au_moins_un_partenariat",
            yes_no(98),
            implied=("partenariat_entreprise", "oui", "oui"),
        ),
        Single(
            "jouer_collectif",
            necessity_scale(55, 42, 2, 0.3, 0.2, 0.5),
            {"region": ASSOCIATION_REGIONS},
            nonresponse=0.015,
        ),
        Multiple(
            "modes_partenariat",
            {
                "mecenat": 59,
                "innovation_societale": 47,
                "pratiques_responsables": 45,
                "cooperation_economique": 39,
            },
            base={"partenariat_entreprise": "oui"},
        ),
        Multiple(
            "echelons",
            {"local": 73, "departemental": 52, "regional": 45, "national": 18},
            base={"au_moins_un_partenariat": "oui"},
        ),
        Single(
            "source_mobilisation",
            agreement_scale(45, 45, 6, 2, 2),
            {"region": ASSOCIATION_REGIONS},
            nonresponse=0.02,
        ),
        Single(
            "source_innovation",
            agreement_scale(42, 48, 6, 2, 2),
            {"region": ASSOCIATION_REGIONS},
            nonresponse=0.02,
        ),
    ),
    margins=ASSOCIATION_MARGINS,
    extras=ASSOCIATION_EXTRAS,
    labels=ASSOCIATION_LABELS,
)

# --- foundations -------------------------------------------------------------------------

CREATION_YEARS = {
    "fondation_rup": (1905, 2015),
    "fondation_entreprise": (1975, 2019),
    "fondation_abritee": (1990, 2020),
    "fonds_dotation": (2009, 2020),
}


def creation_year(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Year the foundation was created, plausible for its status (funds exist since 2009)."""
    low = frame["statut"].map(lambda status: CREATION_YEARS[status][0]).to_numpy()
    high = frame["statut"].map(lambda status: CREATION_YEARS[status][1]).to_numpy()
    return rng.integers(low, high + 1).astype(float)


FONDATIONS_2021 = StudyModel(
    study="fondations",
    wave=2021,
    suffix=".sav",
    seed=202103,
    # Foundations are concentrated in Île-de-France.
    strata=(Stratum(42, population_shares({"11": 3.0})),),
    fieldwork=Fieldwork(date(2021, 5, 3), date(2021, 6, 25), weekdays_only=True),
    design=(
        Design(
            "statut",
            shares(
                {
                    "fondation_rup": 35,
                    "fondation_entreprise": 30,
                    "fondation_abritee": 15,
                    "fonds_dotation": 20,
                }
            ),
        ),
    ),
    questions=(
        # 41 of the 42 judge « jouer collectif » necessary (98 %).
        Single("jouer_collectif", necessity_scale(26, 15, 1, 0, 0, 0, of=42)),
        Single("source_innovation", agreement_scale(55, 38, 5, 0, 2), nonresponse=0.025),
        Multiple(
            "modes_partenariat",
            {
                "mecenat": 80,
                "innovation_societale": 55,
                "cooperation_economique": 35,
                "pratiques_responsables": 30,
            },
        ),
    ),
    extras={"ANNEE_CREATION": Extra("Année de création", creation_year)},
    labels={
        "respondent_id": "Identifiant de la fondation",
        "region": "Région du siège de la fondation (code INSEE)",
        "fieldwork_date": "Date de réponse au questionnaire",
    },
)

STUDY_MODELS = (
    CITOYENS_2019,
    CITOYENS_2020,
    ELUS_2020,
    ENTREPRISES_2015,
    ENTREPRISES_2021,
    ASSOCIATIONS_2015,
    ASSOCIATIONS_2021,
    FONDATIONS_2021,
)
