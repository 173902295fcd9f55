"""The charts of the reports, drawn from the export's figures: the regions map and the series
chart of the national synthesis, its cross-region comparisons, each region's department map
and key figures; exported under the names of ``chart_names.py``."""

import re
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.geography import FRANCE_CODE
from orchestration.publication.chart_names import (
    NATIONAL_MAP,
    SERIES_CHART,
    comparison_name,
    key_figures_name,
    region_map_name,
)
from orchestration.publication.chart_style import Chart, exported
from orchestration.publication.estimate_charts import (
    EstimateBar,
    SeriesRow,
    WaveEstimate,
    estimates_chart,
    two_waves_chart,
)
from orchestration.publication.french import counted, integer, percent
from orchestration.publication.maps import department_map, region_map
from orchestration.publication.vocabulary import MODELLED, POPULATIONS, RESPONDENTS

if TYPE_CHECKING:
    from orchestration.publication.report_data import ReportData
    from orchestration.publication.report_figures import IndicatorWave, Value

KEY_FIGURES_SECTION = "chiffres_cles"  # the catalogue section of the key figures


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
            rows.append(_bar(f"{population} : région", here, highlight=True))
            bases.append(f"{integer(here.n)} {RESPONDENTS[indicator.study]}")
        rows.append(_bar(f"{population} : France", france))
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
        rows = [_bar(names[code], wave.values[code]) for code in shown] + [
            _bar("France métropolitaine", france, highlight=True)
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


def _bar(label: str, value: "Value", highlight: bool = False) -> EstimateBar:
    """A chart row for an exported value, open and marked when it is modelled."""
    return EstimateBar(
        label,
        value.share,
        value.ci_low,
        value.ci_high,
        highlight=highlight,
        modelled=value.status == MODELLED,
    )


def _row_label(label: str) -> str:
    """« Part des entreprises partenaires… » -> « Entreprises partenaires… »: every row of a
    chart of shares is a share, and a short label leaves room for the plot."""
    shortened = re.sub(r"^Part (des|de la|du|de l’|de l')\s*", "", label)
    return shortened[:1].upper() + shortened[1:]


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
                "base « IMPACT-Pratiques partenariales innovantes », "
                + counted(
                    sum(counts.values()),
                    "pratique dans la région",
                    "pratiques dans la région",
                    "aucune pratique dans la région",
                )
            ),
            number=integer,
        )
        drawn[region_map_name(region.code)] = exported(chart)
        key_figures = key_figures_chart(data, region.code, region.name, folder)
        drawn[key_figures_name(region.code)] = exported(key_figures)
    return drawn
