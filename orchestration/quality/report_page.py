"""The quality report: one French page, self-contained (inline CSS, no script, no network).

It lists every suite on every batch it was last run on (the survey waves, the case database,
the indicator mart), each rule in French with its column, whether it blocks publication, its
result, what was observed and the first offending rows, and when and in which run it was
checked. A delivery refused at the door runs no check: its previous results stay on the page,
dated, and the refusal is listed above them, so a refused run never empties the report.

Every value that comes from data (values, rows, file and batch names, the door's report) is
written through :func:`html_escaped`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from orchestration.publication.escaping import html_escaped
from orchestration.publication.french import MONTHS
from orchestration.quality.records import ExpectationRecord, SuiteRecord
from orchestration.quality.suites import all_suites, suite

TITLE = "Contrôles de qualité des données"
# The suites by what they guard, told apart by their names' prefixes (``expectations/``).
GROUPS = (
    ("survey_", "Enquêtes, vague par vague"),
    ("case_", "Base de cas"),
    ("", "Indicateurs publiés (marts)"),
)
# What GX's Data Docs left in the published folder before this page replaced them.
FORMER_DATA_DOCS = ("validations", "expectations", "static")
REJECTED_SUFFIX = ".rejected.txt"

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem;
  padding: 0 1rem; color: #1d1d1b; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #ddd; }
h3 { font-size: 1.1rem; margin-bottom: .3rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #ccc; padding: .3rem .45rem; text-align: left; vertical-align: top; }
td.long { overflow-wrap: anywhere; }
td ul { margin: 0; padding-left: 1.1rem; }
th { background: #f2f2f2; }
.etat { font-weight: 600; white-space: nowrap; }
.reussi { color: #1b6e2f; } .echec { color: #b00020; } .avertissement { color: #8a5300; }
.absent { color: #666; }
.note { color: #555; font-size: .9rem; margin: .2rem 0; }
.refus { border: 2px solid #b00020; padding: .5rem 1rem; margin-top: 1.5rem;
  background: #fff5f5; }
.refus h2 { margin-top: .5rem; }
pre { white-space: pre-wrap; font-size: .85rem; }
code { font-size: .85rem; }
"""


@dataclass(frozen=True)
class Refusal:
    """A delivery refused at the door and still in the drop zone, with the door's report."""

    file: str
    text: str


def current_refusals(quarantine_dir: Path, raw_dir: Path) -> tuple[Refusal, ...]:
    """The rejection reports of the quarantine whose file is still delivered as it was refused
    (same hash): a delivery corrected or withdrawn since is no longer refused."""
    refusals = []
    for entry in sorted(quarantine_dir.rglob(f"*{REJECTED_SUFFIX}")):
        name, _, digest = entry.name.removesuffix(REJECTED_SUFFIX).rpartition(".")
        relative = entry.parent.relative_to(quarantine_dir) / name
        delivered = raw_dir / relative
        if delivered.is_file() and _sha256(delivered).startswith(digest):
            refusals.append(Refusal(relative.as_posix(), entry.read_text(encoding="utf-8")))
    return tuple(refusals)


def write_report(
    results: list[SuiteRecord], refusals: tuple[Refusal, ...], run: str, site_dir: Path
) -> Path:
    """Write the report of ``results`` and ``refusals`` to ``site_dir/index.html``, written in
    ``run``; remove what GX's Data Docs left there (they loaded their files from CDNs)."""
    site_dir.mkdir(parents=True, exist_ok=True)
    for name in FORMER_DATA_DOCS:
        shutil.rmtree(site_dir / name, ignore_errors=True)
    # A suite since removed from ``expectations/`` has nothing left to report.
    known = {each.name for each in all_suites()}
    results = [result for result in results if result.suite in known]
    page = site_dir / "index.html"
    page.write_text(render(results, refusals, run, dt.datetime.now(dt.UTC)), encoding="utf-8")
    return page


def render(
    results: list[SuiteRecord], refusals: tuple[Refusal, ...], run: str, written: dt.datetime
) -> str:
    """The whole page."""
    body = [
        f"<h1>{TITLE}</h1>",
        f'<p class="note">Page écrite le {_when(written)} (exécution {_text(run)}). '
        "Chaque contrôle garde son dernier résultat, avec sa date et son exécution. "
        "Une règle bloquante en échec arrête la publication ; un avertissement est "
        "seulement signalé.</p>",
        *_refusals(refusals),
        _summary(results),
    ]
    for prefix, title in GROUPS:
        names = [s.name for s in all_suites() if _group(s.name) == prefix]
        body.append(f"<h2>{title}</h2>")
        for name in names:
            body += _suite_section(name, [r for r in results if r.suite == name])
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{TITLE}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _group(suite_name: str) -> str:
    return next(prefix for prefix, _ in GROUPS if suite_name.startswith(prefix))


