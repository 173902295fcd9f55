"""The contours the maps draw: regions and departments as polygons by INSEE code, read from
the simplified IGN copies in ``reports/geo`` and projected in Lambert-93 (EPSG:2154, France's
official conformal projection: shapes keep their proportions, Corsica its place and size),
and the point inside each shape where its label goes."""

import json
from dataclasses import dataclass
from functools import cache

import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, shape
from shapely.geometry.polygon import orient

from orchestration.geography import departments, region_by_code, regions
from orchestration.settings import REPORT_SOURCES_DIR

GEO_DIR = REPORT_SOURCES_DIR / "geo"
CONTOURS_ATTRIBUTION = (
    "Contours : IGN Admin Express COG 2018 (Licence Ouverte), simplifiés par france-geojson."
)
CONTOURS_CRS = "EPSG:4326"  # the copies' longitude and latitude (WGS84)
MAP_CRS = "EPSG:2154"  # Lambert-93, in metres: x east, y north


@dataclass(frozen=True)
class Shape:
    """A region or department as drawn: INSEE code, name (from ``geography``), and its
    polygons in Lambert-93 metres, outer rings anticlockwise and holes clockwise."""

    code: str
    name: str
    geometry: MultiPolygon


@cache
def lambert_93() -> Transformer:
    """Longitude and latitude (WGS84) to Lambert-93 metres."""
    return Transformer.from_crs(CONTOURS_CRS, MAP_CRS, always_xy=True)


def _projected(geometry):
    """``geometry`` (longitude, latitude) in Lambert-93 metres."""
    return shapely.transform(geometry, lambert_93().transform, interleaved=False)


@cache
def contours(layer: str) -> dict[str, MultiPolygon]:
    """The polygons of ``layer`` ("regions" or "departements") by INSEE code, read from the
    copies in ``reports/geo`` (a fresh clone has them), projected and oriented."""
    collection = json.loads((GEO_DIR / f"{layer}.geojson").read_text(encoding="utf-8"))
    return {
        feature["properties"]["code"]: _oriented(_projected(shape(feature["geometry"])))
        for feature in collection["features"]
    }


def _oriented(geometry) -> MultiPolygon:
    # Outer rings anticlockwise, holes clockwise: a hole stays empty whatever the fill rule.
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    return MultiPolygon([orient(polygon) for polygon in polygons])


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


def label_point(shape: Shape) -> tuple[float, float]:
    """A point inside the shape's largest polygon, where its label goes: its centroid, or,
    when a concave outline or a hole (a lagoon, an enclave) leaves the centroid outside, the
    point GEOS puts on its surface (the middle of its widest horizontal stretch)."""
    largest = max(shape.geometry.geoms, key=lambda polygon: polygon.area)
    point: Point = largest.centroid
    if not largest.contains(point):
        point = largest.point_on_surface()
    return point.x, point.y
