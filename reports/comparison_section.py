"""Perceived priorities beside objective fragilities (issue 17, items 3 and 5): the regional
section « Fragilités perçues et fragilités objectives » and the national synthesis's view of
the 13 regions.

The figures come from the export (``orchestration/publication/comparison_figures.py``, the
mart ``fct_fragility_comparison``); the rules (what a priority is, when the two readings agree)
are the mart's. A difference with the rest of France is worded only when significant at 5 %.
Every text from data reaches the markdown through ``inert`` (``markdown_table`` per cell).
"""

from __future__ import annotations

from report_helpers import (
    NO_VALUE,
    figure_markdown,
    inert,
    markdown_table,
    survey_source,
)

from orchestration.publication.chart_names import HEAT_MAP, comparison_chart_name
from orchestration.publication.comparison_figures import (
    BOTH,
    OBJECTIVE_ONLY,
    PERCEIVED_ONLY,
)
from orchestration.publication.french import NBSP, alphabetical, decimal
from orchestration.publication.profile_figures import rank_text, value_text

CITIZENS = "citoyens"
INTRODUCTION = (
    "Pour chaque domaine de fragilité mesuré par un indicateur de contexte : la note que les "
    "habitants de la région donnent à sa priorité, à côté de celle de la France, et le rang "
    "de la région parmi les 13 sur cet indicateur (1 = la plus touchée). Une fragilité est "
    "une priorité perçue quand elle est dans le groupe de tête des habitants, une fragilité "
    "objective quand la région est parmi les quatre régions les plus touchées."
)
TABLE_TITLE = "Fragilités perçues et fragilités objectives, dans la région et en France"
AGREEMENT_LEADS = {
    BOTH: "Priorités perçues qui sont aussi des fragilités objectives",
    PERCEIVED_ONLY: "Priorités perçues sans fragilité objective mesurée",
    OBJECTIVE_ONLY: "Fragilités objectives hors du groupe de tête des habitants",
}
WITHHELD = (
    "Trop peu d'habitants de la région ont répondu pour publier leurs notes : les fragilités "
    "objectives ne peuvent pas être mises en regard des priorités perçues."
)
HEAT_MAP_MISSING = "Aucune région n'a assez de répondants pour publier ses priorités perçues."
DIVERGENCE_TITLE = "Où priorités perçues et fragilités objectives divergent, région par région"
NATIONAL_INTRODUCTION = (
    "Les 13 régions côte à côte : la note moyenne que leurs habitants donnent à chaque "
    "fragilité, leur groupe de tête encadré. Le tableau qui suit met ces priorités perçues en "
    "regard des fragilités objectives (la région parmi les quatre plus touchées sur "
    "l'indicateur de contexte du domaine)."
)


def region_comparison_section(figures: dict, region: str) -> str:
    """The regional section's markdown: chart, table, what agrees and what diverges."""
    items = figures["comparisons"].get(region, [])
    if not items:
        return "Aucun domaine n'a à la fois une note des habitants et un indicateur de contexte.\n"
    if any(item["score"] is None for item in items):
        return f"{WITHHELD}\n"
    source = survey_source(figures, [(CITIZENS, items[0]["wave"])], context=True)
    chart = figures["charts"].get(comparison_chart_name(region))
    parts = [f"{INTRODUCTION}\n"]
    if chart:
        parts.append(figure_markdown(chart, source))
    parts += [comparison_table(items, source), agreement_sentences(items), versus_rest(items)]
    return "\n".join(part for part in parts if part)


def comparison_table(items: list[dict], source: str) -> str:
    """One row per domain: the score in the region and in France, the indicator, its value
    in the region and in France, the rank."""
    rows = [
        [
            item["domain_label"],
            decimal(item["score"]),
            decimal(item["france_score"]) if item["france_score"] is not None else NO_VALUE,
            item["indicator_label"],
            value_text(item["value"], item["unit"]),
            value_text(item["france_value"], item["unit"])
            if item["france_value"] is not None
            else NO_VALUE,
            rank_text(item["rank_among_regions"], out_of=False),
        ]
        for item in items
    ]
    return markdown_table(
        ["Domaine", "Note région", "Note France", "Indicateur", "Région", "France", "Rang"],
        rows,
        "lrrlrrr",
        [3, 2, 2, 5, 2, 2, 1],
        TABLE_TITLE,
        source,
    )


