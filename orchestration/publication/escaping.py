"""The one boundary where delivered text enters a report: as inert text, never as markup.

Every string that comes from a delivery or the warehouse (case titles, names, labels, file
names, categories) is written into the reports' markdown through :func:`inert`, so that no
markup, raw HTML or Typst block, link, image, shortcode, math or cross-reference can come from
data: whatever it holds, the reader sees the characters that were delivered.

Pandoc's markdown (which Quarto reads too) treats a backslash before any ASCII punctuation
character as that literal character (extension ``all_symbols_escapable``), and every piece of
markdown syntax starts with such a character: escaping all of them leaves nothing to parse.
Quarto's shortcodes (``{{< env HOME >}}``) are found in the raw text before pandoc parses it;
escaping splits their ``{{<`` opener, so they are never recognised either.
"""

from __future__ import annotations

import html
import re
import unicodedata

# The characters pandoc's markdown can read as syntax, each written after a backslash. The
# apostrophe is no syntax, only typography: left as it is, it is set as French text wants it
# (« l’association »), which quoting it would prevent.
_PUNCTUATION = frozenset('!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~')
# Control characters and line or paragraph separators: a table cell or list item is one line.
_BREAKING = ("Cc", "Zl", "Zp")
# ASCII whitespace only: no-break spaces are typography (« », 3 000 €), kept as delivered.
_WHITESPACE_RUN = re.compile(r"[ \t\n\r\f\v]+")
# A name the reports may include as an image: a file the pipeline drew, beside the source.
_IMAGE_FILE = re.compile(r"[a-z0-9][a-z0-9-]*\.png")


def inert(value: object) -> str:
    """``value`` as markdown that reads back as exactly its text, on one line.

    Whitespace runs (newlines and tabs included) and control characters become one space, and
    the ends are trimmed: the text is meant for a sentence, a list item or a table cell.
    """
    return "".join("\\" + char if char in _PUNCTUATION else char for char in _one_line(value))


def attribute(value: object) -> str:
    """``value`` for a double-quoted markdown attribute (``{fig-alt="..."}``), on one line."""
    return _one_line(value).replace("\\", "\\\\").replace('"', '\\"')


def image_file(name: str) -> str:
    """``name`` if it is a chart the pipeline drew (a bare ``.png`` name), else a ``ValueError``:
    a path from data must never reach an image, which HTML embedding would read from disk."""
    if not _IMAGE_FILE.fullmatch(name):
        raise ValueError(f"not a chart file name: {name!r}")
    return name


def html_escaped(value: object) -> object:
    """``value`` with every string in it, however deep in lists and mappings, HTML-escaped: for
    pages a third party writes from data without escaping it (Great Expectations' Data Docs
    insert unexpected values into the page as raw HTML)."""
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, list):
        return [html_escaped(item) for item in value]
    if isinstance(value, dict):
        return {key: html_escaped(item) for key, item in value.items()}
    return value


def _one_line(value: object) -> str:
    text = "".join(" " if unicodedata.category(char) in _BREAKING else char for char in str(value))
    return _WHITESPACE_RUN.sub(" ", text).strip()
