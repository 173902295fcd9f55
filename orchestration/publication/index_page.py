"""The ``index.html`` that lists every report with its status (French: readers see it).

It is written from what is published (the files and their render records), with the reason of
each report's last failed render: « à jour », « en retard sur les données » (and why), or « pas
encore publié ».
"""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.publication.french import date
from orchestration.publication.report_jobs import (
    RenderFailure,
    RenderRecord,
    ReportJob,
    write_text_atomically,
)


@dataclass(frozen=True)
class ReportStatus:
    """One report as the index lists it: its files, its last render, whether that render
    is up to date with the current export (``False`` when it is missing or stale), and the last
    failed render since the last successful one."""

    title: str
    html: Path
    pdf: Path
    record: RenderRecord | None
    current: bool
    failure: RenderFailure | None = None

    @classmethod
    def of(cls, job: ReportJob, engine: str) -> ReportStatus:
        """The status of ``job``'s published files for a render with ``engine``."""
        current = job.data_file.exists() and _is_current(job, engine)
        return cls(job.title, job.html, job.pdf, job.record(), current, job.failure())


def _is_current(job: ReportJob, engine: str) -> bool:
    try:
        return job.is_current(engine)
    except (OSError, ValueError):  # an unreadable export or image: not rendered from it
        return False


def write_index(
    path: Path,
    reports: list[ReportStatus],
    data_docs: Path | None = None,
    synthetic: bool = False,
) -> Path:
    """Write the index; reports not yet rendered are listed as such, not hidden. ``data_docs``
    is the quality site's index page, linked when it exists; ``synthetic`` prints the
    illustrative-data notice, as the reports do."""
    rows = "\n".join(_row(report, path.parent) for report in reports)
    path.parent.mkdir(parents=True, exist_ok=True)
    quality = _quality(data_docs, path.parent)
    notice = _ILLUSTRATIVE_NOTICE if synthetic else ""
    # By rename: a reader (or a web server) never sees half a page.
    write_text_atomically(path, _PAGE.format(rows=rows, quality=quality, notice=notice))
    return path


def _quality(data_docs: Path | None, base: Path) -> str:
    if data_docs is None or not data_docs.exists():
        return "<p>Contrôles de qualité : <em>pas encore exécutés</em>.</p>"
    href = html.escape(Path(os.path.relpath(data_docs, base)).as_posix())
    return (
        f'<p><a href="{href}">Contrôles de qualité des données</a> : le résultat de chaque '
        "règle vérifiée avant publication (Great Expectations).</p>"
    )


def _row(report: ReportStatus, base: Path) -> str:
    title = html.escape(report.title)
    if not report.html.exists():
        state = f"<em>pas encore publié</em>{_failure_text(report.failure)}"
        return f"<tr><td>{title}</td><td></td><td>{state}</td></tr>"
    link = f'<a href="{report.html.relative_to(base).as_posix()}">{title}</a>'
    pdf = (
        f'<a href="{report.pdf.relative_to(base).as_posix()}">PDF</a>'
        if report.pdf.exists()
        else ""
    )
    return f"<tr><td>{link}</td><td>{pdf}</td><td>{_status_text(report)}</td></tr>"


def _status_text(report: ReportStatus) -> str:
    if report.record is None:
        return "<em>origine du rendu inconnue</em>"
    rendered = dt.datetime.fromisoformat(report.record.rendered_at)
    # The render engine is technical provenance: it stays in the report's annex.
    when = f"rendu le {date(rendered.date())}"
    if report.current:
        return f"à jour, {when}"
    return f"<strong>en retard sur les données</strong> : {when}{_failure_text(report.failure)}"


def _failure_text(failure: RenderFailure | None) -> str:
    """`` ; le rendu du <date> a échoué : <raison>``, or nothing."""
    if failure is None:
        return ""
    failed = dt.datetime.fromisoformat(failure.failed_at)
    reason = html.escape(failure.reason)
    return f" ; le rendu du {date(failed.date())} a échoué : {reason}"


_ILLUSTRATIVE_NOTICE = (
    "<p><strong>Données illustratives.</strong> Les chiffres de ces rapports sont calculés sur "
    "des données synthétiques livrées avec le projet pour le démontrer ; ils ne décrivent pas "
    "l'opinion réelle des habitants.</p>"
)
_PAGE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Observatoire des partenariats – rapports IMPACT</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #1f2933; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #d6dae0; }}
</style>
</head>
<body>
<h1>Observatoire des partenariats – rapports IMPACT</h1>
<p>La synthèse nationale et les 13 rapports régionaux, en HTML et en PDF. Un rapport est
« à jour » quand il a été rendu à partir des données actuellement publiées ; « en retard sur les
données » quand la version en ligne a été rendue à partir de données antérieures (la raison est
indiquée si son dernier rendu a échoué).</p>
{notice}
<table>
<thead><tr><th>Rapport</th><th>PDF</th><th>État</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
{quality}
</body>
</html>
"""
