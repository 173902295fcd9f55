"""End to end through Dagster, the publication: the 28 reports, the index that is their front
page, each report's cover, note, sections and provenance."""

import datetime as dt
import hashlib
import html
import json
import re

import duckdb
from pypdf import PdfReader

from orchestration.geography import FRANCE_CODE, region_by_code
from orchestration.publication.french import date
from orchestration.publication.key_messages import (
    MAX_MESSAGES,
    MIN_MESSAGES,
    national_messages,
    regional_messages,
)
from orchestration.run_all import (
    failed_checks,
)
from tests.conftest import CITIZENS_2020
from tests.index_reading import read_index, report_helpers, spaced
from tests.pipeline_reading import (
    CASE_EXPORT,
    CHECKED_REGION,
    HEADLINE,
    INDICATOR,
    french_percent,
    html_text,
    normalized,
    pdf_text,
    printed,
    report_jobs,
    report_of,
    visible_markdown,
)

# What a reader of the index must not see before « À propos de cette publication ».
JARGON = ("moteur", "pandoc", "typst", "pipeline", "dagster", "quarto")


def test_full_run_publishes_28_reports_and_an_index(finished_pipeline):
    project, _, result = finished_pipeline
    assert result.success, failed_checks(result)
    jobs = report_jobs(project)
    files = [path for job in jobs for path in (job.html, job.pdf)]
    assert len(files) == 28
    assert all(path.exists() and path.stat().st_size > 0 for path in files)
    national = jobs[0]
    assert national.title == "Synthèse nationale"
    # The charts are embedded in both formats: the synthesis' series and its five cross-region
    # comparisons, one per surveyed population (issue 16: they replace the map); each region's
    # key figures and department map.
    for job in jobs:
        expected = 1 + len(compared_populations(job)) if job is national else 2
        expected += fragility_charts(job)
        assert job.html.read_text(encoding="utf-8").count("data:image/png;base64") == expected
        assert sum(len(page.images) for page in PdfReader(job.pdf).pages) == expected
    index = (project.reports_dir / "index.html").read_text(encoding="utf-8")
    for path in files:
        assert f'href="{path.name}"' in index
    assert 'href="qualite/index.html"' in index
    assert read_index(project.reports_dir / "index.html").states == ["à jour"] * 14
    regional = {
        event.asset_key.path[-1]: event.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.asset_key.path[0] == "regional_report"
    }
    assert len(regional) == 13
    bretagne = regional["53-bretagne"]
    assert re.fullmatch(r"/.*region-53-bretagne\.html", bretagne["html"].value)
    assert bretagne["pages"].value > 0


