"""The perceived priority fragilities the reports print (issue 17), read from
``marts.fct_fragility_ranking``: for each study asking them, its latest wave, and each
geography (France and the regions), the fragility domains in ranking order with their
estimate, interval, status and tier. Exported beside the other figures (``report_data``), so
the renders never open DuckDB."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

RANKING_TABLE = "marts.fct_fragility_ranking"
SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class FragilityItem:
    """One fragility domain in one geography: its estimate (a mean score out of 10 or a
    share) and 95 % interval, ``None`` when withheld; its position and tier (1 = leading
    group), ``None`` when the geography is not ranked."""

    domain_id: str
    indicator_id: str
    label: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    status: str
    position: int | None
    tier: int | None


@dataclass(frozen=True)
class FragilityRanking:
    """A study's perceived fragilities in one geography, at its latest wave; ``n`` is the
    largest base among the domains (unweighted respondents)."""

    study: str
    wave: int
    geo_code: str
    unit: str
    n: int
    items: tuple[FragilityItem, ...]


def read_fragilities(connection: duckdb.DuckDBPyConnection) -> tuple[FragilityRanking, ...]:
    """Every study's ranking at its latest wave, France and each region, items in ranking
    order (then in the domains' display order when the geography is not ranked)."""
    rows = connection.execute(
        f"""
        select r.study, r.wave, r.geo_code, r.unit, e.n, r.domain_id, r.indicator_id, d.label,
            r.estimate,
            r.ci_low, r.ci_high, r.status, r.position, r.tier
        from {RANKING_TABLE} as r
        join reference.fragility_domains as d using (domain_id)
        join marts.fct_indicator_estimates as e using (indicator_id, wave, geo_code)
        where r.wave = (select max(wave) from {RANKING_TABLE} as o where o.study = r.study)
        order by r.study, r.geo_code, r.position nulls last, d.display_order
        """
    ).df()
    return tuple(
        FragilityRanking(
            study=study,
            wave=int(wave),
            geo_code=geo_code,
            unit=group["unit"].iat[0],
            n=int(group["n"].max()),
            items=tuple(_item(row) for row in group.to_dict("records")),
        )
        for (study, wave, geo_code), group in rows.groupby(
            ["study", "wave", "geo_code"], sort=False
        )
    )


def _item(row: dict) -> FragilityItem:
    shown = row["status"] != SUPPRESSED
    return FragilityItem(
        domain_id=row["domain_id"],
        indicator_id=row["indicator_id"],
        label=row["label"],
        estimate=_number(row["estimate"]) if shown else None,
        ci_low=_number(row["ci_low"]) if shown else None,
        ci_high=_number(row["ci_high"]) if shown else None,
        status=row["status"],
        position=_whole(row["position"]),
        tier=_whole(row["tier"]),
    )


def _number(value) -> float | None:
    return None if pd.isna(value) else float(value)


def _whole(value) -> int | None:
    return None if pd.isna(value) else int(value)
