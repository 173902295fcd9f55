"""Charts of shares with their 95 % intervals on a 0–100 % axis, one row per item: the
estimates chart (one dot per row) and the two-waves chart (an indicator's previous and latest
waves). Drawn in the house style (``chart_style.py``)."""

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.publication.chart_style import (
    NOT_PUBLISHED_ALT,
    Chart,
    annotate_rows,
    drawing,
    fit_margins,
    is_known,
    new_figure,
    save,
)
from orchestration.publication.french import percent
from orchestration.publication.palette import ACCENT, GRID, NEUTRAL
from orchestration.publication.vocabulary import MODELLED_MARK, MODELLED_WORDS, NOT_PUBLISHED

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class EstimateBar:
    """One row of :func:`estimates_chart`: a share in [0, 1] and its 95 % interval; ``None``
    when the value is not published (« e.i. »)."""

    label: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    highlight: bool = False
    # A small-area model's estimate: drawn as an open circle on a dashed interval, and marked.
    modelled: bool = False


def _interval_text(low: float, high: float) -> str:
    return f"[{percent(low)} ; {percent(high)}]"


def estimate_text(row: EstimateBar) -> str:
    """« Bretagne : 81,2 % [77,9 % ; 84,1 %] », or « Corse : e.i. (effectif insuffisant,
    valeur non publiée) »."""
    if not is_known(row.estimate):
        return f"{row.label} : {NOT_PUBLISHED_ALT}"
    interval = (
        f" {_interval_text(row.ci_low, row.ci_high)}"
        if is_known(row.ci_low) and is_known(row.ci_high)
        else ""
    )
    mark = MODELLED_MARK if row.modelled else ""
    return f"{row.label} : {percent(row.estimate)}{mark}{interval}"


def _check_share(value: float | None) -> None:
    # Catch shares passed in percent: 81.2 would silently be drawn off the 0-100 % axis.
    if is_known(value) and not 0 <= value <= 1:
        raise ValueError(f"a share must lie in [0, 1], not {value!r}")


def _draw_estimates(axes: "Axes", rows: list[EstimateBar]) -> None:
    for y, row in enumerate(rows):
        if not is_known(row.estimate):
            continue  # an empty row: its « e.i. » is in the value column
        colour = ACCENT if row.highlight else NEUTRAL
        if is_known(row.ci_low) and is_known(row.ci_high):
            axes.plot(
                [row.ci_low * 100, row.ci_high * 100],
                [y, y],
                color=colour,
                linewidth=2.2 if row.highlight else 1.6,
                linestyle=(0, (2, 1.5)) if row.modelled else "solid",
                solid_capstyle="butt",
            )
        axes.plot(
            row.estimate * 100,
            y,
            marker="o",
            markersize=7 if row.highlight else 5.5,
            color=colour,
            markerfacecolor="white" if row.modelled else colour,
            markeredgecolor=colour if row.modelled else "white",
            markeredgewidth=1.4 if row.modelled else 0.8,
        )


def _style_estimate_axes(axes: "Axes", count: int) -> None:
    axes.set_xlim(0, 100)
    axes.set_ylim(count - 0.5, -0.5)  # first of the ``count`` rows on top
    ticks = list(range(0, 101, 20))
    axes.set_xticks(ticks, labels=[percent(t / 100, 0) for t in ticks])
    axes.set_yticks([])  # rows are labelled by _label_rows: tick objects are slow to lay out
    axes.grid(axis="x", color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)


def _label_rows(axes: "Axes", rows: list[EstimateBar]) -> tuple[list, list]:
    """Each row's label left of the plot and its value (or « e.i. ») right of it, in bold
    for the highlighted row."""
    return annotate_rows(
        axes,
        [row.label for row in rows],
        [_value_text(row) for row in rows],
        [row.highlight for row in rows],
    )


# The value column's mark of a modelled value: short, so that the plot keeps its width; the
# caption spells it out.
CHART_MODELLED_MARK = " (modélisée)"


def _value_text(row: EstimateBar) -> str:
    if not is_known(row.estimate):
        return NOT_PUBLISHED
    return percent(row.estimate) + (CHART_MODELLED_MARK if row.modelled else "")


def estimates_chart(rows: list[EstimateBar], path: Path, title: str, base: str) -> Chart:
    """Shares (in [0, 1]) drawn as dots with their 95 % interval on a 0–100 % axis, one row per
    item, top to bottom in the given order; a highlighted row in the accent colour, a row whose
    estimate is ``None`` left empty and marked « e.i. », a modelled one drawn open and marked
    « (estimation modélisée) ». ``title`` and ``base`` (e.g. « base :
    3 000 répondants de 18 ans et plus ») go into the caption, not into the image."""
    if not rows:
        raise ValueError("an estimates chart needs at least one row")
    for row in rows:
        for value in (row.estimate, row.ci_low, row.ci_high):
            _check_share(value)

    def draw() -> None:
        figure = new_figure(0.5 + 0.24 * len(rows))
        axes = figure.add_axes((0, 0, 1, 1))  # placed by fit_margins
        _draw_estimates(axes, rows)
        _style_estimate_axes(axes, len(rows))
        fit_margins(figure, axes, *_label_rows(axes, rows))
        save(figure, path)

    drawing(draw)
    alt = (
        f"Graphique en points : {title}, en %, avec intervalle de confiance à 95 %. "
        + " ; ".join(estimate_text(row) for row in rows)
        + "."
    )
    caption = f"{title}, avec intervalle de confiance à 95 % ({base})."
    if any(row.modelled for row in rows):
        caption += f" Cercle vide, tirets et mention « modélisée » : {MODELLED_WORDS}."
    return Chart(path, alt, caption)


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


def _wave_text(value: WaveEstimate) -> str:
    shown = percent(value.estimate) if is_known(value.estimate) else NOT_PUBLISHED
    return f"{shown} en {value.wave}"


def _draw_waves(axes: "Axes", rows: list[SeriesRow]) -> None:
    """Earlier wave: a hollow grey dot just above the row; latest: a filled accent dot just
    below; each on its interval. Hollow against filled tells them apart in greys too."""
    for y, row in enumerate(rows):
        for value, shift, colour, face in (
            (row.earlier, -0.17, NEUTRAL, "white"),
            (row.later, 0.17, ACCENT, ACCENT),
        ):
            if not is_known(value.estimate):
                continue
            if is_known(value.ci_low) and is_known(value.ci_high):
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
        figure = new_figure(0.5 + (0.16 + 0.14 * lines) * len(rows))
        axes = figure.add_axes((0, 0, 1, 1))  # placed by fit_margins
        _draw_waves(axes, rows)
        _style_estimate_axes(axes, len(rows))
        values = [f"{_wave_text(row.earlier)}\n{_wave_text(row.later)}" for row in rows]
        fit_margins(figure, axes, *annotate_rows(axes, labels, values, [False] * len(rows)))
        save(figure, path)

    drawing(draw)
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
