"""The batches of the context statistics' suites: the delivered rows with their catalogue
bounds, and each indicator's coverage of France and the 13 regions at its latest year.

Pure functions of DataFrames, tested without Dagster; ``checks.py`` reads the tables.
"""

from __future__ import annotations

import pandas as pd

from orchestration.geography import FRANCE_CODE, regions
from orchestration.quality.batches import DELIVERED_ROW, SuiteRun
from orchestration.quality.validation import Batch

CONTEXT_SUITES = ("context_statistics", "context_coverage")
BATCH_NAME = "context_statistics"


def context_runs(rows: pd.DataFrame, catalogue: pd.DataFrame) -> list[SuiteRun]:
    """The two suites of the context statistics: ``rows`` as loaded (``raw``), ``catalogue``
    the seed ``context_indicators`` (one row per indicator)."""
    return [
        SuiteRun(
            "context_statistics",
            Batch(
                BATCH_NAME,
                rows_with_bounds(rows, catalogue),
                DELIVERED_ROW,
                {
                    "unites_du_catalogue": [
                        [row.indicator_id, row.unit] for row in catalogue.itertuples()
                    ],
                    "indicateurs_du_catalogue": list(catalogue["indicator_id"]),
                },
            ),
        ),
        SuiteRun(
            "context_coverage",
            Batch(BATCH_NAME, coverage(rows), ("indicator_id", "year", "geo_code")),
        ),
    ]


def rows_with_bounds(rows: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """The rows, regional ones with the catalogue's plausible range (``min_value``,
    ``max_value``); France and departments have none (their scale differs for counts)."""
    bounds = catalogue.set_index("indicator_id")[["min_value", "max_value"]]
    regional = rows["geo_level"] == "region"
    framed = rows.join(bounds, on="indicator_id")
    framed.loc[~regional, ["min_value", "max_value"]] = None
    return framed


def coverage(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator and expected geography (France, each region) at the indicator's
    latest year, ``present`` saying whether the delivery has it."""
    national = rows[rows["geo_level"] != "departement"]
    latest = national.groupby("indicator_id")["year"].max()
    expected = [FRANCE_CODE, *(region.code for region in regions())]
    delivered = set(
        zip(national["indicator_id"], national["year"], national["geo_code"], strict=True)
    )
    return pd.DataFrame(
        [
            {
                "indicator_id": indicator,
                "year": int(year),
                "geo_code": code,
                "present": (indicator, year, code) in delivered,
            }
            for indicator, year in latest.items()
            for code in expected
        ],
        columns=["indicator_id", "year", "geo_code", "present"],
    )
