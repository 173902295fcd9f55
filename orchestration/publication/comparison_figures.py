"""Perceived priorities beside objective indicators (issue 17, items 3 and 5), read from
``marts.fct_fragility_comparison`` for the reports' export.

One entry per region and fragility domain that has both the citizens' score and a context
indicator with a fragile direction: the score (``None`` when withheld), its tier and its
difference with the rest of France, France's score, the indicator's value beside France's and
the region's rank among the 13, and whether the two readings agree (``None`` when one is not
established). The mart already leaves a withheld score out; the export cannot print it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import duckdb
import pandas as pd

COMPARISON_TABLE = "marts.fct_fragility_comparison"
# The values of the mart's ``agreement`` column.
BOTH, PERCEIVED_ONLY, OBJECTIVE_ONLY, NEITHER = (
    "both",
    "perceived_only",
    "objective_only",
    "neither",
)


@dataclass(frozen=True)
class DomainComparison:
    """One fragility domain of a region, as perceived and as measured."""

    domain_id: str
    domain_label: str
    wave: int
    score: float | None
    score_ci_low: float | None
    score_ci_high: float | None
    tier: int | None
    vs_rest_significant: bool | None
    vs_rest_difference: float | None
    france_score: float | None
    indicator_label: str
    unit: str
    year: int
    value: float
    france_value: float | None
    rank_among_regions: int
    agreement: str | None


def read_comparisons(
    connection: duckdb.DuckDBPyConnection,
) -> dict[str, tuple[DomainComparison, ...]]:
    """Every region's comparisons, by INSEE code, in the domains' printing order."""
    names = [field.name for field in fields(DomainComparison)]
    frame = connection.execute(
        f"select reg, {', '.join(names)} from {COMPARISON_TABLE} order by reg, display_order"
    ).df()
    comparisons: dict[str, list[DomainComparison]] = {}
    for row in frame.to_dict("records"):
        values = {name: _plain(row[name]) for name in names}
        comparisons.setdefault(row["reg"], []).append(DomainComparison(**values))
    return {reg: tuple(items) for reg, items in comparisons.items()}


def _plain(value):
    """A value as JSON holds it: missing values (NaN, NA) become ``None``, numpy scalars
    Python ones."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
