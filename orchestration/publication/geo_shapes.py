"""The contours the maps draw: regions and departments as polygons by INSEE code, read from
the simplified IGN copies in ``reports/geo``, and the geometry the maps need of them (a point
inside each shape for its label, the east-west squeeze of a degree of longitude)."""

import json
import math
from dataclasses import dataclass
from functools import cache

from orchestration.geography import departments, region_by_code, regions
from orchestration.settings import REPORT_SOURCES_DIR

GEO_DIR = REPORT_SOURCES_DIR / "geo"
CONTOURS_ATTRIBUTION = (
    "Contours : IGN Admin Express COG 2018 (Licence Ouverte), simplifiés par france-geojson."
)

Ring = tuple[tuple[float, float], ...]
Polygon = tuple[Ring, ...]  # outer ring first, then its holes


@dataclass(frozen=True)
class Shape:
    """A region or department as drawn: INSEE code, name (from ``geography``), polygons."""

    code: str
    name: str
    polygons: tuple[Polygon, ...]


@cache
def contours(layer: str) -> dict[str, tuple[Polygon, ...]]:
    """The polygons of ``layer`` ("regions" or "departements") by INSEE code, read from the
    copies in ``reports/geo`` (a fresh clone has them)."""
    collection = json.loads((GEO_DIR / f"{layer}.geojson").read_text(encoding="utf-8"))
    return {
        feature["properties"]["code"]: _polygons(feature["geometry"])
        for feature in collection["features"]
    }


def _polygons(geometry: dict) -> tuple[Polygon, ...]:
    nested = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return tuple(tuple(tuple((x, y) for x, y in ring) for ring in polygon) for polygon in nested)


def region_shapes(region_code: str) -> tuple[Shape, ...]:
    """The departments a region's map draws: those ``geography`` puts in the region, in code
    order, with their contours (KeyError for an unknown region or a department without one)."""
    region_by_code(region_code)
    drawn = contours("departements")
    return tuple(
        Shape(d.code, d.name, drawn[d.code]) for d in departments() if d.region_code == region_code
    )


def national_shapes() -> tuple[Shape, ...]:
    """The 13 regions the national map draws, in code order."""
    drawn = contours("regions")
    return tuple(Shape(r.code, r.name, drawn[r.code]) for r in regions())


def _edges(ring: Ring):
    """Each side of the ring as (start, end), the last one closing it."""
    return zip(ring, ring[1:] + ring[:1], strict=True)


def signed_area(ring: Ring) -> float:
    """Shoelace formula: positive when the ring runs anticlockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in _edges(ring)) / 2


def _centroid(ring: Ring) -> tuple[float, float]:
    area = signed_area(ring)
    if area == 0:
        return ring[0]
    pairs = list(_edges(ring))
    cx = sum((x0 + x1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in pairs) / (6 * area)
    cy = sum((y0 + y1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in pairs) / (6 * area)
    return cx, cy


def _crossings(polygon: Polygon, y: float) -> list[float]:
    """Where the horizontal line at ``y`` crosses the polygon's rings, west to east: between
    the 1st and 2nd, 3rd and 4th... crossing, the line is inside (holes included)."""
    xs = []
    for ring in polygon:
        for (x0, y0), (x1, y1) in _edges(ring):
            if (y0 > y) != (y1 > y):
                xs.append(x0 + (y - y0) * (x1 - x0) / (y1 - y0))
    return sorted(xs)


def label_point(shape: Shape) -> tuple[float, float]:
    """A point inside the shape's largest polygon, where its label goes: the centroid of its
    outline, or, when a concave outline or a hole (a lagoon, an enclave) leaves the centroid
    outside, the middle of the widest inside stretch at the centroid's latitude."""
    largest = max(shape.polygons, key=lambda polygon: abs(signed_area(polygon[0])))
    cx, cy = _centroid(largest[0])
    xs = _crossings(largest, cy)
    chords = list(zip(xs[::2], xs[1::2], strict=True))  # closed rings cross an even number
    if any(west <= cx <= east for west, east in chords):
        return cx, cy
    west, east = max(chords, key=lambda chord: chord[1] - chord[0])
    return (west + east) / 2, cy


def longitude_squeeze(shapes: tuple[Shape, ...]) -> float:
    """cos(latitude) at the middle of the drawn area: a degree of longitude is that much
    shorter than a degree of latitude, so x is scaled by it to keep shapes undistorted."""
    latitudes = [y for s in shapes for polygon in s.polygons for _, y in polygon[0]]
    return math.cos(math.radians((min(latitudes) + max(latitudes)) / 2))
