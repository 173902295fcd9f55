"""Every figure the full reports print, read from the marts in one short read-only step.

The export holds, for France and each region: every indicator of the catalogue in every wave
as ``marts.fct_published_estimates`` gives it (estimate, interval, base, status, comparison with
the rest of France, change since the previous wave; a modelled value has no comparison); the
case database by domain, actor profile, mode, level and department, with example cases; the
sources (file, hash, fieldwork, weighting diagnostics per study wave); the findings of each
report's note de synthèse (``marts.fct_report_findings``). A suppressed estimate is exported
without its value, interval or comparisons: a report cannot print what it does not have.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb

from orchestration.geography import FRANCE_CODE
from orchestration.transform.small_area_estimates import SmallAreaModel

SUPPRESSED = "suppressed"
# The report marts (dbt_project/models/reports/), which the reports' dbt exposures list.
SOURCES_TABLE = "marts.fct_report_sources"
INPUTS_TABLE = "marts.fct_report_inputs"
RESPONDENTS_TABLE = "marts.fct_report_respondents"
EXAMPLES_TABLE = "marts.fct_report_examples"


@dataclass(frozen=True)
class Value:
    """One indicator for one geography and wave, as a report may print it."""

    share: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    status: str
    vs_rest_difference: float | None
    vs_rest_significant: bool | None
    previous_wave: int | None
    change: float | None
    change_significant: bool | None


@dataclass(frozen=True)
class IndicatorWave:
    """An indicator in one wave: France (``FR``) and the 13 regions by INSEE code."""

    wave: int
    values: dict[str, Value]


@dataclass(frozen=True)
class Indicator:
    """A catalogue indicator with every wave that asked its question, oldest first."""

    id: str
    study: str
    section: str
    label: str
    waves: tuple[IndicatorWave, ...]


@dataclass(frozen=True)
class Source:
    """One survey wave as delivered: for the methodology table and the provenance footer."""

    study: str
    wave: int
    title: str
    format: str
    file: str
    sha256: str
    respondents: int
    fieldwork_start: str | None
    fieldwork_end: str | None
    weight_source: str
    min_weight: float
    max_weight: float
    kish_deff: float
    kish_n_effective: float
    survey_title: str = ""  # the codebook's name of the wave: « IMPACT-Citoyens 2020 »
    institute: str | None = None  # the survey institute, when the codebook names it
    is_illustrative: bool = False  # a sample delivery (« DONNEES ILLUSTRATIVES »)


@dataclass(frozen=True)
class PublishedFigure:
    """A figure the programme published, to print beside the national estimate."""

    indicator_id: str
    wave: int
    value: float
    source: str


@dataclass(frozen=True)
class InputFile:
    """A delivered file the figures were computed from, with its SHA-256."""

    file: str
    sha256: str


@dataclass(frozen=True)
class ExampleCase:
    """A case of the database, as the territory section quotes it."""

    title: str
    department: str
    domain: str
    profiles: str


@dataclass(frozen=True)
class Territory:
    """The case database for one geography: counts by category and by department."""

    cases: int
    per_100k: float | None
    catalysts: int
    by_category: dict[str, dict[str, int]]
    # Cases per department (no per-inhabitant rate: the reference data hold no department
    # populations).
    departments: dict[str, int]
    examples: tuple[ExampleCase, ...]


@dataclass(frozen=True)
class Finding:
    """One message of a note de synthèse, as ``marts.fct_report_findings`` selects it: which
    report, where in its note, of what kind, and the figures its sentence prints (the columns
    are documented in ``dbt_project/models/marts/_findings.yml``)."""

    report_code: str
    rank: int
    kind: str
    kind_rank: int
    geo_code: str
    geo_name: str | None
    indicator_id: str | None
    study: str | None
    label: str | None
    wave: int | None
    previous_wave: int | None
    share: float | None
    ci_low: float | None
    ci_high: float | None
    base_n: int | None
    previous_share: float | None
    difference: float | None
    item_count: int | None
    total_count: int | None
    case_count: int | None
    cases_per_100k: float | None
    catalyst_count: int | None
    first_domain: str | None
    first_domain_count: int | None
    region_names: tuple[str, ...] | None
    unit: str | None
    domain_labels: tuple[str, ...] | None
    domain_values: tuple[float, ...] | None
    domain_perceived: tuple[bool, ...] | None
    domain_objective: tuple[bool, ...] | None


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _value(row: dict) -> Value:
    shown = row["status"] != SUPPRESSED
    kept = (lambda v: _number(v)) if shown else (lambda v: None)
    return Value(
        share=kept(row["estimate"]),
        ci_low=kept(row["ci_low"]),
        ci_high=kept(row["ci_high"]),
        n=int(row["n"]),
        status=row["status"],
        vs_rest_difference=kept(row["vs_rest_difference"]),
        vs_rest_significant=kept(row["vs_rest_significant"]),
        previous_wave=None if _number(row["previous_wave"]) is None else int(row["previous_wave"]),
        change=kept(row["change"]),
        change_significant=kept(row["change_significant"]),
    )


def read_indicators(connection: duckdb.DuckDBPyConnection) -> tuple[Indicator, ...]:
    """Every catalogue indicator, every wave, France and regions, in catalogue order."""
    rows = connection.execute(
        """
        select c.indicator_id, c.study, c.section, c.label, e.wave, e.geo_code, e.estimate,
            e.ci_low, e.ci_high, e.n, e.status, e.vs_rest_difference, e.vs_rest_significant,
            e.previous_wave, e.change, e.change_significant
        from reference.indicator_catalogue as c
        join marts.fct_published_estimates as e using (indicator_id)
        order by e.wave
        """
    ).df()
    # The perceived fragilities (scores and cited domains) have their own export and section:
    # orchestration/publication/fragility_figures.py.
    catalogue = connection.execute(
        "select indicator_id, study, section, label from reference.indicator_catalogue"
        " where section != 'fragilites'"
    ).fetchall()
    indicators = []
    for indicator_id, study, section, label in catalogue:
        mine = rows[rows["indicator_id"] == indicator_id]
        waves = tuple(
            IndicatorWave(
                int(wave),
                {row["geo_code"]: _value(row) for row in group.to_dict("records")},
            )
            for wave, group in mine.groupby("wave", sort=True)
        )
        indicators.append(Indicator(indicator_id, study, section, label, waves))
    return tuple(indicators)


def read_sources(connection: duckdb.DuckDBPyConnection) -> tuple[Source, ...]:
    """Each survey wave's delivery, fieldwork dates and weighting diagnostics."""
    fields = ", ".join(Source.__annotations__)
    rows = connection.execute(
        f"select {fields} from {SOURCES_TABLE} order by study, wave"
    ).fetchall()
    return tuple(Source(*row) for row in rows)


