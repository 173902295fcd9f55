"""Charts and maps drawn once, upstream of the renders, so the documents only include images.

Each drawing is a PNG (16 cm wide at 150 dpi) returned with its French caption, which states
its base, and its alternative text, which states its values. One palette for every chart: a
sequential blue whose lightness falls in even steps (the classes stay distinct when printed in
greys), one accent for « this region », one neutral grey for the other regions and for values
not published (hatched on maps, so they are never mistaken for a class).

Matplotlib is imported when something is drawn, not when Dagster loads the definitions. Figures
are built with the object API on an Agg canvas, not with pyplot: pyplot's global list of open
figures is neither thread-safe nor freed without ``plt.close``, while a ``Figure`` nobody
references is simply collected.
"""

import json
import math
import re
import textwrap
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.geography import FRANCE_CODE, departments, region_by_code, regions
from orchestration.publication.french import NBSP, decimal, integer, percent
from orchestration.publication.palette import (
    ACCENT,
    BORDER,
    FONT_FAMILY,
    GRID,
    INK,
    NEUTRAL,
    SEQUENTIAL,
)
from orchestration.publication.vocabulary import (
    NOT_PUBLISHED,
    NOT_PUBLISHED_MEANING,
    POPULATIONS,
    RESPONDENTS,
)
from orchestration.settings import REPORT_SOURCES_DIR

if TYPE_CHECKING:  # only for annotations: report_data imports this module
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from orchestration.publication.report_data import ReportData
    from orchestration.publication.report_figures import IndicatorWave

GEO_DIR = REPORT_SOURCES_DIR / "geo"
CONTOURS_ATTRIBUTION = (
    "Contours : IGN Admin Express COG 2018 (Licence Ouverte), simplifiés par france-geojson."
)


DPI = 150
WIDTH_PIXELS = 945  # 16 cm at 150 dpi
WIDTH_INCHES = WIDTH_PIXELS / DPI
MAP_HEIGHT_INCHES = 4.2
NOT_PUBLISHED_ALT = f"{NOT_PUBLISHED} ({NOT_PUBLISHED_MEANING})"
# Fixed fonts and sizes, whatever the local matplotlibrc says: the same inputs give the same PNG.
STYLE = {
    "font.family": FONT_FAMILY,
    "font.size": 8,
    "text.color": INK,
    "axes.edgecolor": NEUTRAL,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "hatch.linewidth": 0.8,
}
# rcParams are global: one drawing at a time, even when Dagster runs assets in threads.
_DRAWING = threading.Lock()

Ring = tuple[tuple[float, float], ...]
Polygon = tuple[Ring, ...]  # outer ring first, then its holes


@dataclass(frozen=True)
class Chart:
    """A drawn PNG with what a reader needs without seeing it (French alt text and caption)."""

    path: Path
    alt: str
    caption: str


@dataclass(frozen=True)
class EstimateBar:
    """One row of :func:`estimates_chart`: a share in [0, 1] and its 95 % interval; ``None``
    when the value is not published (« e.i. »)."""

    label: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    highlight: bool = False


@dataclass(frozen=True)
class Shape:
    """A region or department as drawn: INSEE code, name (from ``geography``), polygons."""

    code: str
    name: str
    polygons: tuple[Polygon, ...]


@dataclass(frozen=True)
class Classes:
    """Colour classes of a choropleth: ``bounds[i] <= value < bounds[i + 1]`` (last one
    closed) takes ``colours[i]``."""

    bounds: tuple[float, ...]
    colours: tuple[str, ...]

    def colour(self, value: float) -> str:
        """The colour of the class holding ``value``."""
        for colour, upper in zip(self.colours, self.bounds[1:], strict=True):
            if value < upper:
                return colour
        return self.colours[-1]


# --- Contours ----------------------------------------------------------------------------


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


