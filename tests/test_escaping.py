"""Delivered text is data, never code: whatever a delivery holds, the reports print its
characters and nothing else (no markup, script, link, image, Typst code or shortcode).

Three levels: the escaping function itself; random strings through it into the built-in
engine's HTML and PDF (Hypothesis); and hostile case titles and a hostile file name delivered
to the real pipeline, read back from the published reports."""

import base64
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from orchestration.geography import region_by_code, regions
from orchestration.ingest.deliveries import CASE_DATABASE
from orchestration.publication.builtin_renderer import render_with_builtin_engine
from orchestration.publication.escaping import attribute, image_file, inert
from orchestration.publication.qmd_execution import BuiltinRenderError
from orchestration.publication.report_jobs import regional_job
from orchestration.publication.report_keys import NATIONAL_REPORT_KEY, regional_report_key
from orchestration.run_all import run_assets, run_job, step_errors
from orchestration.settings import REPORT_SOURCES_DIR, dagster_instance_settings
from synthetic import case_database
from tests.conftest import instance_in, make_isolated_project

# The tester's reproductions (issue 14), and the other ways into markdown, HTML and Typst.
HOSTILE = (
    '<img src="/etc/passwd">',
    '<img src="/proc/self/environ">',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "`<script>alert(2)</script>`{=html}",
    "[x](javascript:alert(1))",
    '`#read("/region.qmd").slice(0, 200)`{=typst}',
    '`#eval("6*7")`{=typst}',
    "![x](/etc/hostname)",
    "{{< env HOME >}}",
    "{{< include /etc/passwd >}}",
    "$x^2$ @fig-x **gras** <!-- commentaire --> [@cite] ::: {.callout}",
)
# Pieces of syntax the random strings are made of, beside ordinary characters.
SYNTAX = (
    "<",
    ">",
    "</",
    "<script>",
    "`",
    "```",
    "{=html}",
    "{=typst}",
    "#",
    "#eval(",
    "#read(",
    "{{<",
    ">}}",
    "$",
    "$$",
    "@",
    "@fig-a",
    "[",
    "]",
    "](",
    "![",
    "(",
    ")",
    "*",
    "**",
    "_",
    "|",
    "\\",
    "<!--",
    "-->",
    "&amp;",
    "&#60;",
    "=",
    "-",
    "--",
    "1.",
    "+ ",
    "> ",
    ":::",
    "{.x}",
    "<https://exemple.fr>",
    "javascript:",
    "//",
    "/*",
    "~",
    "^",
    '"',
    "'",
    "\n",
    "\t",
    "    ",
    "\x00",
    "\x1b[31m",
    "\u2028",
    "é",
    "«\u00a0",
    "œ",
)
FRENCH_CHARACTERS = st.characters(codec="latin-1") | st.sampled_from("€œŒ’«»\u202f–—")
DELIVERED_TEXT = st.lists(
    st.sampled_from(SYNTAX) | st.text(FRENCH_CHARACTERS, max_size=4), max_size=12
).map("".join)
# The characters a reader sees, as one line (what inert() promises).
SEEN_AS_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029 ]+")


def visible(text: str) -> str:
    """What a reader compares: every space, break or soft hyphen ignored (line wrapping and
    hyphenation differ between HTML and PDF), and an apostrophe as any of its typographic
    forms (pandoc sets « ' » as « ’ » or « ‘ », as French text wants)."""
    return re.sub(r"[\s\u00a0\u202f\u00ad]+", "", re.sub("[‘’]", "'", text))


def expected(text: str) -> str:
    """The text a report must show for a delivered ``text``."""
    return visible(SEEN_AS_ONE_LINE.sub(" ", text))