def read_published(connection: duckdb.DuckDBPyConnection) -> tuple[PublishedFigure, ...]:
    """The programme's published figures (seed ``published_figures``)."""
    rows = connection.execute(
        "select indicator_id, wave, value, source from reference.published_figures order by 1, 2"
    ).fetchall()
    return tuple(PublishedFigure(*row) for row in rows)


def read_small_area_model(connection: duckdb.DuckDBPyConnection) -> SmallAreaModel:
    """The small-area model and its publication thresholds (seed ``small_area_models``), for
    the methodology."""
    return SmallAreaModel.from_seed(connection.execute("from reference.small_area_models").df())


def read_inputs(connection: duckdb.DuckDBPyConnection) -> tuple[InputFile, ...]:
    """Every delivered file behind the figures: the survey waves, the case export, the context
    statistics."""
    rows = connection.execute(f"select file, sha256 from {INPUTS_TABLE} order by file").fetchall()
    return tuple(InputFile(*row) for row in rows)


def read_regional_respondents(connection: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """How many respondents each survey wave has in each region: ``{region: {"study/wave": n}}``
    (the methodology says how many were asked in the region, and how precise that makes it)."""
    rows = connection.execute(
        f"select region_code, study || '/' || wave, respondents from {RESPONDENTS_TABLE}"
        " order by all"
    ).fetchall()
    counts: dict[str, dict[str, int]] = {}
    for code, source, respondents in rows:
        counts.setdefault(code, {})[source] = int(respondents)
    return counts


def read_territories(connection: duckdb.DuckDBPyConnection) -> dict[str, Territory]:
    """The case database for France (``FR``) and each region."""
    counts = connection.execute(
        """
        select dimension, category, geo_level, geo_code, count, per_100k_inhabitants
        from marts.fct_case_database_indicators
        """
    ).df()
    departments = connection.execute(
        "select dep, reg from reference.departements order by dep"
    ).fetchall()
    territories = {}
    region_codes = sorted(counts.loc[counts["geo_level"] == "region", "geo_code"].unique())
    for code in [FRANCE_CODE, *region_codes]:
        level = "france" if code == FRANCE_CODE else "region"
        mine = counts[(counts["geo_level"] == level) & (counts["geo_code"] == code)]
        total = mine[mine["dimension"] == "total"].iloc[0]
        catalysts = mine.loc[mine["dimension"] == "catalysts", "count"]
        in_region = [dep for dep, reg in departments if code in (FRANCE_CODE, reg)]
        territories[code] = Territory(
            cases=int(total["count"]),
            per_100k=_number(total["per_100k_inhabitants"]),
            catalysts=int(catalysts.iloc[0]) if len(catalysts) else 0,
            by_category={
                dimension: dict(zip(group["category"], group["count"].astype(int), strict=True))
                for dimension, group in mine.groupby("dimension")
                if dimension not in ("total", "catalysts")
            },
            departments=_department_counts(counts, in_region),
            examples=_examples(connection, code),
        )
    return territories


def _department_counts(counts, codes: list[str]) -> dict[str, int]:
    rows = counts[
        (counts["geo_level"] == "department")
        & (counts["dimension"] == "total")
        & counts["geo_code"].isin(codes)
    ]
    return {row.geo_code: int(row.count) for row in rows.itertuples()}


def _examples(connection: duckdb.DuckDBPyConnection, code: str) -> tuple[ExampleCase, ...]:
    rows = connection.execute(
        f"select title, department, domain, profiles from {EXAMPLES_TABLE}"
        " where geo_code = ? order by rank",
        [code],
    ).fetchall()
    return tuple(ExampleCase(*row) for row in rows)


def read_findings(connection: duckdb.DuckDBPyConnection) -> tuple[Finding, ...]:
    """Every report's findings, report by report in the order its note prints them."""
    fields = list(Finding.__annotations__)
    rows = connection.execute(
        f"select {', '.join(fields)} from marts.fct_report_findings order by report_code, rank"
    ).fetchall()
    return tuple(
        Finding(**{name: _frozen(value) for name, value in zip(fields, row, strict=True)})
        for row in rows
    )


def _frozen(value):
    """A list column (region or domain names, values, flags) as a tuple, like the other
    figures of the export."""
    return tuple(value) if isinstance(value, list) else value
