"""The figures a report prints, exported from the warehouse to one JSON file per run.

Reports never open DuckDB: rendering takes minutes and must not hold the warehouse, so one
short read-only step exports what they need and the renders read that file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

INDICATOR_TABLE = "marts.ind_citizens_collective_necessary"
CASES_TABLE = "marts.cases_by_region"


@dataclass(frozen=True)
class IndicatorValue:
    """A weighted share with its unweighted base."""

    share: float
    base_n: int


@dataclass(frozen=True)
class RegionFigures:
    """What one region's report prints."""

    code: str
    name: str
    collective_necessary: IndicatorValue
    case_count: int


@dataclass(frozen=True)
class ReportData:
    """Everything the reports print, for the latest survey wave."""

    wave: int
    national: IndicatorValue
    regions: tuple[RegionFigures, ...]
    synthetic: bool

    def write(self, path: Path) -> None:
        """Save as JSON, the format the ``.qmd`` files read."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")


def read_report_data(connection: duckdb.DuckDBPyConnection) -> ReportData:
    """Read the latest wave's figures from the marts."""
    wave = connection.execute(f"select max(wave) from {INDICATOR_TABLE}").fetchone()[0]
    rows = connection.execute(
        f"""
        select i.geo_level, i.geo_code, i.geo_name, i.share, i.base_n, c.case_count,
            i.is_illustrative
        from {INDICATOR_TABLE} as i
        left join {CASES_TABLE} as c on c.region_code = i.geo_code
        where i.wave = ?
        order by i.geo_code
        """,
        [wave],
    ).fetchall()
    national = next(row for row in rows if row[0] == "france")
    return ReportData(
        wave=int(wave),
        national=IndicatorValue(share=national[3], base_n=int(national[4])),
        regions=tuple(
            RegionFigures(
                code=code,
                name=name,
                collective_necessary=IndicatorValue(share=share, base_n=int(base_n)),
                case_count=int(case_count or 0),
            )
            for level, code, name, share, base_n, case_count, _ in rows
            if level == "region"
        ),
        synthetic=bool(national[6]),
    )
