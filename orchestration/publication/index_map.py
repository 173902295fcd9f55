"""The 13 regions as an inline SVG map for ``index.html``: one self-contained page, offline.

Each region is a link to its report with a ``<title>`` (its name and headline figure), filled
by a CSS class the page defines. The contours are those of the reports' maps
(``reports/geo/regions.geojson``), in the same simple projection: longitude scaled by the cosine
of the middle latitude, so that shapes keep their proportions at France's latitudes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from orchestration.publication.escaping import html_escaped
from orchestration.publication.geo_shapes import Shape, national_shapes

WIDTH = 360  # the viewBox's width; the height follows from France's proportions
MARGIN = 4
# One decimal of a 360-unit-wide drawing (about 300 m on the ground); a point closer than
# TOLERANCE to the last one kept is dropped. The map is shown about 360 pixels wide: both are
# below what a screen shows, and the page stays small (about 50 KB of contours).
DIGITS = 1
TOLERANCE = 0.75


@dataclass(frozen=True)
class MapRegion:
    """What the map shows of one region, as plain text (escaped here): the tooltip, the
    report's relative URL (``None``: not published, no link) and the CSS class that fills it."""

    title: str
    href: str | None
    fill_class: str


def regions_svg(regions: dict[str, MapRegion], label: str) -> str:
    """The map of the 13 regions (``regions`` by INSEE code); ``label`` names the drawing for
    screen readers. Every text and link goes through :func:`html_escaped`."""
    shapes = national_shapes()
    project = _projection(shapes)
    height = max(y for shape in shapes for _, y in _points(shape, project)) + MARGIN
    drawn = "\n".join(_region(shape, regions[shape.code], project) for shape in shapes)
    return (
        f'<svg class="carte" viewBox="0 0 {WIDTH} {_number(height)}" '
        f'xmlns="http://www.w3.org/2000/svg" role="group" aria-label="{html_escaped(label)}">\n'
        f"{drawn}\n</svg>"
    )


def _region(shape: Shape, region: MapRegion, project) -> str:
    title = f"<title>{html_escaped(region.title)}</title>"
    path = f'<path class="{html_escaped(region.fill_class)}" d="{_path_data(shape, project)}"/>'
    if region.href is None:
        return f"<g>{title}{path}</g>"
    return f'<a href="{html_escaped(region.href)}">{title}{path}</a>'


def _projection(shapes: tuple[Shape, ...]):
    """Longitude and latitude to drawing units: x east, y south, fitted to :data:`WIDTH`."""
    points = [point for shape in shapes for polygon in shape.polygons for point in polygon[0]]
    longitudes, latitudes = [x for x, _ in points], [y for _, y in points]
    squeeze = math.cos(math.radians((min(latitudes) + max(latitudes)) / 2))
    west, north = min(longitudes) * squeeze, max(latitudes)
    scale = (WIDTH - 2 * MARGIN) / (max(longitudes) * squeeze - west)

    def project(longitude: float, latitude: float) -> tuple[float, float]:
        return (
            MARGIN + (longitude * squeeze - west) * scale,
            MARGIN + (north - latitude) * scale,
        )

    return project


def _points(shape: Shape, project):
    return (project(*point) for polygon in shape.polygons for point in polygon[0])


def _path_data(shape: Shape, project) -> str:
    """Each ring as ``M x y x y … Z``, without the points closer than :data:`TOLERANCE` to the
    last one kept."""
    rings = []
    for polygon in shape.polygons:
        for ring in polygon:
            kept: list[tuple[float, float]] = []
            for point in (project(x, y) for x, y in ring):
                if not kept or math.dist(kept[-1], point) > TOLERANCE:
                    kept.append(point)
            rings.append("M" + " ".join(f"{_number(x)} {_number(y)}" for x, y in kept) + "Z")
    return "".join(rings)


def _number(value: float) -> str:
    return f"{value:.{DIGITS}f}".rstrip("0").rstrip(".")