def agreement_sentences(items: list[dict]) -> str:
    """One line per kind of agreement that has domains: both, perceived only, objective
    only."""
    lines = []
    for kind, lead in AGREEMENT_LEADS.items():
        labels = [inert(item["domain_label"]) for item in items if item["agreement"] == kind]
        if labels:
            lines.append(f"- {lead} : {' ; '.join(labels)}.")
    if not lines:
        return "Aucune fragilité n'est ni une priorité perçue ni une fragilité objective.\n"
    return "\n".join(lines) + "\n"


def versus_rest(items: list[dict]) -> str:
    """The domains the region's inhabitants score significantly higher or lower than the rest
    of France (5 %), with the gap in points out of 10; nothing is said of the others."""
    higher = _gaps(items, 1)
    lower = _gaps(items, -1)
    if not higher and not lower:
        return (
            "Aucune note des habitants de la région ne diffère significativement de celle du "
            "reste de la France (test à 5 %).\n"
        )
    lead = "Les habitants de la région jugent"
    said = [f"plus prioritaires que le reste de la France : {higher}"] if higher else []
    if lower:
        rest = "" if higher else " que le reste de la France"
        said.append(f"moins prioritaires{rest} : {lower}")
    return f"{lead} {' ; et '.join(said)} (écarts significatifs à 5 %).\n"


def _gaps(items: list[dict], sign: int) -> str:
    chosen = [
        item
        for item in items
        if item["vs_rest_significant"] and item["vs_rest_difference"] * sign > 0
    ]
    return " ; ".join(
        f"{inert(item['domain_label'])} ({_signed(item['vs_rest_difference'])})" for item in chosen
    )


def _signed(difference: float) -> str:
    """A gap of scores out of 10, signed, in points: « +0,5 point », « −2,1 points »."""
    sign = "+" if difference > 0 else "−"
    unit = "points" if abs(difference) >= 2 else "point"
    return f"{sign}{decimal(abs(difference))}{NBSP}{unit}"


def national_comparison_section(figures: dict, names: dict[str, str]) -> str:
    """The national synthesis's view: the heat map of the regions' scores, then the table of
    the regions where perceived and objective priorities diverge."""
    chart = figures["charts"].get(HEAT_MAP)
    if chart is None:
        return f"{HEAT_MAP_MISSING}\n"
    wave = next(iter(figures["comparisons"].values()))[0]["wave"]
    source = survey_source(figures, [(CITIZENS, wave)], context=True)
    parts = [f"{NATIONAL_INTRODUCTION}\n", figure_markdown(chart, source)]
    rows = [
        [names[code], _labels(items, PERCEIVED_ONLY), _labels(items, OBJECTIVE_ONLY)]
        for code, items in sorted(
            figures["comparisons"].items(), key=lambda kv: alphabetical(names[kv[0]])
        )
        if any(item["agreement"] is not None for item in items)
    ]
    parts.append(
        markdown_table(
            ["Région", AGREEMENT_LEADS[PERCEIVED_ONLY], AGREEMENT_LEADS[OBJECTIVE_ONLY]],
            rows,
            "lll",
            [2, 3, 3],
            DIVERGENCE_TITLE,
            source,
        )
    )
    unranked = [
        names[code]
        for code, items in sorted(figures["comparisons"].items())
        if all(item["agreement"] is None for item in items)
    ]
    if unranked:
        parts.append(
            "Trop peu de répondants pour publier les priorités perçues : "
            f"{' ; '.join(inert(name) for name in unranked)}.\n"
        )
    return "\n".join(parts)


def _labels(items: list[dict], kind: str) -> str:
    """The domains of one kind of agreement, or « – » (plain text: the table escapes it)."""
    labels = [item["domain_label"] for item in items if item["agreement"] == kind]
    return " ; ".join(labels) or NO_VALUE