def _signed_area(ring: Ring) -> float:
    """Shoelace formula: positive when the ring runs anticlockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in _edges(ring)) / 2


def _centroid(ring: Ring) -> tuple[float, float]:
    area = _signed_area(ring)
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
    largest = max(shape.polygons, key=lambda polygon: abs(_signed_area(polygon[0])))
    cx, cy = _centroid(largest[0])
    xs = _crossings(largest, cy)
    chords = list(zip(xs[::2], xs[1::2], strict=True))  # closed rings cross an even number
    if any(west <= cx <= east for west, east in chords):
        return cx, cy
    west, east = max(chords, key=lambda chord: chord[1] - chord[0])
    return (west + east) / 2, cy


def _squeeze(shapes: tuple[Shape, ...]) -> float:
    """cos(latitude) at the middle of the drawn area: a degree of longitude is that much
    shorter than a degree of latitude, so x is scaled by it to keep shapes undistorted."""
    latitudes = [y for s in shapes for polygon in s.polygons for _, y in polygon[0]]
    return math.cos(math.radians((min(latitudes) + max(latitudes)) / 2))


# --- Numbers and words -----------------------------------------------------------------------


def _known(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def _interval_text(low: float, high: float) -> str:
    return f"[{percent(low)} ; {percent(high)}]"


def estimate_text(row: EstimateBar) -> str:
    """« Bretagne : 81,2 % [77,9 % ; 84,1 %] », or « Corse : e.i. (effectif insuffisant,
    valeur non publiée) »."""
    if not _known(row.estimate):
        return f"{row.label} : {NOT_PUBLISHED_ALT}"
    interval = (
        f" {_interval_text(row.ci_low, row.ci_high)}"
        if _known(row.ci_low) and _known(row.ci_high)
        else ""
    )
    return f"{row.label} : {percent(row.estimate)}{interval}"


def _extremes_text(
    values: Mapping[str, float | None], names: dict[str, str], number: Callable[[float], str]
) -> str:
    """Highest and lowest of the published values, then the places without one."""
    known = sorted((code for code in values if _known(values[code])), key=lambda c: values[c])
    missing = [names[code] for code in values if not _known(values[code])]
    text = (
        f"valeur la plus élevée : {names[known[-1]]} ({number(values[known[-1]])}) ; "
        f"la plus faible : {names[known[0]]} ({number(values[known[0]])})"
        if known
        else "aucune valeur publiée"
    )
    if missing and known:
        text += f" ; {', '.join(missing)} : {NOT_PUBLISHED_ALT}"
    return text


def _check_share(value: float | None) -> None:
    # Catch shares passed in percent: 81.2 would silently be drawn off the 0-100 % axis.
    if _known(value) and not 0 <= value <= 1:
        raise ValueError(f"a share must lie in [0, 1], not {value!r}")


# --- Colour classes -------------------------------------------------------------------------


def _nice_steps(whole: bool):
    """1, 2, 2.5, 5 times powers of ten, small to large; whole numbers only for counts."""
    for exponent in range(-6, 10):
        for mantissa in (1, 2, 2.5, 5):
            step = mantissa * 10.0**exponent
            if not whole or step == int(step):
                yield step


def classes(values: list[float]) -> Classes:
    """At most five classes of equal, round width covering ``values`` (whole-number bounds
    when every value is whole), coloured light to dark from :data:`SEQUENTIAL`."""
    low, high = min(values), max(values)
    if high == low:  # one value: one class of round width holding it
        step = 10.0 ** math.floor(math.log10(abs(low))) if low else 1.0
        start = math.floor(low / step) * step
        return Classes((round(start, 10), round(start + step, 10)), _spread(1))
    whole = all(float(v).is_integer() for v in values)
    for step in _nice_steps(whole):
        # round(): 0.3 / 0.1 is 2.9999999999999996, which must count as 3 steps, not 2
        start = math.floor(round(low / step, 9)) * step
        count = max(1, math.ceil(round((high - start) / step, 9)))
        if count <= len(SEQUENTIAL):
            break
    bounds = tuple(round(start + k * step, 10) for k in range(count + 1))
    return Classes(bounds, _spread(count))


def _spread(count: int) -> tuple[str, ...]:
    """``count`` colours of the sequential palette, as far apart in lightness as possible."""
    if count == 1:
        return (SEQUENTIAL[len(SEQUENTIAL) // 2],)
    last = len(SEQUENTIAL) - 1
    return tuple(SEQUENTIAL[round(k * last / (count - 1))] for k in range(count))


# --- Drawing --------------------------------------------------------------------------------


def _figure(height: float) -> "Figure":
    """A white figure on an Agg canvas, 16 cm wide."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: "Figure", path: Path) -> None:
    """The figure as a 256-colour PNG: flat fills and anti-aliased text need no more, and the
    file is three times smaller than matplotlib's RGBA one. Pillow writes no date or software
    name, so the same drawing gives the same bytes."""
    from PIL import Image

    figure.canvas.draw()
    picture = Image.frombuffer(
        "RGBA", figure.canvas.get_width_height(), figure.canvas.buffer_rgba(), "raw", "RGBA", 0, 1
    ).convert("RGB")
    indexed = picture.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path.parent.mkdir(parents=True, exist_ok=True)
    indexed.save(path, format="PNG", dpi=(DPI, DPI))


