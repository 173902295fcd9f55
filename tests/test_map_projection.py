"""The maps' projection: Lambert-93 (EPSG:2154) through PROJ, checked against known points and
ground distances; the drawn national map read back (France in its projected proportions, each
region filled with its value's colour class where the projection puts it) and the index page's
map drawing the same regions."""

import math
import re

import numpy as np
import pytest
import shapely
from PIL import Image
from pyproj import Geod
from shapely.affinity import affine_transform
from shapely.geometry import Point, Polygon

from orchestration.geography import regions
from orchestration.publication import geo_shapes, index_map
from orchestration.publication.geo_shapes import label_point
from orchestration.publication.index_map import MapRegion, regions_svg
from orchestration.publication.map_classes import classes
from orchestration.publication.maps import region_map

# Longitude, latitude (WGS84) of a few town halls, from the north-west to the south-east.
TOWNS = {
    "Paris": (2.3522, 48.8566),
    "Brest": (-4.4861, 48.3904),
    "Lille": (3.0573, 50.6292),
    "Strasbourg": (7.7521, 48.5734),
    "Perpignan": (2.8948, 42.6887),
    "Ajaccio": (8.7369, 41.9192),
}


def _lambert_93(town: str) -> tuple[float, float]:
    return geo_shapes.lambert_93().transform(*TOWNS[town])


def test_lambert_93_puts_its_origin_and_paris_where_ign_does():
    # The projection's defining point (3° E, 46.5° N) is its false origin, to the millimetre.
    x, y = geo_shapes.lambert_93().transform(3.0, 46.5)
    assert x == pytest.approx(700_000, abs=0.001) and y == pytest.approx(6_600_000, abs=0.001)
    x, y = _lambert_93("Paris")
    assert x == pytest.approx(652_000, abs=1_000) and y == pytest.approx(6_862_000, abs=1_000)


@pytest.mark.parametrize(
    ("start", "end"),
    [("Brest", "Strasbourg"), ("Lille", "Perpignan"), ("Paris", "Ajaccio"), ("Brest", "Ajaccio")],
)
def test_distances_on_the_map_are_those_on_the_ground(start, end):
    """Lambert-93 alters lengths by at most about 3 mm per metre in metropolitan France; the
    former cosine-of-the-middle-latitude squeeze was off by several percent east-west."""
    on_map = math.dist(_lambert_93(start), _lambert_93(end))
    *_, on_ground = Geod(ellps="GRS80").inv(*TOWNS[start], *TOWNS[end])
    assert on_map / on_ground == pytest.approx(1, abs=0.0035)


def test_corsica_and_the_mainland_are_placed_and_sized_as_on_the_ground():
    drawn = geo_shapes.contours("regions")
    assert drawn["94"].contains(Point(_lambert_93("Ajaccio")))
    assert drawn["11"].contains(Point(_lambert_93("Paris")))
    # IGN's areas (km²), within what the simplified contours lose or gain.
    assert drawn["94"].area / 1e6 == pytest.approx(8_680, rel=0.02)
    assert sum(shape.area for shape in drawn.values()) / 1e6 == pytest.approx(543_940, rel=0.02)


def _drawing_box(picture: np.ndarray) -> tuple[int, int, int, int]:
    """Left, top, right, bottom pixels of what is not white."""
    rows, columns = np.nonzero((picture != 255).any(axis=2))
    return columns.min(), rows.min(), columns.max(), rows.max()


def _sample_point(shape: geo_shapes.Shape) -> Point:
    """A point 10 km inside the shape's largest polygon, away from its label."""
    largest = max(shape.geometry.geoms, key=lambda polygon: polygon.area)
    inner = largest.buffer(-10_000).exterior
    label = Point(geo_shapes.label_point(shape))
    candidates = (inner.interpolate(f, normalized=True) for f in (0, 0.25, 0.5, 0.75))
    return max(candidates, key=label.distance)


def test_the_national_map_is_drawn_in_lambert_93_with_each_region_in_its_class(tmp_path):
    shares = {region.code: 0.70 + int(region.code) / 1_000 for region in regions()}
    shares["94"] = None  # hatched: no class colour
    chart = region_map(shares, tmp_path / "regions.png", "Part")
    image = Image.open(chart.path).convert("RGB")
    # The map takes the left part of the figure; the key and the colour scale the right one.
    picture = np.asarray(image)[:, : int(0.59 * image.width)]
    left, top, right, bottom = _drawing_box(picture)
    shapes = geo_shapes.national_shapes()
    west, south, east, north = np.array([s.geometry.bounds for s in shapes]).T
    west, south, east, north = west.min(), south.min(), east.max(), north.max()
    # France keeps its projected proportions, to a pixel or two of border.
    assert (right - left) / (bottom - top) == pytest.approx((east - west) / (north - south), 0.01)
    scale = classes([value for value in shares.values() if value is not None])
    for shape in shapes:
        if shares[shape.code] is None:
            continue
        point = _sample_point(shape)
        column = left + (point.x - west) / (east - west) * (right - left)
        row = top + (north - point.y) / (north - south) * (bottom - top)
        red, green, blue = picture[round(row), round(column)]
        assert f"#{red:02x}{green:02x}{blue:02x}" == scale.colour(shares[shape.code]), shape.name


def _svg_regions(svg: str) -> dict[str, object]:
    """Each region of the index map (by the code its link names) in SVG units: its rings
    combined even-odd, so that an enclave's ring makes a hole."""
    drawn = {}
    for code, data in re.findall(r'<a href="(\w+)\.html">.*?<path [^>]*d="([^"]+)"', svg):
        region = Polygon()
        for ring in data[1:-1].split("ZM"):
            region = region.symmetric_difference(Polygon(np.reshape(ring.split(), (-1, 2))))
        drawn[code] = region
    return drawn


def test_the_index_map_draws_the_regions_of_the_report_maps():
    shown = {r.code: MapRegion(r.name, f"{r.code}.html", "c1") for r in regions()}
    svg = regions_svg(shown, "Carte")
    drawn = _svg_regions(svg)
    shapes = geo_shapes.national_shapes()
    assert sorted(drawn) == [s.code for s in shapes]
    west, _, east, north = shapely.total_bounds([s.geometry for s in shapes])
    scale = (index_map.WIDTH - 2 * index_map.MARGIN) / (east - west)
    fit = [scale, 0, 0, -scale, index_map.MARGIN - west * scale, index_map.MARGIN + north * scale]
    for shape in shapes:
        expected = affine_transform(shape.geometry, fit)
        # The same Lambert-93 contours, but for what the simplification drops.
        assert drawn[shape.code].symmetric_difference(expected).area < 0.02 * expected.area
        assert drawn[shape.code].contains(affine_transform(Point(label_point(shape)), fit))
