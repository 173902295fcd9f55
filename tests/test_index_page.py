"""``index.html``, the publication's front page, written from render records and an export
made for the test; read back parsed (``tests/index_reading.py``). The same page written by a
real run is read in ``test_publication_e2e`` (a clean run) and ``test_render_isolation`` (failed
renders)."""

import json
import re
from dataclasses import replace
from itertools import cycle

import pytest

from orchestration.geography import regions
from orchestration.publication.index_figures import LEGEND
from orchestration.publication.index_page import ReportStatus, write_index
from orchestration.publication.report_jobs import RenderFailure, all_report_jobs
from orchestration.settings import ProjectPaths
from tests.index_reading import read_index, spaced
from tests.test_escaping import HOSTILE, assert_no_live_markup, read_page, visible

ENGINE = "moteur intégré (pandoc + Typst)"
TECHNICAL = ("moteur", "pandoc", "typst", "pipeline", "dagster", "run-1", "abc123")


def value(share, significant=None, difference=None, status="published", n=400) -> dict:
    """A value of the export's headline indicator (withheld: ``share`` is ``None``)."""
    interval = (None, None) if share is None else (share - 0.04, share + 0.04)
    return {
        "share": share,
        "ci_low": interval[0],
        "ci_high": interval[1],
        "n": n,
        "status": status,
        "vs_rest_difference": difference,
        "vs_rest_significant": significant,
    }


def export(values: dict[str, dict], synthetic: bool = True) -> dict:
    """A synthesis's export holding what the index reads: the headline indicator of 2020,
    France's value under FR, every other region not significantly different."""
    default = value(0.8, significant=False, difference=-0.01)
    france = {"FR": value(0.8, n=3000)}
    waves = [{"wave": 2020, "values": france | {r.code: default for r in regions()} | values}]
    return {
        "synthetic": synthetic,
        "indicators": [{"id": "citoyens_jouer_collectif", "study": "citoyens", "waves": waves}],
        "provenance": {"run_id": "run-1", "code_version": "abc123", "exported_at": "2026-11-27"},
    }


@pytest.fixture
def jobs(tmp_path):
    """The 14 report jobs of an empty project (nothing published yet)."""
    paths = ProjectPaths(tmp_path / "raw", tmp_path / "warehouse" / "impact.duckdb", tmp_path)
    return {job.params.get("region"): job for job in all_report_jobs(paths, regions())}


def publish(job, current: bool = True) -> None:
    """The job's files online, from a render recorded as made from ``current`` inputs."""
    job.data_file.parent.mkdir(parents=True, exist_ok=True)
    job.data_file.write_text(
        json.dumps({"charts": {}, "provenance": {"code_version": "abc123"}}), encoding="utf-8"
    )
    key = job.key() if current else "an older key"
    job.write_record(key, "run-1", ENGINE)
    for path in (job.html, job.pdf):
        path.write_text("rendu", encoding="utf-8")


def write(jobs, figures: dict | None):
    index = next(iter(jobs.values())).paths.reports_dir / "index.html"
    statuses = [ReportStatus.of(job) for job in jobs.values()]
    write_index(index, statuses, figures)
    return read_index(index)


def rows(page) -> dict[str, list[str]]:
    return {row.id.removeprefix("region-"): [spaced(c) for c in row.cells] for row in page.rows}


