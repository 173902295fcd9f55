"""Each report's own title reaches its cover, HTML ``<title>`` and PDF metadata through the
front matter of the render's copy of the ``.qmd``: as plain text, whatever the name holds."""

import re
import shutil
from html import unescape

import pytest
from pypdf import PdfReader

from orchestration.publication.builtin_renderer import render_with_builtin_engine
from orchestration.publication.qmd_document import parse_qmd
from orchestration.publication.rendering import set_front_matter
from orchestration.settings import REPORT_SOURCES_DIR

# A name that would end the YAML string, add keys, close the front matter, or be markup.
HOSTILE_NAMES = (
    'Corse"\ntoc: false\n---\n# Titre injecté',
    'Bretagne: *gras* <b>x</b> `#eval("6*7")`{=typst} {{< env HOME >}}',
    "Île-de-France'] [lien](javascript:alert(1))",
)
QMD = """---
title: "Modèle"
lang: fr
toc: true
format:
  html:
    embed-resources: true
  typst:
    papersize: a4
filters:
  - confine.lua
  - typst-characters.lua
---

## Une partie

Le corps du document.
"""


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_title_stays_one_front_matter_value(tmp_path, name):
    source = tmp_path / "doc.qmd"
    source.write_text(QMD, encoding="utf-8")
    set_front_matter(source, {"title": f"IMPACT-{name}", "date": "décembre 2026"})
    document = parse_qmd(source.read_text(encoding="utf-8"))
    assert set(document.front_matter) == {"title", "lang", "toc", "format", "filters", "date"}
    assert document.front_matter["toc"] is True
    assert document.front_matter["date"] == "décembre 2026"
    assert "## Une partie" in document.blocks[0].text


def test_the_title_is_the_html_title_the_cover_and_the_pdf_metadata(tmp_path):
    for lua in ("confine.lua", "typst-characters.lua"):
        shutil.copyfile(REPORT_SOURCES_DIR / lua, tmp_path / lua)
    source = tmp_path / "doc.qmd"
    source.write_text(QMD, encoding="utf-8")
    name = HOSTILE_NAMES[1]
    set_front_matter(source, {"title": f"IMPACT-{name}", "date": "décembre 2026"})
    outputs = render_with_builtin_engine(source, {}, ["html", "pdf"])
    page = outputs["html"].read_text(encoding="utf-8")
    expected = f"IMPACT-{name}"
    assert unescape(re.search(r"<title>(.*?)</title>", page, re.S)[1]) == expected
    assert len(re.findall(r"<h1\b", page)) == 1
    assert "<b>" not in page and "javascript:" not in page
    assert "Une partie" in re.search(r'<nav id="TOC".*?</nav>', page, re.S)[0]
    reader = PdfReader(outputs["pdf"])
    assert reader.metadata.title == expected
    assert "42" not in reader.pages[0].extract_text()
