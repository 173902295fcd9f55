"""The reports' house style (issue 16, item 5), read back from real renders: French spaces
around guillemets and before « ; ! ? : », one sans family (the charts' DejaVu Sans) in the PDF,
the region's title and « page N / M » on every page but the cover, figures and tables numbered
in sequence with a source line under each, the same numbers in HTML and PDF, with the
built-in engine and, where it is found, with Quarto. Also: one palette for charts, CSS and
Typst, and the survey institute from the codebooks to the source lines."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import dagster as dg
import pypandoc
import pytest
import yaml
from pypdf import PdfReader

from orchestration.geography import region_by_code
from orchestration.ingest.codebooks import codebook_path, load_codebook
from orchestration.publication import palette
from orchestration.publication.captions import source_line
from orchestration.publication.rendering import BUILTIN_ENGINE, find_quarto, render_report
from orchestration.publication.report_jobs import (
    REPORT_DATA_FILE,
    ReportJob,
    national_job,
    regional_job,
)
from orchestration.run_all import run_everything
from orchestration.settings import REPORT_SOURCES_DIR, dagster_instance_settings
from tests.conftest import make_isolated_project
from tests.test_quarto_engine import without_quarto

NNBSP, NBSP = "\u202f", "\u00a0"
NO_BREAK = NNBSP + NBSP
# Bretagne (a region with publishable figures), Corse (almost none) and the synthesis.
REPORTS = ("53", "94", "national")
CAPTION = re.compile(r"(Figure|Tableau) (\d+) –")
SOURCE = re.compile(rf"Sources?[{NO_BREAK}]: Observatoire des partenariats, ")
INSTITUTE = "Comisis-OpinionWay"


# --- one palette, one family, the institute in the codebooks (no pipeline) ---------------------


def test_css_and_typst_carry_the_palette_of_the_charts():
    css = (REPORT_SOURCES_DIR / "report.css").read_text(encoding="utf-8")
    typst = (REPORT_SOURCES_DIR / "typst" / "typst-template.typ").read_text(encoding="utf-8")
    assert dict(re.findall(r"--impact-([a-z]+):\s*(#[0-9a-f]{6});", css)) == palette.HOUSE_COLOURS
    assert dict(re.findall(r'#let impact-([a-z]+) = rgb\("(#[0-9a-f]{6})"\)', typst)) == (
        palette.HOUSE_COLOURS
    )
    assert f'font-family: "{palette.FONT_FAMILY}"' in css


def test_both_reports_declare_the_house_style_for_both_engines():
    for name in ("region.qmd", "national.qmd"):
        text = (REPORT_SOURCES_DIR / name).read_text(encoding="utf-8")
        matter = yaml.safe_load(text.split("---")[1])
        typst = matter["format"]["typst"]
        assert typst["template-partials"] == ["typst/typst-template.typ", "typst/typst-show.typ"]
        assert typst["mainfont"] == palette.FONT_FAMILY and typst["font-paths"] == ["fonts"]
        assert "french-typography.lua" in matter["filters"]
        assert "{=typst}" not in text  # the styling lives in the template, not in the report


def test_codebooks_name_the_institute_only_where_the_programme_does():
    assert load_codebook(codebook_path("citoyens", 2020)).institute == INSTITUTE
    assert load_codebook(codebook_path("fondations", 2021)).institute == INSTITUTE
    # The programme's synthesis does not say who ran the 2015 surveys: no institute is guessed.
    assert load_codebook(codebook_path("entreprises", 2015)).institute is None


def test_a_malformed_institute_is_refused_naming_the_codebook(tmp_path: Path):
    content = yaml.safe_load(codebook_path("citoyens", 2020).read_text(encoding="utf-8"))
    path = tmp_path / "2020.yml"
    path.write_text(yaml.safe_dump({**content, "institute": ["Comisis"]}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"2020\.yml.*institute"):
        load_codebook(path)


def plain(markdown: str) -> str:
    """Markdown's escaped characters as printed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_a_source_line_names_each_wave_once_with_its_institute_if_known():
    sources = [
        {"study": "citoyens", "wave": 2020, "survey_title": "IMPACT-Citoyens 2020",
         "institute": INSTITUTE},
        {"study": "entreprises", "wave": 2015, "survey_title": "PHARE-Entreprises 2015",
         "institute": None},
    ]  # fmt: skip
    # Markdown with plain spaces: the typography filter sets them when the report is converted.
    assert plain(source_line(sources, [("citoyens", 2020)])) == (
        f"Source : Observatoire des partenariats, IMPACT-Citoyens 2020 ({INSTITUTE}) ; "
        "traitement Observatoire des partenariats."
    )
    both = plain(
        source_line(sources, [("entreprises", 2015), ("citoyens", 2020), ("citoyens", 2020)])
    )
    assert both.startswith(
        f"Sources : Observatoire des partenariats, IMPACT-Citoyens 2020 ({INSTITUTE}), "
        "PHARE-Entreprises 2015 ;"
    )
    assert source_line(sources, [], cases=True, populations=True) == (
        "Sources : Observatoire des partenariats, base « IMPACT-Pratiques partenariales "
        "innovantes » ; INSEE, populations légales 2021 ; traitement Observatoire des partenariats."
    )


def french_html(markdown: str) -> str:
    """``markdown`` through the reports' typography filter, as HTML (the real pandoc)."""
    return pypandoc.convert_text(
        markdown,
        "html",
        format="markdown",
        extra_args=[f"--lua-filter={REPORT_SOURCES_DIR / 'french-typography.lua'}"],
    )


