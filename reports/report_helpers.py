"""What the report sources share: reading the exported figures, writing numbers in French, and
writing every text that comes from data through one escaping function (``inert``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from orchestration.publication import vocabulary
from orchestration.publication.captions import FIGURE, TABLE, Numbering, latest_waves, source_line
from orchestration.publication.escaping import attribute, image_file, inert
from orchestration.publication.french import date, integer, percent, points
from orchestration.publication.vocabulary import MODELLED, MODELLED_NOTE, share_text

ILLUSTRATIVE_NOTICE = (
    "**Données illustratives.** Les chiffres de ce rapport sont calculés sur des données "
    "synthétiques livrées avec le projet pour le démontrer ; ils ne décrivent pas l'opinion "
    "réelle des habitants."
)
QUESTION = (
    "« Face aux crises, diriez-vous que “jouer collectif” entre associations, entreprises, "
    "collectivités et citoyens est… ? »"
)
DEFINITION = (
    "Part des réponses « incontournable » ou « utile », parmi les personnes qui ont répondu à la "
    "question, « ne sait pas » compris ; les nombres de répondants donnés sont ceux des "
    "personnes réellement interrogées (non pondérés)."
)
NOT_PUBLISHED = vocabulary.NOT_PUBLISHED
NO_VALUE = vocabulary.NO_VALUE
SOURCES = (
    "Sources : Observatoire des partenariats (Le RAMEAU), programme IMPACT ; populations "
    "légales 2021, INSEE."
)


# One report per kernel (both engines execute a report once, in a kernel of its own): its
# figures and tables are numbered from 1 in the order it prints them.
NUMBERING = Numbering()


def load_figures(path: str) -> dict:
    """The figures exported by the pipeline for this run."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def region_figures(figures: dict, code: str) -> dict:
    """One region's figures; a clear error for an unknown code."""
    for region in figures["regions"]:
        if region["code"] == code:
            return region
    raise KeyError(f"no figures for region {code!r}")


def interval_text(value: dict) -> str:
    """« [79,8 % ; 82,6 %] », or nothing for a withheld value."""
    if value["share"] is None:
        return ""
    return f"[{percent(value['ci_low'])} ; {percent(value['ci_high'])}]"


def markdown_table(
    header: list[str],
    rows: list[list[str]],
    align: str,
    widths: list[int] | None = None,
    title: str = "",
    source: str = "",
) -> str:
    """A pipe table of plain texts (each cell goes through :func:`inert`); ``align`` has one
    letter per column, 'l' or 'r'; ``widths`` gives relative column widths (pandoc reads them
    from the rule's dashes), so that names are not broken in the PDF's narrow columns. Kept
    rather than pandas' ``to_markdown``, which neither escapes a cell (every one goes through
    :func:`inert` here) nor writes the widths both engines read. With a
    ``title``, the table is numbered (« Tableau 3 – title »); ``source`` is its source line
    (:func:`source_line`), printed under it."""
    widths = widths or [1] * len(align)
    rule = [
        "-" * (10 * width) + ":" if a == "r" else ":" + "-" * (10 * width)
        for a, width in zip(align, widths, strict=True)
    ]
    cells = [[inert(cell) for cell in row] for row in [header, *rows]]
    lines = [cells[0], rule, *cells[1:]]
    table = "\n".join("| " + " | ".join(line) + " |" for line in lines) + "\n"
    # The title is a block of its own above the table, not a pandoc table caption: Quarto's
    # Typst output drops the caption of a table that has no cross-reference label.
    heading = (
        f"::: {{.table-title}}\n{NUMBERING.caption(TABLE, inert(title))}\n:::\n\n" if title else ""
    )
    return heading + table + source_block(source)


def source_block(line: str) -> str:
    """A source line (already markdown) as the house style prints it under a figure or table."""
    return f"\n::: {{.source}}\n{line}\n:::\n" if line else ""


def survey_source(figures: dict, surveys: list[tuple[str, int]], **others: bool) -> str:
    """The source line of what shows ``surveys`` ((study, wave) pairs): see
    :func:`orchestration.publication.captions.source_line` for ``others``."""
    return source_line(figures["sources"], surveys, **others)


