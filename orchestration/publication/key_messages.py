"""The note de synthèse: 4 to 7 key messages per report, chosen from the export by explicit rules.

Rules (issue 16, item 2), in the order the messages are printed:

1. the headline (« jouer collectif ») for the region, when published; else France's, as the
   reference;
2. at most two indicators significantly above or below the rest of France (5 % test), the
   largest differences first;
3. at most two significant changes since the previous wave, the largest first;
4. what the case database shows for the region (cases, rate, catalysts, first domain);
5. one sentence on what cannot be said for lack of sample (none when nothing is withheld);
6. if fewer than four messages: France's headline as the reference, the plain statement that
   no published indicator differs significantly from the rest of France (only when some are
   published), then France's significant changes as the reference.

A message never rests on a withheld (« e.i. ») value, a fragile one (« effectif faible ») or a
non-significant test: only ``published`` values with a significant test are findings. Numbers
are printed as the tables print them (``french``); every text from data goes through
:func:`inert`. The national note follows the same pattern with cross-region findings.
"""

from __future__ import annotations

from orchestration.publication.escaping import inert
from orchestration.publication.french import decimal, integer, percent, points

PUBLISHED = "published"
HEADLINE = "citoyens_jouer_collectif"
MIN_MESSAGES, MAX_MESSAGES = 4, 7
# How many findings of each kind a note gives: the note is one page.
PER_KIND = 2


def _interval(value: dict) -> str:
    return f"intervalle à 95 % : {percent(value['ci_low'])} à {percent(value['ci_high'])}"


def _base(value: dict) -> str:
    return f"base : {integer(value['n'])} répondants"


def _gap(difference: float) -> str:
    """« 5,2 points au-dessus » / « en dessous »: the size unsigned, the direction in words."""
    side = "au-dessus" if difference > 0 else "en dessous"
    return f"{points(abs(difference)).lstrip('+')} {side}"


def _finding(value: dict | None) -> bool:
    """Whether a value may carry a message: published, not fragile, not withheld."""
    return value is not None and value["status"] == PUBLISHED and value["share"] is not None


def _latest(indicator: dict) -> dict:
    return indicator["waves"][-1]


def headline_message(figures: dict, code: str, where: str) -> str | None:
    """« En 2020, 81,2 % des habitants de <where> jugent nécessaire… », or None if withheld."""
    headline = next(i for i in figures["indicators"] if i["id"] == HEADLINE)
    wave = _latest(headline)
    value = wave["values"][code]
    if not _finding(value):
        return None
    return (
        f"En {wave['wave']}, {percent(value['share'])} des habitants de {where} jugent "
        f"nécessaire de « jouer collectif » face aux crises ({_interval(value)} ; "
        f"{_base(value)})."
    )


def versus_rest_messages(figures: dict, code: str) -> list[str]:
    """The indicators significantly above or below the rest of France, largest first."""
    found = []
    for item in figures["indicators"]:
        wave = _latest(item)
        value = wave["values"].get(code)
        if _finding(value) and value["vs_rest_significant"]:
            found.append((abs(value["vs_rest_difference"]), item, wave, value))
    found.sort(key=lambda entry: -entry[0])
    return [
        f"{inert(item['label'])} ({wave['wave']}) : {percent(value['share'])} dans la région, "
        f"{_gap(value['vs_rest_difference'])} du reste de la France, écart significatif "
        f"({_interval(value)} ; {_base(value)})."
        for _, item, wave, value in found[:PER_KIND]
    ]


def change_messages(figures: dict, code: str, where: str) -> list[str]:
    """The significant changes since the previous wave, largest first."""
    found = []
    for item in figures["indicators"]:
        if len(item["waves"]) < 2:
            continue
        earlier, later = item["waves"][-2], item["waves"][-1]
        before, now = earlier["values"].get(code), later["values"].get(code)
        if _finding(before) and _finding(now) and now["change_significant"]:
            found.append((abs(now["change"]), item, earlier, later, before, now))
    found.sort(key=lambda entry: -entry[0])
    return [
        f"{inert(item['label'])} : {percent(now['share'])} en {later['wave']} contre "
        f"{percent(before['share'])} en {earlier['wave']} {where}, une évolution significative "
        f"de {points(now['change'])}."
        for _, item, earlier, later, before, now in found[:PER_KIND]
    ]


def cases_message(territory: dict, where: str) -> str:
    """What the case database holds for the territory, with its first domain."""
    cases, catalysts = territory["cases"], territory["catalysts"]
    rate = (
        f" ({decimal(territory['per_100k'], 1)} pour {integer(100_000)} habitants)"
        if territory["per_100k"] is not None
        else ""
    )
    text = (
        f"La base « IMPACT-Pratiques partenariales innovantes » recense {integer(cases)} "
        f"pratique{'s' if cases > 1 else ''} partenariale{'s' if cases > 1 else ''} {where}"
        f"{rate} et {integer(catalysts)} "
        f"{'catalyseurs territoriaux' if catalysts > 1 else 'catalyseur territorial'}"
    )
    domains = {k: v for k, v in territory["by_category"].get("domain", {}).items() if v > 0}
    if domains and cases > 1:
        first = max(domains, key=lambda name: (domains[name], name))
        text += f" ; domaine le plus représenté : {inert(first)} ({integer(domains[first])})"
    return text + "."


