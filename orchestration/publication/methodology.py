"""How the figures were made, worded twice (issue 16, item 6).

* For a general reader, in the section « Méthode »: what was asked, to whom, when, how many
  people answered in France and in the region, how precise that makes a percentage, and how to
  read the marks and the tests. No statistical jargon there.
* For the statistician, in the annex « À propos de cette publication »: the estimators, the
  weighting of each wave and its diagnostics. The provenance (run, code, files) follows it.

Every function returns markdown; the only texts from data are the survey files' labels, which
the tables write through :func:`~orchestration.publication.escaping.inert`.
"""

from __future__ import annotations

import datetime as dt
import math

from orchestration.publication.french import date, decimal, integer
from orchestration.publication.vocabulary import (
    MODELLED_NOTE,
    NO_VALUE,
    NOT_PUBLISHED_LEGEND,
    POPULATIONS,
    STUDY_TITLES,
)

# The normal quantile of a 95 % interval, and the share at which a margin is widest.
Z_95 = 1.959964
WIDEST_SHARE = 0.5
# Under this many respondents no share is published (docs/publication-rules.md), so no
# precision is given either.
MIN_RESPONDENTS = 30

READING_GUIDE = (
    "Les pourcentages sont **pondérés** : chaque réponse compte selon le poids de la personne "
    "ou de la structure qui l'a donnée, pour que l'échantillon ait la même composition que la "
    "population qu'il représente.",
    "Un pourcentage tiré d'une enquête est connu **à une marge près**. L'**intervalle à 95 %** "
    "encadre, 95 fois sur 100, la valeur qu'on aurait obtenue en interrogeant toute la "
    "population. La colonne « Précision » ci-dessus donne cette marge pour un pourcentage "
    "proche de 50 % (elle est plus étroite près de 0 % ou de 100 %).",
    "« (effectif faible) » : le pourcentage repose sur 30 à 99 répondants ; il est à lire avec "
    "prudence.",
    NOT_PUBLISHED_LEGEND,
    MODELLED_NOTE,
    "Un **écart** entre la région et le reste de la France, ou une **évolution** entre deux "
    "enquêtes, n'est présenté comme un résultat que s'il est **significatif** : trop grand pour "
    "s'expliquer par le seul hasard de l'échantillon (test au seuil de 5 %). Sinon le rapport "
    "écrit « écart non significatif » ou « évolution non significative » : l'enquête ne permet "
    "pas de conclure, ce qui ne veut pas dire que rien ne diffère.",
    "La base « IMPACT-Pratiques partenariales innovantes » rassemble des pratiques repérées par "
    "l'Observatoire : elle montre des exemples et leur diversité, elle ne recense pas toutes les "
    "alliances d'un territoire.",
)
WEIGHTINGS = {
    "institute": "pondération de l'institut",
    "raked": "calage sur des marges de référence",
    "uniform": "sans pondération",
}
ESTIMATION = (
    "Les parts sont des moyennes pondérées ; leur erreur type est estimée par linéarisation, "
    "dans un plan stratifié par région. Les intervalles à 95 % sont ceux de Korn–Graubard "
    "(Clopper–Pearson sur l'effectif équivalent), et ceux de Clopper–Pearson sur l'effectif "
    "brut pour une part de 0 % ou de 100 %. Une valeur n'est pas publiée sous 30 répondants ou "
    "sous 30 en effectif équivalent (l'effectif divisé par l'effet de plan de l'estimation) ; "
    "elle est signalée comme fragile sous 100. L'écart entre une région et le reste de la France "
    "et l'évolution entre deux vagues sont testés au seuil de 5 % (échantillons indépendants). "
    "Les maires sont calés sur des marges de référence (calage borné), et la variance tient "
    "compte de ce calage. La pondération des citoyens est celle de l'institut (redressement sur "
    "la région, le sexe et l'âge)."
)


def _threshold(value: float) -> str:
    """« 3 », « 2,5 »: a seed's threshold with the decimals it has (up to two)."""
    rounded = round(value, 2)
    return integer(int(rounded)) if rounded == int(rounded) else decimal(rounded, 2).rstrip("0")