def indicators_source(figures: dict, indicators: list[dict], waves: int = 1) -> str:
    """The source line of what shows each of ``indicators`` at its last ``waves`` waves."""
    return survey_source(figures, latest_waves(indicators, waves))


def notice_block() -> str:
    """The illustrative-data notice, boxed by the house style."""
    return f"::: {{.notice}}\n{ILLUSTRATIVE_NOTICE}\n:::\n"


NOT_PUBLISHED_NOTE = vocabulary.NOT_PUBLISHED_LEGEND


def indicators_of(figures: dict, section: str) -> list[dict]:
    """The catalogue's indicators of a report section, in catalogue order."""
    return [i for i in figures["indicators"] if i["section"] == section]


def latest(indicator: dict) -> dict:
    """The indicator's most recent wave."""
    return indicator["waves"][-1]


def versus_rest_text(value: dict) -> str:
    """The region against the rest of France, worded as a difference only when significant;
    « e.i. » when the region's value is withheld (the difference would give it away)."""
    if value["share"] is None:
        return NOT_PUBLISHED
    if value["vs_rest_significant"] is None:
        return NO_VALUE
    if not value["vs_rest_significant"]:
        return "écart non significatif"
    above = value["vs_rest_difference"] > 0
    return f"{points(value['vs_rest_difference'])} ({'au-dessus' if above else 'en dessous'})"


def change_text(value: dict) -> str:
    """The change since the previous wave, worded as a change only when significant; a change
    that is not is « non significative », never « stable » (the test cannot say it is stable).
    « e.i. » when either wave is withheld: the export then holds no change (it would give the
    withheld value away)."""
    if value["previous_wave"] is None:
        return NO_VALUE
    if value["change"] is None:
        return NOT_PUBLISHED
    if not value["change_significant"]:
        return f"évolution non significative depuis {value['previous_wave']}"
    return f"{points(value['change'])} depuis {value['previous_wave']}"


def exported_text(provenance: dict, engine: str) -> str:
    """The provenance sentence: when, by which run, from which code, rendered how."""
    exported = dt.datetime.fromisoformat(provenance["exported_at"]).date()
    return (
        f"Chiffres exportés de l'entrepôt le {date(exported)} par l'exécution Dagster "
        f"{inert(provenance['run_id'])}, version du code {inert(provenance['code_version'])} ; "
        f"mise en page : {inert(engine)}."
    )


def input_files_text(inputs: list[dict]) -> str:
    """The delivered files behind the figures, each with its SHA-256, as a list."""
    return "Fichiers livrés utilisés :\n\n" + "\n".join(
        f"- {inert(item['file'])}  \n  SHA-256 {inert(item['sha256'])}" for item in inputs
    )


def published_text(value: dict, published: float) -> str:
    """Whether the programme's published figure lies within the estimate's interval."""
    if value["share"] is None:
        return NO_VALUE
    inside = value["ci_low"] <= published <= value["ci_high"]
    return "dans l'intervalle" if inside else "hors de l'intervalle"


def figure_markdown(chart: dict, source: str = "") -> str:
    """A chart drawn upstream, numbered (« Figure 2 – caption »), with its alternative text
    (``fig-alt``) and its source line."""
    caption = NUMBERING.caption(FIGURE, inert(chart["caption"]))
    file = image_file(chart["file"])
    image = f'![{caption}]({file}){{fig-alt="{attribute(chart["alt"])}"}}\n'
    return image + source_block(source)


def withheld_sentence(labels: list[str], lead: str = vocabulary.WITHHELD_LEAD) -> str:
    """The one sentence under a table naming what it leaves out for lack of sample (empty when
    nothing is withheld); labels are data, written through :func:`inert`."""
    if not labels:
        return ""
    return f"{lead} : {' ; '.join(inert(label) for label in labels)}.\n"


def value_of(wave: dict, code: str) -> dict:
    """One geography's value in an indicator wave, with its base under the name tables use."""
    value = wave["values"][code]
    return {**value, "base_n": value["n"]}


