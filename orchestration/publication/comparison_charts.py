"""The charts of perceived and objective fragilities (issue 17, items 3 and 5).

- Each region: its domains side by side, the citizens' mean score with its 95 % interval
  beside France's (left), the region's rank among the 13 on the domain's context indicator
  (right, the four most affected shaded).
- The national synthesis: a heat map of the 13 regions' scores by domain, each region's
  leading group outlined; a region whose scores are withheld is greyed and marked « e.i. ».

Drawn with the house style of ``chart_style.py`` (colours from ``palette.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.geography import FRANCE_CODE
from orchestration.publication.chart_names import HEAT_MAP, comparison_chart_name
from orchestration.publication.chart_style import Chart, drawing, exported, new_figure, save
from orchestration.publication.comparison_figures import DomainComparison
from orchestration.publication.french import alphabetical, decimal, integer
from orchestration.publication.palette import ACCENT, GRID, INK, NEUTRAL, SEQUENTIAL
from orchestration.publication.vocabulary import NOT_PUBLISHED, NOT_PUBLISHED_MEANING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from orchestration.publication.fragility_figures import FragilityRanking
    from orchestration.publication.report_data import ReportData

CITIZENS = "citoyens"
SCALE_MAX = 10
REGION_COUNT = 13
MOST_AFFECTED = 4  # fct_region_profile: objective fragility is a rank of 4 or better


def draw_comparison_charts(data: ReportData, folder: Path) -> dict[str, dict[str, str]]:
    """A chart per region whose citizens' scores are published, and the national heat map."""
    names = {region.code: region.name for region in data.regions}
    drawn = {
        comparison_chart_name(code): exported(
            perceived_and_objective_chart(list(items), names[code], code, folder)
        )
        for code, items in data.comparisons.items()
        if all(item.score is not None for item in items)
    }
    citizens = [r for r in data.fragilities if r.study == CITIZENS]
    france = next((r for r in citizens if r.geo_code == FRANCE_CODE), None)
    rankings = [r for r in citizens if r.geo_code in names]
    if france is not None and rankings:
        drawn[HEAT_MAP] = exported(heat_map(rankings, france, names, folder))
    return drawn


def perceived_and_objective_chart(
    items: list[DomainComparison], region_name: str, code: str, folder: Path
) -> Chart:
    """Domains by the region's score, highest on top: score beside France's, then rank."""
    items = sorted(items, key=lambda item: -item.score)
    path = folder / f"{comparison_chart_name(code)}.png"

    def draw() -> None:
        figure = new_figure(0.9 + 0.27 * len(items))
        scores = figure.add_axes((0.27, 0.16, 0.38, 0.74))
        ranks = figure.add_axes((0.70, 0.16, 0.27, 0.74))
        _draw_scores(scores, items)
        _draw_ranks(ranks, items)
        save(figure, path)

    drawing(draw)
    title = (
        f"Fragilités perçues et fragilités objectives, région {region_name} : note donnée par "
        f"les habitants (sur {SCALE_MAX}) et rang de la région parmi les {REGION_COUNT} sur "
        "l'indicateur de contexte du domaine"
    )
    rows = " ; ".join(
        f"{item.domain_label} : note {decimal(item.score)} (France {decimal(item.france_score)})"
        f", rang {item.rank_among_regions} sur {REGION_COUNT}"
        for item in items
    )
    alt = f"Graphique en deux parties : {title}. {rows}."
    caption = (
        f"{title} ; à gauche, la note de la région avec son intervalle de confiance à 95 % (en "
        "couleur : le groupe de tête des habitants) et celle de la France (losange) ; à droite, "
        f"le rang (1 = la région la plus touchée ; en grisé, les {MOST_AFFECTED} plus touchées)."
    )
    return Chart(path, alt, caption)


