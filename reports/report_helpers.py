"""What the report sources share: reading the exported figures and writing numbers in French."""

from __future__ import annotations

import json
from pathlib import Path

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"

ILLUSTRATIVE_NOTICE = (
    "**Données illustratives.** Les chiffres de ce rapport sont calculés sur des données "
    "synthétiques livrées avec le projet pour le démontrer ; ils ne décrivent pas l'opinion "
    "réelle des habitants."
)
QUESTION = (
    "« Face aux crises, diriez-vous que “jouer collectif” entre associations, entreprises, "
    "collectivités et citoyens est… ? »"
)
METHOD = (
    "Part pondérée des réponses « incontournable » et « utile ». Base : répondants de 18 ans et "
    "plus ayant répondu à la question, « ne sait pas » compris. Pondération de l'institut "
    "(redressement sur la région, le sexe et l'âge). Les effectifs indiqués sont non pondérés. "
    "Intervalle de confiance à 95 % de Korn–Graubard, erreur type par linéarisation (plan "
    "stratifié par région). Règles de publication : « n.s. » (non significatif) signale une "
    "valeur non publiée, faute d'au moins 30 répondants (ou d'un effectif effectif de 30) ; "
    "une valeur suivie de « (effectif faible) » repose sur 30 à 99 répondants et se lit avec "
    "prudence."
)
NOT_PUBLISHED = "n.s."
FRAGILE_MARK = " (effectif faible)"
SOURCES = (
    "Sources : Observatoire des partenariats (Le RAMEAU), programme IMPACT ; populations "
    "légales 2021, INSEE."
)


def load_figures(path: str) -> dict:
    """The figures exported by the pipeline for this run."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def region_figures(figures: dict, code: str) -> dict:
    """One region's figures; a clear error for an unknown code."""
    for region in figures["regions"]:
        if region["code"] == code:
            return region
    raise KeyError(f"no figures for region {code!r}")


def percent(share: float) -> str:
    """0.8123 -> '81,2 %' (French decimal comma, non-breaking space before %)."""
    return f"{share * 100:.1f}".replace(".", ",") + f"{NBSP}%"


def weighting_text(weighting: dict) -> str:
    """The weighting diagnostics of the survey wave, in one French sentence."""
    return (
        f"Poids de {decimal(weighting['min_weight'], 2)} à "
        f"{decimal(weighting['max_weight'], 2)} ; effet de plan dû à la pondération (Kish) "
        f"{decimal(weighting['kish_deff'], 2)}, soit un effectif effectif de "
        f"{integer(round(weighting['n_effective']))} pour {integer(weighting['n'])} répondants."
    )


def decimal(value: float, digits: int) -> str:
    """1.0372 -> '1,04' (French decimal comma)."""
    return f"{value:.{digits}f}".replace(".", ",")


def share_text(value: dict) -> str:
    """An indicator as printed: « n.s. » when withheld, marked when its base is small."""
    if value["share"] is None:
        return NOT_PUBLISHED
    mark = FRAGILE_MARK if value["status"] == "fragile" else ""
    return percent(value["share"]) + mark


def interval_text(value: dict) -> str:
    """« [79,8 % ; 82,6 %] », or nothing for a withheld value."""
    if value["share"] is None:
        return ""
    return f"[{percent(value['ci_low'])} ; {percent(value['ci_high'])}]"


def integer(value: int) -> str:
    """3000 -> '3 000' (narrow non-breaking space between thousands)."""
    return f"{value:,}".replace(",", NARROW_NBSP)


def markdown_table(
    header: list[str], rows: list[list[str]], align: str, widths: list[int] | None = None
) -> str:
    """A pipe table; ``align`` has one letter per column, 'l' or 'r'; ``widths`` gives relative
    column widths (pandoc reads them from the rule's dashes), so that names are not broken in
    the PDF's narrow columns."""
    widths = widths or [1] * len(align)
    rule = [
        "-" * (10 * width) + ":" if a == "r" else ":" + "-" * (10 * width)
        for a, width in zip(align, widths, strict=True)
    ]
    lines = [header, rule, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines) + "\n"