def withheld_message(figures: dict, code: str) -> str | None:
    """One sentence on what the region's sample cannot say, or None when nothing is withheld."""
    latest = [_latest(item)["values"][code] for item in figures["indicators"]]
    withheld = sum(value["share"] is None for value in latest)
    if not withheld:
        return None
    if withheld == len(latest):
        return (
            f"Faute d'effectif suffisant, aucun des {integer(len(latest))} indicateurs d'enquête "
            "ne peut être publié pour la région : ce rapport donne pour eux les chiffres de la "
            "France métropolitaine comme référence."
        )
    return (
        f"Faute d'effectif suffisant, {integer(withheld)} des {integer(len(latest))} indicateurs "
        "d'enquête ne peuvent pas être publiés pour la région : pour eux, ce rapport donne les "
        "chiffres de la France métropolitaine comme référence."
    )


def regional_messages(figures: dict, code: str) -> list[str]:
    """The note de synthèse of one region's report (see the module's rules)."""
    name = inert(next(r["name"] for r in figures["regions"] if r["code"] == code))
    where = f"la région {name}"
    messages = [headline_message(figures, code, where)]
    messages += versus_rest_messages(figures, code)
    messages += change_messages(figures, code, "dans la région")
    messages.append(cases_message(figures["territories"][code], "dans la région"))
    messages.append(withheld_message(figures, code))
    messages = [m for m in messages if m]
    if len(messages) < MIN_MESSAGES:
        france = headline_message(figures, "FR", "la France métropolitaine")
        if france:
            messages.insert(len(messages) - 1, f"Pour référence, {france[0].lower()}{france[1:]}")
    published = any(_finding(_latest(i)["values"][code]) for i in figures["indicators"])
    if len(messages) < MIN_MESSAGES and published and not versus_rest_messages(figures, code):
        messages.insert(
            len(messages) - 1,
            "Aucun des indicateurs publiés pour la région ne s'écarte significativement de "
            "celui du reste de la France (test à 5 %).",
        )
    if len(messages) < MIN_MESSAGES:
        # Nothing regional to say: the national picture is the reference.
        for change in change_messages(figures, "FR", "en France métropolitaine"):
            if len(messages) < MIN_MESSAGES:
                messages.insert(
                    len(messages) - 1, f"Pour référence : {change[0].lower()}{change[1:]}"
                )
    return messages[:MAX_MESSAGES]


def national_messages(figures: dict) -> list[str]:
    """The note de synthèse of the national synthesis: France, then across regions."""
    messages = [headline_message(figures, "FR", "la France métropolitaine")]
    messages += change_messages(figures, "FR", "en France métropolitaine")
    messages.append(regions_message(figures))
    messages.append(cases_message(figures["territories"]["FR"], "en France métropolitaine"))
    messages.append(published_agreement_message(figures))
    messages.append(national_withheld_message(figures))
    return [m for m in messages if m][:MAX_MESSAGES]


def regions_message(figures: dict) -> str:
    """How many regional values differ significantly from the rest of France, and the largest."""
    codes = [r["code"] for r in figures["regions"]]
    found = []
    for item in figures["indicators"]:
        wave = _latest(item)
        for code in codes:
            value = wave["values"].get(code)
            if _finding(value) and value["vs_rest_significant"]:
                found.append((abs(value["vs_rest_difference"]), item, wave, code, value))
    if not found:
        return (
            "Aucune région ne s'écarte significativement du reste de la France sur les "
            "indicateurs publiés (test à 5 %) : les différences entre régions visibles dans les "
            "tableaux restent dans les marges d'erreur."
        )
    _, item, wave, code, value = max(found, key=lambda entry: entry[0])
    count = (
        "Une seule valeur régionale publiée s'écarte"
        if len(found) == 1
        else f"{integer(len(found))} valeurs régionales publiées s'écartent"
    )
    name = inert(next(r["name"] for r in figures["regions"] if r["code"] == code))
    return (
        f"{count} significativement du reste de la France (test à 5 %) ; l'écart le plus "
        f"marqué : {inert(item['label'])} "
        f"({wave['wave']}), {percent(value['share'])} en {name}, "
        f"{_gap(value['vs_rest_difference'])} du reste de la France ({_interval(value)} ; "
        f"{_base(value)})."
    )


def published_agreement_message(figures: dict) -> str | None:
    """How many of the programme's published figures lie within the national interval."""
    values = {
        (item["id"], wave["wave"]): wave["values"]["FR"]
        for item in figures["indicators"]
        for wave in item["waves"]
    }
    checked = [
        (values[(p["indicator_id"], p["wave"])], p["value"])
        for p in figures["published"]
        if _finding(values.get((p["indicator_id"], p["wave"])))
    ]
    if not checked:
        return None
    inside = sum(v["ci_low"] <= figure <= v["ci_high"] for v, figure in checked)
    return (
        f"{integer(inside)} des {integer(len(checked))} chiffres publiés par le programme se "
        "trouvent dans l'intervalle à 95 % de l'estimation nationale de ce rapport."
    )


def national_withheld_message(figures: dict) -> str | None:
    """One sentence on the regions whose sample is too small for the headline."""
    names = [
        inert(r["name"]) for r in figures["regions"] if r["collective_necessary"]["share"] is None
    ]
    if not names:
        return None
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} ni {names[-1]}"
    return (
        "Faute d'effectif suffisant, la part des habitants jugeant nécessaire de « jouer "
        f"collectif » n'est pas publiée pour {listed} ; ce rapport n'en donne que la base."
    )
