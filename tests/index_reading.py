"""``index.html`` read back as a browser and a reader would: parsed (``html.parser``), never
grepped. The reader's part is everything outside the « À propos de cette publication » footer."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

from orchestration.settings import REPORT_SOURCES_DIR

# Tags a browser does not show as text (an SVG <title> is a tooltip: the reader sees it).
HIDDEN = {"style", "script"}
VOID = {"br", "meta", "link", "img", "input", "hr", "path", "rect", "line"}


@dataclass
class Row:
    """A row of the regions' table: its id, the text of each cell and the links it holds."""

    id: str
    cells: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)


@dataclass
class Shape:
    """A region of the map: its link (``None``: not a link), tooltip and fill class."""

    href: str | None
    title: str = ""
    fill: str = ""


class IndexPage(HTMLParser):
    """The parts of the index the tests read."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.reader_text = ""  # everything a reader sees outside the footer, tooltips included
        self.footer_text = ""
        self.notice = ""  # the illustrative-data notice (``p.avis``)
        self.sections: dict[str, list[str]] = {}  # links of each <section id=…>
        self.section_text: dict[str, str] = {}
        self.footer_links: list[str] = []
        self.states: list[str] = []  # each report's state (class ``etat``), synthesis first
        self.rows: list[Row] = []
        self.shapes: list[Shape] = []
        self.svg_count = 0
        self._open: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "svg":
            self.svg_count += 1
        if tag == "section":
            self.sections[attributes.get("id", "")] = []
            self.section_text[attributes.get("id", "")] = ""
        if tag == "tr" and self._inside("tbody"):
            self.rows.append(Row(attributes.get("id", "")))
        if tag in ("td", "th") and self._inside("tbody") and self.rows:
            self.rows[-1].cells.append("")
        if self._inside("svg", "carte") and tag in ("a", "g"):
            self.shapes.append(Shape(attributes.get("href")))
        if tag == "path" and self._inside("svg", "carte"):
            self.shapes[-1].fill = attributes.get("class", "")
        if tag == "a" and "href" in attributes:
            self._link(attributes["href"])
        if "etat" in attributes.get("class", "").split():
            self.states.append("")
        if tag not in VOID:
            self._open.append((tag, attributes))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        tags = [name for name, _ in self._open]
        if tag in tags:
            del self._open[len(tags) - 1 - tags[::-1].index(tag) :]

    def handle_data(self, data):
        if any(name in HIDDEN for name, _ in self._open) or self._inside("head"):
            return
        if self._inside("footer"):
            self.footer_text += data
            return
        self.reader_text += data
        for name, attributes in self._open:
            if name == "section":
                self.section_text[attributes.get("id", "")] += data
        if self._inside("p", "avis"):
            self.notice += data
        if self._inside(None, "etat"):
            self.states[-1] += data
        if self._inside("title") and self.shapes:
            self.shapes[-1].title += data
        if (self._inside("td") or self._inside("th")) and self._inside("tbody"):
            self.rows[-1].cells[-1] += data

    def _link(self, href: str) -> None:
        if self._inside("footer"):
            self.footer_links.append(href)
        for name, attributes in self._open:
            if name == "section":
                self.sections[attributes.get("id", "")].append(href)
        if self._inside("tr") and self.rows:
            self.rows[-1].hrefs.append(href)

    def _inside(self, tag: str | None, css_class: str | None = None) -> bool:
        """Whether an open element is a ``tag`` (any, for ``None``) of class ``css_class``."""
        return any(
            tag in (None, name)
            and (css_class is None or css_class in attributes.get("class", "").split())
            for name, attributes in self._open
        )


def read_index(path: Path) -> IndexPage:
    """The index at ``path``, parsed."""
    page = IndexPage()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def spaced(text: str) -> str:
    """Every run of spaces (no-break ones included) as one space, trimmed."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def report_helpers() -> ModuleType:
    """``reports/report_helpers.py``: how the reports print a figure, the index's reference."""
    spec = importlib.util.spec_from_file_location(
        "report_helpers", REPORT_SOURCES_DIR / "report_helpers.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
