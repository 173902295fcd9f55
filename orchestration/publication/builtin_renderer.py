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
"""

from __future__ import annotations

import ast
import base64
import keyword
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import nbformat
import pypandoc
import typst
import yaml
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from orchestration.publication.qmd_document import CodeCell, MarkdownBlock, QmdDocument, parse_qmd
from orchestration.publication.typst_setup import font_paths, typst_template_args

KERNEL_NAME = "python3"
CELL_TIMEOUT_SECONDS = 600
# Our output formats, and the Quarto format (front matter ``format:`` key) each one stands for.
QUARTO_FORMATS = {"html": "html", "pdf": "typst"}

_KERNELSPEC = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
_INJECTED_TAG = "injected-parameters"
# Citations off: ``@fig-x`` is a Quarto cross-reference, and a citation without a bibliography
# makes Typst fail.
_PANDOC_READER = "markdown-citations"
_IMAGE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}
_FIGURE_REF = re.compile(r"(?<![\w@])@(fig-[\w-]*\w)")
# ``fig-alt=`` inside the attributes of a markdown image: ``![caption](file){... fig-alt="..."}``;
# the caption may hold backslash-escaped characters (``\]``), as delivered text always does.
_FIG_ALT = re.compile(r"(!\[(?:\\.|[^\]\\])*\]\([^)]*\)\{[^}]*?)\bfig-alt=")
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
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
_FRENCH_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


_ENGLISH_MONTHS = tuple(date(2000, month, 1).strftime("%B") for month in range(1, 13))


class BuiltinRenderError(RuntimeError):
    """A report failed to execute or convert; the message names the ``.qmd`` file."""


@dataclass(frozen=True)
class CellDisplay:
    """How one code cell runs and shows: its options over the front matter ``execute:`` ones."""

    evaluate: bool
    echo: bool
    output: bool | str  # True, False or "asis"
    warning: bool
    include: bool

    @classmethod
    def of(cls, cell: CodeCell, front_matter: Mapping[str, Any]) -> CellDisplay:
        """Resolve ``cell``'s options like Quarto: cell, then document ``execute:``, then true."""
        defaults = front_matter.get("execute") or {}

        def option(key: str) -> Any:
            return cell.options.get(key, defaults.get(key, True))

        output = option("output")
        return cls(
            evaluate=bool(option("eval")),
            echo=bool(option("echo")),
            output=output if output == "asis" else bool(output),
            warning=bool(option("warning")),
            include=bool(option("include")),
        )


@dataclass(frozen=True)
class PreparedNotebook:
    """The notebook to execute, and the qmd block behind each of its cells (None: injected)."""

    notebook: nbformat.NotebookNode
    block_indices: tuple[int | None, ...]


# What the assembled document is made of, before it is written for a given format.
@dataclass(frozen=True)
class _Markdown:
    text: str


@dataclass(frozen=True)
class _Code:
    text: str
    language: str = ""


@dataclass(frozen=True)
class _Figure:
    file_name: str
    caption: str
    label: str | None
    alt: str = ""


@dataclass(frozen=True)
class _Html:
    html: str
    fallback: str  # the text/plain form, for formats other than HTML


_Piece = _Markdown | _Code | _Figure | _Html


class _CellTracker:
    """nbclient ``on_cell_start`` hook remembering which cell runs, to name it on failure."""

    def __init__(self) -> None:
        self.index: int | None = None

    def __call__(self, cell: nbformat.NotebookNode, cell_index: int) -> None:
        self.index = cell_index


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
    pieces = _collect_pieces(document, outputs, qmd_path)
    renderers = {"html": _render_html, "pdf": _render_pdf}
    return {target: renderers[target](document, pieces, qmd_path) for target in targets}


def execute_qmd(
    qmd_path: Path, params: Mapping[str, object]
) -> tuple[QmdDocument, dict[int, list[Any]]]:
    """Parse and execute ``qmd_path`` with ``params`` in one kernel, in the qmd's folder:
    the document, and the outputs of its evaluated cells by block index. Raises
    ``BuiltinRenderError`` naming the failing cell."""
    qmd_path = Path(qmd_path).resolve()
    document = parse_qmd(qmd_path.read_text(encoding="utf-8"))
    prepared = build_notebook(document, params)
    return document, _execute(prepared, document, qmd_path)


def build_notebook(document: QmdDocument, params: Mapping[str, object]) -> PreparedNotebook:
    """Make the notebook of the evaluated cells, params injected after the ``parameters`` cell."""
    if params and not any(cell.is_parameters for cell in document.code_cells):
        raise ValueError("params were given but no code cell is tagged 'parameters'")
    cells: list[nbformat.NotebookNode] = []
    block_indices: list[int | None] = []
    injected = not params
    for index, block in enumerate(document.blocks):
        if not isinstance(block, CodeCell):
            continue
        if CellDisplay.of(block, document.front_matter).evaluate:
            cells.append(nbformat.v4.new_code_cell(block.source))
            block_indices.append(index)
        # Like papermill (and so Quarto), only the first parameters cell gets the overrides.
        if block.is_parameters and not injected:
            source = "\n".join(_assignment(name, value) for name, value in params.items())
            cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": [_INJECTED_TAG]}))
            block_indices.append(None)
            injected = True
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": _KERNELSPEC})
    return PreparedNotebook(notebook=notebook, block_indices=tuple(block_indices))


