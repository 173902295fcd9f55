"""The headline figure the front page prints for France and each region, read from the
synthesis's export (the JSON of ``report_data``, the file the reports read), worded as the
reports word it (``reports/report_helpers.py``) and by the publication rules
(docs/publication-rules.md): « e.i. » for a withheld value, « (effectif faible) » for a fragile
one, a difference with the rest of France only when it is significant.

The map encodes nothing but that test: a region is coloured only when it differs significantly
from the rest of France (5 % test), so its colour never suggests a difference the data do not
support.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.geography import FRANCE_CODE
from orchestration.publication.french import integer, percent, points
from orchestration.publication.report_data import HEADLINE_INDICATOR
from orchestration.publication.vocabulary import NO_VALUE, NOT_PUBLISHED, STUDY_TITLES, share_text

# The map's classes (CSS classes of the page), with their legend, in the legend's order.
ABOVE, BELOW, NO_DIFFERENCE, WITHHELD = "au-dessus", "en-dessous", "sans-ecart", "non-publie"
LEGEND = (
    (ABOVE, "significativement au-dessus du reste de la France"),
    (BELOW, "significativement en dessous du reste de la France"),
    (NO_DIFFERENCE, "pas d'écart significatif avec le reste de la France"),
    (WITHHELD, f"« {NOT_PUBLISHED} » : effectif insuffisant, valeur non publiée"),
)
MAP_RULE = (
    "Une région n'est colorée que si sa part diffère significativement de celle du reste de la "
    "France (test à 5 %) ; sinon elle reste en gris."
)


@dataclass(frozen=True)
class Headline:
    """The headline indicator (« jouer collectif », citizens) of the export's latest wave: its
    values by geography (France under ``FRANCE_CODE``), as the export holds them."""

    wave: int
    study: str
    values: dict[str, dict]

    @classmethod
    def of(cls, export: dict) -> Headline:
        """From the synthesis's export (``ReportData.for_nation``)."""
        indicator = next(i for i in export["indicators"] if i["id"] == HEADLINE_INDICATOR)
        latest = indicator["waves"][-1]
        return cls(latest["wave"], indicator["study"], latest["values"])

    @property
    def survey(self) -> str:
        """« IMPACT-Citoyens 2020 »."""
        return f"{STUDY_TITLES[self.study]} {self.wave}"

    @property
    def france(self) -> dict:
        """France's value."""
        return self.values[FRANCE_CODE]

    def value(self, code: str) -> dict | None:
        """A region's value, ``None`` when the export has none."""
        return self.values.get(code)

    def france_sentence(self) -> str:
        """The headline for France in one sentence, with its interval and base."""
        france = self.france
        if france["share"] is None:
            return (
                f"En {self.wave}, l'effectif de la France métropolitaine est trop faible pour "
                "publier la part des habitants qui jugent nécessaire de « jouer collectif » face "
                "aux crises."
            )
        return (
            f"En {self.wave}, {share_text(france)} des habitants de France métropolitaine "
            f"jugent nécessaire de « jouer collectif » face aux crises (intervalle de confiance "
            f"à 95 % : {interval_text(france)} ; {integer(france['n'])} répondants)."
        )

    def map_class(self, code: str) -> str:
        """The class of a region on the map: the result of its test against the rest of
        France, nothing else."""
        value = self.value(code)
        if value is None or value["share"] is None:
            return WITHHELD
        if not value["vs_rest_significant"]:
            return NO_DIFFERENCE
        return ABOVE if value["vs_rest_difference"] > 0 else BELOW

    def summary(self, names: dict[str, str]) -> str:
        """What the map shows, in one sentence: the regions significantly above or below the
        rest of France (``names`` by INSEE code), or that there are none."""
        above = [names[code] for code in names if self.map_class(code) == ABOVE]
        below = [names[code] for code in names if self.map_class(code) == BELOW]
        if not above and not below:
            return (
                f"En {self.wave}, aucune région ne diffère significativement du reste de la France."
            )
        parts = [
            f"{label} : {', '.join(regions)}"
            for label, regions in (
                ("significativement au-dessus du reste de la France", above),
                ("significativement en dessous", below),
            )
            if regions
        ]
        return f"En {self.wave}, " + " ; ".join(parts) + "."


def interval_text(value: dict | None) -> str:
    """« [79,8 % ; 82,6 %] », or « – » for a withheld value."""
    if value is None or value["share"] is None:
        return NO_VALUE
    return f"[{percent(value['ci_low'])} ; {percent(value['ci_high'])}]"


def versus_rest_text(value: dict | None) -> str:
    """The region against the rest of France, as the reports' tables word it."""
    if value is None or value["share"] is None:
        return NOT_PUBLISHED
    if value["vs_rest_significant"] is None:
        return NO_VALUE
    if not value["vs_rest_significant"]:
        return "écart non significatif"
    side = "au-dessus" if value["vs_rest_difference"] > 0 else "en dessous"
    return f"{points(value['vs_rest_difference'])} ({side})"
