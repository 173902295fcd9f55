"""Issue 17, item 4: « Les alliances qui y répondent » in every regional report. The case counts,
the catalysts and the « angles morts » printed equal a direct query of the delivered case
database (raw tables, mapped to the fragility domains by the seed read here, not through the
dbt models), with each render engine; the wording of the priorities the warehouse establishes."""

from __future__ import annotations

import html
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from pypdf import PdfReader

from orchestration.geography import region_by_code, regions
from orchestration.publication.rendering import QUARTO_PATH_VAR, render_report
from orchestration.publication.report_jobs import REPORT_DATA_FILE, regional_job
from orchestration.settings import DBT_PROJECT_DIR, REPORT_SOURCES_DIR
from tests.conftest import project_env
from tests.test_quarto_engine import quarto_or_skip, without_quarto

SECTION = "Les alliances qui y répondent"
SEEDS = DBT_PROJECT_DIR / "seeds"
BLIND_SPOTS = (
    "Aucune alliance recensée dans la région ne répond à ces fragilités prioritaires "
    "(angles morts) : "
)
NO_BLIND_SPOT = "Aucun angle mort"
UNANSWERED = "Domaines de fragilité auxquels aucune pratique recensée dans la région ne répond : "
ALL_ANSWERED = "Chaque domaine de fragilité compte au moins une pratique recensée dans la région."


@pytest.fixture(scope="module")
def exported(finished_run):
    """The shared pipeline run's project, its variables set (read only)."""
    assert finished_run.result.success
    with project_env(finished_run.project) as project:
        yield project


