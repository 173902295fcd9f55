"""Parse a Quarto ``.qmd`` source into front matter, markdown blocks and Python code cells.

Only the subset of the format the reports use is understood: a leading YAML front matter,
```` ```{python} ```` chunks whose leading ``#| key: value`` lines are cell options (YAML), and
markdown in between. Any other fenced block (```` ``` ````, ``~~~``, ```` ```sql ````...) is
markdown, and a ```` ```{python} ```` written inside such a block stays markdown too, as in Quarto.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

_FRONT_MATTER_OPEN = "---"
_FRONT_MATTER_CLOSE = ("---", "...")
# Up to three spaces of indentation, as for CommonMark fences; ``{python label}`` style
# attributes after the language are accepted and ignored (options go in ``#|`` lines).
_CHUNK_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,})\s*\{python(?:[\s,][^}]*)?\}\s*$")
_FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
_OPTION_PREFIX = "#|"


@dataclass(frozen=True)
class MarkdownBlock:
    """Markdown text between code cells, verbatim; ``line`` is its first line (1-based)."""

    text: str
    line: int


@dataclass(frozen=True)
class CodeCell:
    """A ```` ```{python} ```` chunk: its code without the ``#|`` lines, and those options."""

    source: str
    options: dict[str, Any] = field(default_factory=dict)
    line: int = 0

    @property
    def is_parameters(self) -> bool:
        """True for the cell tagged ``parameters``, whose defaults the report params override."""
        tags = self.options.get("tags") or []
        if isinstance(tags, str):
            tags = [tags]
        return "parameters" in tags

    @property
    def label(self) -> str | None:
        """The ``label`` option (``fig-...`` labels make cross-referenceable figures)."""
        label = self.options.get("label")
        return str(label) if label is not None else None


@dataclass(frozen=True)
class QmdDocument:
    """A parsed ``.qmd``: front matter and the markdown / code blocks in source order."""

    front_matter: dict[str, Any]
    blocks: tuple[MarkdownBlock | CodeCell, ...]

    @property
    def code_cells(self) -> tuple[CodeCell, ...]:
        """The code cells only, in source order."""
        return tuple(block for block in self.blocks if isinstance(block, CodeCell))


def parse_qmd(text: str) -> QmdDocument:
    """Parse ``.qmd`` source text; raise ``ValueError`` (with a line number) on malformed input."""
    lines = text.splitlines()
    front_matter, body_start = _parse_front_matter(lines)
    return QmdDocument(front_matter=front_matter, blocks=_parse_blocks(lines, body_start))


def _parse_front_matter(lines: list[str]) -> tuple[dict[str, Any], int]:
    """Return the front matter mapping and the index of the first body line."""
    if not lines or lines[0].rstrip() != _FRONT_MATTER_OPEN:
        return {}, 0
    for index in range(1, len(lines)):
        if lines[index].rstrip() in _FRONT_MATTER_CLOSE:
            data = _load_yaml("\n".join(lines[1:index]), line=2, what="front matter")
            return data, index + 1
    raise ValueError("line 1: front matter opened with '---' is never closed")


def _parse_blocks(lines: list[str], start: int) -> tuple[MarkdownBlock | CodeCell, ...]:
    blocks: list[MarkdownBlock | CodeCell] = []
    markdown: list[str] = []
    markdown_start = start
    index = start
    while index < len(lines):
        chunk = _CHUNK_OPEN.match(lines[index])
        fence = _FENCE_OPEN.match(lines[index])
        if chunk:
            end = _closing_fence(lines, index, chunk["fence"])
            if end is None:
                raise ValueError(f"line {index + 1}: ```{{python}} chunk is never closed")
            _flush_markdown(blocks, markdown, markdown_start)
            blocks.append(_parse_cell(lines[index + 1 : end], line=index + 1))
            markdown, markdown_start = [], end + 1
            index = end + 1
        elif fence:
            # A plain fenced block is copied whole so that nothing inside it becomes a cell.
            end = _closing_fence(lines, index, fence["fence"])
            stop = len(lines) if end is None else end + 1
            markdown.extend(lines[index:stop])
            index = stop
        else:
            markdown.append(lines[index])
            index += 1
    _flush_markdown(blocks, markdown, markdown_start)
    return tuple(blocks)


def _closing_fence(lines: list[str], open_index: int, fence: str) -> int | None:
    """Index of the line closing ``fence`` (same character, at least as long), or None."""
    closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    for index in range(open_index + 1, len(lines)):
        if closing.match(lines[index]):
            return index
    return None


def _flush_markdown(
    blocks: list[MarkdownBlock | CodeCell], markdown: list[str], first_index: int
) -> None:
    text = "\n".join(markdown)
    if text.strip():
        blocks.append(MarkdownBlock(text=text, line=first_index + 1))


def _parse_cell(body: list[str], line: int) -> CodeCell:
    """Split a chunk body (``line`` is the opening fence's line) into options and source."""
    option_count = 0
    while option_count < len(body) and body[option_count].lstrip().startswith(_OPTION_PREFIX):
        option_count += 1
    option_yaml = "\n".join(_strip_option_prefix(text) for text in body[:option_count])
    options = _load_yaml(option_yaml, line=line + 1, what="cell options")
    return CodeCell(source="\n".join(body[option_count:]), options=options, line=line)


def _strip_option_prefix(option_line: str) -> str:
    """``#| key: value`` -> ``key: value``, keeping deeper indentation for nested YAML."""
    rest = option_line.lstrip()[len(_OPTION_PREFIX) :]
    return rest[1:] if rest.startswith(" ") else rest


def _load_yaml(text: str, line: int, what: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise ValueError(f"line {line}: invalid YAML in {what}: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"line {line}: {what} must be a YAML mapping, got {type(data).__name__}")
    return data