def _rows(axes: Axes, count: int) -> None:
    axes.set_ylim(count - 0.5, -0.5)  # first row on top
    axes.grid(axis="x", color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _draw_scores(axes: Axes, items: list[DomainComparison]) -> None:
    for y, item in enumerate(items):
        colour = ACCENT if item.tier == 1 else NEUTRAL
        axes.plot([item.score_ci_low, item.score_ci_high], [y, y], color=colour, linewidth=1.8)
        axes.plot(item.score, y, "o", markersize=6, color=colour, markeredgecolor="white")
        if item.france_score is not None:
            axes.plot(item.france_score, y, "D", markersize=4, color="white", markeredgecolor=INK)
    _rows(axes, len(items))
    axes.set_xlim(0, SCALE_MAX)
    axes.set_xticks(range(0, SCALE_MAX + 1, 2))
    axes.set_yticks(range(len(items)), [item.domain_label for item in items])
    axes.set_title(f"Note des habitants (sur {SCALE_MAX})", fontsize=8, loc="left")


def _draw_ranks(axes: Axes, items: list[DomainComparison]) -> None:
    # Rank 1 on the right: « more affected » reads in the same direction as « higher score ».
    axes.axvspan(0.5, MOST_AFFECTED + 0.5, color=GRID, linewidth=0)
    for y, item in enumerate(items):
        rank = item.rank_among_regions
        colour = ACCENT if rank <= MOST_AFFECTED else NEUTRAL
        axes.plot(rank, y, "s", markersize=6, color=colour, markeredgecolor="white")
        axes.annotate(
            f"{rank}{'re' if rank == 1 else 'e'}",
            (rank, y),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
    _rows(axes, len(items))
    axes.set_xlim(REGION_COUNT + 0.5, 0.5)
    axes.set_xticks([REGION_COUNT, 10, 7, MOST_AFFECTED, 1])
    axes.set_yticks([])
    axes.set_title(f"Rang parmi les {REGION_COUNT} régions", fontsize=8, loc="left")


def heat_map(
    rankings: list[FragilityRanking],
    france: FragilityRanking,
    names: dict[str, str],
    folder: Path,
) -> Chart:
    """Regions (rows, by name) by domains (columns, in France's order): the citizens' mean
    score, the leading group outlined; a withheld region greyed and marked « e.i. »."""
    order = [item.domain_id for item in france.items]
    labels = [item.label for item in france.items]
    rankings = sorted(rankings, key=lambda ranking: alphabetical(names[ranking.geo_code]))
    path = folder / f"{HEAT_MAP}.png"
    scores = [
        item.estimate for ranking in rankings for item in ranking.items if item.estimate is not None
    ]
    low, high = min(scores), max(scores)

    def draw() -> None:
        figure = new_figure(0.9 + 0.3 * len(rankings))
        axes = figure.add_axes((0.30, 0.02, 0.62, 0.72))
        for row, ranking in enumerate(rankings):
            by_domain = {item.domain_id: item for item in ranking.items}
            for column, domain in enumerate(order):
                _heat_cell(axes, row, column, by_domain[domain], low, high)
        axes.set_xlim(-0.5, len(order) - 0.5)
        axes.set_ylim(len(rankings) - 0.5, -0.5)
        axes.xaxis.tick_top()
        axes.set_xticks(range(len(order)), labels, rotation=40, ha="left", fontsize=7)
        axes.set_yticks(range(len(rankings)), [names[r.geo_code] for r in rankings])
        axes.tick_params(length=0)
        for side in axes.spines.values():
            side.set_visible(False)
        save(figure, path)

    drawing(draw)
    title = "Note moyenne donnée par les habitants à chaque fragilité, par région (sur 10)"
    withheld = [names[r.geo_code] for r in rankings if any(i.estimate is None for i in r.items)]
    lines = [
        f"{names[r.geo_code]} : en tête, " + ", ".join(i.label for i in r.items if i.tier == 1)
        for r in rankings
        if all(i.tier is not None for i in r.items)
    ]
    alt = f"Carte de chaleur : {title}. Groupe de tête de chaque région : " + " ; ".join(lines)
    caption = (
        f"{title} ; plus la case est foncée, plus la note est haute ; encadrées, les "
        "fragilités du groupe de tête de la région (écarts significatifs à 5 % avec les "
        "suivantes)"
        + (
            f" ; {NOT_PUBLISHED} ({NOT_PUBLISHED_MEANING}) : " + ", ".join(withheld)
            if withheld
            else ""
        )
        + f" (base : {integer(sum(r.n for r in rankings))} répondants de 18 ans et plus)."
    )
    return Chart(path, alt + ".", caption)


def _heat_cell(axes: Axes, row: int, column: int, item, low: float, high: float) -> None:
    from matplotlib.patches import Rectangle

    if item.estimate is None:
        axes.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, color=GRID, linewidth=0))
        axes.text(column, row, NOT_PUBLISHED, ha="center", va="center", fontsize=6, color=INK)
        return
    step = min(int((item.estimate - low) / (high - low + 1e-12) * len(SEQUENTIAL)), 4)
    axes.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, color=SEQUENTIAL[step], linewidth=0))
    ink = "white" if step >= 3 else INK
    axes.text(
        column, row, decimal(item.estimate), ha="center", va="center", fontsize=6.5, color=ink
    )
    if item.tier == 1:
        axes.add_patch(
            Rectangle(
                (column - 0.44, row - 0.44), 0.88, 0.88, fill=False, edgecolor=ACCENT, linewidth=1.6
            )
        )
