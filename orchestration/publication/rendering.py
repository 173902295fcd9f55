"""Render a report ``.qmd`` to HTML and PDF, with the ``quarto`` CLI when present.

Without Quarto, the built-in engine (``builtin_renderer``) renders the same file. Each render runs
in a private copy of ``reports/`` inside a scratch folder the caller gives (under the project's
temporary folder: ``scratch.render_scratch``): Quarto writes side files next to the source, so
two renders of one ``.qmd`` in the same folder would race. Both formats are produced there;
``publishing.publish_report`` then publishes them together, so a failed render leaves the last
published reports intact.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from orchestration.publication.builtin_renderer import render_with_builtin_engine
from orchestration.publication.escaping import inert
from orchestration.publication.qmd_document import parse_qmd
from orchestration.settings import REPORT_SOURCES_DIR

QUARTO_PATH_VAR = "QUARTO_PATH"
FORMATS = ("html", "pdf")
SOURCE_IGNORE = shutil.ignore_patterns("output", ".quarto", "*_files", "__pycache__")
QUARTO_ENGINE = "Quarto"
BUILTIN_ENGINE = "moteur intégré (pandoc + Typst)"


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
    """The Quarto CLI from ``QUARTO_PATH`` or the PATH, if installed."""
    configured = os.environ.get(QUARTO_PATH_VAR)
    if configured:
        return Path(configured)
    found = shutil.which("quarto")
    return Path(found) if found else None


def engine_name() -> str:
    """The engine a render uses now, as the reports' provenance footer names it."""
    return BUILTIN_ENGINE if find_quarto() is None else QUARTO_ENGINE


def render_report(
    source_name: str,
    params: Mapping[str, object],
    inputs: Mapping[str, Path],
    scratch: Path,
    front_matter: Mapping[str, str] | None = None,
) -> RenderedReport:
    """Render ``reports/<source_name>`` to HTML and PDF inside ``scratch`` (an empty folder).

    ``inputs`` are files copied next to the source under the given names (the report's data).
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
    source = workdir / source_name
    if front_matter:
        set_front_matter(source, front_matter)
    engine = BUILTIN_ENGINE if quarto is None else QUARTO_ENGINE
    # The report names its render engine in its provenance footer.
    params = {**params, "engine": engine}
    if quarto is None:
        produced = render_with_builtin_engine(source, params, FORMATS)
    else:
        produced = _render_with_quarto(quarto, source, params, scratch)
    for path in produced.values():
        if not path.exists():
            raise FileNotFoundError(f"the render did not produce {path.name}")
    return RenderedReport(html=produced["html"], pdf=produced["pdf"], engine=engine)


def set_front_matter(source: Path, values: Mapping[str, str]) -> None:
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
    matter = {**document.front_matter, **{key: inert(value) for key, value in values.items()}}
    header = yaml.safe_dump(matter, allow_unicode=True, sort_keys=False)
    source.write_text("---\n" + header + "---\n" + "".join(lines[closing + 1 :]), "utf-8")


def _render_with_quarto(
    quarto: Path, source: Path, params: Mapping[str, object], scratch: Path
) -> dict[str, Path]:
    # A params file, not -P: values such as region codes stay strings ("07"), as YAML says.
    params_file = source.with_name(f"{source.stem}-params.yml")
    params_file.write_text(yaml.safe_dump(dict(params), allow_unicode=True), encoding="utf-8")
    # No --to: `quarto render` renders every format of the front matter (html and typst).
    command = [str(quarto), "render", source.name, "--execute-params", params_file.name]
    # Quarto must execute the cells with this environment's Python, where the project lives.
    # Its temporary files and its kernel's connection file go to the render's scratch folder,
    # removed with it, not to the system's temporary folder.
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
        raise RuntimeError(
            f"quarto render {source.name} failed ({completed.returncode}):\n{completed.stderr}"
        )
    return {fmt: source.with_suffix(f".{fmt}") for fmt in FORMATS}
