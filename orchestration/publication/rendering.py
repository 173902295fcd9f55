"""Render a report ``.qmd`` to HTML and PDF, with the ``quarto`` CLI when present.

Without Quarto, the built-in engine (``builtin_renderer``) renders the same file. Each render runs
in a private copy of ``reports/`` inside a scratch folder the caller gives (under the project's
temporary folder: ``scratch.render_scratch``): Quarto writes side files next to the source, so
two renders of one ``.qmd`` in the same folder would race. Both formats are produced there;
``publishing.publish_report`` then publishes them together, so a failed render leaves the last
published reports intact.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml

from orchestration.publication.builtin_renderer import render_with_builtin_engine
from orchestration.publication.escaping import inert
from orchestration.publication.executed_notebook import write_executed_notebook
from orchestration.publication.fonts import copy_report_fonts
from orchestration.publication.publishing import publish_report
from orchestration.publication.qmd_document import parse_qmd
from orchestration.publication.report_jobs import REPORT_DATA_FILE, RenderRecord, ReportJob
from orchestration.publication.scratch import render_scratch
from orchestration.settings import REPORT_SOURCES_DIR

QUARTO_PATH_VAR = "QUARTO_PATH"
FORMATS = ("html", "pdf")
SOURCE_IGNORE = shutil.ignore_patterns("output", ".quarto", "*_files", "__pycache__")
QUARTO_ENGINE = "Quarto"
BUILTIN_ENGINE = "moteur intégré (pandoc + Typst)"
# Quarto colours its messages even into a pipe; the run's summary wants plain text.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# What of Quarto's stderr an error message keeps: its end, where Quarto says what failed.
STDERR_LINES = 15
STDERR_CHARS = 2000


class QuartoNotFoundError(FileNotFoundError):
    """``QUARTO_PATH`` names no executable file. The message is in French: analysts read it."""


class QuartoRenderError(RuntimeError):
    """``quarto render`` failed, or its HTML lacks an image; the message is in French."""


@dataclass(frozen=True)
class RenderedReport:
    """The files one render produced (in its scratch folder), and its engine."""

    html: Path
    pdf: Path
    engine: str

    @property
    def produced(self) -> dict[str, Path]:
        """The files by format, as ``publishing.publish_report`` takes them."""
        return {"html": self.html, "pdf": self.pdf}


def find_quarto() -> Path | None:
    """The Quarto CLI from ``QUARTO_PATH`` or the PATH, if installed.

    A ``QUARTO_PATH`` that names no executable raises :class:`QuartoNotFoundError` rather than
    falling back to the built-in engine: whoever set it asked for Quarto, and a silent switch
    would re-render and republish every report with another engine (the engine is part of each
    report's key) while the cause, often a typo, went unnoticed.
    """
    configured = os.environ.get(QUARTO_PATH_VAR)
    if configured:
        path = Path(configured)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise QuartoNotFoundError(
                f"QUARTO_PATH désigne « {configured} », qui n'est pas un programme exécutable : "
                f"corrigez ce chemin, ou retirez QUARTO_PATH pour rendre avec le moteur intégré"
            )
        return path
    found = shutil.which("quarto")
    return Path(found) if found else None


@functools.cache
def quarto_version(quarto: Path) -> str:
    """``quarto --version`` (``1.11.0``), asked once per process and executable."""
    try:
        done = subprocess.run(
            [str(quarto), "--version"], capture_output=True, text=True, check=False, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        message = f"« {quarto} --version » n'a pas pu être lancé : {error}"
        raise QuartoRenderError(message) from error
    version = done.stdout.strip()
    if done.returncode != 0 or not version:
        raise QuartoRenderError(
            f"« {quarto} --version » a échoué ({done.returncode}) : {clean_stderr(done.stderr)}"
        )
    return version.splitlines()[-1].strip()


def engine_name() -> str:
    """The engine a render uses now, as the reports' provenance footer names it and as each
    report's key holds it: with Quarto, its version too, so that upgrading Quarto re-renders."""
    return _engine_of(find_quarto())


def _engine_of(quarto: Path | None) -> str:
    return BUILTIN_ENGINE if quarto is None else f"{QUARTO_ENGINE} {quarto_version(quarto)}"


def render_report(
    source_name: str,
    params: Mapping[str, object],
    inputs: Mapping[str, Path],
    scratch: Path,
    front_matter: Mapping[str, str | dt.date] | None = None,
) -> RenderedReport:
    """Render ``reports/<source_name>`` to HTML and PDF inside ``scratch`` (an empty folder).

    ``inputs`` are files copied next to the source under the given names (the report's data),
    and so are the reports' fonts (``fonts.copy_report_fonts``).
    ``front_matter`` overrides keys of the copy's front matter (the report's own title, the
    month of publication): both engines take the document's title, HTML ``<title>`` and PDF
    metadata from there. Its values are plain text; they are escaped here.
    Raises when either format could not be produced.
    """
    quarto = find_quarto()
    workdir = scratch / "reports"
    shutil.copytree(REPORT_SOURCES_DIR, workdir, ignore=SOURCE_IGNORE)
    for name, path in inputs.items():
        shutil.copyfile(path, workdir / name)
    copy_report_fonts(workdir)
    source = workdir / source_name
    if front_matter:
        set_front_matter(source, front_matter)
    engine = _engine_of(quarto)
    # The report names its render engine in its provenance footer.
    params = {**params, "engine": engine}
    if quarto is None:
        produced = render_with_builtin_engine(source, params, FORMATS)
    else:
        produced = render_with_quarto(quarto, source, params, scratch)
    for path in produced.values():
        if not path.exists():
            raise FileNotFoundError(f"the render did not produce {path.name}")
    return RenderedReport(html=produced["html"], pdf=produced["pdf"], engine=engine)


def render_and_publish(job: ReportJob, key: str, run_id: str) -> RenderedReport:
    """Render ``job`` from its current export in a scratch folder, then publish both formats
    together with the record of ``key`` (the render steps and ``make report`` alike)."""
    with render_scratch(job.paths.scratch_dir) as scratch:
        report = render_report(
            job.source,
            {**job.params, "data": REPORT_DATA_FILE},
            job.inputs(),
            scratch,
            job.front_matter(dt.date.today()),
        )
        publish_report(job, report.produced, RenderRecord.now(key, run_id, report.engine))
    return report


def set_front_matter(source: Path, values: Mapping[str, str | dt.date]) -> None:
    """Overwrite ``values`` in the front matter of ``source`` (a scratch copy), as inert text.

    A value may come from data (a region's name): pandoc reads front matter strings as
    markdown, so each goes through :func:`inert`, and YAML's own dumper quotes it, so that no
    value can end the string, add a key or close the front matter.
    """
    text = source.read_text(encoding="utf-8")
    document = parse_qmd(text)
    lines = text.splitlines(keepends=True)
    # The body starts after the second "---" line; the parser has checked there is one.
    closing = next(i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "..."))
    # A date (the month of publication) is written as a YAML date, which both engines read.
    written = {k: v if isinstance(v, dt.date) else inert(v) for k, v in values.items()}
    matter = {**document.front_matter, **written}
    header = yaml.safe_dump(matter, allow_unicode=True, sort_keys=False)
    source.write_text("---\n" + header + "---\n" + "".join(lines[closing + 1 :]), "utf-8")


