"""Built-in rendering engine for the ``.qmd`` reports, for machines without the Quarto CLI.

The report is executed in a Jupyter kernel (nbclient), its cells and outputs are assembled into
Pandoc markdown, and pandoc (bundled with pypandoc-binary) writes a self-contained HTML file and
a Typst source that the ``typst`` package compiles to PDF, offline. Only the Quarto features the
reports use are honoured, so that the same ``.qmd`` also renders with ``quarto render``:

* parameters: a cell tagged ``parameters`` whose values are overridden by an injected cell;
* cell options ``echo``, ``eval``, ``include``, ``output`` (``true``/``false``/``asis``),
  ``warning``, ``label`` and ``fig-cap``, with document defaults from the front matter
  ``execute:`` key;
* ``@fig-...`` cross-references to captioned, labelled figures;
* front matter ``title``, ``subtitle``, ``author``, ``date`` (``today`` too; ``date-format``
  for an ISO date), ``lang``, and per
  format ``toc``, ``toc-depth``, ``toc-title``, ``number-sections``; for HTML also ``css``
  (files beside the document); for Typst also
  ``papersize``, ``margin``, ``fontsize``, ``mainfont``, ``section-numbering``, ``columns``,
  ``font-paths`` (folders beside the document) and ``template-partials``: Quarto's
  ``typst-template.typ`` and ``typst-show.typ`` (one folder), which a pandoc template of this
  engine includes in the order Quarto's own template does (``typst/template.typ``), so that both
  engines set the document with the same house style;
* ``filters``: Lua filters beside the document, run by pandoc in the order given (Quarto runs
  a document's own filters before its own, which the reports' filters do not depend on).

The engine parses the ``.qmd`` (``qmd_document.py``), executes it (``qmd_execution.py``),
assembles Pandoc markdown (``qmd_markdown.py``), then converts it here with pandoc and Typst.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pypandoc
import typst
import yaml

from orchestration.publication.french import MONTHS
from orchestration.publication.qmd_document import QmdDocument
from orchestration.publication.qmd_execution import BuiltinRenderError, execute_qmd
from orchestration.publication.qmd_markdown import Piece, collect_pieces, to_markdown
from orchestration.publication.typst_setup import font_paths, typst_template_args

# Our output formats, and the Quarto format (front matter ``format:`` key) each one stands for.
QUARTO_FORMATS = {"html": "html", "pdf": "typst"}

# Citations off: ``@fig-x`` is a Quarto cross-reference, and a citation without a bibliography
# makes Typst fail.
_PANDOC_READER = "markdown-citations"
_METADATA_KEYS = ("title", "subtitle", "date", "lang", "toc-title")
_TYPST_METADATA_KEYS = (
    *_METADATA_KEYS,
    "papersize",
    "margin",
    "fontsize",
    "mainfont",
    "section-numbering",
    "columns",
)


_ENGLISH_MONTHS = tuple(date(2000, month, 1).strftime("%B") for month in range(1, 13))


def render_with_builtin_engine(
    qmd_path: Path, params: Mapping[str, object], formats: Sequence[str]
) -> dict[str, Path]:
    """Render ``qmd_path`` with ``params`` to each of ``formats`` ("html", "pdf").

    Side files (figures, intermediate markdown, CSS, Typst source) are written next to the qmd,
    so the caller should give a private folder. Returns ``{format: path}`` for
    ``<stem>.html`` / ``<stem>.pdf``. Raises ``ValueError`` for bad arguments and
    ``BuiltinRenderError`` when a cell, pandoc or Typst fails.
    """
    qmd_path = Path(qmd_path).resolve()
    targets = _check_formats(formats)
    document, outputs = execute_qmd(qmd_path, params)
    pieces = collect_pieces(document, outputs, qmd_path)
    renderers = {"html": _render_html, "pdf": _render_pdf}
    return {target: renderers[target](document, pieces, qmd_path) for target in targets}


def _check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    unknown = sorted(set(formats) - QUARTO_FORMATS.keys())
    if unknown or not formats:
        raise ValueError(f"formats must be among {sorted(QUARTO_FORMATS)}, got {list(formats)}")
    return tuple(dict.fromkeys(formats))


def _format_options(front_matter: Mapping[str, Any], quarto_format: str) -> dict[str, Any]:
    """Front matter keys overlaid with those under ``format: <quarto_format>:``."""
    formats = front_matter.get("format")
    specific = formats.get(quarto_format) if isinstance(formats, dict) else None
    return {**front_matter, **(specific if isinstance(specific, dict) else {})}


def _pandoc_metadata(options: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    metadata = {key: options[key] for key in keys if options.get(key) is not None}
    if options.get("author"):
        metadata["author"] = _author_names(options["author"])
        # Quarto's name for the normalised authors, which template partials read.
        metadata["by-author"] = [{"name": {"literal": name}} for name in metadata["author"]]
    lang = str(metadata.get("lang", ""))
    if metadata.get("date") == "today":
        metadata["date"] = _today(lang) if not options.get("date-format") else date.today()
    if options.get("date-format") and metadata.get("date"):
        metadata["date"] = _formatted_date(metadata["date"], str(options["date-format"]), lang)
    return metadata


def _formatted_date(value: Any, date_format: str, lang: str) -> Any:
    """An ISO date written as Quarto's ``date-format`` says (its tokens ``YYYY``, ``MMMM``,
    ``MM``, ``DD``, ``D``), months in French for ``lang: fr``; any other value as it is."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return value
    months = MONTHS if lang.startswith("fr") else _ENGLISH_MONTHS
    tokens = {
        "YYYY": str(day.year),
        "MMMM": months[day.month - 1],
        "MM": f"{day.month:02d}",
        "DD": f"{day.day:02d}",
        "D": str(day.day),
    }
    return re.sub("YYYY|MMMM|MM|DD|D", lambda token: tokens[token[0]], date_format)


