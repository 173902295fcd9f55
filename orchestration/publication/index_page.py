"""``index.html``, the front page of the publication (French: readers see it).

It is written from what is published (the files and their render records) and from the
synthesis's export (the figures the reports print): the date of publication, the
illustrative-data notice, the national synthesis, then the 13 regions on a map and in a table,
each with its headline figure, its links and whether it is up to date (« à jour », « en retard
sur les données », « pas encore publié »). How the reports were made (engine, run, failed
renders and their technical reasons) is told in the last section, « À propos de cette
publication », never in the reader's part. Every text from data goes through
:func:`html_escaped`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.publication import index_figures as figures_text
from orchestration.publication.escaping import html_escaped
from orchestration.publication.french import date, decimal
from orchestration.publication.geo_shapes import CONTOURS_ATTRIBUTION
from orchestration.publication.index_figures import LEGEND, MAP_RULE, Headline
from orchestration.publication.index_map import MapRegion, regions_svg
from orchestration.publication.index_style import BODY, HEAD, french_spacing
from orchestration.publication.report_jobs import (
    RenderFailure,
    RenderRecord,
    ReportJob,
    write_text_atomically,
)
from orchestration.publication.vocabulary import (
    NOT_PUBLISHED,
    NOT_PUBLISHED_LEGEND,
    NOT_PUBLISHED_MEANING,
)

ILLUSTRATIVE_NOTICE = (
    "<strong>Données illustratives.</strong> Les chiffres de ces rapports sont calculés sur "
    "des données synthétiques livrées avec le projet pour le démontrer ; ils ne décrivent pas "
    "l'opinion réelle des habitants."
)
FRAGILE_NOTE = (
    "« (effectif faible) » : valeur reposant sur 30 à 99 répondants, à lire avec prudence."
)


@dataclass(frozen=True)
class ReportStatus:
    """One report as the index lists it: its files, its last render, whether that render
    is up to date with the current export (``False`` when it is missing or stale), the last
    failed render since the last successful one, and its region (``None``: the synthesis)."""

    title: str
    html: Path
    pdf: Path
    record: RenderRecord | None
    current: bool
    failure: RenderFailure | None = None
    region: str | None = None

    @classmethod
    def of(cls, job: ReportJob) -> ReportStatus:
        """The status of ``job``'s published files."""
        current = job.data_file.exists() and _is_current(job)
        region = job.params.get("region")
        return cls(job.title, job.html, job.pdf, job.record(), current, job.failure(), region)

    @property
    def published(self) -> bool:
        """Whether its HTML is online (the PDF may lag behind it after a failed render)."""
        return self.html.exists()


def _is_current(job: ReportJob) -> bool:
    try:
        return job.is_current()
    except (OSError, ValueError):  # an unreadable export or image: not rendered from it
        return False


def write_index(
    path: Path,
    reports: list[ReportStatus],
    export: dict | None = None,
    data_docs: Path | None = None,
) -> Path:
    """Write the index; reports not yet rendered are listed as such, not hidden. ``export`` is
    the synthesis's export (its figures and whether they are illustrative; ``None`` when it
    cannot be read); ``data_docs`` is the quality site's index page, linked when it exists."""
    base = path.parent
    headline = Headline.of(export) if export else None
    synthesis = next((report for report in reports if report.region is None), None)
    regional = [report for report in reports if report.region is not None]
    body = BODY.format(
        published=_publication_date(reports),
        notice=f'<p class="avis">{ILLUSTRATIVE_NOTICE}</p>'
        if export and export["synthetic"]
        else "",
        synthesis=_synthesis(synthesis, headline, base),
        regions=_regions(regional, headline, base),
        about=_about(reports, export, data_docs, base),
    )
    # By rename: a reader (or a web server) never sees half a page.
    write_text_atomically(path, HEAD + french_spacing(body))
    return path


def _escaped(value: object) -> str:
    return str(html_escaped(str(value)))


def _relative(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path, base)).as_posix()


def _href(path: Path, base: Path) -> str:
    return _escaped(_relative(path, base))


def _day(timestamp: str) -> str:
    return date(dt.datetime.fromisoformat(timestamp).date())


# --- The reader's part ---------------------------------------------------------------------


def _publication_date(reports: list[ReportStatus]) -> str:
    """« Publication du 3 décembre 2026 »: the latest render of what is online."""
    renders = [r.record.rendered_at for r in reports if r.published and r.record is not None]
    if not renders:
        return "Aucun rapport n'est encore publié."
    return f"Publication du {_escaped(_day(max(renders)))}"