def test_the_index_is_the_front_page_of_the_publication(finished_pipeline):
    """The index a real run wrote, parsed: the notice, the synthesis and the 13 regions linked
    to files that exist, each region's headline as the reports print it (their own helpers),
    the map, and nothing technical before « À propos de cette publication »."""
    project = finished_pipeline[0]
    page = read_index(project.reports_dir / "index.html")
    synthesis, *regional = report_jobs(project)
    figures = json.loads(synthesis.data_file.read_text(encoding="utf-8"))
    helpers = report_helpers()
    assert figures["synthetic"]  # the shipped sample
    assert spaced(page.notice).startswith("Données illustratives.")
    published = max(job.record().rendered_at for job in report_jobs(project))
    assert f"Publication du {date(dt.datetime.fromisoformat(published).date())}" in spaced(
        page.reader_text
    )
    assert page.sections["synthese"] == [synthesis.html.name, synthesis.pdf.name]
    assert synthesis.html.is_file() and synthesis.pdf.is_file()
    france = spaced(helpers.share_text(figures["national"]))
    assert f"En {figures['wave']}, {france} des habitants" in spaced(page.section_text["synthese"])
    headline = next(i for i in figures["indicators"] if i["id"] == HEADLINE)["waves"][-1]
    rows = {row.id: row for row in page.rows}
    assert len(rows) == 13
    withheld = []
    for job, region in zip(regional, figures["regions"], strict=True):
        row = rows[f"region-{region['code']}"]
        assert row.hrefs == [job.html.name, job.pdf.name]
        assert all((project.reports_dir / href).is_file() for href in row.hrefs)
        name, share, interval, versus = (spaced(cell) for cell in row.cells[:4])
        value = region["collective_necessary"]
        assert name == job.title
        if value["share"] is None:
            withheld.append(name)
            assert (share, interval) == (f"e.i. (France métropolitaine : {france})", "–")
        else:
            assert share == spaced(helpers.share_text(value))
            assert interval == spaced(helpers.interval_text(value))
        assert versus == spaced(helpers.versus_rest_text(headline["values"][region["code"]]))
    assert withheld == ["Corse"]  # in the shipped sample: the « e.i. » row is read too
    # The map: 13 shapes, each a link to its report, coloured only by a significant test.
    assert [shape.href for shape in page.shapes] == [job.html.name for job in regional]
    for shape, job in zip(page.shapes, regional, strict=True):
        value = headline["values"][job.params["region"]]
        figure = spaced(f"{helpers.share_text(value)} {helpers.interval_text(value)}")
        assert spaced(shape.title).startswith(f"{job.title} : {figure}")
        expected = (
            "non-publie"
            if value["share"] is None
            else ("au-dessus" if value["vs_rest_difference"] > 0 else "en-dessous")
            if value["vs_rest_significant"]
            else "sans-ecart"
        )
        assert shape.fill == expected
    reader = page.reader_text
    assert not [word for word in JARGON if word in reader.lower()]
    assert not re.search(r"[0-9a-f]{12}|\w/\w|\.(json|html|pdf|duckdb|py)\b", reader)
    provenance = figures["provenance"]
    assert provenance["run_id"] in page.footer_text
    assert provenance["code_version"] in page.footer_text
    assert page.footer_links == ["qualite/index.html"]
    assert (project.reports_dir / "qualite" / "index.html").is_file()


def test_the_synthesis_prints_each_published_figure_beside_its_estimate(finished_pipeline):
    project, _, _ = finished_pipeline
    text = html_text(report_of(project, "Synthèse nationale", html_text))
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        rows = connection.execute(
            f"""
            select c.label, e.wave, e.estimate, e.ci_low, e.ci_high, e.n, e.status, p.value
            from reference.published_figures as p
            join reference.indicator_catalogue as c using (indicator_id)
            join {INDICATOR} as e using (indicator_id, wave)
            where e.geo_code = 'FR'
            """
        ).fetchall()
    assert len(rows) == 23
    for label, wave, share, low, high, n, status, published in rows:
        accord = "dans l’intervalle" if low <= published <= high else "hors de l’intervalle"
        base = f"{n:,}".replace(",", " ")
        expected = (
            f"{label} ({wave}) {printed(share, status)} "
            f"[{french_percent(low)} ; {french_percent(high)}] {base} "
            f"{round(published * 100)} % {accord}"
        )
        assert normalized(expected.replace("'", "’")) in text


def test_reports_have_their_sections_provenance_and_no_raw_values(finished_pipeline):
    project, _, result = finished_pipeline
    region = region_by_code(CHECKED_REGION)
    pdf = pdf_text(report_of(project, region.name, pdf_text))
    for section in (
        "Chiffres clés",
        "Les pratiques partenariales",
        "Évolutions",
        "Le territoire",
        "Méthode",
        "À propos de cette publication",
    ):
        assert section in pdf
    html_page = html_text(report_of(project, region.name, html_text))
    assert result.run_id in html_page
    for relative in [CITIZENS_2020, CASE_EXPORT]:
        digest = hashlib.sha256((project.raw_dir / relative).read_bytes()).hexdigest()
        assert f"{relative} SHA-256 {digest}" in html_page
    for job in report_jobs(project):
        images = re.findall(r"<img\b[^>]*>", job.html.read_text(encoding="utf-8"))
        for image in images:
            assert re.search(r'\balt="[^"]{20,}"', image), (job.title, image[:200])
        for text in (html_text(job.html), pdf_text(job.pdf)):
            for raw in ("nan", "None", "True", "False", "suppressed", "published", "institute"):
                assert not re.search(rf"\b{raw}\b", text), (job.title, raw)