def _drawing(draw: Callable[[], None]) -> None:
    """Run ``draw`` with the fixed style, one drawing at a time."""
    import matplotlib.style

    with _DRAWING, matplotlib.style.context(["default", STYLE]):
        draw()


def _draw_estimates(axes: "Axes", rows: list[EstimateBar]) -> None:
    for y, row in enumerate(rows):
        if not _known(row.estimate):
            continue  # an empty row: its « e.i. » is in the value column
        colour = ACCENT if row.highlight else NEUTRAL
        if _known(row.ci_low) and _known(row.ci_high):
            axes.plot(
                [row.ci_low * 100, row.ci_high * 100],
                [y, y],
                color=colour,
                linewidth=2.2 if row.highlight else 1.6,
                solid_capstyle="butt",
            )
        axes.plot(
            row.estimate * 100,
            y,
            marker="o",
            markersize=7 if row.highlight else 5.5,
            color=colour,
            markeredgecolor="white",
            markeredgewidth=0.8,
        )


def _style_estimate_axes(axes: "Axes", count: int) -> None:
    axes.set_xlim(0, 100)
    axes.set_ylim(count - 0.5, -0.5)  # first of the ``count`` rows on top
    ticks = list(range(0, 101, 20))
    axes.set_xticks(ticks, labels=[percent(t / 100, 0) for t in ticks])
    axes.set_yticks([])  # rows are labelled by _label_rows: tick objects cost 3 ms each
    axes.grid(axis="x", color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)


def _label_rows(axes: "Axes", rows: list[EstimateBar]) -> tuple[list, list]:
    """Each row's label left of the plot and its value (or « e.i. ») right of it, in bold
    for the highlighted row."""
    return _annotate_rows(
        axes,
        [row.label for row in rows],
        [percent(row.estimate) if _known(row.estimate) else NOT_PUBLISHED for row in rows],
        [row.highlight for row in rows],
    )


def _annotate_rows(
    axes: "Axes", labels: list[str], values: list[str], bold: list[bool]
) -> tuple[list, list]:
    """Row ``y``'s label left of the plot and its value right of it; the texts, to measure."""
    from matplotlib.transforms import blended_transform_factory

    at = blended_transform_factory(axes.transAxes, axes.transData)
    placed_labels, placed_values = [], []
    for y, (label, value, strong) in enumerate(zip(labels, values, bold, strict=True)):
        style = {"va": "center", "fontweight": "bold" if strong else "normal"}
        for texts, text, x, offset, ha in (
            (placed_labels, label, 0, -6, "right"),
            (placed_values, value, 1, 6, "left"),
        ):
            texts.append(
                axes.annotate(
                    text,
                    (x, y),
                    xycoords=at,
                    xytext=(offset, 0),
                    textcoords="offset points",
                    ha=ha,
                    annotation_clip=False,
                    **style,
                )
            )
    return placed_labels, placed_values


def _fit_margins(figure: "Figure", axes: "Axes", labels: list, values: list) -> None:
    """Place the plot between its widest row label and its widest value: measured once,
    where constrained layout would measure every text on every pass (twice the time)."""
    renderer = figure.canvas.get_renderer()
    width, height = figure.bbox.width, figure.bbox.height
    pad = 10 * DPI / 72  # the 6 pt offset of the texts and a 4 pt margin, in pixels

    def widest(texts: list) -> float:
        return max(text.get_window_extent(renderer).width for text in texts) + pad

    left, right = widest(labels) / width, widest(values) / width
    bottom, top = 0.32 * DPI / height, 0.08 * DPI / height  # tick labels below, air above
    axes.set_position((left, bottom, 1 - left - right, 1 - bottom - top))