def _author_names(author: Any) -> list[str]:
    """Quarto authors may be strings or ``{name: ...}`` mappings; the templates want names."""
    authors = author if isinstance(author, list) else [author]
    return [str(a.get("name", "")) if isinstance(a, dict) else str(a) for a in authors]


def _today(lang: str) -> str:
    today = date.today()
    if lang.startswith("fr"):
        return f"{today.day} {MONTHS[today.month - 1]} {today.year}"
    return today.isoformat()


def _structure_args(options: Mapping[str, Any]) -> list[str]:
    """Pandoc flags for the table of contents and section numbering options."""
    args = []
    if options.get("toc"):
        args += ["--toc", f"--toc-depth={int(options.get('toc-depth', 3))}"]
    if options.get("number-sections"):
        args.append("--number-sections")
    return args


def _filter_args(front_matter: Mapping[str, Any], qmd_path: Path) -> list[str]:
    """``--lua-filter`` for each front matter ``filters:`` entry, a Lua file beside the qmd."""
    filters = front_matter.get("filters") or []
    for name in filters:
        if not (isinstance(name, str) and name.endswith(".lua")):
            raise ValueError(f"{qmd_path.name}: filter {name!r} is not a Lua file path")
        if not (qmd_path.parent / name).is_file():
            raise ValueError(f"{qmd_path.name}: filter {name!r} not found beside the document")
    return [f"--lua-filter={name}" for name in filters]


def _write_markdown(
    qmd_path: Path, quarto_format: str, metadata: Mapping[str, Any], body: str
) -> Path:
    """Write ``<stem>.<format>.md``: a YAML metadata block, then the body."""
    header = yaml.safe_dump(dict(metadata), allow_unicode=True, sort_keys=False)
    path = qmd_path.with_name(f"{qmd_path.stem}.{quarto_format}.md")
    path.write_text(f"---\n{header}---\n\n{body}", encoding="utf-8")
    return path


def _render_html(document: QmdDocument, pieces: Sequence[Piece], qmd_path: Path) -> Path:
    options = _format_options(document.front_matter, "html")
    metadata = _pandoc_metadata(options, _METADATA_KEYS)
    if "title" not in metadata:
        metadata["pagetitle"] = qmd_path.stem  # pandoc wants a <title>
    source = _write_markdown(qmd_path, "html", metadata, to_markdown(pieces, "html"))
    html = qmd_path.with_suffix(".html")
    css_args = [f"--css={name}" for name in _stylesheets(options, qmd_path)]
    args = ["--standalone", "--embed-resources", *css_args, *_structure_args(options)]
    args += _filter_args(document.front_matter, qmd_path)
    _run_pandoc(source, "html5", html, args, qmd_path)
    return html


def _stylesheets(options: Mapping[str, Any], qmd_path: Path) -> list[str]:
    """The ``css:`` files of the HTML format (beside the qmd); without them, pandoc's own
    default styles apply (the reports' stylesheet is ``reports/report.css``, for both engines)."""
    declared = options.get("css") or []
    names = [declared] if isinstance(declared, str) else list(declared)
    for name in names:
        if not (qmd_path.parent / name).is_file():
            raise ValueError(f"{qmd_path.name}: stylesheet {name!r} not found beside the document")
    return names


def _render_pdf(document: QmdDocument, pieces: Sequence[Piece], qmd_path: Path) -> Path:
    options = _format_options(document.front_matter, "typst")
    metadata = _pandoc_metadata(options, _TYPST_METADATA_KEYS)
    source = _write_markdown(qmd_path, "typst", metadata, to_markdown(pieces, "typst"))
    typ = qmd_path.with_suffix(".typ")
    args = ["--standalone", *typst_template_args(options, qmd_path)]
    args += _structure_args(options) + _filter_args(document.front_matter, qmd_path)
    _run_pandoc(source, "typst", typ, args, qmd_path)
    pdf = qmd_path.with_suffix(".pdf")
    fonts = [str(folder) for folder in font_paths(options, qmd_path)]
    try:
        typst.compile(str(typ), output=str(pdf), root=str(typ.parent), font_paths=fonts)
    except typst.TypstError as exc:
        message = f"{qmd_path.name}: Typst could not compile {typ.name}: {exc}"
        raise BuiltinRenderError(message) from exc
    return pdf


def _run_pandoc(source: Path, to: str, output: Path, args: list[str], qmd_path: Path) -> None:
    # Run in the source's folder so relative image and CSS paths resolve there. Pandoc is
    # started with its own working folder: pypandoc's ``cworkdir`` changes the whole process's
    # (os.chdir), which races between reports rendered in parallel threads and left the run's
    # process in a deleted temporary folder.
    command = [
        pypandoc.get_pandoc_path(),
        source.name,
        f"--from={_PANDOC_READER}",
        f"--to={to}",
        "--wrap=none",  # keep paragraphs on one line, as written
        *args,
        f"--output={output}",
    ]
    done = subprocess.run(command, cwd=source.parent, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = f"{qmd_path.name}: pandoc could not write {output.name}: {done.stderr.strip()}"
        raise BuiltinRenderError(message)