def test_each_report_is_up_to_date_late_or_not_yet_published_in_plain_french(jobs):
    synthesis, current, late, never = jobs[None], jobs["84"], jobs["53"], jobs["94"]
    publish(synthesis)
    publish(current)
    publish(late, current=False)
    late.write_failure("k", "run-2", "le PDF n'a pas pu être compilé par Typst : failed to decode")
    never.write_failure("k", "run-2", "la cellule 12 a échoué : KeyError")
    page = write(jobs, export({}))
    states = {code: cells[-1] for code, cells in rows(page).items()}
    assert states["84"] == "à jour"
    assert re.fullmatch(
        r"en retard sur les données \(version du \S+ \S+ \d{4} ; "
        r"la mise à jour du \S+ \S+ \d{4} a échoué\)",
        states["53"],
    )
    assert re.fullmatch(
        r"pas encore publié \(la mise à jour du \S+ \S+ \d{4} a échoué\)", states["94"]
    )
    assert states["11"] == "pas encore publié"
    assert page.states[0] == "à jour"  # the synthesis
    # Links only to what is online: the unpublished have none, in the table or on the map.
    assert not next(row for row in page.rows if row.id == "region-94").hrefs
    linked = {shape.href for shape in page.shapes if shape.href}
    assert linked == {current.html.name, late.html.name}
    # The technical reasons are told in « À propos de cette publication » only.
    reader = page.reader_text.lower()
    assert not [word for word in TECHNICAL if word in reader]
    assert "failed to decode" in page.footer_text and "KeyError" in page.footer_text
    assert ENGINE in page.footer_text and "run-1" in page.footer_text


def test_the_notice_is_printed_when_the_figures_are_illustrative(jobs):
    assert spaced(write(jobs, export({}, synthetic=True)).notice).startswith(
        "Données illustratives."
    )
    assert write(jobs, export({}, synthetic=False)).notice == ""
    assert write(jobs, None).notice == ""  # no readable export: no figure, no claim


def test_the_map_colours_a_region_only_when_it_differs_significantly(jobs):
    page = write(
        jobs,
        export(
            {
                "84": value(0.86, significant=True, difference=0.05),
                "11": value(0.75, significant=True, difference=-0.062),
                "53": value(0.9, significant=False, difference=0.08, status="fragile", n=60),
                "94": value(None, n=25, status="suppressed"),
            }
        ),
    )
    fills = dict(zip([r.code for r in regions()], [s.fill for s in page.shapes], strict=True))
    assert (fills["84"], fills["11"], fills["53"], fills["94"]) == (
        "au-dessus",
        "en-dessous",
        "sans-ecart",
        "non-publie",
    )
    assert {fill for code, fill in fills.items() if code not in {"84", "11", "94"}} == {
        "sans-ecart"
    }
    assert {fill for fill in fills.values()} <= {css for css, _ in LEGEND}
    table = rows(page)
    assert table["84"][1:4] == ["86,0 %", "[82,0 % ; 90,0 %]", "+5,0 points (au-dessus)"]
    assert table["11"][3] == "−6,2 points (en dessous)"
    assert table["53"][1:4] == [
        "90,0 % (effectif faible)",
        "[86,0 % ; 94,0 %]",
        "écart non significatif",
    ]
    assert table["94"][1:4] == ["e.i. (France métropolitaine : 80,0 %)", "–", "e.i."]
    text = spaced(page.reader_text)
    assert (
        "En 2020, significativement au-dessus du reste de la France : Auvergne-Rhône-Alpes ; "
        "significativement en dessous : Île-de-France." in text
    )
    assert "(effectif faible) » : valeur reposant sur 30 à 99 répondants" in text
    assert "« e.i. » : effectif insuffisant, valeur non publiée (moins de 30" in text


def test_text_from_data_is_printed_as_text(jobs):
    """Titles, failure reasons, engines and run ids reach the page through html_escaped()."""
    hostile = cycle(HOSTILE)
    statuses = []
    for job in jobs.values():
        publish(job)
        title, reason = next(hostile), next(hostile)
        record = replace(job.record(), engine=reason)
        failure = RenderFailure("k", "run-2", "2026-11-28T10:00:00+00:00", reason)
        status = ReportStatus.of(job)
        statuses.append(replace(status, title=title, record=record, failure=failure, current=False))
    figures = export({})
    figures["provenance"]["run_id"] = HOSTILE[0]
    index = write_index(jobs[None].paths.reports_dir / "index.html", statuses, figures)
    page = read_page(index)
    assert_no_live_markup(page)
    assert page.images == []
    shown = visible(page.text)
    for text in HOSTILE:
        assert visible(text) in shown, text
