"""Regions and departments for the generator, read from the dbt seeds."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from orchestration.regions import Region, regions
from orchestration.settings import DBT_PROJECT_DIR


@dataclass(frozen=True)
class Department:
    """A metropolitan department (``code`` is text: "01", "2A")."""

    code: str
    region_code: str
    name: str


def departments() -> tuple[Department, ...]:
    """The 96 metropolitan departments from the dbt seed."""
    with (DBT_PROJECT_DIR / "seeds" / "departements.csv").open(encoding="utf-8") as seed:
        return tuple(Department(r["dep"], r["reg"], r["libelle"]) for r in csv.DictReader(seed))


def departments_of(region: Region) -> tuple[Department, ...]:
    """The departments of one region."""
    return tuple(d for d in departments() if d.region_code == region.code)


__all__ = ["Department", "Region", "departments", "departments_of", "regions"]