def estimates_chart(rows: list[EstimateBar], path: Path, title: str, base: str) -> Chart:
    """Shares (in [0, 1]) drawn as dots with their 95 % interval on a 0–100 % axis, one row per
    item, top to bottom in the given order; a highlighted row in the accent colour, a row whose
    estimate is ``None`` left empty and marked « e.i. ». ``title`` and ``base`` (e.g. « base :
    3 000 répondants de 18 ans et plus ») go into the caption, not into the image."""
    if not rows:
        raise ValueError("an estimates chart needs at least one row")
    for row in rows:
        for value in (row.estimate, row.ci_low, row.ci_high):
            _check_share(value)

    def draw() -> None:
        figure = _figure(0.5 + 0.24 * len(rows))
        axes = figure.add_axes((0, 0, 1, 1))  # placed by _fit_margins
        _draw_estimates(axes, rows)
        _style_estimate_axes(axes, len(rows))
        _fit_margins(figure, axes, *_label_rows(axes, rows))
        _save(figure, path)

    _drawing(draw)
    alt = (
        f"Graphique en points : {title}, en %, avec intervalle de confiance à 95 %. "
        + " ; ".join(estimate_text(row) for row in rows)
        + "."
    )
    caption = f"{title}, avec intervalle de confiance à 95 % ({base})."
    return Chart(path, alt, caption)


def _shape_path(shape: Shape, squeeze: float):
    """One compound path per shape: outer rings anticlockwise, holes clockwise, so that holes
    stay empty whatever the fill rule."""
    from matplotlib.path import Path as GeoPath

    vertices, codes = [], []
    for polygon in shape.polygons:
        for index, ring in enumerate(polygon):
            clockwise = index > 0
            if (_signed_area(ring) < 0) != clockwise:
                ring = ring[::-1]
            vertices += [(x * squeeze, y) for x, y in ring]
            codes += [GeoPath.MOVETO] + [GeoPath.LINETO] * (len(ring) - 2) + [GeoPath.CLOSEPOLY]
    return GeoPath(vertices, codes)


def _draw_shapes(
    axes: "Axes",
    shapes: tuple[Shape, ...],
    values: Mapping[str, float | None],
    scale: Classes | None,
    highlight: str | None,
) -> None:
    from matplotlib.patches import PathPatch

    squeeze = _squeeze(shapes)
    paths = {shape.code: _shape_path(shape, squeeze) for shape in shapes}
    for shape in shapes:
        value = values.get(shape.code)
        if scale and _known(value):
            style = {"facecolor": scale.colour(value), "edgecolor": BORDER}
        else:  # hatched, so a missing value is never read as the lightest class
            style = {"facecolor": "white", "edgecolor": NEUTRAL, "hatch": "/////"}
        # add_artist, not add_patch: add_patch walks every Bézier segment to update the data
        # limits (half the drawing time); the limits are set once, from the vertices, below.
        axes.add_artist(PathPatch(paths[shape.code], linewidth=0.7, **style))
    if highlight:  # on top of its neighbours' borders, with a white halo
        for colour, width in ((BORDER, 3.6), (ACCENT, 1.8)):
            outline = PathPatch(paths[highlight], fill=False, edgecolor=colour, linewidth=width)
            axes.add_artist(outline)
    _frame(axes, list(paths.values()))


def _frame(axes: "Axes", paths: list) -> None:
    """Limits around every vertex, one unit of x worth one of y, no axes drawn."""
    import numpy as np

    vertices = np.concatenate([path.vertices for path in paths])
    (west, south), (east, north) = vertices.min(axis=0), vertices.max(axis=0)
    margin = 0.01 * max(east - west, north - south)
    axes.set_xlim(west - margin, east + margin)
    axes.set_ylim(south - margin, north + margin)
    axes.set_aspect("equal")
    axes.axis("off")


def _draw_labels(axes: "Axes", shapes: tuple[Shape, ...], labels: dict[str, str]) -> None:
    from matplotlib import patheffects

    squeeze = _squeeze(shapes)
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    for shape in shapes:
        x, y = label_point(shape)
        axes.text(
            x * squeeze,
            y,
            labels[shape.code],
            ha="center",
            va="center",
            fontsize=7,
            path_effects=halo,
        )


# The right-hand column of a map: legend title, key, then the colour scale at the bottom.
COLUMN_LEFT = 0.61
KEY_TOP = 0.96
KEY_BOTTOM = 0.27


def _tick_labels(bounds: tuple[float, ...], number: Callable[[float], str]) -> list[str]:
    """The bounds in French; « 60 % » rather than « 60,0 % » when every bound is round."""
    labels = [number(bound) for bound in bounds]
    zeros = re.compile(r",0+(?=\D*$)")  # a decimal part made only of zeros, then the unit
    if all(zeros.search(label) for label in labels):
        labels = [zeros.sub("", label) for label in labels]
    return labels