def _synthesis(report: ReportStatus | None, headline: Headline | None, base: Path) -> str:
    figure = f"<p>{_escaped(headline.france_sentence())}</p>" if headline else ""
    if report is None:
        return figure
    if not report.published:
        return f'{figure}\n<p class="etat">{_state(report)}</p>'
    links = (
        f'<a class="lire" href="{_href(report.html, base)}">Lire la synthèse nationale</a> '
        f'{_pdf_link(report, base, "version PDF")} · <span class="etat">{_state(report)}</span>'
    )
    return f'{figure}\n<p class="liens">{links}</p>'


def _pdf_link(report: ReportStatus, base: Path, text: str) -> str:
    if not report.pdf.exists():
        return ""
    size = decimal(report.pdf.stat().st_size / 1e6, 1)
    return f'<a href="{_href(report.pdf, base)}">{_escaped(text)}</a> ({_escaped(size)}\u00a0Mo)'


def _state(report: ReportStatus) -> str:
    """« à jour », « en retard sur les données (…) » or « pas encore publié (…) », in plain
    French: the technical reason of a failed render is in « À propos de cette publication »."""
    failed = (
        f"la mise à jour du {_escaped(_day(report.failure.failed_at))} a échoué"
        if report.failure is not None
        else ""
    )
    if not report.published:
        return "<em>pas encore publié</em>" + (f" ({failed})" if failed else "")
    if report.current:
        return "à jour"
    if report.record is None:
        reason = failed or "version d'origine inconnue"
    else:
        version = f"version du {_escaped(_day(report.record.rendered_at))}"
        reason = f"{version} ; {failed or 'mise à jour en attente'}"
    return f"<strong>en retard sur les données</strong> ({reason})"