def test_the_typography_filter_puts_the_french_spaces_and_leaves_the_rest():
    written = french_html(
        "Il dit « oui » et «non» ; puis : quoi ? Enfin ! 95 % « déjà\u00a0» vu.\n\n"
        "À 10:30, voir <https://example.org/?q=1>."
    )
    assert f"«{NNBSP}oui{NNBSP}»" in written and f"«{NNBSP}non{NNBSP}»" in written
    assert f"«{NNBSP}déjà{NNBSP}»" in written
    assert f"et «{NNBSP}non{NNBSP}»{NNBSP}; puis{NBSP}: quoi{NNBSP}? Enfin{NNBSP}!" in written
    assert f"95{NNBSP}%" in written
    assert "10:30" in written and "https://example.org/?q=1" in written


# --- the reports, rendered by the pipeline (built-in engine) and by Quarto --------------------


@pytest.fixture(scope="module")
def project(finished_run, tmp_path_factory):
    """The shipped deliveries through the whole pipeline, rendered by the built-in engine: its
    published reports. The shared run's, unless Quarto rendered those."""
    if national_job(finished_run.project.paths).record().engine == BUILTIN_ENGINE:
        return finished_run.project
    project = make_isolated_project(tmp_path_factory.mktemp("house-style"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in project.env().items():
            monkeypatch.setenv(name, value)
        # The pipeline renders with the built-in engine here; Quarto has its own render below.
        without_quarto(monkeypatch)
        with dg.instance_for_test(overrides=dagster_instance_settings()) as instance:
            assert run_everything(instance).success
    return project


def job_of(which: str, project) -> ReportJob:
    if which == "national":
        return national_job(project.paths)
    return regional_job(region_by_code(which), project.paths)


def html_text(path: Path) -> str:
    """The visible text of a page, its spaces as written (no normalisation)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def unspaced_guillemets(text: str) -> list[str]:
    """Each « not followed by a no-break space and each » not preceded by one, in context."""
    wrong = re.finditer(rf"«[^{NO_BREAK}]|[^{NO_BREAK}]»", text)
    return [text[max(m.start() - 20, 0) : m.end() + 20] for m in wrong]


def captions(text: str) -> list[tuple[str, int]]:
    return [(kind, int(number)) for kind, number in CAPTION.findall(text)]


def assert_numbered_in_sequence(found: list[tuple[str, int]]) -> None:
    for kind in ("Figure", "Tableau"):
        numbers = [number for k, number in found if k == kind]
        assert numbers == list(range(1, len(numbers) + 1)), (kind, numbers)


def fonts(pdf: Path) -> set[str]:
    """The base names of the fonts of every page, subset prefix removed."""
    names = set()
    for page in PdfReader(pdf).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


def assert_house_style(html_path: Path, pdf_path: Path, title: str) -> None:
    """Everything the house style promises, on one report's HTML and PDF."""
    page, pages = html_text(html_path), pdf_pages(pdf_path)
    printed = "\n".join(pages)
    for text in (page, printed):
        assert text.count("«") > 10 and unspaced_guillemets(text) == []
    assert not [line for line in printed.splitlines() if line.rstrip().endswith("«")]
    assert {name.split("-")[0] for name in fonts(pdf_path)} == {"DejaVuSans"}
    assert f"page 1 / {len(pages)}" not in pages[0] and title in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert title in text and f"page {number} / {len(pages)}" in text, number
    numbered = captions(page)
    assert len(numbered) >= 10 and captions(printed) == numbered
    assert_numbered_in_sequence(numbered)
    # A source line under each figure and table, before the next one (the methodology's own
    # sources sentence does not start this way); a ranking told in words without a chart
    # (the mayors' fragilities) has its source line too, outside any caption.
    for text in (page, printed):
        assert all(SOURCE.search(part) for part in CAPTION.split(text)[3::3]), "source missing"
        assert len(SOURCE.findall(text)) >= len(numbered)
    assert html_path.read_text(encoding="utf-8").count('class="source"') >= len(numbered)


@pytest.mark.parametrize("which", REPORTS)
def test_each_report_keeps_the_house_style(project, which):
    job = job_of(which, project)
    title = "IMPACT-France" if which == "national" else f"IMPACT-{job.title}"
    assert_house_style(job.html, job.pdf, title)


def test_the_source_lines_name_the_surveys_shown_and_their_institute(project):
    export = json.loads(job_of("53", project).data_file.read_text(encoding="utf-8"))
    institutes = {(s["study"], s["wave"]): s["institute"] for s in export["sources"]}
    assert (
        institutes[("citoyens", 2020)] == INSTITUTE and institutes[("associations", 2015)] is None
    )
    region = html_text(job_of("53", project).html)
    line = (
        f"Source{NBSP}: Observatoire des partenariats, IMPACT-Citoyens 2020 ({INSTITUTE}){NNBSP};"
    )
    assert line in region
    national = html_text(job_of("national", project).html)
    assert "PHARE-Entreprises 2015, " in national
    assert f"PHARE-Entreprises 2015 ({INSTITUTE})" not in national


def test_quarto_gives_the_same_house_style(project, tmp_path):
    try:
        quarto = find_quarto()
    except FileNotFoundError as error:
        pytest.fail(str(error))
    if quarto is None:
        pytest.skip("quarto not found (QUARTO_PATH or the PATH)")
    job = job_of("53", project)
    params = {**job.params, "data": REPORT_DATA_FILE}
    front_matter = job.front_matter(dt.date.today())
    report = render_report(job.source, params, job.inputs(), tmp_path, front_matter)
    assert report.engine.startswith("Quarto")
    assert_house_style(report.html, report.pdf, f"IMPACT-{job.title}")
    # The same figures and tables, numbered alike, as the built-in engine's render.
    assert captions(html_text(report.html)) == captions(html_text(job.html))
