"""The 13 regions as an inline SVG map for ``index.html``: one self-contained page, offline.

Each region is a link to its report with a ``<title>`` (its name and headline figure), filled
by a CSS class the page defines. The contours are those of the reports' maps, in the same
Lambert-93 projection (``geo_shapes.py``), scaled to the drawing and simplified together by
GEOS (``shapely.coverage_simplify``): two neighbours keep one common border, without gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.affinity import affine_transform

from orchestration.publication.escaping import html_escaped
from orchestration.publication.geo_shapes import Shape, national_shapes

WIDTH = 360  # the viewBox's width; the height follows from France's proportions
MARGIN = 4
# One decimal of a 360-unit-wide drawing (about 300 m on the ground); GEOS drops the vertices
# whose triangle with its neighbours is smaller than about TOLERANCE² (Visvalingam-Whyatt): each
# region keeps its area within 1 %. The map is shown about 360 pixels wide: both are below what
# a screen shows, and the page stays small (about 40 KB of contours).
DIGITS = 1
TOLERANCE = 0.5


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
    contours = _drawn_contours(shapes)
    height = shapely.total_bounds(contours)[3] + MARGIN
    drawn = "\n".join(
        _region(contour, regions[shape.code])
        for shape, contour in zip(shapes, contours, strict=True)
    )
    return (
        f'<svg class="carte" viewBox="0 0 {WIDTH} {_number(height)}" '
        f'xmlns="http://www.w3.org/2000/svg" role="group" aria-label="{html_escaped(label)}">\n'
        f"{drawn}\n</svg>"
    )


def _region(contour, region: MapRegion) -> str:
    title = f"<title>{html_escaped(region.title)}</title>"
    path = f'<path class="{html_escaped(region.fill_class)}" d="{_path_data(contour)}"/>'
    if region.href is None:
        return f"<g>{title}{path}</g>"
    return f'<a href="{html_escaped(region.href)}">{title}{path}</a>'


def _drawn_contours(shapes: tuple[Shape, ...]) -> list:
    """The shapes in drawing units, fitted to :data:`WIDTH` (x east, y south: SVG's y runs
    down), simplified as one coverage so that shared borders stay shared."""
    geometries = [shape.geometry for shape in shapes]
    west, _, east, north = shapely.total_bounds(geometries)
    scale = (WIDTH - 2 * MARGIN) / (east - west)
    fit = [scale, 0, 0, -scale, MARGIN - west * scale, MARGIN + north * scale]
    return list(
        shapely.coverage_simplify([affine_transform(g, fit) for g in geometries], TOLERANCE)
    )


def _path_data(contour) -> str:
    """Each ring as ``M x y x y … Z`` (``Z`` closes it: its repeated last point is left out)."""
    rings = (ring for polygon in contour.geoms for ring in (polygon.exterior, *polygon.interiors))
    return "".join(
        "M" + " ".join(f"{_number(x)} {_number(y)}" for x, y in ring.coords[:-1]) + "Z"
        for ring in rings
    )


def _number(value: float) -> str:
    return f"{value:.{DIGITS}f}".rstrip("0").rstrip(".")
