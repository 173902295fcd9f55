"""The figures a report prints, exported from the warehouse to one JSON file per run.

Reports never open DuckDB: rendering takes minutes and must not hold the warehouse, so one
short read-only step exports what they need and the renders read that file.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from orchestration.geography import FRANCE_CODE
from orchestration.publication.alliance_figures import DomainAlliances, read_alliances
from orchestration.publication.chart_names import is_national_chart, region_chart_names
from orchestration.publication.comparison_figures import DomainComparison, read_comparisons
from orchestration.publication.fragility_figures import FragilityRanking, read_fragilities
from orchestration.publication.profile_figures import ProfileValue, read_profiles
from orchestration.publication.report_figures import (
    Finding,
    Indicator,
    InputFile,
    PublishedFigure,
    Source,
    Territory,
    read_findings,
    read_indicators,
    read_inputs,
    read_published,
    read_regional_respondents,
    read_small_area_model,
    read_sources,
    read_territories,
)
from orchestration.settings import PROJECT_ROOT
from orchestration.transform.small_area_estimates import SmallAreaModel

ESTIMATES_TABLE = "marts.fct_published_estimates"
CASES_TABLE = "marts.fct_case_database_indicators"
WEIGHTING_TABLE = "marts.weighting_diagnostics"
REGIONS_TABLE = "reference.regions"
# The indicator of the reports' headline (citizens' « jouer collectif »).
HEADLINE_INDICATOR = "citoyens_jouer_collectif"
SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class IndicatorValue:
    """A weighted share with its 95 % interval, its unweighted base and publication status;
    ``share`` and the interval are ``None`` when the status is ``suppressed`` (never printed)."""

    share: float | None
    ci_low: float | None
    ci_high: float | None
    base_n: int
    status: str

    @classmethod
    def from_row(cls, estimate, ci_low, ci_high, n, status) -> IndicatorValue:
        """From a row of the estimates mart, the value withheld when it is suppressed."""
        shown = status != SUPPRESSED
        return cls(
            share=estimate if shown else None,
            ci_low=ci_low if shown else None,
            ci_high=ci_high if shown else None,
            base_n=int(n),
            status=status,
        )


@dataclass(frozen=True)
class WeightingDiagnostics:
    """How the weights of the printed survey wave behave, for the methodology section."""

    n: int
    weight_source: str
    min_weight: float
    max_weight: float
    kish_deff: float
    kish_n_effective: float


@dataclass(frozen=True)
class RegionFigures:
    """What one region's report prints."""

    code: str
    name: str
    collective_necessary: IndicatorValue
    case_count: int


@dataclass(frozen=True)
class Provenance:
    """Where the printed figures come from: the run that exported them and the code version."""

    run_id: str
    code_version: str
    exported_at: str


@dataclass(frozen=True)
class ReportData:
    """Everything the reports print: the headline of the latest wave, then every indicator,
    source and territory (``report_figures``)."""

    wave: int
    national: IndicatorValue
    regions: tuple[RegionFigures, ...]
    synthetic: bool
    weighting: WeightingDiagnostics
    indicators: tuple[Indicator, ...]
    sources: tuple[Source, ...]
    # Respondents of each survey wave by region: ``{region: {"study/wave": n}}``.
    regional_respondents: dict[str, dict[str, int]]
    territories: dict[str, Territory]
    published: tuple[PublishedFigure, ...]
    inputs: tuple[InputFile, ...]
    provenance: Provenance
    # The notes de synthèse's findings, every report's (``marts.fct_report_findings``).
    findings: tuple[Finding, ...]
    # The charts drawn for the reports (``report_charts.draw_report_charts``), exported by name.
    charts: dict[str, dict[str, str]] = field(default_factory=dict)
    # Each region's context indicators (``marts.fct_region_profile``), by region code.
    profiles: dict[str, tuple[ProfileValue, ...]] = field(default_factory=dict)
    # The alliances that answer each region's fragilities, by region (``alliance_figures``).
    alliances: dict[str, tuple[DomainAlliances, ...]] = field(default_factory=dict)
    # The perceived priority fragilities (``fragility_figures``), every study and geography.
    fragilities: tuple[FragilityRanking, ...] = ()
    # Perceived priorities beside objective indicators, by region (``comparison_figures``).
    comparisons: dict[str, tuple[DomainComparison, ...]] = field(default_factory=dict)
    # The small-area model of the « estimations modélisées » and its thresholds (methodology).
    small_area_model: SmallAreaModel | None = None

    def write(self, path: Path) -> None:
        """Save as JSON, the format the ``.qmd`` files read."""
        write_json(asdict(self), path)

    def for_nation(self) -> dict:
        """What the national synthesis reads: the whole export, its own charts and findings
        only."""
        document = asdict(self)
        charts = {
            name: chart for name, chart in document["charts"].items() if is_national_chart(name)
        }
        return {**document, "charts": charts, "findings": _findings_of(document, FRANCE_CODE)}

    def for_region(self, code: str) -> dict:
        """What one region's report reads: the whole export less the other regions' values,
        territories and charts. A change elsewhere then leaves this region's export unchanged,
        and its report is not rendered again."""
        document = asdict(self)
        kept_codes = {FRANCE_CODE, code}
        return {
            **document,
            "regions": [region for region in document["regions"] if region["code"] == code],
            "indicators": [
                {
                    **indicator,
                    "waves": [
                        {
                            **wave,
                            "values": {
                                geo: value
                                for geo, value in wave["values"].items()
                                if geo in kept_codes
                            },
                        }
                        for wave in indicator["waves"]
                    ],
                }
                for indicator in document["indicators"]
            ],
            "territories": {code: document["territories"][code]},
            "regional_respondents": {code: document["regional_respondents"].get(code, {})},
            "findings": _findings_of(document, code),
            "profiles": {code: document["profiles"].get(code, [])},
            "alliances": {code: document["alliances"].get(code, [])},
            "comparisons": {code: document["comparisons"].get(code, [])},
            "charts": {
                name: chart
                for name, chart in document["charts"].items()
                if name in region_chart_names(code)
            },
            "fragilities": [
                ranking for ranking in document["fragilities"] if ranking["geo_code"] in kept_codes
            ],
        }


