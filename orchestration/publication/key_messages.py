"""The note de synthèse: 4 to 7 key messages per report, worded from the findings of the export.

The findings are selected in the warehouse, by the dbt model
``dbt_project/models/marts/fct_report_findings.sql`` (its unit tests prove the rules); this
module words them and chooses nothing. The rules, in the order the messages are printed:

1. the headline (« jouer collectif ») for the region, when published; else France's, as the
   reference;
2. at most two indicators significantly above or below the rest of France (5 % test), the
   largest differences first;
3. at most two significant changes since the previous wave, the largest first;
4. the citizens' leading group of fragilities at their latest wave, with their scores as the
   « Fragilités prioritaires » section prints them: only when the region is ranked (every
   domain published, none withheld nor fragile) and a second group exists, i.e. the leading
   domains are each significantly ahead of every other (paired tests, 5 %);
5. what the case database shows for the region (cases, rate, catalysts, first domain);
6. its « angles morts »: the priority fragilities, perceived or objective, that no recorded
   case of the region answers (``fct_fragility_alliances.angle_mort``), when there are any;
7. one sentence on what cannot be said for lack of sample (none when nothing is withheld);
8. if fewer than four messages: France's headline as the reference, the plain statement that
   no published indicator differs significantly from the rest of France (only when some are
   published), then France's significant changes as the reference, all before the last message
   (a note with nothing withheld ends on its case database and its angles morts);
9. if more than seven: the second change is dropped, then the second gap to the rest of
   France; the fragility findings are kept.

A message never rests on a withheld (« e.i. ») value, a fragile one (« effectif faible ») or a
non-significant test: only ``published`` values with a significant test are findings. A share at
0 or 1 is tested with the SE of its exact interval (docs/publication-rules.md, § 3). The
national note: France's headline and significant changes, how many regional values differ
significantly from the rest of France (and the largest), the case database, how many of the
programme's published figures lie in the national interval, the regions whose headline is
withheld.

Numbers are printed as the tables print them (``french``); every text from data goes through
:func:`inert`.
"""

from __future__ import annotations

from collections.abc import Callable

from orchestration.geography import FRANCE_CODE
from orchestration.publication.escaping import inert
from orchestration.publication.fragility_text import SCORE, value_text
from orchestration.publication.french import counted, decimal, integer, percent, points

# The bounds of a note (the model's rules 8 and 9 keep a note within them).
MIN_MESSAGES, MAX_MESSAGES = 4, 7
FRANCE = "la France métropolitaine"
IN_FRANCE = "en France métropolitaine"
IN_REGION = "dans la région"
# Why a fragility is a priority of the region (perceived, objective), singular and plural: the
# « Priorité » column of the alliances' table, in words a note can stand on.
REASONS = {
    (True, False): ("priorité des habitants", "priorités des habitants"),
    (False, True): ("fragilité objective", "fragilités objectives"),
    (True, True): (
        "priorité des habitants et fragilité objective",
        "priorités des habitants et fragilités objectives",
    ),
}


def _interval(finding: dict) -> str:
    return f"intervalle à 95 % : {percent(finding['ci_low'])} à {percent(finding['ci_high'])}"


def _base(finding: dict) -> str:
    return f"base : {integer(finding['base_n'])} répondants"


def _gap(difference: float) -> str:
    """« 5,2 points au-dessus » / « en dessous »: the size unsigned, the direction in words."""
    side = "au-dessus" if difference > 0 else "en dessous"
    return f"{points(abs(difference)).lstrip('+')} {side}"


def _national(finding: dict) -> bool:
    return finding["geo_code"] == FRANCE_CODE


def _as_reference(prefix: str, message: str) -> str:
    """« Pour référence, en 2020, … »: a France message quoted in a regional note."""
    return f"{prefix}{message[0].lower()}{message[1:]}"


def headline(finding: dict) -> str:
    """« En 2020, 81,2 % des habitants de <zone> jugent nécessaire de « jouer collectif »… »."""
    where = FRANCE if _national(finding) else f"la région {inert(finding['geo_name'])}"
    return (
        f"En {finding['wave']}, {percent(finding['share'])} des habitants de {where} jugent "
        f"nécessaire de « jouer collectif » face aux crises ({_interval(finding)} ; "
        f"{_base(finding)})."
    )