def _draw_scale(
    figure: "Figure", scale: Classes, number: Callable[[float], str], missing: bool
) -> None:
    """A discrete colour bar, its bounds written in French; above it, a hatched « e.i. »
    swatch when a value is missing."""
    from matplotlib.colorbar import ColorbarBase
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Rectangle

    bar = figure.add_axes((COLUMN_LEFT, 0.08, 0.34, 0.035))
    colourbar = ColorbarBase(
        bar,
        cmap=ListedColormap(scale.colours),
        norm=BoundaryNorm(scale.bounds, len(scale.colours)),
        orientation="horizontal",
    )
    colourbar.set_ticks(list(scale.bounds), labels=_tick_labels(scale.bounds, number))
    colourbar.outline.set_edgecolor(NEUTRAL)
    bar.tick_params(labelsize=7, length=2)
    if missing:
        swatch = figure.add_axes((COLUMN_LEFT, 0.16, 0.035, 0.035))
        swatch.add_patch(
            Rectangle((0, 0), 1, 1, facecolor="white", edgecolor=NEUTRAL, hatch="/////")
        )
        swatch.axis("off")
        # The mark is explained on the map itself: a map travels without its report's legend.
        figure.text(
            COLUMN_LEFT + 0.05,
            0.1775,
            f"{NOT_PUBLISHED} : effectif insuffisant",
            va="center",
            fontsize=7,
        )


def _draw_key(figure: "Figure", legend: str, lines: list[tuple[str, bool]]) -> None:
    """The legend title then one line per place (bold when highlighted)."""
    # The column is about 32 bold characters wide; « and » stay with the word they enclose.
    unbroken = legend.replace("« ", f"«{NBSP}").replace(" »", f"{NBSP}»")
    title = "\n".join(textwrap.wrap(unbroken, 32))
    figure.text(COLUMN_LEFT, KEY_TOP, title, va="top", fontweight="bold")
    top = KEY_TOP - 0.045 * (title.count("\n") + 1) - 0.03
    step = min(0.055, (top - KEY_BOTTOM) / max(len(lines), 1))
    for index, (text, bold) in enumerate(lines):
        weight = "bold" if bold else "normal"
        figure.text(COLUMN_LEFT, top - index * step, text, va="top", fontweight=weight)


def _key_lines(
    shapes: tuple[Shape, ...],
    values: Mapping[str, float | None],
    number: Callable[[float], str],
    name: Callable[[Shape], str],
    highlight: str | None,
) -> list[tuple[str, bool]]:
    """Places by decreasing value, those without one last."""

    def rank(shape: Shape) -> tuple[bool, float, str]:
        value = values.get(shape.code)
        return (not _known(value), -value if _known(value) else 0.0, shape.code)

    def line(shape: Shape) -> str:
        value = values.get(shape.code)
        return f"{name(shape)} : {number(value) if _known(value) else NOT_PUBLISHED}"

    return [(line(s), s.code == highlight) for s in sorted(shapes, key=rank)]


def _draw_choropleth(
    shapes: tuple[Shape, ...],
    values: Mapping[str, float | None],
    path: Path,
    legend: str,
    number: Callable[[float], str],
    labels: dict[str, str],
    key: list[tuple[str, bool]],
    highlight: str | None = None,
) -> None:
    known = [v for v in values.values() if _known(v)]
    scale = classes(known) if known else None

    def draw() -> None:
        figure = _figure(MAP_HEIGHT_INCHES)
        axes = figure.add_axes((0.01, 0.02, 0.57, 0.96))
        _draw_shapes(axes, shapes, values, scale, highlight)
        _draw_labels(axes, shapes, labels)
        if scale:
            _draw_scale(figure, scale, number, missing=len(known) < len(shapes))
        _draw_key(figure, legend, key)
        _save(figure, path)

    _drawing(draw)


def _check_codes(values: Mapping[str, object], shapes: tuple[Shape, ...], what: str) -> None:
    unknown = set(values) - {shape.code for shape in shapes}
    if unknown:
        raise KeyError(f"not {what}: {sorted(unknown)}")


