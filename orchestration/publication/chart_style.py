"""The house style of every chart, drawn once upstream of the renders so that the documents
only include images.

Each drawing is a PNG (16 cm wide at 150 dpi) returned with its French caption, which states
its base, and its alternative text, which states its values. One palette for every chart
(``palette.py``): a sequential blue whose lightness falls in even steps (the classes stay
distinct when printed in greys), one accent for « this region », one neutral grey for the other
regions and for values not published (hatched on maps, so they are never mistaken for a class).

Matplotlib is imported when something is drawn, not when Dagster loads the definitions. Figures
are built with the object API on an Agg canvas, not with pyplot: pyplot's global list of open
figures is neither thread-safe nor freed without ``plt.close``, while a ``Figure`` nobody
references is simply collected.
"""

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.publication.palette import FONT_FAMILY, INK, NEUTRAL
from orchestration.publication.vocabulary import NOT_PUBLISHED, NOT_PUBLISHED_MEANING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 150
WIDTH_PIXELS = 945  # 16 cm at 150 dpi
WIDTH_INCHES = WIDTH_PIXELS / DPI
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


@dataclass(frozen=True)
class Chart:
    """A drawn PNG with what a reader needs without seeing it (French alt text and caption)."""

    path: Path
    alt: str
    caption: str


def exported(chart: Chart) -> dict[str, str]:
    """A chart as the report export holds it: the file name the documents include, which the
    renders copy beside them, with its alt text and caption."""
    return {"file": chart.path.name, "alt": chart.alt, "caption": chart.caption}


def is_known(value: float | None) -> bool:
    """Whether ``value`` is a published number: neither ``None`` (withheld) nor NaN."""
    return value is not None and not math.isnan(value)


def new_figure(height: float) -> "Figure":
    """A white figure on an Agg canvas, 16 cm wide."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def save(figure: "Figure", path: Path) -> None:
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


def drawing(draw: Callable[[], None]) -> None:
    """Run ``draw`` with the fixed style, one drawing at a time."""
    import matplotlib.style

    with _DRAWING, matplotlib.style.context(["default", STYLE]):
        draw()


def annotate_rows(
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


def fit_margins(figure: "Figure", axes: "Axes", labels: list, values: list) -> None:
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