def _check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    unknown = sorted(set(formats) - QUARTO_FORMATS.keys())
    if unknown or not formats:
        raise ValueError(f"formats must be among {sorted(QUARTO_FORMATS)}, got {list(formats)}")
    return tuple(dict.fromkeys(formats))


def _assignment(name: str, value: object) -> str:
    """``name = <literal>``, refusing what the kernel could not read back as the same value."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"parameter name {name!r} is not a Python identifier")
    literal = repr(value)
    try:
        same = ast.literal_eval(literal) == value
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise ValueError(f"parameter {name!r}: {value!r} is not a plain Python literal")
    return f"{name} = {literal}"


def _execute(
    prepared: PreparedNotebook, document: QmdDocument, qmd_path: Path
) -> dict[int, list[Any]]:
    """Run the notebook in the qmd's folder; return the outputs by qmd block index."""
    tracker = _CellTracker()
    # IPC sockets, not TCP ports: kernels of renders running at once cannot race for a port
    # ("Address already in use"), and nothing listens on the network.
    # The socket files live in the render's own folder (an absolute path: the kernel runs
    # from that folder, this process does not). So does the connection file, which holds the
    # kernel's key: by default jupyter_client writes it to the system's temporary folder and
    # leaves it there.
    folder = qmd_path.parent.resolve()
    kernel = AsyncKernelManager(
        kernel_name=KERNEL_NAME,
        transport="ipc",
        ip=str(folder / "kernel"),
        connection_file=str(folder / "kernel-connection.json"),
    )
    client = NotebookClient(
        prepared.notebook,
        km=kernel,
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(qmd_path.parent)}},
        on_cell_start=tracker,
    )
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        cell_name = _cell_name(document, prepared, tracker.index)
        message = f"{qmd_path.name}: {cell_name} failed: {_error_text(exc)}"
        raise BuiltinRenderError(message) from exc
    finally:
        # nbclient leaves a kernel it was given running: each render's kernel would live on
        # until the run's process ends, one per report.
        if kernel.has_kernel:
            run_sync(kernel.shutdown_kernel)(now=True)
    cells = prepared.notebook.cells
    return {
        block: cell.outputs
        for block, cell in zip(prepared.block_indices, cells, strict=True)
        if block is not None
    }


def _cell_name(document: QmdDocument, prepared: PreparedNotebook, cell_index: int | None) -> str:
    if cell_index is None:
        return "the kernel, before any cell,"
    block_index = prepared.block_indices[cell_index]
    if block_index is None:
        return "the injected parameters cell"
    cell = document.blocks[block_index]
    assert isinstance(cell, CodeCell)
    if cell.label:
        return f"cell '{cell.label}' (line {cell.line})"
    number = sum(isinstance(block, CodeCell) for block in document.blocks[: block_index + 1])
    return f"code cell #{number} (line {cell.line})"


def _error_text(exc: Exception) -> str:
    if isinstance(exc, CellExecutionError):
        return f"{exc.ename}: {exc.evalue}\n{_ANSI_ESCAPE.sub('', exc.traceback)}"
    return str(exc)


def _collect_pieces(
    document: QmdDocument, outputs: Mapping[int, list[Any]], qmd_path: Path
) -> list[_Piece]:
    """Turn markdown blocks and shown cells into pieces, writing the cells' images to files."""
    pieces: list[_Piece] = []
    cell_number = 0
    for index, block in enumerate(document.blocks):
        if isinstance(block, MarkdownBlock):
            pieces.append(_Markdown(block.text))
            continue
        cell_number += 1
        if not block.is_parameters:
            image_stem = qmd_path.parent / f"{qmd_path.stem}-cell{cell_number}"
            display = CellDisplay.of(block, document.front_matter)
            pieces.extend(_cell_pieces(block, display, outputs.get(index, []), image_stem))
    return pieces


def _cell_pieces(
    cell: CodeCell, display: CellDisplay, outputs: list[Any], image_stem: Path
) -> list[_Piece]:
    if not display.include:
        return []
    pieces: list[_Piece] = [_Code(cell.source.strip("\n"), "python")] if display.echo else []
    if not display.output:
        return pieces
    caption = str(cell.options.get("fig-cap") or "")
    alt = str(cell.options.get("fig-alt") or "")
    label = cell.label if cell.label and cell.label.startswith("fig-") else None
    for position, output in enumerate(outputs, start=1):
        image = Path(f"{image_stem}-{position}")
        new = _output_pieces(output, display, caption, label, image, alt)
        if any(isinstance(piece, _Figure) for piece in new):
            label = None  # a label names one figure: the cell's first
        pieces.extend(new)
    return pieces