def reference_headline(finding: dict) -> str:
    """France's headline, quoted as the reference in a regional note."""
    return _as_reference("Pour référence, ", headline(finding))


def versus_rest(finding: dict) -> str:
    """An indicator significantly above or below the rest of France, in a regional note."""
    return (
        f"{inert(finding['label'])} ({finding['wave']}) : {percent(finding['share'])} dans la "
        f"région, {_gap(finding['difference'])} du reste de la France, écart significatif "
        f"({_interval(finding)} ; {_base(finding)})."
    )


def change(finding: dict) -> str:
    """A significant change since the previous wave."""
    where = IN_FRANCE if _national(finding) else IN_REGION
    return (
        f"{inert(finding['label'])} : {percent(finding['share'])} en {finding['wave']} contre "
        f"{percent(finding['previous_share'])} en {finding['previous_wave']} {where}, une "
        f"évolution significative de {points(finding['difference'])}."
    )


def reference_change(finding: dict) -> str:
    """France's significant change, quoted as the reference in a regional note."""
    return _as_reference("Pour référence : ", change(finding))


def cases_text(count: int) -> str:
    """« 15 pratiques partenariales », « aucune pratique partenariale »."""
    return counted(
        count, "pratique partenariale", "pratiques partenariales", "aucune pratique partenariale"
    )


def catalysts_text(count: int) -> str:
    """« 10 catalyseurs territoriaux », « aucun catalyseur territorial »."""
    return counted(
        count, "catalyseur territorial", "catalyseurs territoriaux", "aucun catalyseur territorial"
    )


def cases(finding: dict) -> str:
    """What the case database holds for the territory, with its first domain."""
    count, catalysts = finding["case_count"], finding["catalyst_count"]
    where = IN_FRANCE if _national(finding) else IN_REGION
    rate = (
        f" ({decimal(finding['cases_per_100k'], 1)} pour {integer(100_000)} habitants)"
        if finding["cases_per_100k"] is not None
        else ""
    )
    text = (
        f"La base « IMPACT-Pratiques partenariales innovantes » recense {cases_text(count)} "
        f"{where}{rate} et {catalysts_text(catalysts)}"
    )
    if finding["first_domain"] is not None:
        text += (
            f" ; domaine le plus représenté : {inert(finding['first_domain'])} "
            f"({integer(finding['first_domain_count'])})"
        )
    return text + "."


def withheld(finding: dict) -> str:
    """One sentence on what the region's sample cannot say."""
    count, total = finding["item_count"], finding["total_count"]
    if count == total:
        return (
            f"Faute d'effectif suffisant, aucun des {integer(total)} indicateurs d'enquête "
            "ne peut être publié pour la région : ce rapport donne pour eux les chiffres de la "
            "France métropolitaine comme référence."
        )
    return (
        f"Faute d'effectif suffisant, {integer(count)} des {integer(total)} indicateurs "
        "d'enquête ne peuvent pas être publiés pour la région : pour eux, ce rapport donne les "
        "chiffres de la France métropolitaine comme référence."
    )


def _enumerated(texts: list[str]) -> str:
    """« A », « A et B », « A, B et C »."""
    return texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} et {texts[-1]}"


def perceived_priorities(finding: dict) -> str:
    """The citizens' leading group of fragilities, significantly ahead of the others: « En 2020,
    parmi 12 fragilités de leur territoire, les habitants de la région placent en tête, au
    coude à coude et significativement devant les autres : A (7,5 sur 10) et B (7,4). »"""
    unit = finding["unit"]
    values = [value_text({"estimate": value}, unit) for value in finding["domain_values"]]
    values[0] += " sur 10" if unit == SCORE else ""
    listed = [
        f"{inert(label)} ({value})"
        for label, value in zip(finding["domain_labels"], values, strict=True)
    ]
    together = " au coude à coude et" if len(listed) > 1 else ""
    return (
        f"En {finding['wave']}, parmi {integer(finding['total_count'])} fragilités de leur "
        f"territoire, les habitants de la région placent en tête,{together} significativement "
        f"devant les autres : {_enumerated(listed)}."
    )


