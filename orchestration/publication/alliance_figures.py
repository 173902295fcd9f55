"""The alliances that answer each region's fragilities, read from
``marts.fct_fragility_alliances`` for the reports' export (issue 17, item 4).

One entry per region and fragility domain, in the domains' printing order: the cases of the
database that answer the domain, the catalysts on their territory, up to two example titles,
and whether the domain is a priority of the region (perceived, objective: ``None`` when not
established) and an « angle mort » (a priority no case answers).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

ALLIANCES_TABLE = "marts.fct_fragility_alliances"


@dataclass(frozen=True)
class DomainAlliances:
    """One fragility domain of a region and the alliances that answer it."""

    domain_id: str
    label: str
    cases: int
    catalysts: int
    examples: tuple[str, ...]
    perceived_priority: bool | None
    objective_fragility: bool | None
    angle_mort: bool


def read_alliances(connection: duckdb.DuckDBPyConnection) -> dict[str, tuple[DomainAlliances, ...]]:
    """Every region's fragility domains, by INSEE code, each in the domains' printing order."""
    rows = connection.execute(
        f"""
        select reg, domain_id, domain_label, cases, catalysts, examples, perceived_priority,
            objective_fragility, angle_mort
        from {ALLIANCES_TABLE}
        order by reg, display_order
        """
    ).fetchall()
    alliances: dict[str, list[DomainAlliances]] = {}
    for reg, domain_id, label, cases, catalysts, examples, perceived, objective, blind in rows:
        alliances.setdefault(reg, []).append(
            DomainAlliances(
                domain_id=domain_id,
                label=label,
                cases=int(cases),
                catalysts=int(catalysts),
                examples=tuple(examples),
                perceived_priority=perceived,
                objective_fragility=objective,
                angle_mort=bool(blind),
            )
        )
    return {reg: tuple(domains) for reg, domains in alliances.items()}
