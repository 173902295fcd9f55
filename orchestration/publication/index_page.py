"""The ``index.html`` that lists every report with its status (French: readers see it)."""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.publication.french import date
from orchestration.publication.report_jobs import RenderRecord, ReportJob


@dataclass(frozen=True)
class ReportStatus:
    """One report as the index lists it: its files, its last render and whether that render
    is up to date with the current export (``False`` when it is missing or stale)."""

    title: str
    html: Path
    pdf: Path
    record: RenderRecord | None
    current: bool

    @classmethod
    def of(cls, job: ReportJob, engine: str) -> ReportStatus:
        """The status of ``job``'s published files for a render with ``engine``."""
        current = job.data_file.exists() and job.is_current(engine)
        return cls(job.title, job.html, job.pdf, job.record(), current)


def write_index(path: Path, reports: list[ReportStatus], data_docs: Path | None = None) -> Path:
    """Write the index; reports not yet rendered are listed as such, not hidden. ``data_docs``
    is the quality site's index page, linked when it exists."""
    rows = "\n".join(_row(report, path.parent) for report in reports)
    path.parent.mkdir(parents=True, exist_ok=True)
    quality = _quality(data_docs, path.parent)
    path.write_text(_PAGE.format(rows=rows, quality=quality), encoding="utf-8")
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
        return f"<tr><td>{title}</td><td></td><td><em>pas encore publié</em></td></tr>"
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
    when = f"rendu le {date(rendered.date())} ({html.escape(report.record.engine)})"
    if report.current:
        return f"à jour, {when}"
    return f"<strong>en retard sur les données</strong> : {when}"


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
« à jour » quand il a été rendu à partir des données actuellement publiées.</p>
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
