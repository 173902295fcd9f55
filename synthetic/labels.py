"""French labels the institutes put in their files: question wordings and answer labels.

Keyed by canonical names (those of the codebooks), so one wording serves every study and wave
that asks the question; a study model may override a wording for its wave.
"""

from __future__ import annotations

import csv
from functools import cache

from orchestration.ingest.codebooks import CodedVariable
from orchestration.settings import PROJECT_ROOT

FRAGILITY_DOMAINS = PROJECT_ROOT / "dbt_project" / "seeds" / "fragility_domains.csv"

# Variables that are not questions, by their role in the codebook.
ROLE_LABELS = {
    "respondent_id": "Identifiant du répondant",
    "wave": "Année de la vague d'enquête",
    "region": "Région (code INSEE)",
    "department": "Département (code INSEE)",
    "fieldwork_date": "Date de l'entretien",
    "weight": "Poids de redressement",
}

DESIGN_LABELS = {
    "sexe": "Sexe",
    "tranche_age": "Âge en 5 tranches",
    "pcs": "Catégorie socioprofessionnelle du répondant",
    "agglomeration": "Catégorie d'agglomération",
    "taille_commune": "Strate de taille de la commune",
    "taille_entreprise": "Taille de l'entreprise (nombre de salariés)",
    "taille_association": "Nombre de salariés de l'association",
    "secteur": "Secteur d'activité",
    "statut": "Statut juridique de la fondation",
}

QUESTION_WORDINGS = {
    "jouer_collectif": (
        "Face aux crises, diriez-vous que « jouer collectif » entre associations, entreprises, "
        "collectivités et citoyens est… ?"
    ),
    "devoir_alliance": (
        "Êtes-vous d'accord : face aux défis de notre société, nous avons un « devoir "
        "d'alliance » entre acteurs"
    ),
    "source_innovation": "Êtes-vous d'accord : les partenariats sont source d'innovation",
    "source_performance": "Êtes-vous d'accord : les partenariats sont source de performance",
    "source_confiance": "Êtes-vous d'accord : les partenariats sont source de confiance",
    "source_mobilisation": "Êtes-vous d'accord : les partenariats sont source de mobilisation",
    "mobilisation_insuffisante": (
        "Êtes-vous d'accord : collectivités, entreprises et associations ne sont pas encore "
        "assez mobilisées ensemble"
    ),
    "partenariat_local": (
        "Votre commune mène-t-elle des partenariats avec des entreprises ou des associations ?"
    ),
    "partenariat": (
        "Votre entreprise a-t-elle des partenariats avec des structures d'intérêt général "
        "(associations, fondations, collectivités…) ?"
    ),
    "partenariat_entreprise": "Votre association a-t-elle des partenariats avec des entreprises ?",
    "au_moins_un_partenariat": (
        "Votre association a-t-elle au moins un partenariat (collectivités, entreprises, "
        "établissements scolaires, autres associations…) ?"
    ),
    "rd_societale": "Votre entreprise est-elle engagée dans une démarche de « R&D sociétale » ?",
    "modes_partenariat": "Formes de vos partenariats (plusieurs réponses possibles)",
    "echelons": "Échelons territoriaux de vos partenariats (plusieurs réponses possibles)",
    "fragilites_score": (
        "Pour votre territoire, quelle priorité donner à chacune de ces fragilités, de 0 (pas "
        "une priorité) à 10 (priorité absolue) ?"
    ),
    "fragilites_prioritaires": (
        "Quelles fragilités de votre territoire doivent passer en premier ? (trois au plus)"
    ),
}

OPTION_LABELS = {
    "mecenat": "Mécénat",
    "pratiques_responsables": "Pratiques responsables",
    "cooperation_economique": "Coopération économique",
    "innovation_societale": "Innovation sociétale",
    "local": "Local",
    "departemental": "Départemental",
    "regional": "Régional",
    "national": "National",
    "international": "International",
}