def _output_pieces(
    output: Mapping[str, Any],
    display: CellDisplay,
    caption: str,
    label: str | None,
    image: Path,
    alt: str = "",
) -> list[_Piece]:
    """Pieces for one notebook output (error outputs never get here: they stop the render)."""
    if output["output_type"] == "stream":
        text = output["text"]
        if output["name"] == "stderr":
            return [_Code(text)] if display.warning else []
        return [_Markdown(text) if display.output == "asis" else _Code(text)]
    data = output.get("data", {})
    for mime, extension in _IMAGE_EXTENSIONS.items():
        if mime in data:
            path = image.with_name(f"{image.name}.{extension}")
            path.write_bytes(base64.b64decode(data[mime]))
            return [_Figure(path.name, caption, label, alt)]
    if "text/markdown" in data:
        return [_Markdown(data["text/markdown"])]
    if "text/html" in data:
        return [_Html(data["text/html"], data.get("text/plain", ""))]
    if "text/plain" in data:
        text = data["text/plain"]
        return [_Markdown(text) if display.output == "asis" else _Code(text)]
    return []


def _to_markdown(pieces: Sequence[_Piece], quarto_format: str) -> str:
    """Pandoc markdown of the pieces for ``quarto_format`` ("html" or "typst")."""
    numbers = _figure_numbers(pieces)
    parts = [_piece_markdown(piece, quarto_format, numbers) for piece in pieces]
    return "\n\n".join(part for part in parts if part) + "\n"


def _figure_numbers(pieces: Sequence[_Piece]) -> dict[str, int]:
    """Numbers of the cross-referenceable figures: labelled ones with a caption, as in Quarto."""
    labels = [p.label for p in pieces if isinstance(p, _Figure) and p.label and p.caption]
    return {label: number for number, label in enumerate(labels, start=1)}


def _piece_markdown(piece: _Piece, quarto_format: str, numbers: Mapping[str, int]) -> str:
    if isinstance(piece, _Markdown):
        return _link_figure_refs(_alt_text_attributes(piece.text), quarto_format, numbers)
    if isinstance(piece, _Code):
        return _fenced(piece.text, piece.language)
    if isinstance(piece, _Figure):
        return _figure_markdown(piece, quarto_format, numbers)
    if quarto_format == "html":
        return _fenced(piece.html, "{=html}")
    return _fenced(piece.fallback, "") if piece.fallback else ""


def _link_figure_refs(text: str, quarto_format: str, numbers: Mapping[str, int]) -> str:
    """Replace ``@fig-x`` by a reference; unknown labels stay as typed (Quarto shows ``?@``)."""

    def reference(match: re.Match[str]) -> str:
        label = match[1]
        if label not in numbers:
            return match[0]
        if quarto_format == "typst":
            # Typst numbers figures itself ("Fig. 1" in French); its own reference agrees.
            return f"`@{label}`{{=typst}}"
        return f"[Figure {numbers[label]}](#{label})"

    return _FIGURE_REF.sub(reference, text)


def _figure_markdown(figure: _Figure, quarto_format: str, numbers: Mapping[str, int]) -> str:
    caption = figure.caption
    if quarto_format == "html" and figure.label in numbers:
        caption = f"Figure {numbers[figure.label]}: {caption}"
    attributes = [f"#{figure.label}"] if figure.label else []
    if figure.alt:
        attributes.append(f'alt="{_attribute_text(figure.alt)}"')
    braces = f"{{{' '.join(attributes)}}}" if attributes else ""
    return f"![{caption}]({figure.file_name}){braces}"


def _attribute_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _alt_text_attributes(text: str) -> str:
    """Quarto's ``fig-alt`` on a markdown image is pandoc's ``alt``."""
    return _FIG_ALT.sub(r"\1alt=", text)


def _fenced(text: str, info: str) -> str:
    """A fenced block longer than any backtick run inside ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


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
    months = _FRENCH_MONTHS if lang.startswith("fr") else _ENGLISH_MONTHS
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
        return f"{today.day} {_FRENCH_MONTHS[today.month - 1]} {today.year}"
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


def _render_html(document: QmdDocument, pieces: Sequence[_Piece], qmd_path: Path) -> Path:
    options = _format_options(document.front_matter, "html")
    metadata = _pandoc_metadata(options, _METADATA_KEYS)
    if "title" not in metadata:
        metadata["pagetitle"] = qmd_path.stem  # pandoc wants a <title>
    source = _write_markdown(qmd_path, "html", metadata, _to_markdown(pieces, "html"))
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


def _render_pdf(document: QmdDocument, pieces: Sequence[_Piece], qmd_path: Path) -> Path:
    options = _format_options(document.front_matter, "typst")
    metadata = _pandoc_metadata(options, _TYPST_METADATA_KEYS)
    source = _write_markdown(qmd_path, "typst", metadata, _to_markdown(pieces, "typst"))
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