def _regions(reports: list[ReportStatus], headline: Headline | None, base: Path) -> str:
    """The map, then the table: each region's headline figure, links and state."""
    rows = "\n".join(_region_row(report, headline, base) for report in reports)
    survey = _escaped(headline.survey) if headline else "enquête auprès des citoyens"
    table = (
        f"<table>\n<caption>Part des habitants qui jugent nécessaire de « jouer collectif » "
        f"face aux crises, par région ({survey})</caption>\n"
        '<thead><tr><th scope="col">Région</th><th scope="col">Part</th>'
        '<th scope="col">Intervalle à 95 %</th><th scope="col">Écart avec le reste de la '
        'France</th><th scope="col">PDF</th><th scope="col">État</th></tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )
    return (
        f'{_map(reports, headline, base)}\n<div class="tableau">\n{table}\n</div>\n'
        f"{_table_notes(headline)}"
    )


def _region_row(report: ReportStatus, headline: Headline | None, base: Path) -> str:
    value = headline.value(report.region) if headline else None
    name = _escaped(report.title)
    link = f'<a href="{_href(report.html, base)}">{name}</a>' if report.published else name
    share = _escaped(figures_text.share_text(value))
    if headline and (value is None or value["share"] is None):
        france = _escaped(figures_text.share_text(headline.france))
        share += f' <span class="france">(France métropolitaine : {france})</span>'
    cells = [
        f'<th scope="row">{link}</th>',
        f'<td class="nombre">{share}</td>',
        f'<td class="nombre">{_escaped(figures_text.interval_text(value))}</td>',
        f"<td>{_escaped(figures_text.versus_rest_text(value))}</td>",
        f'<td class="pdf">{_pdf_link(report, base, "PDF") if report.published else ""}</td>',
        f'<td class="etat">{_state(report)}</td>',
    ]
    return f'<tr id="region-{_escaped(report.region)}">' + "".join(cells) + "</tr>"


def _map(reports: list[ReportStatus], headline: Headline | None, base: Path) -> str:
    """The regions on a map, each a link to its report, coloured only by its test against the
    rest of France, with the rule, the legend and the contours' source in the caption."""
    shown = {}
    for report in reports:
        value = headline.value(report.region) if headline else None
        title = f"{report.title} : {_tooltip(value, headline)}"
        if not report.published:
            title += " ; rapport pas encore publié"
        href = _relative(report.html, base) if report.published else None
        fill = headline.map_class(report.region) if headline else figures_text.NO_DIFFERENCE
        shown[report.region] = MapRegion(title, href, fill)
    svg = regions_svg(shown, "Carte des 13 régions : chaque région mène à son rapport")
    legend = "".join(
        f'<li><svg width="14" height="14" aria-hidden="true"><rect class="{css}" width="14" '
        f'height="14"/></svg> {_escaped(text)}</li>'
        for css, text in LEGEND
    )
    names = {report.region: report.title for report in reports}
    summary = f"{_escaped(headline.summary(names))} " if headline else ""
    return (
        f'<figure class="carte">\n{_HATCH}\n{svg}\n<figcaption><p>{summary}{_escaped(MAP_RULE)}</p>'
        f'<ul class="legende">{legend}</ul>\n<p>{_escaped(CONTOURS_ATTRIBUTION)}</p>'
        "</figcaption>\n</figure>"
    )


def _tooltip(value: dict | None, headline: Headline | None) -> str:
    """« 81,2 % [77,3 % ; 85,7 %] », or « e.i. (effectif insuffisant, …) » and France's."""
    if headline is None:
        return "chiffre indisponible"
    if value is None or value["share"] is None:
        france = figures_text.share_text(headline.france)
        return f"{NOT_PUBLISHED} ({NOT_PUBLISHED_MEANING} ; France métropolitaine : {france})"
    return f"{figures_text.share_text(value)} {figures_text.interval_text(value)}"


def _table_notes(headline: Headline | None) -> str:
    if headline is None:
        return "<p>Les chiffres de l'enquête ne sont pas disponibles.</p>"
    statuses = {value["status"] for value in headline.values.values()}
    notes = [
        "Intervalle de confiance à 95 %. L'écart avec le reste de la France n'est donné que "
        "s'il est significatif (test à 5 %).",
        NOT_PUBLISHED_LEGEND if "suppressed" in statuses else "",
        FRAGILE_NOTE if "fragile" in statuses else "",
        "« À jour » : le rapport publié reprend les données actuelles ; « en retard sur les "
        "données » : la version en ligne a été faite à partir de données antérieures.",
    ]
    return "".join(f'<p class="note">{_escaped(note)}</p>' for note in notes if note)


# A hatch for the withheld regions, as on the reports' maps (« e.i. » is never a colour class).
_HATCH = (
    '<svg width="0" height="0" aria-hidden="true" style="position:absolute"><defs>'
    '<pattern id="hachures" width="5" height="5" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="5" height="5" fill="#fff"/>'
    '<line x1="0" y1="0" x2="0" y2="5" stroke="#8c8c8c" stroke-width="1.5"/></pattern>'
    "</defs></svg>"
)


# --- À propos de cette publication ----------------------------------------------------------


def _about(
    reports: list[ReportStatus], export: dict | None, data_docs: Path | None, base: Path
) -> str:
    """How the publication was made: the export's run and code version, the render engines,
    the failed renders with their technical reason, and the quality checks."""
    items = [_exported(export), _engines(reports), *_failures(reports), _quality(data_docs, base)]
    return "\n".join(f"<li>{item}</li>" for item in items if item)


def _exported(export: dict | None) -> str:
    if not export:
        return "Chiffres : export illisible ou absent."
    provenance = export["provenance"]
    return (
        f"Chiffres exportés de l'entrepôt le {_escaped(_day(provenance['exported_at']))} par "
        f"l'exécution Dagster {_escaped(provenance['run_id'])}, version du code "
        f"{_escaped(provenance['code_version'])}."
    )


def _engines(reports: list[ReportStatus]) -> str:
    counts: dict[str, int] = {}
    for report in reports:
        if report.published and report.record is not None:
            counts[report.record.engine] = counts.get(report.record.engine, 0) + 1
    if not counts:
        return ""
    engines = " ; ".join(
        f"{_escaped(engine)}, {count} rapport{'s' if count > 1 else ''}"
        for engine, count in sorted(counts.items())
    )
    return f"Mise en page : {engines}."


def _failures(reports: list[ReportStatus]) -> list[str]:
    return [
        f"Rendu échoué de « {_escaped(report.title)} » le "
        f"{_escaped(_day(report.failure.failed_at))} : {_escaped(report.failure.reason)}"
        for report in reports
        if report.failure is not None and not report.current
    ]


def _quality(data_docs: Path | None, base: Path) -> str:
    if data_docs is None or not data_docs.exists():
        return "Contrôles de qualité des données : <em>pas encore exécutés</em>."
    return (
        f'<a href="{_href(data_docs, base)}">Contrôles de qualité des données</a> : le résultat '
        "de chaque règle vérifiée avant publication (Great Expectations)."
    )