def department_map(
    region_code: str,
    values: dict[str, float],
    path: Path,
    legend: str,
    *,
    base: str = "",
    number: Callable[[float], str] = decimal,
) -> Chart:
    """The region's departments (and only them) shaded by ``values`` (e.g. cases per 100 000
    inhabitants), labelled with their codes, with a key naming them. ``number`` writes a value
    in French (:func:`french.decimal` by default, :func:`french.integer` for counts); ``base``
    (e.g. « base : 412 pratiques recensées ») goes into the caption. A department missing
    from ``values`` is drawn hatched as « e.i. »."""
    shapes = region_shapes(region_code)
    _check_codes(values, shapes, f"departments of region {region_code}")
    _draw_choropleth(
        shapes,
        values,
        path,
        legend,
        number,
        labels={s.code: s.code for s in shapes},
        key=_key_lines(shapes, values, number, lambda s: f"{s.code} {s.name}", None),
    )
    region = region_by_code(region_code).name
    names = {s.code: s.name for s in shapes}
    everyone = {s.code: values.get(s.code) for s in shapes}
    alt = (
        f"Carte des {len(shapes)} départements de la région {region} ({legend}) : "
        f"{_extremes_text(everyone, names, number)}."
    )
    return Chart(path, alt, _map_caption(f"{legend}, par département, {region}", base))


def region_map(
    values: dict[str, float | None],
    path: Path,
    legend: str,
    highlight: str | None = None,
    *,
    base: str = "",
    number: Callable[[float], str] = decimal,
) -> Chart:
    """The 13 regions shaded by ``values`` (``None``: hatched grey « e.i. »), each labelled
    with its value, with a key naming them; ``highlight`` outlines one region in the accent
    colour. ``number`` writes a value in French (e.g. :func:`french.percent` for shares);
    ``base`` goes into the caption."""
    shapes = national_shapes()
    _check_codes({**values, **({highlight: None} if highlight else {})}, shapes, "region codes")
    every = {s.code: values.get(s.code) for s in shapes}
    _draw_choropleth(
        shapes,
        every,
        path,
        legend,
        number,
        labels={
            code: number(value) if _known(value) else NOT_PUBLISHED for code, value in every.items()
        },
        key=_key_lines(shapes, every, number, lambda s: s.name, highlight),
        highlight=highlight,
    )
    names = {s.code: s.name for s in shapes}
    alt = f"Carte des 13 régions ({legend}) : {_extremes_text(every, names, number)}"
    if highlight:
        alt += f" ; la région {names[highlight]} est entourée"
    return Chart(path, alt + ".", _map_caption(f"{legend}, par région", base))


def _map_caption(subject: str, base: str) -> str:
    """« Subject (base). » then the attribution the contours' licence asks for, last."""
    return f"{subject}{f' ({base})' if base else ''}. {CONTOURS_ATTRIBUTION}"


# --- The reports' drawings ----------------------------------------------------------------


def exported(chart: Chart) -> dict[str, str]:
    """A chart as the report export holds it: the file name the documents include, which the
    renders copy beside them, with its alt text and caption."""
    return {"file": chart.path.name, "alt": chart.alt, "caption": chart.caption}


NATIONAL_MAP = "regions"
KEY_FIGURES_SECTION = "chiffres_cles"  # the catalogue section of the key figures


def region_map_name(code: str) -> str:
    """The name under which a region's department map is exported."""
    return f"departements-{code}"


def key_figures_name(code: str) -> str:
    """The name under which a region's key-figures chart is exported."""
    return f"chiffres-cles-{code}"


def region_chart_names(code: str) -> tuple[str, ...]:
    """The charts a region's report includes."""
    return key_figures_name(code), region_map_name(code)


def key_figures_chart(data: "ReportData", code: str, name: str, folder: Path) -> Chart:
    """« Jouer collectif » for each surveyed population, in region ``code`` (accent colour)
    and in metropolitan France, each with its interval, at each study's latest wave. A withheld
    regional value is not drawn (no row of « e.i. »): the caption names its population."""
    rows, bases, withheld = [], [], []
    for indicator in data.indicators:
        if indicator.section != KEY_FIGURES_SECTION:
            continue
        wave = indicator.waves[-1]
        population = f"{POPULATIONS[indicator.study]}, {wave.wave}"
        here, france = wave.values[code], wave.values[FRANCE_CODE]
        if here.share is None:
            withheld.append(RESPONDENTS[indicator.study])
        else:
            rows.append(EstimateBar(f"{population} : région", *_shares(here), highlight=True))
            bases.append(f"{integer(here.n)} {RESPONDENTS[indicator.study]}")
        rows.append(EstimateBar(f"{population} : France", *_shares(france)))
    base = f"bases dans la région : {', '.join(bases)}" if bases else ""
    if withheld:
        lack = f"non publié dans la région faute d'effectif suffisant : {', '.join(withheld)}"
        base = f"{base} ; {lack}" if base else lack
    return estimates_chart(
        rows,
        folder / f"{key_figures_name(code)}.png",
        f"Part jugeant nécessaire de « jouer collectif » face aux crises, {name} et France "
        "métropolitaine",
        base=base,
    )