# Answer labels shared by every question on the same scale.
ANSWER_LABELS = {
    "incontournable": "Incontournable",
    "utile": "Utile",
    "secondaire": "Secondaire",
    "inutile": "Inutile",
    "contre_productif": "Contre-productif",
    "tout_a_fait": "Tout à fait d'accord",
    "plutot": "Plutôt d'accord",
    "plutot_pas": "Plutôt pas d'accord",
    "pas_du_tout": "Pas du tout d'accord",
    "oui": "Oui",
    "non": "Non",
    "nsp": "Ne sait pas",
}
# A ticked box of a multi-answer question; a score out of 10 per option (issue 17).
OPTION_ANSWER_LABELS = {
    "oui": "Cité",
    "non": "Non cité",
    "cite": "Cité",
    "non_cite": "Non cité",
    "nsp": "Ne sait pas",
} | {str(score): str(score) for score in range(11)}

DESIGN_VALUE_LABELS = {
    "sexe": {"homme": "Homme", "femme": "Femme"},
    "tranche_age": {
        "18-24": "18-24 ans",
        "25-34": "25-34 ans",
        "35-49": "35-49 ans",
        "50-64": "50-64 ans",
        "65+": "65 ans et plus",
    },
    "pcs": {
        "agriculteurs": "Agriculteurs exploitants",
        "artisans_commercants_chefs": "Artisans, commerçants, chefs d'entreprise",
        "cadres": "Cadres et professions intellectuelles supérieures",
        "professions_intermediaires": "Professions intermédiaires",
        "employes": "Employés",
        "ouvriers": "Ouvriers",
        "retraites": "Retraités",
        "autres_inactifs": "Autres inactifs",
    },
    "agglomeration": {
        "rural": "Communes rurales",
        "moins_20000": "Moins de 20 000 habitants",
        "20000_99999": "De 20 000 à 99 999 habitants",
        "100000_plus": "100 000 habitants et plus",
        "agglomeration_parisienne": "Agglomération parisienne",
    },
    "taille_commune": {
        "moins_2000": "Moins de 2 000 habitants",
        "2000_19999": "De 2 000 à 19 999 habitants",
        "20000_plus": "20 000 habitants et plus",
    },
    "taille_entreprise": {
        "1-9": "1 à 9 salariés (TPE)",
        "10-49": "10 à 49 salariés",
        "50-249": "50 à 249 salariés",
        "250-4999": "250 à 4 999 salariés (ETI)",
        "5000+": "5 000 salariés et plus",
    },
    "taille_association": {
        "1-2": "1 à 2 salariés",
        "3-9": "3 à 9 salariés",
        "10-49": "10 à 49 salariés",
        "50+": "50 salariés et plus",
    },
    "secteur": {
        "industrie": "Industrie",
        "construction": "Construction",
        "commerce": "Commerce",
        "services": "Services",
        "social": "Action sociale",
        "sante": "Santé, médico-social",
        "education": "Éducation, formation",
        "culture_sport": "Culture, sport, loisirs",
        "environnement": "Environnement",
        "autre": "Autre",
    },
    "statut": {
        "fondation_rup": "Fondation reconnue d'utilité publique",
        "fondation_entreprise": "Fondation d'entreprise",
        "fondation_abritee": "Fondation abritée",
        "fonds_dotation": "Fonds de dotation",
    },
}


def variable_label(coded: CodedVariable, wordings: dict[str, str]) -> str:
    """The SPSS variable label of a design or question variable (an option names its item)."""
    if coded.name in DESIGN_LABELS:
        return DESIGN_LABELS[coded.name]
    wording = wordings.get(coded.name, QUESTION_WORDINGS[coded.name])
    if coded.option is None:
        return wording
    option = OPTION_LABELS.get(coded.option) or _fragility_domains()[coded.option]
    return f"{wording} : {option}"


@cache
def _fragility_domains() -> dict[str, str]:
    # The domains' labels come from their seed: a new domain is a new row there, not code.
    with FRAGILITY_DOMAINS.open(encoding="utf-8") as seed:
        return {row["domain_id"]: row["label"] for row in csv.DictReader(seed)}


def value_labels(coded: CodedVariable) -> dict[int, str]:
    """The SPSS value labels of a coded variable, from its codebook codes."""
    if coded.option is not None:
        texts = OPTION_ANSWER_LABELS
    else:
        texts = DESIGN_VALUE_LABELS.get(coded.name, ANSWER_LABELS)
    return {int(code): texts[value] for code, value in coded.codes.items()}
