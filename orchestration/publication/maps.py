"""The choropleth maps of the reports: a region's departments, or the 13 regions, shaded by
colour class, each place labelled, with a key naming them beside the map and the colour scale
below it; a value not published is hatched « e.i. ». Drawn in the house style
(``chart_style.py``) from the contours of ``geo_shapes.py``."""

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.geography import region_by_code
from orchestration.publication.chart_style import (
    NOT_PUBLISHED_ALT,
    Chart,
    drawing,
    is_known,
    new_figure,
    save,
)
from orchestration.publication.french import NBSP, decimal
from orchestration.publication.geo_shapes import (
    CONTOURS_ATTRIBUTION,
    Shape,
    label_point,
    national_shapes,
    region_shapes,
)
from orchestration.publication.map_classes import Classes, classes, tick_labels
from orchestration.publication.palette import ACCENT, BORDER, NEUTRAL
from orchestration.publication.vocabulary import NOT_PUBLISHED

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAP_HEIGHT_INCHES = 4.2


def _extremes_text(
    values: Mapping[str, float | None], names: dict[str, str], number: Callable[[float], str]
) -> str:
    """Highest and lowest of the published values, then the places without one."""
    known = sorted((code for code in values if is_known(values[code])), key=lambda c: values[c])
    missing = [names[code] for code in values if not is_known(values[code])]
    text = (
        f"valeur la plus élevée : {names[known[-1]]} ({number(values[known[-1]])}) ; "
        f"la plus faible : {names[known[0]]} ({number(values[known[0]])})"
        if known
        else "aucune valeur publiée"
    )
    if missing and known:
        text += f" ; {', '.join(missing)} : {NOT_PUBLISHED_ALT}"
    return text


def _shape_path(shape: Shape):
    """One compound path per shape, its rings in the orientation ``geo_shapes`` gave them
    (outer anticlockwise, holes clockwise), so that holes stay empty whatever the fill rule."""
    from matplotlib.path import Path as GeoPath

    vertices, codes = [], []
    for polygon in shape.geometry.geoms:
        for ring in (polygon.exterior, *polygon.interiors):
            coordinates = ring.coords  # closed: the last point repeats the first
            vertices += list(coordinates)
            codes += [GeoPath.MOVETO] + [GeoPath.LINETO] * (len(coordinates) - 2)
            codes.append(GeoPath.CLOSEPOLY)
    return GeoPath(vertices, codes)


def _draw_shapes(
    axes: "Axes",
    shapes: tuple[Shape, ...],
    values: Mapping[str, float | None],
    scale: Classes | None,
    highlight: str | None,
) -> None:
    from matplotlib.patches import PathPatch

    paths = {shape.code: _shape_path(shape) for shape in shapes}
    for shape in shapes:
        value = values.get(shape.code)
        if scale and is_known(value):
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

    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    for shape in shapes:
        x, y = label_point(shape)
        axes.text(
            x,
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
    colourbar.set_ticks(list(scale.bounds), labels=tick_labels(scale.bounds, number))
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
        return (not is_known(value), -value if is_known(value) else 0.0, shape.code)

    def line(shape: Shape) -> str:
        value = values.get(shape.code)
        return f"{name(shape)} : {number(value) if is_known(value) else NOT_PUBLISHED}"

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
    known = [v for v in values.values() if is_known(v)]
    scale = classes(known) if known else None

    def draw() -> None:
        figure = new_figure(MAP_HEIGHT_INCHES)
        axes = figure.add_axes((0.01, 0.02, 0.57, 0.96))
        _draw_shapes(axes, shapes, values, scale, highlight)
        _draw_labels(axes, shapes, labels)
        if scale:
            _draw_scale(figure, scale, number, missing=len(known) < len(shapes))
        _draw_key(figure, legend, key)
        save(figure, path)

    drawing(draw)


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
            code: number(value) if is_known(value) else NOT_PUBLISHED
            for code, value in every.items()
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
