"""Numbered captions and source lines of the reports' figures and tables, in French.

Each figure and each table of a report is numbered in the order the report prints it
(« Figure 2 – … », « Tableau 3 – … »): the number is part of its caption text, so HTML and
PDF, Quarto and the built-in engine, print the same numbers (both formats come from one
execution). Under each one, a source line names the surveys and waves it shows, with their
institute when the codebook names it, and the other sources (the case database, INSEE):

« Source : Observatoire des partenariats, IMPACT-Citoyens 2020 (Comisis-OpinionWay) ;
traitement Observatoire des partenariats. »
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from orchestration.publication.escaping import inert
from orchestration.publication.vocabulary import STUDY_TITLES

FIGURE = "Figure"
TABLE = "Tableau"
DASH = "–"  # U+2013 between the number and the title
PUBLISHER = "Observatoire des partenariats"
TREATMENT = "traitement Observatoire des partenariats"
CASE_DATABASE = "base « IMPACT-Pratiques partenariales innovantes »"
POPULATIONS = "INSEE, populations légales 2021"
PUBLISHED = "chiffres publiés par le programme IMPACT"
CONTEXT = "statistiques de contexte livrées à l'Observatoire"


class Numbering:
    """The running numbers of one report's figures and tables, from 1 each."""

    def __init__(self) -> None:
        self._counts = {FIGURE: 0, TABLE: 0}

    def caption(self, kind: str, title: str) -> str:
        """« Tableau 3 – title »: the next number of ``kind`` (FIGURE or TABLE)."""
        self._counts[kind] += 1
        return f"{kind} {self._counts[kind]} {DASH} {title}"


def survey_name(sources: Sequence[Mapping], study: str, wave: int) -> str:
    """« IMPACT-Citoyens 2020 (Comisis-OpinionWay) »: the codebook's name of the wave and its
    institute; no institute when the codebook names none (it is never guessed)."""
    source = next((s for s in sources if s["study"] == study and s["wave"] == wave), {})
    name = source.get("survey_title") or f"{STUDY_TITLES[study]} {wave}"
    institute = source.get("institute")
    return f"{name} ({institute})" if institute else name


def source_line(
    sources: Sequence[Mapping],
    surveys: Iterable[tuple[str, int]] = (),
    *,
    cases: bool = False,
    populations: bool = False,
    published: bool = False,
    context: bool = False,
) -> str:
    """The source line of a figure or table showing ``surveys`` ((study, wave) pairs, each
    named once) and, as flagged, the case database, INSEE's populations and the
    programme's published figures, and the context statistics. Names from data are made
    inert (markdown)."""
    # The programme's order of studies (citizens first), each study's waves in time order.
    order = list(STUDY_TITLES)
    waves = sorted(set(surveys), key=lambda pair: (order.index(pair[0]), pair[1]))
    ours = [inert(survey_name(sources, study, wave)) for study, wave in waves]
    if cases:
        ours.append(CASE_DATABASE)
    if published:
        ours.append(PUBLISHED)
    if context:
        ours.append(CONTEXT)
    parts = [f"{PUBLISHER}, {', '.join(ours)}"] if ours else []
    if populations:
        parts.append(POPULATIONS)
    lead = "Sources" if len(ours) + populations > 1 else "Source"
    return f"{lead} : {' ; '.join([*parts, TREATMENT])}."


def latest_waves(indicators: Iterable[Mapping], count: int = 1) -> list[tuple[str, int]]:
    """The (study, wave) pairs of each indicator's last ``count`` waves, as a report shows."""
    return [(i["study"], w["wave"]) for i in indicators for w in i["waves"][-count:]]
