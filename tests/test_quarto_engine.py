"""The real Quarto path, where ``quarto`` is found (``QUARTO_PATH`` or the PATH; skipped
otherwise): one region rendered by Quarto and by the built-in engine from the same export prints
the same document: numbers, sections, captions, alternative texts and page count. And, with
whichever engine is present, ``make report``'s render of one region by hand."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from orchestration.geography import region_by_code
from orchestration.publication.by_hand import RUN_ID, render_by_hand
from orchestration.publication.rendering import (
    BUILTIN_ENGINE,
    QUARTO_PATH_VAR,
    RenderedReport,
    engine_name,
    find_quarto,
    render_report,
)
from orchestration.publication.report_jobs import REPORT_DATA_FILE, regional_job
from tests.conftest import project_env

REGION = "84"
# The provenance line names the engine (and Quarto's version): the one line that differs.
# French typography puts a no-break space before the colon.
ENGINE_LINE = re.compile(r"mise en page\s: (Quarto \d[\d.]*\d|moteur intégré \(pandoc \+ Typst\))")
ENGINE_LEAD = "mise en page\u00a0: "
NUMBER = re.compile(r"\d+(?:[,.]\d+)?")
# The running footer: where a page breaks may differ by a line between the engines (the page
# count is compared on its own), so its numbers would interleave differently with the text's.
PAGE_FOOTER = re.compile(r"page \d+ / \d+")


def quarto_or_skip() -> Path:
    try:
        quarto = find_quarto()
    except FileNotFoundError as error:
        pytest.fail(str(error))
    if quarto is None:
        pytest.skip("quarto not found (QUARTO_PATH or the PATH)")
    return quarto


class Page(HTMLParser):
    """What a reader of an HTML report sees: text, headings, captions, images' alt texts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.headings: list[str] = []
        self.captions: list[str] = []
        self.alts: list[str] = []
        self._hidden = 0
        self._open: dict[str, list[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        if tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")
        if tag in ("h1", "h2", "h3", "figcaption"):
            self._open[tag] = []

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1
        if tag in self._open:
            text = " ".join("".join(self._open.pop(tag)).split())
            (self.captions if tag == "figcaption" else self.headings).append(text)

    def handle_data(self, data):
        if self._hidden:
            return
        self.text.append(data)
        for parts in self._open.values():
            parts.append(data)

    def numbers(self) -> list[str]:
        return NUMBER.findall(ENGINE_LINE.sub("", " ".join(self.text)))


def pdf_numbers(pdf: Path) -> list[str]:
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    return NUMBER.findall(PAGE_FOOTER.sub("", ENGINE_LINE.sub("", " ".join(text.split()))))


def exported_charts(report: RenderedReport) -> int:
    """How many charts the rendered report's export holds (each is embedded once)."""
    data = report.html.parent / REPORT_DATA_FILE
    return len(json.loads(data.read_text(encoding="utf-8"))["charts"])


def without_quarto(monkeypatch) -> None:
    """Hide Quarto from the render (the built-in engine then renders)."""
    monkeypatch.delenv(QUARTO_PATH_VAR, raising=False)
    folders = os.environ.get("PATH", "").split(os.pathsep)
    kept = [folder for folder in folders if not (Path(folder) / "quarto").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(kept))


@pytest.fixture(scope="module")
def exported(finished_run, tmp_path_factory):
    """A copy of the shared pipeline run's project (a test here publishes into it), its
    variables set."""
    assert finished_run.result.success
    copy = finished_run.copy_to(tmp_path_factory.mktemp("quarto"))
    with project_env(copy) as project:
        yield project


@pytest.fixture(scope="module")
def renders(exported, tmp_path_factory) -> dict[str, RenderedReport]:
    """The region rendered by each engine from the same export."""
    quarto = quarto_or_skip()
    root = tmp_path_factory.mktemp("renders")
    job = regional_job(region_by_code(REGION), exported.paths)
    params = {**job.params, "data": REPORT_DATA_FILE}
    reports = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(QUARTO_PATH_VAR, str(quarto))
        for engine in ("quarto", "builtin"):
            if engine == "builtin":
                without_quarto(monkeypatch)
            scratch = root / f"scratch-{engine}"
            scratch.mkdir()
            reports[engine] = render_report(job.source, params, job.inputs(), scratch)
    return reports


def test_one_region_rendered_by_hand_is_published_and_current(exported, capsys):
    job = regional_job(region_by_code(REGION), exported.paths)
    for path in (job.html, job.pdf, job.record_file):
        path.unlink()
    render_by_hand(REGION, exported.paths)
    record = job.record()
    assert record.run_id == RUN_ID and record.engine == engine_name()
    assert job.is_current()  # the index lists it « à jour »
    html = job.html.read_text(encoding="utf-8")
    assert f"{ENGINE_LEAD}{engine_name()}" in html and f"{ENGINE_LEAD}inconnu" not in html
    # Every chart of the region's export is embedded, once.
    charts = json.loads(job.data_file.read_text(encoding="utf-8"))["charts"]
    assert len(re.findall(r'<img[^>]*\ssrc="data:image/png;base64,', html)) == len(charts) >= 2
    assert len(PdfReader(job.pdf).pages) > 1
    assert str(job.html) in capsys.readouterr().out


def test_each_engine_names_itself(renders):
    assert renders["quarto"].engine.startswith("Quarto 1.")
    assert renders["builtin"].engine == BUILTIN_ENGINE
    quarto_html = renders["quarto"].html.read_text(encoding="utf-8")
    assert f"{ENGINE_LEAD}{renders['quarto'].engine}" in quarto_html


def test_same_sections_captions_alt_texts_and_numbers_in_html(renders):
    quarto, builtin = (Page(renders[e].html.read_text(encoding="utf-8")) for e in renders)
    assert quarto.headings == builtin.headings and len(quarto.headings) > 8
    charts = exported_charts(renders["quarto"])
    assert quarto.captions == builtin.captions and len(quarto.captions) == charts >= 2
    assert quarto.alts == builtin.alts and all(quarto.alts)
    assert quarto.numbers() == builtin.numbers()


def test_quarto_html_embeds_its_images_and_links_no_other_format(renders):
    html = renders["quarto"].html.read_text(encoding="utf-8")
    sources = re.findall(r'<img[^>]*\ssrc="([^"]*)"', html)
    assert len(sources) == exported_charts(renders["quarto"])
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    assert "Autres formats" not in html and "quarto-alternate-formats" not in html
    assert ".pdf" not in html


def test_same_page_count_and_numbers_in_pdf(renders):
    quarto, builtin = (renders[e].pdf for e in ("quarto", "builtin"))
    assert len(PdfReader(quarto).pages) == len(PdfReader(builtin).pages)
    assert pdf_numbers(quarto) == pdf_numbers(builtin)


def test_engine_name_reads_the_installed_version():
    quarto = quarto_or_skip()
    assert engine_name() == f"Quarto {os.popen(f'{quarto} --version').read().strip()}"
