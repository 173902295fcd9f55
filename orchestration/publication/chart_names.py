"""The names under which the report charts are exported, and which report includes which:
read by the export's slicing (``report_data.py``) and the report sources as well as by the
drawing (``report_charts.py``)."""

NATIONAL_MAP = "regions"


def region_map_name(code: str) -> str:
    """The name under which a region's department map is exported."""
    return f"departements-{code}"


def key_figures_name(code: str) -> str:
    """The name under which a region's key-figures chart is exported."""
    return f"chiffres-cles-{code}"


def fragility_chart_name(code: str) -> str:
    """The name under which a region's chart of its citizens' fragility scores is exported."""
    return f"fragilites-{code}"


def comparison_chart_name(code: str) -> str:
    """The name under which a region's perceived-vs-objective chart is exported."""
    return f"percu-objectif-{code}"


def region_chart_names(code: str) -> tuple[str, ...]:
    """The charts a region's report includes."""
    return (
        key_figures_name(code),
        region_map_name(code),
        fragility_chart_name(code),
        comparison_chart_name(code),
    )


SERIES_CHART = "series"
# The 13 regions' fragility scores side by side (issue 17).
HEAT_MAP = "fragilites-regions"
NATIONAL_CHARTS = (NATIONAL_MAP, SERIES_CHART, HEAT_MAP)
# The national synthesis's cross-region comparisons, one per key indicator.
COMPARISON_PREFIX = "comparaison-"


def comparison_name(indicator_id: str) -> str:
    """« comparaison-citoyens-jouer-collectif »: a chart file name has no underscore."""
    return COMPARISON_PREFIX + indicator_id.replace("_", "-")


def is_national_chart(name: str) -> bool:
    """Whether the national synthesis's export keeps the chart ``name``."""
    return name in NATIONAL_CHARTS or name.startswith(COMPARISON_PREFIX)
