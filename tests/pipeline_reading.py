"""What the end-to-end tests read in a finished project: its reports as text, its marts, its
published files' digests, what automation requests (helpers of several test modules)."""

import html
import re
from pathlib import Path

import duckdb
from pypdf import PdfReader

from orchestration.definitions import defs
from orchestration.geography import regions
from orchestration.ingest.codebooks import codebook_path, load_codebook
from orchestration.publication.report_jobs import all_report_jobs

CHECKED_REGION = "84"
INDICATOR = "marts.fct_indicator_estimates"
HEADLINE = "citoyens_jouer_collectif"
CASE_EXPORT = "cases/impact_pratiques_partenariales.xlsx"
CODEBOOK = load_codebook(codebook_path("citoyens", 2020))
REGION, WEIGHT, ID = CODEBOOK.region, CODEBOOK.weight, CODEBOOK.respondent_id


def indicator_row(project, code: str) -> tuple[float, int, float, float, str]:
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        return connection.execute(
            f"select estimate, n, ci_low, ci_high, status from {INDICATOR} "
            f"where indicator_id = ? and geo_code = ? "
            f"and wave = (select max(wave) from {INDICATOR} where indicator_id = ?)",
            [HEADLINE, code, HEADLINE],
        ).fetchone()


def report_jobs(project):
    """The 14 reports of the test project, the synthesis first."""
    return all_report_jobs(project.paths, regions())


def french_percent(share: float) -> str:
    return f"{share * 100:.1f}".replace(".", ",") + " %"


def normalized(text: str) -> str:
    """Visible text with every kind of space as one plain space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def html_text(path: Path) -> str:
    """The visible text of a page: scripts and styles (embedded resources) dropped."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    without_tags = re.sub(r"<[^>]+>", " ", page)
    return normalized(html.unescape(without_tags))


def pdf_text(path: Path) -> str:
    return normalized(" ".join(page.extract_text() for page in PdfReader(path).pages))


def printed(value: float | None, status: str) -> str:
    if status == "suppressed":
        return "e.i."
    marks = {"fragile": " (effectif faible)", "modelled": " (estimation modélisée)"}
    return french_percent(value) + marks.get(status, "")


def typeset(text: str) -> str:
    """A sentence of the code as the reports print it: typographic apostrophes, plain spaces."""
    return normalized(text.replace("'", "’"))


def report_of(project, title: str, reader) -> Path:
    job = next(job for job in report_jobs(project) if job.title == title)
    return job.html if reader is html_text else job.pdf


def requested_assets(result) -> set[str]:
    """The assets an evaluation of the automation conditions requested."""
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    return {key.to_user_string() for key in keys if result.get_num_requested(key)}


def visible_markdown(text: str) -> str:
    """What a reader sees of a line of markdown written through inert(): the characters, with
    apostrophes set as pandoc sets French text."""
    return normalized(re.sub(r"\\(.)", r"\1", text).replace("'", "’"))
