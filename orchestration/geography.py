"""The 13 metropolitan regions and 96 departments, read from the dbt seeds (one list each)."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache

from orchestration.settings import DBT_PROJECT_DIR

REGIONS_SEED = DBT_PROJECT_DIR / "seeds" / "regions.csv"
DEPARTMENTS_SEED = DBT_PROJECT_DIR / "seeds" / "departements.csv"
# The geo_code of metropolitan France beside the region codes in the marts and exports.
FRANCE_CODE = "FR"


@dataclass(frozen=True)
class Region:
    """A region as INSEE codes it (``code`` is text: "11", "84"...)."""

    code: str
    name: str
    population: int

    @property
    def slug(self) -> str:
        """File-name friendly name: ``84-auvergne-rhone-alpes``."""
        ascii_name = (
            unicodedata.normalize("NFKD", self.name).encode("ascii", "ignore").decode().lower()
        )
        words = "".join(c if c.isalnum() else " " for c in ascii_name).split()
        return "-".join([self.code, *words])


@cache
def regions() -> tuple[Region, ...]:
    """All 13 regions in INSEE code order."""
    with REGIONS_SEED.open(encoding="utf-8") as seed:
        rows = list(csv.DictReader(seed))
    return tuple(
        sorted(
            (Region(row["reg"], row["libelle"], int(row["pop_municipale_2021"])) for row in rows),
            key=lambda region: region.code,
        )
    )


def region_by_code(code: str) -> Region:
    """The region with INSEE code ``code``; KeyError names the unknown code."""
    for region in regions():
        if region.code == code:
            return region
    raise KeyError(f"unknown INSEE region code {code!r}")


@dataclass(frozen=True)
class Department:
    """A metropolitan department (``code`` is text: "01", "2A"; "20" is no longer one)."""

    code: str
    region_code: str
    name: str


@cache
def departments() -> tuple[Department, ...]:
    """The 96 metropolitan departments."""
    with DEPARTMENTS_SEED.open(encoding="utf-8") as seed:
        return tuple(Department(r["dep"], r["reg"], r["libelle"]) for r in csv.DictReader(seed))