def _findings_of(document: dict, code: str) -> list[dict]:
    """The findings of one report's note (``FR``: the national synthesis)."""
    return [finding for finding in document["findings"] if finding["report_code"] == code]


def write_json(document: dict, path: Path) -> None:
    """Save ``document`` as the UTF-8 JSON the ``.qmd`` files read; the same document always
    gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")


def code_version() -> str:
    """The commit the pipeline runs from (« +modifié » if the tree has local changes), or
    « inconnue » outside a git checkout."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "inconnue"
    return f"{commit}+modifié" if dirty else commit


def read_report_data(connection: duckdb.DuckDBPyConnection, provenance: Provenance) -> ReportData:
    """Read the figures from the marts."""
    wave = connection.execute(
        f"select max(wave) from {ESTIMATES_TABLE} where indicator_id = ?", [HEADLINE_INDICATOR]
    ).fetchone()[0]
    rows = connection.execute(
        f"""
        select e.geo_level, e.geo_code, r.libelle, e.estimate, e.ci_low, e.ci_high, e.n,
            e.status, c.count
        from {ESTIMATES_TABLE} as e
        left join {REGIONS_TABLE} as r on r.reg = e.geo_code
        left join {CASES_TABLE} as c
            on c.geo_code = e.geo_code and c.geo_level = e.geo_level
            and c.dimension = 'total'
        where e.indicator_id = ? and e.wave = ?
        order by e.geo_code
        """,
        [HEADLINE_INDICATOR, wave],
    ).fetchall()
    sources = read_sources(connection)
    # Sample deliveries say so in their file label; reports must then say it too.
    synthetic = any(source.is_illustrative for source in sources)
    weighting = connection.execute(
        f"""
        select n, weight_source, min_weight, max_weight, kish_deff, kish_n_effective
        from {WEIGHTING_TABLE}
        where study = (select study from {ESTIMATES_TABLE} where indicator_id = ? limit 1)
            and wave = ?
        """,
        [HEADLINE_INDICATOR, wave],
    ).fetchone()
    national = next(row for row in rows if row[0] == "france")
    return ReportData(
        wave=int(wave),
        national=IndicatorValue.from_row(*national[3:8]),
        regions=tuple(
            RegionFigures(
                code=code,
                name=name,
                collective_necessary=IndicatorValue.from_row(*values),
                case_count=int(case_count or 0),
            )
            for level, code, name, *values, case_count in rows
            if level == "region"
        ),
        synthetic=bool(synthetic),
        weighting=WeightingDiagnostics(*weighting),
        indicators=read_indicators(connection),
        sources=sources,
        regional_respondents=read_regional_respondents(connection),
        territories=read_territories(connection),
        published=read_published(connection),
        inputs=read_inputs(connection),
        provenance=provenance,
        findings=read_findings(connection),
        profiles=read_profiles(connection),
        alliances=read_alliances(connection),
        fragilities=read_fragilities(connection),
        comparisons=read_comparisons(connection),
        small_area_model=read_small_area_model(connection),
    )
