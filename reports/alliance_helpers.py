"""The section « Les alliances qui y répondent » of a regional report (issue 17, item 4): for
each fragility domain, the cases of the database that answer it in the region, the catalysts
on their territory and one or two examples, the region's priorities marked, then the « angles
morts » (the priority fragilities no case of the region answers).

The figures are the export's ``alliances`` (``orchestration/publication/alliance_figures.py``,
from ``marts.fct_fragility_alliances``); a priority that the warehouse does not establish is
said to be so, never guessed. Every text from data goes through ``inert()``.
"""

from __future__ import annotations

from report_helpers import inert, markdown_table, survey_source

from orchestration.publication.french import integer
from orchestration.publication.vocabulary import NO_VALUE

TITLE = "Les alliances qui répondent à chaque fragilité de la région"
LEAD = (
    "Pour chaque domaine de fragilité : les pratiques partenariales de la base "
    "« IMPACT-Pratiques partenariales innovantes » menées dans la région dont le domaine "
    "d'action y répond, les catalyseurs territoriaux présents là où elles sont menées, et les "
    "deux plus récentes en exemple. La colonne « Priorité » marque les fragilités prioritaires "
    "de la région : perçues (en tête du classement des habitants) ou objectives (parmi les "
    "quatre régions les plus touchées selon un indicateur de contexte)."
)
CATALYSTS_NOTE = (
    "La base ne rattache un catalyseur territorial ni à un domaine ni à une pratique, seulement "
    "à un département : sont comptés, pour chaque domaine, les catalyseurs de la région "
    "installés dans un département où au moins une de ces pratiques est menée."
)
NOT_ESTABLISHED = "non établie"
PERCEIVED_MISSING = (
    "Les priorités perçues par les habitants de la région ne sont pas établies dans cette "
    "publication."
)
OBJECTIVE_MISSING = (
    "Les fragilités objectives de la région (indicateurs de contexte) ne sont pas établies "
    "dans cette publication."
)
NOTHING_ESTABLISHED = (
    "Les fragilités prioritaires de la région, perçues ou objectives, ne sont pas établies dans "
    "cette publication : ses angles morts ne peuvent pas être désignés."
)
BLIND_SPOTS_LEAD = (
    "Aucune alliance recensée dans la région ne répond à ces fragilités prioritaires (angles morts)"
)
NO_BLIND_SPOT_LEAD = (
    "Aucun angle mort : chaque fragilité prioritaire de la région compte au moins une alliance "
    "recensée"
)
NO_PRIORITY = "Aucun angle mort : aucune fragilité prioritaire n'est établie pour la région."
UNANSWERED_LEAD = "Domaines de fragilité auxquels aucune pratique recensée dans la région ne répond"
ALL_ANSWERED = "Chaque domaine de fragilité compte au moins une pratique recensée dans la région."


def priority_text(domain: dict) -> str:
    """« perçue », « objective », « perçue et objective », « non établie » when neither flag is
    established, « – » when the domain is not a priority."""
    marks = [
        name
        for name, flag in (
            ("perçue", domain["perceived_priority"]),
            ("objective", domain["objective_fragility"]),
        )
        if flag
    ]
    if marks:
        return " et ".join(marks)
    if domain["perceived_priority"] is None and domain["objective_fragility"] is None:
        return NOT_ESTABLISHED
    return NO_VALUE


def alliances_table(figures: dict, region: str) -> str:
    """The table of the region's fragility domains (cells go through ``inert()``)."""
    rows = [
        [
            domain["label"],
            priority_text(domain),
            integer(domain["cases"]),
            integer(domain["catalysts"]),
            " ; ".join(domain["examples"]) or NO_VALUE,
        ]
        for domain in figures["alliances"][region]
    ]
    return markdown_table(
        [
            "Domaine de fragilité",
            "Priorité",
            "Pratiques",
            "Catalyseurs",
            "Exemples (les plus récents)",
        ],
        rows,
        "llrrl",
        [4, 2, 2, 2, 5],
        TITLE,
        survey_source(figures, [], cases=True),
    )


def _labels(domains: list[dict]) -> str:
    return " ; ".join(inert(domain["label"]) for domain in domains)


def angles_morts_text(domains: list[dict]) -> str:
    """What the region's priorities tell about its blind spots: the « angles morts » sentence,
    preceded by what the warehouse does not establish; when no priority is established, the
    domains no case answers (a fact of the case database, not a blind spot)."""
    perceived = any(d["perceived_priority"] is not None for d in domains)
    objective = any(d["objective_fragility"] is not None for d in domains)
    if not (perceived or objective):
        unanswered = [d for d in domains if d["cases"] == 0]
        facts = f"{UNANSWERED_LEAD} : {_labels(unanswered)}." if unanswered else ALL_ANSWERED
        return f"{NOTHING_ESTABLISHED} {facts}"
    missing = [] if perceived else [PERCEIVED_MISSING]
    missing += [] if objective else [OBJECTIVE_MISSING]
    priorities = [d for d in domains if d["perceived_priority"] or d["objective_fragility"]]
    blind = [d for d in domains if d["angle_mort"]]
    if blind:
        verdict = f"{BLIND_SPOTS_LEAD} : {_labels(blind)}."
    elif priorities:
        verdict = f"{NO_BLIND_SPOT_LEAD} ({_labels(priorities)})."
    else:
        verdict = NO_PRIORITY
    return " ".join([*missing, verdict])


def alliances_section(figures: dict, region: str) -> str:
    """The section's body: the lead, the table, the catalysts' note and the angles morts."""
    return (
        f"{LEAD}\n\n{alliances_table(figures, region)}\n{CATALYSTS_NOTE}\n\n"
        f"{angles_morts_text(figures['alliances'][region])}\n"
    )