def _refusals(refusals: tuple[Refusal, ...]) -> list[str]:
    if not refusals:
        return []
    items = "".join(
        f"<li><strong>{_text(r.file)}</strong><pre>{_text(r.text)}</pre></li>" for r in refusals
    )
    return [
        '<section class="refus" id="livraisons-refusees">',
        "<h2>Livraisons refusées à l’entrée</h2>",
        "<p>Ces fichiers ne respectent pas le contrat de livraison : rien n’en a été chargé ni "
        "publié, et leurs contrôles n’ont pas été exécutés. Les résultats ci-dessous sont ceux "
        "des dernières livraisons acceptées. Corrigez le fichier et déposez-le à nouveau.</p>",
        f"<ul>{items}</ul>",
        "</section>",
    ]


def _summary(results: list[SuiteRecord]) -> str:
    rows = "".join(
        f'<tr><td><a href="#{_text(r.anchor)}">{_text(r.batch)}</a></td>'
        f"<td>{_text(_short(suite(r.suite).description))}</td><td>{_state(r)}</td>"
        f"<td>{_when(dt.datetime.fromisoformat(r.validated_at))}</td></tr>"
        for r in sorted(results, key=lambda r: (r.errors == 0, r.warnings == 0, r.anchor))
    )
    return (
        "<h2>En bref</h2><table><thead><tr><th>Table contrôlée</th><th>Contrôle</th>"
        f"<th>Résultat</th><th>Contrôlé le</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _short(description: str) -> str:
    """A suite's description up to its first colon: what it checks, without the detail."""
    return description.split(" : ", 1)[0]


def _suite_section(name: str, results: list[SuiteRecord]) -> list[str]:
    described = suite(name)
    head = [
        f'<h3 id="{_text(name)}">{_text(described.description)}</h3>',
        f'<p class="note">Suite <code>expectations/{_text(name)}.json</code>, '
        f"{described.size} règle(s).</p>",
    ]
    if not results:
        return [*head, '<p class="absent">Pas encore exécutée.</p>']
    return head + [part for result in results for part in _result_section(result)]


def _result_section(result: SuiteRecord) -> list[str]:
    sample = f" Échantillon : {_text(result.sample)}." if result.sample else ""
    rows = "".join(_expectation_row(each) for each in result.expectations)
    return [
        f'<section id="{_text(result.anchor)}">',
        f"<h4>{_text(result.batch)} : {_state(result)}</h4>",
        f'<p class="note">Contrôlé le {_when(dt.datetime.fromisoformat(result.validated_at))}, '
        f"exécution {_text(result.run)}.{sample}</p>",
        "<table><thead><tr><th>Règle</th><th>Colonne</th><th>Portée</th><th>Résultat</th>"
        "<th>Valeur observée</th><th>Lignes en cause (premières)</th></tr></thead>",
        f"<tbody>{rows}</tbody></table>",
        "</section>",
    ]


def _expectation_row(each: ExpectationRecord) -> str:
    scope = "bloquante" if each.blocking else "avertissement"
    if each.success:
        state = '<span class="etat reussi">réussi</span>'
    elif each.blocking:
        state = '<span class="etat echec">échec</span>'
    else:
        state = '<span class="etat avertissement">avertissement</span>'
    offending = "".join(f"<li>{_text(row)}</li>" for row in each.rows)
    values = ", ".join(_text(value) for value in each.values)
    cell = (f"<ul>{offending}</ul>" if offending else "") + (
        f"<p>Valeurs : {values}</p>" if values else ""
    )
    return (
        f"<tr><td>{_text(each.description)} <code>{_text(each.rule)}</code></td>"
        f"<td>{_text(each.column or '–')}</td><td>{scope}</td><td>{state}</td>"
        f'<td class="long">{_text(each.observed)}</td><td class="long">{cell}</td></tr>'
    )


def _state(result: SuiteRecord) -> str:
    if result.errors:
        return f'<span class="etat echec">échec ({result.errors} règle(s) bloquante(s))</span>'
    if result.warnings:
        return f'<span class="etat avertissement">avertissement ({result.warnings})</span>'
    return '<span class="etat reussi">réussi</span>'


def _when(moment: dt.datetime) -> str:
    moment = moment.astimezone(dt.UTC)
    return (
        f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} à "
        f"{moment.hour} h {moment.minute:02d} UTC"
    )


def _text(value: object) -> str:
    """Any value from data, as HTML text."""
    return html_escaped(str(value))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