def fragility_charts(job) -> int:
    """The report's fragility charts (issue 17), each drawn only when published: a region's
    citizens' scores and its perceived-vs-objective chart, the synthesis's heat map."""
    figures = json.loads(job.data_file.read_text(encoding="utf-8"))
    return sum(name.startswith(("fragilites-", "percu-objectif-")) for name in figures["charts"])


def compared_populations(job) -> list[str]:
    """The populations the synthesis compares across regions: those with at least one region
    whose key figure is published (a chart of withheld regions only is not drawn)."""
    figures = json.loads(job.data_file.read_text(encoding="utf-8"))
    return [
        item["study"]
        for item in figures["indicators"]
        if item["section"] == "chiffres_cles"
        and any(
            value["share"] is not None
            for code, value in item["waves"][-1]["values"].items()
            if code != FRANCE_CODE
        )
    ]


# What a general reader must not meet before the annex « À propos de cette publication »: the
# machinery, and the statisticians' words (the section « Méthode » says it in plain French).
TECHNICAL_WORDS = (
    "pipeline", "docs/", ".md", "SHA-256", "Dagster", "Korn", "Kish", "linéarisation",
    "effet de plan", "moteur",
)  # fmt: skip


def test_each_report_opens_with_its_cover_and_note_and_ends_with_provenance(finished_pipeline):
    """Issue 16: own title (cover, <title>, PDF metadata), one H1, a table of contents, the note
    de synthèse as key_messages writes it from the report's export, and nothing technical
    (finished_pipeline, file path, hash, run id) before the annex."""
    project, _, result = finished_pipeline
    annex = "À propos de cette publication"
    for job in report_jobs(project):
        figures = json.loads(job.data_file.read_text(encoding="utf-8"))
        if job.source == "national.qmd":
            title, messages = "IMPACT-France", national_messages(figures)
        else:
            title = f"IMPACT-{job.title}"
            messages = regional_messages(figures, job.params["region"])
        # Pandoc sets the apostrophe as French text wants in the page; the PDF's metadata
        # keeps the plain one.
        typeset = title.replace("'", "’")
        page_html = job.html.read_text(encoding="utf-8")
        assert html.unescape(re.search(r"<title>(.*?)</title>", page_html, re.S)[1]) == typeset
        assert len(re.findall(r"<h1\b", page_html)) == 1
        assert 'id="TOC"' in page_html
        reader = PdfReader(job.pdf)
        assert reader.metadata.title == title
        # The cover's large title may wrap after one of its hyphens (Bourgogne-Franche-Comté).
        cover = normalized(reader.pages[0].extract_text()).replace("- ", "-")
        assert title in cover.replace("’", "'"), job.title
        assert "Note de synthèse" in cover and "Données illustratives" in cover
        text = html_text(job.html)
        assert MIN_MESSAGES <= len(messages) <= MAX_MESSAGES, job.title
        note = text.index("Note de synthèse", text.index("Données illustratives"))
        positions = [text.index(visible_markdown(m), note) for m in messages]
        assert positions == sorted(positions), job.title
        for reader_text in (text, pdf_text(job.pdf)):
            before_annex = reader_text[: reader_text.rindex(annex)]
            for jargon in (*TECHNICAL_WORDS, result.run_id):
                assert jargon not in before_annex, (job.title, jargon)
            assert "territorialx" not in reader_text and "effectif effectif" not in reader_text