def indicator_table(items: list[tuple[str, dict]], region: str, title: str, figures: dict) -> str:
    """The region beside France for ``items`` (printed label, indicator), publishable rows only,
    numbered under ``title`` and sourced (each indicator's latest wave, from ``figures``).

    A withheld regional value is named in one sentence under the table, not shown as a row of
    marks; when no row is publishable, one sentence says so and the France figures follow.
    """
    source = indicators_source(figures, [item for _, item in items])
    rows, withheld, france_rows, shown = [], [], [], []
    for label, item in items:
        wave = latest(item)
        mine, france = value_of(wave, region), value_of(wave, "FR")
        name = f"{label} ({wave['wave']})"
        france_rows.append(
            [name, share_text(france), interval_text(france) or NO_VALUE, integer(france["n"])]
        )
        if mine["share"] is None:
            withheld.append(name)
            continue
        shown.append((name, mine))
        rows.append(
            [
                name,
                share_text(mine),
                interval_text(mine) or NO_VALUE,
                integer(mine["n"]),
                share_text(france),
                versus_rest_text(mine),
            ]
        )
    if not rows:
        return (
            "Aucun de ces indicateurs n'est publiable pour la région faute d'effectif suffisant ; "
            "en France métropolitaine :\n\n"
            + markdown_table(
                ["Indicateur (vague)", "France", "Intervalle à 95 %", "Base"],
                france_rows,
                "lrrr",
                [6, 2, 3, 1],
                f"{title}, en France métropolitaine",
                source,
            )
        )
    table = markdown_table(
        [
            "Indicateur (vague)",
            "Région",
            "Intervalle à 95 %",
            "Base",
            "France",
            "Écart avec le reste de la France",
        ],
        rows,
        "lrrrrl",
        [6, 2, 3, 1, 2, 3],
        title,
        source,
    )
    return table + "\n" + modelled_note(mine for _, mine in shown) + withheld_sentence(withheld)


def modelled_note(values) -> str:
    """The footnote of a table or chart that prints a modelled value (empty otherwise)."""
    return f"\n{MODELLED_NOTE}\n\n" if any(v["status"] == MODELLED for v in values) else ""


def comparable(value: dict) -> bool:
    """Whether a change may be computed from this value: published directly (never from a
    withheld or a modelled one, docs/publication-rules.md § 4)."""
    return value["share"] is not None and value["status"] != MODELLED


CHANGES_TITLE = "Évolutions entre les deux dernières vagues, dans la région"
CHANGES_TITLE_FRANCE = "Évolutions entre les deux dernières vagues, en France métropolitaine"
CHANGES_WITHHELD_LEAD = (
    "Évolutions non publiées faute d'effectif suffisant dans la région à l'une des deux vagues"
)


def changes_table(figures: dict, region: str) -> str:
    """Changes since the previous wave in the region, for the indicators asked twice: rows
    whose two waves are publishable; the others named in one sentence; the France changes
    when none is publishable in the region."""
    rows, withheld, france_rows = [], [], []
    for item in figures["indicators"]:
        if len(item["waves"]) < 2:
            continue
        earlier, later = item["waves"][-2], item["waves"][-1]
        for code, target in ((region, rows), ("FR", france_rows)):
            before, now = value_of(earlier, code), value_of(later, code)
            if not (comparable(before) and comparable(now)):
                if code == region:
                    withheld.append(item["label"])
                continue
            target.append(
                [
                    item["label"],
                    f"{share_text(before)} ({earlier['wave']})",
                    f"{share_text(now)} ({later['wave']})",
                    change_text(now),
                ]
            )
    header = ["Indicateur", "Vague précédente", "Dernière vague", "Évolution"]
    asked_twice = [item for item in figures["indicators"] if len(item["waves"]) >= 2]
    source = indicators_source(figures, asked_twice, waves=2)
    if not rows:
        return (
            "Aucune évolution n'est publiable pour la région faute d'effectif suffisant ; en "
            "France métropolitaine :\n\n"
            + markdown_table(
                header, france_rows, "lrrl", [6, 2, 2, 3], CHANGES_TITLE_FRANCE, source
            )
        )
    return (
        markdown_table(header, rows, "lrrl", [6, 2, 2, 3], CHANGES_TITLE, source)
        + "\n"
        + withheld_sentence(withheld, CHANGES_WITHHELD_LEAD)
    )