class PageReader(HTMLParser):
    """What a browser would act on in a page: scripts, event handlers, URLs, embedded data;
    and the text of each paragraph."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.urls: list[str] = []
        self.images: list[str] = []
        self.paragraphs: list[str] = []
        self.text = ""  # everything a reader sees: the text outside scripts and styles
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._in.append(tag)
        if tag == "script":
            self.scripts.append("")
        if tag == "p":
            self.paragraphs.append("")
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}={value}")
            if name in ("src", "href", "action", "srcset", "data", "poster") and value:
                self.urls.append(value)
            if tag == "img" and name == "src":
                self.images.append(value or "")

    def handle_endtag(self, tag):
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag) :]

    def handle_data(self, data):
        if "script" in self._in and self.scripts:
            self.scripts[-1] += data
        if "p" in self._in and self.paragraphs:
            self.paragraphs[-1] += data
        if not {"script", "style", "title"} & set(self._in):
            self.text += data


def read_page(path: Path) -> PageReader:
    reader = PageReader()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader


def pdf_text(path: Path) -> str:
    """The PDF's text, with ``pdftotext`` when installed (as a reader's tools see it)."""
    if shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
        return done.stdout.decode("utf-8")
    return " ".join(page.extract_text() for page in PdfReader(path).pages)


def assert_inert_page(page: PageReader, allowed_images: int) -> None:
    """No script or event handler from data, no ``javascript:`` URL, no image but the charts,
    and nothing embedded that holds a file's or the environment's content. (Quarto's pages
    carry scripts and styles of their own, embedded as ``data:`` URIs too.)"""
    assert_no_live_markup(page)
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert len(page.images) <= allowed_images
    for url in page.urls:
        if url.startswith("data:") and ";base64," in url:
            content = base64.b64decode(url.split(";base64,", 1)[1])
            assert not any(secret.encode() in content for secret in SECRETS)


def assert_no_live_markup(page: PageReader) -> None:
    """No script or event handler from data, no ``javascript:`` URL."""
    assert not any("alert(" in script for script in page.scripts)
    assert not any("alert(" in handler for handler in page.handlers)
    assert not any(url.strip().lower().startswith("javascript:") for url in page.urls)


# What a disclosed file or environment would show.
SECRETS = ("root:x:0:0", "PATH=", "GX_ANALYTICS_ENABLED", "tags: [parameters]")


# --- the escaping function -------------------------------------------------------------------


def test_inert_escapes_every_markdown_character_and_keeps_one_line():
    assert inert("Alliance santé – Orne (12)") == "Alliance santé – Orne \\(12\\)"
    assert inert("<b>x</b>") == "\\<b\\>x\\<\\/b\\>"
    assert inert("{{< env HOME >}}") == "\\{\\{\\< env HOME \\>\\}\\}"
    assert inert(" a\n\tb\r\n\x00c\u2028 ") == "a b c"
    # No-break spaces are French typography, kept.
    assert inert("«\u00a0x\u00a0»") == "«\u00a0x\u00a0»"
    assert inert(2021) == "2021"
    # The apostrophe is typography, not syntax: pandoc sets it as French text wants.
    assert inert("l'association") == "l'association"


def test_attribute_and_image_file_refuse_what_could_escape_them():
    assert attribute('a "b" \\ c\nd') == 'a \\"b\\" \\\\ c d'
    assert image_file("carte-regions.png") == "carte-regions.png"
    for name in ("/etc/passwd", "../x.png", "x.png) ![y](/etc/hostname", "javascript:x.png"):
        with pytest.raises(ValueError, match="not a chart file name"):
            image_file(name)


# --- random delivered text through the built-in engine ----------------------------------------

PROBE_QMD = """\
---
title: "Sonde"
subtitle: "Texte livré — tel quel"
lang: fr
format:
  html:
    embed-resources: true
  typst:
    papersize: a4
    margin:
      x: 1.8cm
execute:
  echo: false
filters:
  - confine.lua
  - typst-characters.lua
---

```{python}
#| tags: [parameters]
texts = []
```