def normalized(text: str) -> str:
    """Visible text: every kind of space one plain space, apostrophes as typed."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).replace("’", "'").strip()


def visible(fragment: str) -> str:
    return normalized(html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def section_of(page: str) -> tuple[list[list[str]], str]:
    """The section's table (body rows, cells as read) and its text after the table."""
    start = re.search(rf"<h2[^>]*>[^<]*(?:<[^>]+>[^<]*)*?{SECTION}", page)
    assert start, "no section « Les alliances qui y répondent »"
    body = page[start.end() : page.index("<h2", start.end())]
    table = re.search(r"<table.*?</table>", body, flags=re.S)
    rows = [
        [visible(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table[0], flags=re.S)
    ]
    return [row for row in rows if row], visible(body[table.end() :])


def squeezed(text: str) -> str:
    """Text as a PDF line-breaks it: without spaces, hyphens or soft hyphens."""
    return re.sub(r"[\s\u00a0\u202f\u00ad\-‐]+", "", text.replace("’", "'"))


def direct_query(warehouse: Path) -> dict[str, dict]:
    """Per region, straight from the delivered tables and the seeds: cases and catalysts per
    fragility domain (label, in printing order), and the priority domains of the parts A and B
    marts (none established: ``None``)."""
    mapping = pd.read_csv(SEEDS / "case_domain_fragilities.csv", dtype=str)
    domains = pd.read_csv(SEEDS / "fragility_domains.csv", dtype={"display_order": int})
    domains = domains.sort_values("display_order")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        cases = connection.execute(
            "select region, departement, domaine from raw.case_database"
        ).df()
        catalysts = connection.execute(
            "select id_catalyseur, region, departement from raw.case_database_catalysts"
        ).df()
        ranked = connection.execute(
            """
            select geo_code, domain_id, tier from marts.fct_fragility_ranking
            where study = 'citoyens' and tier is not null and wave = (
                select max(wave) from marts.fct_fragility_ranking where study = 'citoyens')
            """
        ).df()
        profiled = connection.execute(
            "select geo_code, domain_id, objective_fragility from marts.fct_region_profile "
            "where objective_fragility is not null and domain_id is not null"
        ).df()
    cases = cases.merge(mapping, left_on="domaine", right_on="case_domain", how="inner")
    expected = {}
    for region in regions():
        mine = cases[cases["region"] == region.code]
        theirs = catalysts[catalysts["region"] == region.code]
        rows = []
        for domain in domains.itertuples():
            answering = mine[mine["domain_id"] == domain.domain_id]
            near = theirs[theirs["departement"].isin(answering["departement"])]
            rows.append((domain.label, len(answering), near["id_catalyseur"].nunique()))
        perceived = ranked[ranked["geo_code"] == region.code]
        objective = profiled[profiled["geo_code"] == region.code]
        priorities = None
        if len(perceived) or len(objective):
            chosen = set(perceived.loc[perceived["tier"] == 1, "domain_id"])
            chosen |= set(objective.loc[objective["objective_fragility"], "domain_id"])
            priorities = [d.label for d in domains.itertuples() if d.domain_id in chosen]
        expected[region.code] = {"rows": rows, "priorities": priorities}
    return expected


def angles_morts_sentence(expected: dict) -> str:
    """The verdict the section must print for the region."""
    zero = [label for label, count, _ in expected["rows"] if count == 0]
    if expected["priorities"] is None:
        return f"{UNANSWERED}{' ; '.join(zero)}." if zero else ALL_ANSWERED
    blind = [label for label in expected["priorities"] if label in zero]
    return f"{BLIND_SPOTS}{' ; '.join(blind)}." if blind else NO_BLIND_SPOT


def test_every_region_prints_the_case_database_s_counts_and_angles_morts(exported):
    expected = direct_query(exported.warehouse)
    for region in regions():
        job = regional_job(region, exported.paths)
        rows, after = section_of(job.html.read_text(encoding="utf-8"))
        printed = [(label, int(cases), int(catalysts)) for label, _, cases, catalysts, _ in rows]
        assert printed == expected[region.code]["rows"], region.name
        sentence = angles_morts_sentence(expected[region.code])
        assert normalized(sentence) in after, (region.name, after)
        pdf = " ".join(page.extract_text() for page in PdfReader(job.pdf).pages)
        assert SECTION in normalized(pdf), region.name
        assert squeezed(sentence) in squeezed(pdf), region.name


def test_examples_are_the_two_most_recent_cases_of_the_domain(exported):
    with duckdb.connect(str(exported.warehouse), read_only=True) as connection:
        latest = connection.execute(
            """
            select titre from raw.case_database
            where region = '53' and domaine = 'Culture'
            order by cast(annee as integer) desc, id_cas
            limit 2
            """
        ).fetchall()
    job = regional_job(region_by_code("53"), exported.paths)
    rows, _ = section_of(job.html.read_text(encoding="utf-8"))
    lien_social = next(row for row in rows if row[0] == "Lien social")
    assert lien_social[4] == normalized(" ; ".join(title for (title,) in latest))


def test_both_engines_print_the_same_section(exported, tmp_path_factory):
    quarto = quarto_or_skip()
    job = regional_job(region_by_code("53"), exported.paths)
    params = {**job.params, "data": REPORT_DATA_FILE}
    sections = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(QUARTO_PATH_VAR, str(quarto))
        for engine in ("quarto", "builtin"):
            if engine == "builtin":
                without_quarto(monkeypatch)
            scratch = tmp_path_factory.mktemp(f"alliances-{engine}")
            rendered = render_report(job.source, params, job.inputs(), scratch)
            sections[engine] = section_of(rendered.html.read_text(encoding="utf-8"))
            pdf = " ".join(page.extract_text() for page in PdfReader(rendered.pdf).pages)
            assert SECTION in normalized(pdf), engine
    assert sections["quarto"] == sections["builtin"]
    assert len(sections["quarto"][0]) == len(pd.read_csv(SEEDS / "fragility_domains.csv"))


@pytest.fixture
def helpers(monkeypatch):
    """``reports/alliance_helpers.py``, imported as the report sources import it."""
    monkeypatch.syspath_prepend(str(REPORT_SOURCES_DIR))
    import alliance_helpers

    return alliance_helpers


def domain(label, cases, perceived=None, objective=None, blind=False) -> dict:
    return {
        "label": label,
        "cases": cases,
        "perceived_priority": perceived,
        "objective_fragility": objective,
        "angle_mort": blind,
    }


def test_angles_morts_wording_follows_what_the_warehouse_establishes(helpers):
    with_blind_spots = [
        domain("Emploi", 3, perceived=True, objective=False),
        domain("Sécurité", 0, perceived=True, objective=None, blind=True),
        domain("Mobilité", 0, perceived=False, objective=True, blind=True),
        domain("Numérique", 0, perceived=False, objective=False),
    ]
    assert helpers.angles_morts_text(with_blind_spots) == (f"{BLIND_SPOTS}Sécurité ; Mobilité.")
    answered = [domain("Emploi", 3, perceived=True), domain("Santé", 0, perceived=False)]
    text = helpers.angles_morts_text(answered)
    assert text.startswith(helpers.OBJECTIVE_MISSING) and f"{NO_BLIND_SPOT} :" in text
    assert "(Emploi)" in text
    assert [helpers.priority_text(d) for d in with_blind_spots] == [
        "perçue",
        "perçue",
        "objective",
        "–",
    ]
    assert helpers.priority_text(domain("Emploi", 1, True, True)) == "perçue et objective"
    assert helpers.priority_text(domain("Emploi", 1)) == "non établie"


def test_data_text_in_the_sentences_is_inert(helpers):
    text = helpers.angles_morts_text([domain("*Sécurité* <b>", 0, perceived=True, blind=True)])
    assert text.endswith(r"\*Sécurité\* \<b\>.")
