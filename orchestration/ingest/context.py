"""The context statistics (``raw/context/statistiques_contexte.csv``): official statistics on
each region, France and some departments, one row per indicator, geography and year.

Every row is held to its schema (pydantic), then the whole file to the indicator catalogue
(``dbt_project/seeds/context_indicators.csv``) and the reference geography: a known indicator in
its unit and years, a known geography, no duplicate, France and the 13 regions at each
indicator's latest year. One breach rejects the file whole, with a report in the quarantine.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ValidationError, field_validator

from orchestration.geography import FRANCE_CODE, departments, regions
from orchestration.ingest.conformance import (
    ConformanceReport,
    DeliveryRejected,
    Problem,
    quarantine,
)
from orchestration.ingest.errors import DeliveryError
from orchestration.ingest.lineage import SHEET_FIRST_ROW, Lineage
from orchestration.settings import DBT_PROJECT_DIR

CONTEXT_COLUMNS = (
    "indicator_id",
    "geo_level",
    "geo_code",
    "year",
    "value",
    "unit",
    "source",
    "nature",
)
KEY = ("indicator_id", "geo_level", "geo_code", "year")
CATALOGUE_SEED = DBT_PROJECT_DIR / "seeds" / "context_indicators.csv"
CATALOGUE_NAME = Path("dbt_project/seeds/context_indicators.csv")
GEO_LEVELS = ("france", "region", "departement")
NATURES = ("reference", "approximation", "illustrative")
# The rules, as an analyst reads them.
NOT_UTF8 = "le fichier n'est pas en UTF-8 : réexportez-le en UTF-8"
NO_ROW = "le fichier ne contient aucune ligne de données"
MISSING_COLUMN = "colonne obligatoire absente"
FIELD_RULES = {
    "indicator_id": "identifiant d'indicateur vide",
    "geo_level": f"niveau géographique attendu : {', '.join(GEO_LEVELS)}",
    "geo_code": "code géographique vide",
    "year": "l'année doit être un nombre entier (ex. 2021)",
    "value": "la valeur doit être un nombre fini, avec un point décimal (ex. 7.5)",
    "unit": "unité vide",
    "source": "source vide : chaque valeur dit d'où elle vient",
    "nature": f"nature attendue : {', '.join(NATURES)}",
}
UNKNOWN_INDICATOR = "indicateur absent du catalogue (dbt_project/seeds/context_indicators.csv)"
UNIT_MISMATCH = "unité différente de celle du catalogue ({unit})"
YEAR_OUT_OF_RANGE = "année hors de la période du catalogue ({first} à {last})"
DUPLICATE = "ligne en double : même indicateur, niveau, code géographique et année"
UNKNOWN_GEOGRAPHY = {
    "france": f"le code de la France est {FRANCE_CODE!r}",
    "region": "ce n'est pas un code INSEE de région métropolitaine",
    "departement": "ce n'est pas un code INSEE de département métropolitain ('2A', pas '20')",
}
MISSING_REGION = (
    "indicateur {indicator}, année {year} (sa dernière) : {missing} absent(s) ; chaque "
    "indicateur couvre la France et les 13 régions à sa dernière année"
)


class ContextRow(BaseModel):
    """One delivered row, as the contract defines it."""

    indicator_id: str
    geo_level: Literal["france", "region", "departement"]
    geo_code: str
    year: int
    value: float
    unit: str
    source: str
    nature: Literal["reference", "approximation", "illustrative"]

    @field_validator("indicator_id", "geo_code", "unit", "source")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("empty")
        return text.strip()

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("not finite")
        return value


def read_catalogue(path: Path = CATALOGUE_SEED) -> pd.DataFrame:
    """The indicator catalogue seed, indexed by indicator id."""
    return pd.read_csv(path, dtype={"indicator_id": str, "unit": str, "domain_id": str}).set_index(
        "indicator_id"
    )


def read_context_statistics(
    raw_dir: Path, path: Path, sha256: str, quarantine_dir: Path
) -> pd.DataFrame:
    """The delivered rows, typed, once every door rule holds; a breach rejects the file whole,
    with a report in the quarantine and nothing loaded."""
    report = ConformanceReport(path.relative_to(raw_dir), CATALOGUE_NAME)
    try:
        frame = _read_csv(path)
    except DeliveryError as error:
        report.problems.append(Problem(error.rule, error.column, error.row))
        frame = None
    if frame is not None:
        rows, report.problems = _typed_rows(frame)
        if not report.problems:
            report.problems = check_context(rows, read_catalogue())
    if not report.accepted:
        raise DeliveryRejected(report, quarantine(report, sha256, quarantine_dir))
    return rows


def context_table(name: str, path: Path, rows: pd.DataFrame, lineage: Lineage) -> dict:
    """The warehouse table, every row stamped with its lineage (CSV rows under the header)."""
    return {name: lineage.stamp(path, rows, SHEET_FIRST_ROW)}


def check_context(rows: pd.DataFrame, catalogue: pd.DataFrame) -> list[Problem]:
    """The catalogue and geography rules on typed rows (row numbers as in the file)."""
    known = rows["indicator_id"].isin(catalogue.index)
    expected_unit = rows["indicator_id"].map(catalogue["unit"])
    first = rows["indicator_id"].map(catalogue["min_year"])
    last = rows["indicator_id"].map(catalogue["max_year"])
    problems = _problems(rows, ~known, "indicator_id", lambda _: UNKNOWN_INDICATOR)
    problems += _problems(
        rows,
        known & (rows["unit"] != expected_unit),
        "unit",
        lambda i: UNIT_MISMATCH.format(unit=expected_unit.iloc[i]),
    )
    in_range = rows["year"].between(first, last)
    problems += _problems(
        rows,
        known & ~in_range,
        "year",
        lambda i: YEAR_OUT_OF_RANGE.format(first=int(first.iloc[i]), last=int(last.iloc[i])),
    )
    problems += _problems(rows, rows.duplicated(list(KEY), keep=False), "geo_code", DUPLICATE)
    unknown_geo = ~rows.apply(lambda r: r["geo_code"] in _codes(r["geo_level"]), axis=1)
    problems += _problems(
        rows, unknown_geo, "geo_code", lambda i: UNKNOWN_GEOGRAPHY[rows["geo_level"].iloc[i]]
    )
    # Coverage is judged on the rows that can be loaded: a year out of range is reported once.
    return problems + _missing_regions(rows[known & in_range])


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DeliveryError(path, NOT_UTF8, row=text_row(path.read_bytes(), error.start)) from None
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for column in CONTEXT_COLUMNS:
        if column not in frame.columns:
            raise DeliveryError(path, MISSING_COLUMN, column)
    if frame.empty:
        raise DeliveryError(path, NO_ROW)
    return frame


def text_row(content: bytes, offset: int) -> int:
    """The 1-based line of the file holding byte ``offset``."""
    return content[:offset].count(b"\n") + 1


def _typed_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    rows, problems = [], []
    for position, record in enumerate(frame[list(CONTEXT_COLUMNS)].to_dict("records")):
        try:
            rows.append(ContextRow(**record).model_dump())
        except ValidationError as error:
            for detail in error.errors():
                column = str(detail["loc"][0])
                problems.append(
                    Problem(
                        FIELD_RULES[column],
                        column,
                        position + SHEET_FIRST_ROW,
                        record["indicator_id"] or None,
                        record[column],
                        record_kind="indicator",
                    )
                )
    typed = pd.DataFrame(rows, columns=list(CONTEXT_COLUMNS))
    return typed.astype({"year": "int64", "value": "float64"}), problems


def _problems(rows: pd.DataFrame, mask: pd.Series, column: str, rule) -> list[Problem]:
    """One problem per row where ``mask`` holds; ``rule`` is the text, or a function of the
    row's position giving it."""
    return [
        Problem(
            rule(position) if callable(rule) else rule,
            column,
            int(position) + SHEET_FIRST_ROW,
            rows["indicator_id"].iloc[position],
            _plain(rows[column].iloc[position]),
            record_kind="indicator",
        )
        for position in mask.to_numpy(dtype=bool).nonzero()[0]
    ]


def _plain(value):
    # Numpy scalars as Python ones, so that the report prints 2031, not np.int64(2031).
    return value.item() if hasattr(value, "item") else value


def _codes(level: str) -> set[str]:
    if level == "france":
        return {FRANCE_CODE}
    if level == "region":
        return {region.code for region in regions()}
    return {department.code for department in departments()}


def _missing_regions(rows: pd.DataFrame) -> list[Problem]:
    """France and every region at each indicator's latest year; a missing geography has no
    row: the problem names the indicator and year instead."""
    expected = [FRANCE_CODE, *(region.code for region in regions())]
    problems = []
    for indicator, group in rows[rows["geo_level"] != "departement"].groupby("indicator_id"):
        year = int(group["year"].max())
        present = set(group.loc[group["year"] == year, "geo_code"])
        missing = [code for code in expected if code not in present]
        if missing:
            rule = MISSING_REGION.format(indicator=indicator, year=year, missing=", ".join(missing))
            problems.append(Problem(rule, "geo_code", value=None))
    return problems