```{python}
#| output: asis
from orchestration.publication.escaping import inert

for number, text in enumerate(texts):
    print(f"SONDE{number}: {inert(text)} :FIN\\n")
```
"""


@pytest.fixture(scope="module")
def probe_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("probe")
    for lua in ("confine.lua", "typst-characters.lua"):
        shutil.copyfile(REPORT_SOURCES_DIR / lua, folder / lua)
    (folder / "probe.qmd").write_text(PROBE_QMD, encoding="utf-8")
    return folder


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=st.lists(DELIVERED_TEXT, min_size=1, max_size=10))
@example(texts=list(HOSTILE))
# Straight quotes: pandoc reads 'x' as quoted text; Typst's French smart quotes set it “x”.
@example(texts=["'<'", "l'a 'b' c", "\"q\" 'r'"])
def test_any_delivered_text_is_printed_verbatim_in_html_and_pdf(probe_folder, texts):
    outputs = render_with_builtin_engine(
        probe_folder / "probe.qmd", {"texts": texts}, ["html", "pdf"]
    )
    page = read_page(outputs["html"])
    assert_inert_page(page, allowed_images=0)
    paragraphs = [p for p in page.paragraphs if p.startswith("SONDE")]
    assert [visible(p) for p in paragraphs] == [
        f"SONDE{number}:{expected(text)}:FIN" for number, text in enumerate(texts)
    ]
    printed = visible(pdf_text(outputs["pdf"]))
    for number, text in enumerate(texts):
        assert f"SONDE{number}:{expected(text)}:FIN" in printed


def test_a_path_from_data_never_becomes_an_embedded_image(probe_folder, tmp_path):
    """The second line: even markdown written without inert() cannot embed a file."""
    folder = tmp_path / "raw-markdown"
    shutil.copytree(probe_folder, folder, ignore=shutil.ignore_patterns("kernel-*", "probe*"))
    qmd = folder / "probe.qmd"
    qmd.write_text(PROBE_QMD.replace("{inert(text)}", "{text}"), encoding="utf-8")
    with pytest.raises(BuiltinRenderError, match="image refusé"):
        render_with_builtin_engine(qmd, {"texts": ["![x](/etc/passwd)"]}, ["html"])
    with pytest.raises(BuiltinRenderError, match="lien refusé"):
        render_with_builtin_engine(qmd, {"texts": ["[x](javascript:alert(1))"]}, ["pdf"])


# --- hostile deliveries through the real pipeline ---------------------------------------------

HOSTILE_REGIONS = ("28", "53", "84", "11")
CASE_EXPORT = "cases/impact_pratiques_partenariales.xlsx"
# The case export delivered under this name (every report lists the delivered files).
HOSTILE_FILE = 'impact `<img src=x onerror=alert(1)>` #eval("6*7") $x$.xlsx'


def hostile_case_export(path: Path) -> None:
    """The shipped case export with the hostile strings as the most recent cases' titles of
    four regions (each region's report quotes its three most recent cases)."""
    cases, catalysts = case_database.generate()
    titles = iter(HOSTILE)
    for code in HOSTILE_REGIONS:
        for row in cases.index[cases["region"] == code][:3]:
            title = next(titles, None)
            if title is not None:
                cases.loc[row, ["titre", "annee"]] = [title, 2024]
    case_database.write_xlsx((cases, catalysts), path)


def hostile_selection() -> dg.AssetSelection:
    """What a new case export changes, as automation would run it, but only the four regions'
    reports among the renders (the others would print the same escaped file name)."""
    others = [regional_report_key(r) for r in regions() if r.code not in HOSTILE_REGIONS]
    renders = dg.AssetSelection.assets(NATIONAL_REPORT_KEY, *others)
    return dg.AssetSelection.assets(CASE_DATABASE.asset_key).downstream() - renders


@pytest.fixture(scope="module")
def hostile_run(finished_run, tmp_path_factory):
    """A copy of the shared run whose case export, with hostile titles, is delivered under a
    hostile name, and the run of what it changes: (project, result)."""
    from orchestration.definitions import defs  # loaded once dbt_manifest has parsed

    root = tmp_path_factory.mktemp("hostile")
    project = finished_run.copy_to(root)
    (project.raw_dir / CASE_EXPORT).unlink()
    hostile_case_export(project.raw_dir / "cases" / HOSTILE_FILE)
    keys = hostile_selection().resolve(defs.resolve_asset_graph())
    with pytest.MonkeyPatch.context() as patch:
        for name, value in project.env().items():
            patch.setenv(name, value)
        with instance_in(root / "dagster") as instance:
            yield project, run_assets(instance, keys, {})


def test_hostile_titles_and_file_names_are_published_as_plain_text(hostile_run):
    project, result = hostile_run
    assert result.success, step_errors(result)
    shown_html, shown_pdf = "", ""
    for code in HOSTILE_REGIONS:
        job = regional_job(region_by_code(code), project.paths)
        page = read_page(job.html)
        assert_inert_page(page, allowed_images=len(job.images()))
        page_text, pdf = visible(page.text), visible(pdf_text(job.pdf))
        # Every report names the delivered files in its provenance section.
        assert visible(HOSTILE_FILE) in page_text
        assert visible(HOSTILE_FILE) in pdf
        shown_html, shown_pdf = shown_html + page_text, shown_pdf + pdf
    for title in HOSTILE:
        assert visible(title) in shown_html, title
        assert visible(title) in shown_pdf, title
    # Nothing was read from disk or the environment: no file content, no variable, not the
    # report's own source.
    for secret in SECRETS:
        assert secret not in shown_html
        assert secret not in shown_pdf


def test_delivered_values_shown_by_the_quality_site_are_inert(tmp_path, monkeypatch):
    """The quality report lists the values that broke a rule; a delivered ``<script>`` stays
    text."""
    project = make_isolated_project(tmp_path)
    for name, value in project.env().items():
        monkeypatch.setenv(name, value)
    cases, catalysts = case_database.generate()
    cases.loc[[0, 1], ["titre", "region", "departement"]] = [
        "<script>alert(1)</script>",
        cases.loc[0, "region"],
        cases.loc[0, "departement"],
    ]
    cases.loc[2, "domaine"] = "<img src=x onerror=alert(1)>"
    case_database.write_xlsx((cases, catalysts), project.raw_dir / CASE_EXPORT)
    with dg.instance_for_test(overrides=dagster_instance_settings()) as instance:
        result = run_job(instance, "ingest_case_database", {})
    assert not result.success  # the unknown domain is a blocking failure
    page = read_page(project.reports_dir / "qualite" / "index.html")
    assert_no_live_markup(page)
    assert page.scripts == [] and page.handlers == []
    assert all(url.startswith("#") for url in page.urls)  # nothing from the network either
    assert "<script>alert(1)</script>" in page.text
    assert "<img src=x onerror=alert(1)>" in page.text