SERIES_CHART = "series"
NATIONAL_CHARTS = (NATIONAL_MAP, SERIES_CHART)
# The national synthesis's cross-region comparisons, one per key indicator.
COMPARISON_PREFIX = "comparaison-"


def comparison_name(indicator_id: str) -> str:
    """« comparaison-citoyens-jouer-collectif »: a chart file name has no underscore."""
    return COMPARISON_PREFIX + indicator_id.replace("_", "-")


def is_national_chart(name: str) -> bool:
    """Whether the national synthesis's export keeps the chart ``name``."""
    return name in NATIONAL_CHARTS or name.startswith(COMPARISON_PREFIX)


def comparison_charts(data: "ReportData", folder: Path) -> dict[str, Chart]:
    """For each key indicator (« jouer collectif », one per population), the regions whose value
    is published, sorted by their estimate with its 95 % interval, France as the reference row
    (accent colour): what the data support is the intervals, not a ranking. Withheld regions are
    not drawn (the report names them in a sentence); no chart when no region is published."""
    names = {region.code: region.name for region in data.regions}
    charts = {}
    for indicator in data.indicators:
        if indicator.section != KEY_FIGURES_SECTION:
            continue
        wave = indicator.waves[-1]
        france = wave.values[FRANCE_CODE]
        shown = [code for code in names if wave.values[code].share is not None]
        if not shown:
            continue
        shown.sort(key=lambda code: -wave.values[code].share)
        rows = [EstimateBar(names[code], *_shares(wave.values[code])) for code in shown] + [
            EstimateBar("France métropolitaine", *_shares(france), highlight=True)
        ]
        name = comparison_name(indicator.id)
        charts[name] = estimates_chart(
            rows,
            folder / f"{name}.png",
            f"{POPULATIONS[indicator.study]}, {wave.wave} : part jugeant nécessaire de « jouer "
            "collectif » face aux crises, par région publiée (classées par valeur ; deux régions "
            "dont les intervalles se chevauchent ne se distinguent pas)",
            base=f"base France : {integer(france.n)} {RESPONDENTS[indicator.study]}",
        )
    return charts


def _shares(value) -> tuple[float | None, float | None, float | None]:
    return value.share, value.ci_low, value.ci_high


SERIES_LABEL_WIDTH = 42  # characters per line of a row label


@dataclass(frozen=True)
class WaveEstimate:
    """A share in [0, 1] at one wave with its 95 % interval; ``None`` when not published."""

    wave: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class SeriesRow:
    """One row of :func:`two_waves_chart`: an indicator at its previous and latest waves."""

    label: str
    earlier: WaveEstimate
    later: WaveEstimate


def _row_label(label: str) -> str:
    """« Part des entreprises partenaires… » -> « Entreprises partenaires… »: every row of a
    chart of shares is a share, and a short label leaves room for the plot."""
    shortened = re.sub(r"^Part (des|de la|du|de l’|de l')\s*", "", label)
    return shortened[:1].upper() + shortened[1:]


def _wave_text(value: WaveEstimate) -> str:
    shown = percent(value.estimate) if _known(value.estimate) else NOT_PUBLISHED
    return f"{shown} en {value.wave}"


def _draw_waves(axes: "Axes", rows: list[SeriesRow]) -> None:
    """Earlier wave: a hollow grey dot just above the row; latest: a filled accent dot just
    below; each on its interval. Hollow against filled tells them apart in greys too."""
    for y, row in enumerate(rows):
        for value, shift, colour, face in (
            (row.earlier, -0.17, NEUTRAL, "white"),
            (row.later, 0.17, ACCENT, ACCENT),
        ):
            if not _known(value.estimate):
                continue
            if _known(value.ci_low) and _known(value.ci_high):
                axes.plot(
                    [value.ci_low * 100, value.ci_high * 100],
                    [y + shift, y + shift],
                    color=colour,
                    linewidth=1.6,
                    solid_capstyle="butt",
                )
            axes.plot(
                value.estimate * 100,
                y + shift,
                marker="o",
                markersize=6,
                color=colour,
                markerfacecolor=face,
                markeredgewidth=1.2,
            )


