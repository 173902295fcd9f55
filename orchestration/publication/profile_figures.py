"""The region profiles the reports print (« Profil de la région »), read from
``marts.fct_region_profile``, and how a context value is written in French with its unit.

A unit the catalogue gains later still prints (its number, then the unit as delivered): a new
indicator is a new seed row, never code.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from orchestration.geography import regions
from orchestration.publication.french import NARROW_NBSP, NBSP, decimal, integer

PROFILE_TABLE = "marts.fct_region_profile"
# How each unit of the catalogue is written after its number, and with how many decimals.
# Rates per 1 000 or 100 000 inhabitants say so in their label: the number alone.
UNITS = {
    "habitants": ("", 0),
    "nombre": ("", 0),
    "km2": (f"{NBSP}km²", 0),
    "habitants_par_km2": (f"{NBSP}hab./km²", 1),
    "pourcent": (f"{NARROW_NBSP}%", 1),
    "euros": (f"{NBSP}€", 0),
    "pour_1000_habitants": ("", 1),
    "pour_100000_habitants": ("", 1),
    "minutes": (f"{NBSP}min", 1),
}
NATURES = {
    "reference": "référence",
    "approximation": "approchée",
    "illustrative": "illustrative",
}


@dataclass(frozen=True)
class ProfileValue:
    """One context indicator of a region at its latest year, with France beside it."""

    indicator_id: str
    label: str
    unit: str
    domain_id: str | None
    direction: str
    year: int
    value: float
    france_value: float
    rank_among_regions: int | None
    objective_fragility: bool | None
    source: str
    nature: str


def read_profiles(connection: duckdb.DuckDBPyConnection) -> dict[str, tuple[ProfileValue, ...]]:
    """Each region's profile, by region code, in the catalogue's display order."""
    fields = list(ProfileValue.__annotations__)
    rows = connection.execute(
        f"""
        select {", ".join(fields)}, geo_code
        from {PROFILE_TABLE}
        where geo_level = 'region'
        order by geo_code, display_order
        """
    ).fetchall()
    profiles: dict[str, list[ProfileValue]] = {}
    for *values, code in rows:
        profiles.setdefault(code, []).append(ProfileValue(*values))
    return {code: tuple(items) for code, items in profiles.items()}


def value_text(value: float, unit: str) -> str:
    """A context value in French with its unit: « 3 394 567 », « 7,0 % », « 27 394 km² »; a
    unit the table above does not know is written as delivered, the number to one decimal
    unless whole."""
    if unit not in UNITS:
        number = integer(value) if float(value).is_integer() else decimal(value, 1)
        return f"{number}{NBSP}{unit}"
    suffix, digits = UNITS[unit]
    return (integer(value) if digits == 0 else decimal(value, digits)) + suffix


def rank_text(rank: int | None, out_of: bool = True) -> str | None:
    """« 1re sur 13 », « 4e sur 13 » (« 1re », « 4e » without ``out_of``); None when the
    indicator is not ranked."""
    if rank is None:
        return None
    ordinal = f"{rank}{'re' if rank == 1 else 'e'}"
    return f"{ordinal} sur {len(regions())}" if out_of else ordinal


def nature_text(nature: str) -> str:
    """The nature of a value as the reports name it."""
    return NATURES.get(nature, nature)
