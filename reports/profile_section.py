"""The « Profil de la région » section of a regional report: the context indicators of the
region beside France, its rank among the 13 regions where an indicator signals a fragility,
the objective fragilities it leads to, and where each value comes from.

The figures come from the export (``orchestration/publication/profile_figures.py``); every
text from data reaches the markdown through ``inert`` (``markdown_table`` does it per cell).
"""

from __future__ import annotations

from report_helpers import NO_VALUE, inert, markdown_table

from orchestration.publication.captions import source_line
from orchestration.publication.profile_figures import nature_text, rank_text, value_text

TITLE = "Profil de la région : indicateurs de contexte, dans la région et en France"
# The nature and source of each value are given under the table (sources_note).
SOURCE = source_line([], context=True)
NATURE_LEADS = {
    "reference": "Valeurs tirées d'un fichier de référence",
    "approximation": "Valeurs approchées",
    "illustrative": (
        "Valeurs illustratives (plausibles mais fictives, elles ne décrivent pas la région)"
    ),
}
FRAGILITY_LEAD = "Fragilités objectives"
FRAGILITY_TAIL = "parmi les quatre régions les plus touchées"


def profile_section(figures: dict, region: str) -> str:
    """The section's markdown: the table, the objective fragilities, the sources note."""
    profile = figures["profiles"].get(region, [])
    if not profile:
        return "Aucune statistique de contexte n'a été livrée pour la région.\n"
    return "\n".join([profile_table(profile), fragility_sentence(profile), sources_note(profile)])


def profile_table(profile: list[dict]) -> str:
    """One row per indicator: region, France, rank (when ranked), year, nature of the value."""
    rows = [
        [
            item["label"],
            value_text(item["value"], item["unit"]),
            value_text(item["france_value"], item["unit"]),
            rank_text(item["rank_among_regions"], out_of=False) or NO_VALUE,
            str(item["year"]),
            nature_text(item["nature"]),
        ]
        for item in profile
    ]
    return markdown_table(
        ["Indicateur", "Région", "France", "Rang parmi les 13 régions", "Année", "Source"],
        rows,
        "lrrrrl",
        [5, 3, 3, 2, 2, 2],
        TITLE,
        SOURCE,
    )


def fragility_sentence(profile: list[dict]) -> str:
    """« Fragilités objectives : … » naming the indicators where the region ranks among the
    four most affected (rank 1 = the most affected in the indicator's direction); nothing
    when no indicator is ranked."""
    fragile = [item for item in profile if item["objective_fragility"]]
    if not fragile:
        ranked = any(item["rank_among_regions"] is not None for item in profile)
        if not ranked:
            return ""
        return (
            f"**{FRAGILITY_LEAD}** : aucune ; la région n'est, pour aucun indicateur classé, "
            f"{FRAGILITY_TAIL}.\n"
        )
    named = " ; ".join(
        f"{inert(item['label'].lower())} ({rank_text(item['rank_among_regions'])})"
        for item in fragile
    )
    return (
        f"**{FRAGILITY_LEAD}** : {named} ; pour ces indicateurs, la région est {FRAGILITY_TAIL}.\n"
    )


def sources_note(profile: list[dict]) -> str:
    """Which values come from a reference file, which are approximate, which illustrative,
    and each source as delivered."""
    lines = []
    for nature, lead in NATURE_LEADS.items():
        items = [item for item in profile if item["nature"] == nature]
        if not items:
            continue
        by_source: dict[str, list[str]] = {}
        for item in items:
            by_source.setdefault(item["source"], []).append(item["label"])
        for source, labels in by_source.items():
            names = ", ".join(inert(label) for label in labels)
            lines.append(f"- {lead} : {names}. Source : {inert(source)}.")
    return "Nature et source des valeurs :\n\n" + "\n".join(lines) + "\n"
