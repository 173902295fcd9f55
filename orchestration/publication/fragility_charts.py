"""The chart of the « Fragilités prioritaires » section: the citizens' mean priority score of
each fragility domain in a region, with its 95 % interval, sorted; the leading group (tier 1)
in the accent colour, a dashed rule between tiers. Drawn with the helpers and house style of
``chart_style.py`` (colours from ``palette.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.publication.chart_names import fragility_chart_name
from orchestration.publication.chart_style import (
    Chart,
    annotate_rows,
    drawing,
    exported,
    fit_margins,
    new_figure,
    save,
)
from orchestration.publication.french import decimal, integer
from orchestration.publication.palette import ACCENT, GRID, NEUTRAL

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from orchestration.publication.fragility_figures import FragilityItem, FragilityRanking
    from orchestration.publication.report_data import ReportData

CITIZENS = "citoyens"
SCALE_MAX = 10


def draw_fragility_charts(data: ReportData, folder: Path) -> dict[str, dict[str, str]]:
    """One chart per region whose citizens' ranking is published (no chart otherwise: the
    section says why in words)."""
    names = {region.code: region.name for region in data.regions}
    return {
        fragility_chart_name(ranking.geo_code): exported(
            scores_chart(ranking, names[ranking.geo_code], folder)
        )
        for ranking in data.fragilities
        if ranking.study == CITIZENS and ranking.geo_code in names and _ranked(ranking)
    }


def _ranked(ranking: FragilityRanking) -> bool:
    return all(item.tier is not None for item in ranking.items)


def score_text(item: FragilityItem) -> str:
    """« Emploi : 7,6 [7,3 ; 7,9] » (scores out of 10, one decimal)."""
    interval = f"[{decimal(item.ci_low)} ; {decimal(item.ci_high)}]"
    return f"{item.label} : {decimal(item.estimate)} {interval}"


def scores_chart(ranking: FragilityRanking, region_name: str, folder: Path) -> Chart:
    """The region's domains, highest score on top, with their intervals and tiers."""
    items = list(ranking.items)
    path = folder / f"{fragility_chart_name(ranking.geo_code)}.png"

    def draw() -> None:
        figure = new_figure(0.5 + 0.24 * len(items))
        axes = figure.add_axes((0, 0, 1, 1))  # placed by fit_margins
        _draw_scores(axes, items)
        labels, values = annotate_rows(
            axes,
            [item.label for item in items],
            [decimal(item.estimate) for item in items],
            [item.tier == 1 for item in items],
        )
        fit_margins(figure, axes, labels, values)
        save(figure, path)

    drawing(draw)
    title = (
        f"Priorité donnée à chaque fragilité par les habitants de la région {region_name}, "
        f"note moyenne sur {SCALE_MAX}"
    )
    alt = (
        f"Graphique en points : {title}, avec intervalle de confiance à 95 %, de la plus haute "
        "à la plus basse ; en couleur, le groupe de tête. "
        + " ; ".join(score_text(item) for item in items)
        + "."
    )
    caption = (
        f"{title}, avec intervalle de confiance à 95 % ; en couleur, le groupe de tête, des "
        f"tirets entre deux groupes significativement différents (base : "
        f"{integer(ranking.n)} répondants de 18 ans et plus)."
    )
    return Chart(path, alt, caption)


def _draw_scores(axes: Axes, items: list[FragilityItem]) -> None:
    for y, item in enumerate(items):
        colour = ACCENT if item.tier == 1 else NEUTRAL
        axes.plot([item.ci_low, item.ci_high], [y, y], color=colour, linewidth=1.8)
        axes.plot(
            item.estimate,
            y,
            marker="o",
            markersize=6,
            color=colour,
            markeredgecolor="white",
            markeredgewidth=0.8,
        )
        if y and item.tier != items[y - 1].tier:
            axes.axhline(y - 0.5, color=NEUTRAL, linewidth=0.8, linestyle=(0, (4, 3)))
    axes.set_xlim(0, SCALE_MAX)
    axes.set_ylim(len(items) - 0.5, -0.5)  # first row on top
    axes.set_xticks(range(0, SCALE_MAX + 1, 2))
    axes.set_yticks([])  # rows are labelled by annotate_rows
    axes.grid(axis="x", color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
