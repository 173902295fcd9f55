"""The words of the « Fragilités prioritaires » section (issue 17), from the report's export.

A ranking is told by tiers (``marts.fct_fragility_ranking``): a group is said to come before
the next only because every domain of it is significantly above every domain of the next
(paired differences, 5 %); the domains of a group are « au coude à coude ». Nothing else is
said to come before anything. Domain labels are data: they reach the markdown through
:func:`inert` only.
"""

from __future__ import annotations

from itertools import groupby

from orchestration.geography import FRANCE_CODE
from orchestration.publication.escaping import inert
from orchestration.publication.french import decimal, integer, percent

CITIZENS, MAYORS = "citoyens", "elus"
SCORE = "score"
FRAGILE = "fragile"
LEAD, NEXT = "En tête", "Puis"
TOGETHER = ", au coude à coude"
METHOD = (
    "Les mêmes personnes répondent pour toutes les fragilités : deux fragilités ne sont dites "
    "l'une devant l'autre que si la différence de leurs résultats, mesurée sur les mêmes "
    "répondants, est significative (test à 5 %). Un groupe n'est placé devant le suivant que "
    "si chacune de ses fragilités devance significativement chacune de celles du suivant ; au "
    "sein d'un groupe, les fragilités sont au coude à coude."
)
INTRODUCTIONS = {
    CITIZENS: (
        "Les habitants notent de 0 à 10 la priorité à donner à chacune des {count} fragilités "
        "de leur territoire (note moyenne sur 10, « ne sait pas » exclu)."
    ),
    MAYORS: (
        "Les maires citent au plus trois des {count} fragilités de leur territoire qui doivent "
        "passer en premier (part des maires qui citent chacune)."
    ),
}
TOO_FEW = {
    CITIZENS: "Trop peu d'habitants de la région {name} ont répondu ({n} répondants) pour "
    "publier et classer leurs priorités.",
    MAYORS: "Trop peu de maires de la région {name} ont été interrogés ({n} répondants) pour "
    "publier et classer leurs priorités.",
}
FRANCE_LEAD = {
    CITIZENS: "En France métropolitaine, les habitants placent",
    MAYORS: "En France métropolitaine, les maires placent",
}
FRAGILE_NOTE = "Effectif faible dans la région ({n} répondants) : résultats à lire avec prudence."


def ranking_of(figures: dict, study: str, code: str) -> dict | None:
    """The export's ranking of ``study`` in geography ``code`` (None when not asked)."""
    return next(
        (
            ranking
            for ranking in figures.get("fragilities", [])
            if ranking["study"] == study and ranking["geo_code"] == code
        ),
        None,
    )


def is_ranked(ranking: dict | None) -> bool:
    """Whether the geography's domains are published and ranked (every one has a tier)."""
    return ranking is not None and all(item["tier"] is not None for item in ranking["items"])


def value_text(item: dict, unit: str) -> str:
    """« 7,6 » for a mean score out of 10, « 45,2 % » for a share."""
    return decimal(item["estimate"]) if unit == SCORE else percent(item["estimate"])


def tiers(ranking: dict) -> list[list[dict]]:
    """The ranked items grouped by tier, leading group first."""
    return [list(group) for _, group in groupby(ranking["items"], key=lambda i: i["tier"])]


def tier_lines(ranking: dict) -> list[str]:
    """One list item per tier: « En tête, au coude à coude : A (7,7), B (7,6) et C (7,5). »,
    then « Puis : D (6,4). » for each following tier."""
    return [
        f"- {LEAD if index == 0 else NEXT}{TOGETHER if len(group) > 1 else ''} : "
        f"{_listed(group, ranking['unit'])}."
        for index, group in enumerate(tiers(ranking))
    ]


def study_text(figures: dict, study: str, region: str, region_name: str) -> str:
    """The section's paragraph for one study: introduction, the region's tiers (or why there
    are none), then the leading group in France métropolitaine."""
    here = ranking_of(figures, study, region)
    france = ranking_of(figures, study, FRANCE_CODE)
    if here is None or france is None:
        return ""
    parts = [INTRODUCTIONS[study].format(count=len(here["items"])), ""]
    if is_ranked(here):
        parts += tier_lines(here)
        if any(item["status"] == FRAGILE for item in here["items"]):
            parts += ["", FRAGILE_NOTE.format(n=integer(here["n"]))]
    else:
        parts.append(TOO_FEW[study].format(name=region_name, n=integer(here["n"])))
    if is_ranked(france):
        leading = tiers(france)[0]
        together = ", au coude à coude" if len(leading) > 1 else ""
        parts += [
            "",
            f"{FRANCE_LEAD[study]} en tête{together} : {_listed(leading, france['unit'])}.",
        ]
    return "\n".join(parts) + "\n"


def _listed(items: list[dict], unit: str) -> str:
    """« A (7,7), B (7,6) et C (7,5) »."""
    texts = [f"{inert(item['label'])} ({value_text(item, unit)})" for item in items]
    return texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} et {texts[-1]}"