def render_with_quarto(
    quarto: Path, source: Path, params: Mapping[str, object], scratch: Path
) -> dict[str, Path]:
    """Render ``source`` (in a private folder under ``scratch``) to HTML and PDF with Quarto.

    The document is executed once, by the project's executor, into ``<stem>.ipynb``
    (``executed_notebook``); ``quarto render <stem>.ipynb --no-execute`` then writes both
    formats of the front matter from it. Quarto left to itself executes a ``.qmd`` once per
    format, each time in a new kernel: most of a render's time.
    """
    notebook = write_executed_notebook(source, params)
    # No --to: `quarto render` renders every format of the front matter (html and typst).
    command = [str(quarto), "render", notebook.name, "--no-execute"]
    # Quarto is told this environment's Python, where the project lives, should it need one.
    # Its temporary files go to the render's scratch folder, removed with it, not to the
    # system's temporary folder.
    environment = {
        **os.environ,
        "QUARTO_PYTHON": sys.executable,
        "TMPDIR": str(scratch),
        "JUPYTER_RUNTIME_DIR": str(scratch),
    }
    completed = subprocess.run(
        command, cwd=source.parent, env=environment, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise QuartoRenderError(
            f"quarto render {notebook.name} a échoué (code {completed.returncode}) :\n"
            f"{clean_stderr(completed.stderr)}"
        )
    produced = {fmt: source.with_suffix(f".{fmt}") for fmt in FORMATS}
    if produced["html"].exists():
        check_images_embedded(produced["html"])
    return produced


def clean_stderr(stderr: str) -> str:
    """Quarto's stderr without colour codes, cut to its last lines (where the error is)."""
    lines = [line.rstrip() for line in _ANSI_ESCAPE.sub("", stderr).splitlines() if line.strip()]
    text = "\n".join(lines[-STDERR_LINES:])
    return text if len(text) <= STDERR_CHARS else "…" + text[-(STDERR_CHARS - 1) :]


class _ImageSources(HTMLParser):
    """The ``src`` of every ``<img>`` of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.append(dict(attrs).get("src") or "")


def check_images_embedded(html: Path) -> None:
    """Raise unless every image of ``html`` is embedded (a ``data:`` URI). Quarto exits 0 when
    an image is missing and leaves its file name, which is a broken image once published."""
    parser = _ImageSources()
    parser.feed(html.read_text(encoding="utf-8"))
    missing = [src for src in parser.sources if not src.startswith("data:")]
    if missing:
        raise QuartoRenderError(
            f"{html.name} : image(s) non intégrée(s) dans la page, absente(s) au rendu : "
            + ", ".join(missing)
        )