def blind_spots(finding: dict) -> str:
    """The region's « angles morts », grouped by why each is a priority: « Angles morts :
    aucune pratique partenariale recensée dans la région ne répond à ces fragilités
    prioritaires : A et B (priorités des habitants) ; C (fragilité objective). »"""
    reasons = zip(finding["domain_perceived"], finding["domain_objective"], strict=True)
    groups: dict[tuple[bool, bool], list[str]] = {}
    for label, reason in zip(finding["domain_labels"], reasons, strict=True):
        groups.setdefault(reason, []).append(inert(label))
    listed = " ; ".join(
        f"{_enumerated(labels)} ({REASONS[reason][len(labels) > 1]})"
        for reason, labels in groups.items()
    )
    lead, these = (
        ("Angle mort", "cette fragilité prioritaire")
        if len(finding["domain_labels"]) == 1
        else ("Angles morts", "ces fragilités prioritaires")
    )
    return (
        f"{lead} : aucune pratique partenariale recensée dans la région ne répond à {these} : "
        f"{listed}."
    )


def no_difference(_: dict) -> str:
    """No published indicator of the region differs significantly from the rest of France."""
    return (
        "Aucun des indicateurs publiés pour la région ne s'écarte significativement de "
        "celui du reste de la France (test à 5 %)."
    )


def regions_versus_rest(finding: dict) -> str:
    """How many regional values differ significantly from the rest of France, and the largest."""
    count = (
        "Une seule valeur régionale publiée s'écarte"
        if finding["item_count"] == 1
        else f"{integer(finding['item_count'])} valeurs régionales publiées s'écartent"
    )
    return (
        f"{count} significativement du reste de la France (test à 5 %) ; l'écart le plus "
        f"marqué : {inert(finding['label'])} "
        f"({finding['wave']}), {percent(finding['share'])} en {inert(finding['geo_name'])}, "
        f"{_gap(finding['difference'])} du reste de la France ({_interval(finding)} ; "
        f"{_base(finding)})."
    )


def no_region_differs(_: dict) -> str:
    """No regional value differs significantly from the rest of France."""
    return (
        "Aucune région ne s'écarte significativement du reste de la France sur les "
        "indicateurs publiés (test à 5 %) : les différences entre régions visibles dans les "
        "tableaux restent dans les marges d'erreur."
    )


def published_agreement(finding: dict) -> str:
    """How many of the programme's published figures lie within the national interval."""
    return (
        f"{integer(finding['item_count'])} des {integer(finding['total_count'])} chiffres "
        "publiés par le programme se trouvent dans l'intervalle à 95 % de l'estimation "
        "nationale de ce rapport."
    )


def withheld_regions(finding: dict) -> str:
    """One sentence on the regions whose sample is too small for the headline."""
    names = [inert(name) for name in finding["region_names"]]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} ni {names[-1]}"
    return (
        "Faute d'effectif suffisant, la part des habitants jugeant nécessaire de « jouer "
        f"collectif » n'est pas publiée pour {listed} ; ce rapport n'en donne que la base."
    )


# One wording per kind of finding (the kinds of fct_report_findings).
WORDINGS: dict[str, Callable[[dict], str]] = {
    wording.__name__: wording
    for wording in (
        headline,
        reference_headline,
        versus_rest,
        change,
        reference_change,
        cases,
        withheld,
        perceived_priorities,
        blind_spots,
        no_difference,
        regions_versus_rest,
        no_region_differs,
        published_agreement,
        withheld_regions,
    )
}


def note(figures: dict, code: str) -> list[str]:
    """The note de synthèse of report ``code`` (``FR``: the national synthesis): its findings
    in the export, worded in their order."""
    findings = sorted(
        (f for f in figures["findings"] if f["report_code"] == code), key=lambda f: f["rank"]
    )
    return [WORDINGS[finding["kind"]](finding) for finding in findings]


def regional_messages(figures: dict, code: str) -> list[str]:
    """The note de synthèse of one region's report."""
    return note(figures, code)


def national_messages(figures: dict) -> list[str]:
    """The note de synthèse of the national synthesis."""
    return note(figures, FRANCE_CODE)
