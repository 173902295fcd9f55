"""Maps drawn once, upstream of the renders, so the documents only include finished images.

Each map is a PNG with its French caption (stating its base) and alternative text (stating
its values). One sequential palette, light to dark blue, whose lightness falls monotonically:
it still reads in greys. Matplotlib is imported when a map is drawn, not when Dagster loads.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.publication.french import decimal, integer
from orchestration.settings import REPORT_SOURCES_DIR

if TYPE_CHECKING:  # report_data imports this module
    from orchestration.publication.report_data import ReportData

GEO_DIR = REPORT_SOURCES_DIR / "geo"
CONTOURS_ATTRIBUTION = (
    "Contours : IGN Admin Express COG 2018 (Licence Ouverte), simplifiés par france-geojson."
)
# Light to dark: lightness decreases strictly, so classes stay distinct in greys.
PALETTE = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
MISSING_COLOUR = "#d9d9d9"
EDGE_COLOUR = "#ffffff"
WIDTH_INCHES = 6.3  # 16 cm
DPI = 150


@dataclass(frozen=True)
class Chart:
    """A drawn image with what a reader needs without seeing it."""

    file: str
    alt: str
    caption: str


@cache
def shapes(layer: str) -> dict[str, tuple[str, tuple[tuple[tuple[float, float], ...], ...]]]:
    """``layer`` ("regions" or "departements") as code -> (name, outer rings)."""
    collection = json.loads((GEO_DIR / f"{layer}.geojson").read_text(encoding="utf-8"))
    result = {}
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        rings = tuple(tuple(map(tuple, polygon[0])) for polygon in polygons)
        result[feature["properties"]["code"]] = (feature["properties"]["nom"], rings)
    return result


def classes(values: list[float]) -> list[float]:
    """Upper bounds of equal-width classes, one per palette colour."""
    low, high = min(values), max(values)
    step = (high - low) / len(PALETTE) or 1.0
    return [low + step * (k + 1) for k in range(len(PALETTE))]


def colour_of(value: float | None, bounds: list[float]) -> str:
    """The palette colour of a value, grey when it is missing (not published)."""
    if value is None:
        return MISSING_COLOUR
    for colour, bound in zip(PALETTE, bounds, strict=True):
        if value <= bound + 1e-12:
            return colour
    return PALETTE[-1]


def draw_map(
    layer: str, values: dict[str, float | None], path: Path, legend: str, digits: int
) -> None:
    """A choropleth of the ``values`` codes of ``layer``, with a class legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Polygon

    geometry = shapes(layer)
    known = [v for v in values.values() if v is not None]
    bounds = classes(known)
    latitudes = [y for code in values for ring in geometry[code][1] for _, y in ring]
    # Degrees of longitude shrink with latitude: scale x so the map is not stretched.
    squeeze = math.cos(math.radians(sum(latitudes) / len(latitudes)))
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, WIDTH_INCHES * 0.75))
    for code, value in values.items():
        for ring in geometry[code][1]:
            points = [(x * squeeze, y) for x, y in ring]
            axes.add_patch(
                Polygon(points, facecolor=colour_of(value, bounds), edgecolor=EDGE_COLOUR)
            )
    axes.autoscale_view()
    axes.set_aspect("equal")
    axes.axis("off")
    lower = [min(known), *bounds[:-1]]
    handles = [
        Patch(facecolor=colour, label=f"{decimal(low, digits)} – {decimal(high, digits)}")
        for colour, low, high in zip(PALETTE, lower, bounds, strict=True)
    ]
    if len(known) < len(values):
        handles.append(Patch(facecolor=MISSING_COLOUR, label="n.s."))
    axes.legend(handles=handles, title=legend, loc="center left", bbox_to_anchor=(1.0, 0.5))
    figure.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)


def _extremes(values: dict[str, float], names: dict[str, str], digits: int) -> str:
    ranked = sorted(values, key=lambda code: values[code])
    low, high = ranked[0], ranked[-1]
    return (
        f"de {decimal(values[low], digits)} ({names[low]}) "
        f"à {decimal(values[high], digits)} ({names[high]})"
    )


def department_map(
    region_code: str, counts: dict[str, int], region_name: str, folder: Path
) -> Chart:
    """The region's departments shaded by their number of cases."""
    file = f"carte-departements-{region_code}.png"
    values = {code: float(count) for code, count in counts.items()}
    draw_map("departements", values, folder / file, "Pratiques recensées", 0)
    names = {code: shapes("departements")[code][0] for code in counts}
    alt = (
        f"Carte des {len(counts)} départements de la région {region_name}, colorés selon le "
        f"nombre de pratiques partenariales recensées : {_extremes(values, names, 0)}."
    )
    caption = (
        f"Pratiques partenariales recensées par département (base « IMPACT-Pratiques "
        f"partenariales innovantes », {integer(sum(counts.values()))} pratiques dans la "
        f"région). {CONTOURS_ATTRIBUTION}"
    )
    return Chart(file, alt, caption)


def region_map(shares: dict[str, float | None], base: int, wave: int, folder: Path) -> Chart:
    """France's 13 regions shaded by the share of citizens for whom « jouer collectif » is
    necessary; regions whose value is not published in grey."""
    file = "carte-regions.png"
    percents = {code: None if v is None else v * 100 for code, v in shares.items()}
    draw_map("regions", percents, folder / file, "Jouer collectif (%)", 1)
    names = {code: shapes("regions")[code][0] for code in shares}
    published = {code: v for code, v in percents.items() if v is not None}
    withheld = [names[code] for code, v in percents.items() if v is None]
    alt = (
        f"Carte des 13 régions colorées selon la part des habitants jugeant nécessaire de "
        f"« jouer collectif », en % : {_extremes(published, names, 1)}"
        + (f" ; non publiée pour {', '.join(withheld)}" if withheld else "")
        + "."
    )
    caption = (
        f"Part des habitants jugeant nécessaire de « jouer collectif », par région, en {wave} "
        f"(base : {integer(base)} répondants de 18 ans et plus). {CONTOURS_ATTRIBUTION}"
    )
    return Chart(file, alt, caption)


def draw_report_charts(data: ReportData, folder: Path) -> dict[str, Chart]:
    """Every map of the reports, drawn into ``folder``: ``regions`` for the synthesis and
    ``departements-<code>`` for each region."""
    folder.mkdir(parents=True, exist_ok=True)
    shares = {region.code: region.collective_necessary.share for region in data.regions}
    drawn = {"regions": region_map(shares, data.national.base_n, data.wave, folder)}
    for region in data.regions:
        counts = data.territories[region.code].departments
        drawn[f"departements-{region.code}"] = department_map(
            region.code, counts, region.name, folder
        )
    return drawn
