"""The ``index.html`` that links every published report (French: readers see it)."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.geography import Region


@dataclass(frozen=True)
class ReportLink:
    """One report as listed on the index: its title and its two files, if published."""

    title: str
    html: Path
    pdf: Path


def report_links(reports_dir: Path, regions: tuple[Region, ...]) -> list[ReportLink]:
    """The national synthesis then the 13 regions, with their expected file names."""
    return [
        ReportLink("Synthèse nationale", *_files(reports_dir, national_stem())),
        *(
            ReportLink(region.name, *_files(reports_dir, regional_stem(region)))
            for region in regions
        ),
    ]


def national_stem() -> str:
    """File name (without extension) of the national synthesis."""
    return "synthese-nationale"


def regional_stem(region: Region) -> str:
    """File name (without extension) of a regional report: ``region-84-auvergne-rhone-alpes``."""
    return f"region-{region.slug}"


def write_index(path: Path, links: list[ReportLink], data_docs: Path | None = None) -> Path:
    """Write the index; reports not yet rendered are listed as such, not hidden. ``data_docs``
    is the quality site's index page, linked when it exists."""
    items = "\n".join(_item(link, path.parent) for link in links)
    path.parent.mkdir(parents=True, exist_ok=True)
    quality = _quality(data_docs, path.parent)
    path.write_text(_PAGE.format(items=items, quality=quality), encoding="utf-8")
    return path


def _quality(data_docs: Path | None, base: Path) -> str:
    if data_docs is None or not data_docs.exists():
        return "<p>Contrôles de qualité : <em>pas encore exécutés</em>.</p>"
    href = html.escape(Path(os.path.relpath(data_docs, base)).as_posix())
    return (
        f'<p><a href="{href}">Contrôles de qualité des données</a> : le résultat de chaque '
        "règle vérifiée avant publication (Great Expectations).</p>"
    )


def _files(reports_dir: Path, stem: str) -> tuple[Path, Path]:
    return reports_dir / f"{stem}.html", reports_dir / f"{stem}.pdf"


def _item(link: ReportLink, base: Path) -> str:
    title = html.escape(link.title)
    if not link.html.exists():
        return f"<li>{title} : <em>pas encore publié</em></li>"
    parts = [f'<a href="{link.html.relative_to(base).as_posix()}">{title}</a>']
    if link.pdf.exists():
        parts.append(f'(<a href="{link.pdf.relative_to(base).as_posix()}">PDF</a>)')
    return f"<li>{' '.join(parts)}</li>"


_PAGE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Observatoire des partenariats – rapports IMPACT</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #1f2933; }}
li {{ margin: 0.3rem 0; }}
</style>
</head>
<body>
<h1>Observatoire des partenariats – rapports IMPACT</h1>
<p>La synthèse nationale et les 13 rapports régionaux, en HTML et en PDF.</p>
<ul>
{items}
</ul>
{quality}
</body>
</html>
"""
