"""The built-in engine's assembly of an executed ``.qmd`` (``builtin_renderer.py``) into Pandoc
markdown: markdown blocks and shown cells become pieces (text, code, figures written to files,
HTML), then markdown for one Quarto format, with Quarto's ``@fig-...`` cross-references and
``fig-alt`` attributes.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.publication.qmd_document import CodeCell, MarkdownBlock, QmdDocument
from orchestration.publication.qmd_execution import CellDisplay

_IMAGE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}
_FIGURE_REF = re.compile(r"(?<![\w@])@(fig-[\w-]*\w)")
# ``fig-alt=`` inside the attributes of a markdown image: ``![caption](file){... fig-alt="..."}``;
# the caption may hold backslash-escaped characters (``\]``), as delivered text always does.
_FIG_ALT = re.compile(r"(!\[(?:\\.|[^\]\\])*\]\([^)]*\)\{[^}]*?)\bfig-alt=")


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


Piece = _Markdown | _Code | _Figure | _Html


def collect_pieces(
    document: QmdDocument, outputs: Mapping[int, list[Any]], qmd_path: Path
) -> list[Piece]:
    """Turn markdown blocks and shown cells into pieces, writing the cells' images to files."""
    pieces: list[Piece] = []
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
) -> list[Piece]:
    if not display.include:
        return []
    pieces: list[Piece] = [_Code(cell.source.strip("\n"), "python")] if display.echo else []
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
) -> list[Piece]:
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


def to_markdown(pieces: Sequence[Piece], quarto_format: str) -> str:
    """Pandoc markdown of the pieces for ``quarto_format`` ("html" or "typst")."""
    numbers = _figure_numbers(pieces)
    parts = [_piece_markdown(piece, quarto_format, numbers) for piece in pieces]
    return "\n\n".join(part for part in parts if part) + "\n"


def _figure_numbers(pieces: Sequence[Piece]) -> dict[str, int]:
    """Numbers of the cross-referenceable figures: labelled ones with a caption, as in Quarto."""
    labels = [p.label for p in pieces if isinstance(p, _Figure) and p.label and p.caption]
    return {label: number for number, label in enumerate(labels, start=1)}


def _piece_markdown(piece: Piece, quarto_format: str, numbers: Mapping[str, int]) -> str:
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
