"""Regions and departments for the generator: the project's reference geography."""

from __future__ import annotations

from orchestration.geography import Department, Region, departments, regions


def departments_of(region: Region) -> tuple[Department, ...]:
    """The departments of one region."""
    return tuple(d for d in departments() if d.region_code == region.code)


__all__ = ["Department", "Region", "departments", "departments_of", "regions"]