def two_waves_chart(rows: list[SeriesRow], path: Path, title: str, base: str) -> Chart:
    """Indicators at their previous (hollow grey dot) and latest (filled accent dot) waves,
    each with its 95 % interval, on a 0–100 % axis; labels wrapped, values on the right."""
    if not rows:
        raise ValueError("a two-waves chart needs at least one row")
    for row in rows:
        for value in (row.earlier, row.later):
            for share in (value.estimate, value.ci_low, value.ci_high):
                _check_share(share)
    labels = [textwrap.fill(row.label, SERIES_LABEL_WIDTH) for row in rows]
    lines = max(label.count("\n") + 1 for label in labels)

    def draw() -> None:
        figure = _figure(0.5 + (0.16 + 0.14 * lines) * len(rows))
        axes = figure.add_axes((0, 0, 1, 1))  # placed by _fit_margins
        _draw_waves(axes, rows)
        _style_estimate_axes(axes, len(rows))
        values = [f"{_wave_text(row.earlier)}\n{_wave_text(row.later)}" for row in rows]
        _fit_margins(figure, axes, *_annotate_rows(axes, labels, values, [False] * len(rows)))
        _save(figure, path)

    _drawing(draw)
    alt = (
        f"Graphique en points : {title}, en %, avec intervalle de confiance à 95 %. "
        + " ; ".join(
            f"{row.label} : {_wave_text(row.earlier)}, {_wave_text(row.later)}" for row in rows
        )
        + "."
    )
    caption = (
        f"{title} : vague précédente (point creux, gris) et dernière vague (point plein, "
        f"rouge), avec intervalle de confiance à 95 % ({base})."
    )
    return Chart(path, alt, caption)


def _wave_estimate(wave: "IndicatorWave") -> WaveEstimate:
    value = wave.values[FRANCE_CODE]
    return WaveEstimate(wave.wave, value.share, value.ci_low, value.ci_high)


def series_chart(data: "ReportData", folder: Path) -> Chart | None:
    """Every indicator asked at two waves or more, in metropolitan France: its previous and
    latest waves; ``None`` when no indicator has two waves yet."""
    rows = [
        SeriesRow(
            _row_label(indicator.label),
            _wave_estimate(indicator.waves[-2]),
            _wave_estimate(indicator.waves[-1]),
        )
        for indicator in data.indicators
        if len(indicator.waves) >= 2
    ]
    bases = [
        wave.values[FRANCE_CODE].n
        for indicator in data.indicators
        if len(indicator.waves) >= 2
        for wave in indicator.waves[-2:]
    ]
    if not rows:
        return None
    return two_waves_chart(
        rows,
        folder / "series-france.png",
        "Indicateurs posés à deux vagues, France métropolitaine",
        base=f"bases : de {integer(min(bases))} à {integer(max(bases))} répondants selon "
        "l'enquête et la vague",
    )


def draw_report_charts(data: "ReportData", folder: Path) -> dict[str, dict[str, str]]:
    """Every chart of the reports, drawn into ``folder`` and exported (:func:`exported`): the
    regions map for the synthesis, each region's department map and key figures."""
    shares = {region.code: region.collective_necessary.share for region in data.regions}
    national = region_map(
        shares,
        folder / "carte-regions.png",
        f"Part des habitants jugeant nécessaire de « jouer collectif », en {data.wave}",
        base=f"base : {integer(data.national.base_n)} répondants de 18 ans et plus",
        number=percent,
    )
    drawn = {NATIONAL_MAP: exported(national)}
    series = series_chart(data, folder)
    if series is not None:
        drawn[SERIES_CHART] = exported(series)
    drawn |= {name: exported(chart) for name, chart in comparison_charts(data, folder).items()}
    for region in data.regions:
        counts = data.territories[region.code].departments
        chart = department_map(
            region.code,
            dict(counts),
            folder / f"carte-departements-{region.code}.png",
            "Pratiques partenariales recensées",
            base=(
                f"base « IMPACT-Pratiques partenariales innovantes », "
                f"{integer(sum(counts.values()))} pratiques dans la région"
            ),
            number=integer,
        )
        drawn[region_map_name(region.code)] = exported(chart)
        key_figures = key_figures_chart(data, region.code, region.name, folder)
        drawn[key_figures_name(region.code)] = exported(key_figures)
    return drawn