def small_area_text(model: dict | None) -> str:
    """For the statistician: how the « estimations modélisées » are made and when one is
    published, with the thresholds of the seed ``small_area_models`` (docs/publication-rules.md
    § 8); empty when the export has no model."""
    if model is None:
        return ""
    return (
        "Là où l'estimation directe d'une région n'est pas publiable, une part peut l'être sous "
        "forme d'estimation modélisée : modèle de Fay–Herriot au niveau des 13 régions "
        f"(modèle {model['model_id']}, sans covariable régionale), variances d'échantillonnage "
        "lissées par une fonction de variance généralisée (part nationale, effet de plan moyen "
        "des régions et effectif de la région), variance entre régions estimée par maximum de "
        "vraisemblance restreint (REML), meilleur prédicteur linéaire sans biais empirique "
        "(EBLUP) calé par un rapport sur l'estimation nationale directe, chaque région pesant "
        "son total pondéré. L'erreur quadratique moyenne (EQM) est celle de Prasad–Rao pour un "
        "ajustement REML (g1 + g2 + 2 g3), augmentée du carré de l'ajustement de calage ; "
        "l'intervalle à 95 % est construit sur l'échelle logit à partir de l'EQM. Une estimation "
        "modélisée n'est publiée que si l'ajustement a convergé avec une variance entre régions "
        "positive, si aucun résidu standardisé ne dépasse "
        f"{_threshold(model['max_abs_standardised_residual'])} en valeur absolue, si son "
        f"coefficient de variation (racine de l'EQM rapportée à l'estimation) ne dépasse pas "
        f"{_threshold(100 * model['max_cv'])} % et si sa précision vaut au moins celle de "
        f"{integer(model['min_effective_size'])} répondants tirés au hasard. Aucun écart ni "
        "aucune évolution n'est calculé sur une estimation modélisée, et la note de synthèse "
        "n'en cite aucune."
    )


def margin_points(respondents: int, kish_deff: float) -> float:
    """Half the 95 % interval of a share near 50 %, in points, for ``respondents`` answers
    whose weights have the design effect ``kish_deff``: what « précision » means to a reader."""
    return 100 * Z_95 * math.sqrt(WIDEST_SHARE * (1 - WIDEST_SHARE) * kish_deff / respondents)


def precision_text(respondents: int, kish_deff: float) -> str:
    """« ± 1,8 point », or a dash where too few answered for any share to be published."""
    if respondents < MIN_RESPONDENTS:
        return NO_VALUE
    margin = margin_points(respondents, kish_deff)
    return f"±\u00a0{decimal(margin, 1)}\u00a0point" + ("s" if margin >= 2 else "")


def fieldwork_text(source: dict) -> str:
    """« du 3 juin 2020 au 16 juin 2020 », or a dash when the delivery has no dates."""
    if not source["fieldwork_start"]:
        return NO_VALUE
    start = dt.date.fromisoformat(source["fieldwork_start"])
    end = dt.date.fromisoformat(source["fieldwork_end"])
    return f"du {date(start)} au {date(end)}"


def survey_title(source: dict) -> str:
    """« IMPACT-Citoyens 2020 », « PHARE-Entreprises 2015 »: the codebook's title of the wave,
    or the study's title and the wave when the codebook gives none."""
    return source.get("survey_title") or f"{STUDY_TITLES[source['study']]} {source['wave']}"


def _survey_name(source: dict) -> str:
    return f"{survey_title(source)} : {POPULATIONS[source['study']]}"


def survey_rows(figures: dict, region: str | None = None) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the table « who was asked, when, how many, how precise »: for
    France, and for ``region`` too when given (its respondents from the export)."""
    header = ["Enquête et population interrogée", "Période d'enquête", "Répondants en France"]
    if region is not None:
        header += ["dont dans la région", "Précision dans la région"]
    else:
        header += ["Précision en France"]
    in_region = figures.get("regional_respondents", {}).get(region, {})
    rows = []
    for source in figures["sources"]:
        row = [_survey_name(source), fieldwork_text(source), integer(source["respondents"])]
        if region is not None:
            here = in_region.get(f"{source['study']}/{source['wave']}", 0)
            row += [integer(here), precision_text(here, source["kish_deff"])]
        else:
            row += [precision_text(source["respondents"], source["kish_deff"])]
        rows.append(row)
    return header, rows


def reading_guide() -> str:
    """How to read the figures, as a markdown list."""
    return "\n".join(f"- {line}" for line in READING_GUIDE) + "\n"


def weighting_rows(figures: dict) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the annex's table: each wave's weighting and its diagnostics."""
    header = ["Enquête", "Pondération", "Poids", "Effet de plan (Kish)", "Effectif efficace"]
    rows = [
        [
            survey_title(source),
            WEIGHTINGS.get(source["weight_source"], source["weight_source"]),
            f"{decimal(source['min_weight'], 2)} à {decimal(source['max_weight'], 2)}",
            decimal(source["kish_deff"], 2),
            integer(round(source["kish_n_effective"])),
        ]
        for source in figures["sources"]
    ]
    return header, rows
