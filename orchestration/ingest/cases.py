"""The case-database export: cases (one per row, some cells multi-valued) and the catalysts.

Structure, identifiers and geography are checked at the door (a breach rejects the export
whole); vocabularies (échelon, domain, profiles, modes) are the quality suite's business.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from orchestration.geography import departments, regions
from orchestration.ingest.codebooks import code_text
from orchestration.ingest.conformance import (
    ConformanceReport,
    DeliveryRejected,
    Problem,
    quarantine,
)
from orchestration.ingest.errors import DeliveryError
from orchestration.ingest.lineage import SHEET_FIRST_ROW, Lineage
from orchestration.ingest.spreadsheets import open_workbook, sheet_frame, sheet_rows

CASE_SHEET = "cas"
CATALYST_SHEET = "catalyseurs"
CASE_COLUMNS = (
    "id_cas",
    "titre",
    "description",
    "region",
    "departement",
    "echelon",
    "domaine",
    "profils_acteurs",
    "modes_partenariat",
    "annee",
)
CATALYST_COLUMNS = ("id_catalyseur", "nom", "region", "departement")
# Multi-valued cells: values separated by semicolons ("Association ; Entreprise").
MULTI_VALUE_SEPARATOR = ";"
FIRST_YEAR = 2000
CASE_TABLE_SUFFIXES = ("", "_profiles", "_modes", "_catalysts")
# How a rejection report names the record an identifier identifies.
RECORD_KINDS = {"id_cas": "case", "id_catalyseur": "catalyst"}
# The rules of the export's sheets, as an analyst reads them.
IN_SHEET = "feuille {sheet!r} : "
NO_SHEET = "aucune feuille {name!r} (feuilles : {sheets})"
MISSING_COLUMN = "colonne obligatoire absente"
DUPLICATE_ID = "identifiant absent ou en double"
UNKNOWN_REGION = "ce n'est pas un code INSEE de région métropolitaine"
UNKNOWN_DEPARTMENT = (
    "ce n'est pas un code INSEE de département métropolitain, écrit comme du texte "
    "('01', '2A' ; '20' n'en est pas un)"
)
DEPARTMENT_OUTSIDE = "le département n'est pas dans la région du cas"
SERIAL_YEAR = "une année, pas une date Excel en numéro de série (écrivez l'année, ex. 2021)"
BAD_YEAR = "l'année doit être une année entière de {first} à {last}"
EMPTY_VALUE = "valeur vide"


def case_table_names(name: str) -> list[str]:
    """The warehouse tables the case-database ingest writes."""
    return [f"{name}{suffix}" for suffix in CASE_TABLE_SUFFIXES]


@dataclass(frozen=True)
class CaseExport:
    """The export's two sheets, as delivered (codes as text)."""

    path: Path
    cases: pd.DataFrame
    catalysts: pd.DataFrame


def read_case_export(raw_dir: Path, path: Path, sha256: str, quarantine_dir: Path) -> CaseExport:
    """Read and check the export; a breach rejects it whole, with a report in the quarantine."""
    relative = path.relative_to(raw_dir)
    report = ConformanceReport(relative, Path("docs/data-contract.md"))
    try:
        export = _read_sheets(path)
    except DeliveryError as error:
        report.problems.append(Problem(error.rule, error.column, error.row))
    else:
        report.problems += check_cases(export.cases) + check_catalysts(export.catalysts)
    if not report.accepted:
        raise DeliveryRejected(report, quarantine(report, sha256, quarantine_dir))
    return export


def case_tables(name: str, export: CaseExport, lineage: Lineage) -> dict[str, pd.DataFrame]:
    """The warehouse tables: cases as delivered, the multi-valued cells one value per row,
    the catalysts; every row stamped with its lineage (sheet row numbers)."""
    cases, profiles, modes, catalysts = case_table_names(name)
    return {
        cases: lineage.stamp(export.path, export.cases, SHEET_FIRST_ROW),
        profiles: lineage.stamp(export.path, _split(export.cases, "profils_acteurs")),
        modes: lineage.stamp(export.path, _split(export.cases, "modes_partenariat")),
        catalysts: lineage.stamp(export.path, export.catalysts, SHEET_FIRST_ROW),
    }


def check_cases(cases: pd.DataFrame) -> list[Problem]:
    """Door rules on the ``cas`` sheet: identifiers, geography, year."""
    return (
        _unique_ids(cases, "id_cas", CASE_SHEET)
        + _geography(cases, "id_cas", CASE_SHEET)
        + _years(cases)
        + _required_text(cases, "titre")
    )


def check_catalysts(catalysts: pd.DataFrame) -> list[Problem]:
    """Door rules on the ``catalyseurs`` sheet."""
    return _unique_ids(catalysts, "id_catalyseur", CATALYST_SHEET) + _geography(
        catalysts, "id_catalyseur", CATALYST_SHEET
    )


def _read_sheets(path: Path) -> CaseExport:
    workbook = open_workbook(path)
    return CaseExport(
        path,
        _sheet(path, workbook, CASE_SHEET, CASE_COLUMNS),
        _sheet(path, workbook, CATALYST_SHEET, CATALYST_COLUMNS),
    )


def _sheet(path: Path, workbook, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    if name not in workbook.sheetnames:
        raise DeliveryError(path, NO_SHEET.format(name=name, sheets=", ".join(workbook.sheetnames)))
    sheet = workbook[name]
    rows = sheet_rows(path, sheet, columns[0], where=IN_SHEET.format(sheet=name))
    frame = sheet_frame(path, rows)
    for column in columns:
        if column not in frame.columns:
            raise DeliveryError(path, IN_SHEET.format(sheet=name) + MISSING_COLUMN, column)
    text = {c: frame[c].map(code_text) for c in columns if c != "annee"}
    return frame.assign(**text)[[*columns, *(c for c in frame.columns if c not in columns)]]


def _problems(frame: pd.DataFrame, mask: pd.Series, key: str, column: str, rule: str):
    return [
        Problem(
            rule,
            column,
            int(position) + SHEET_FIRST_ROW,
            frame[key].iloc[position],
            frame[column].iloc[position],
            record_kind=RECORD_KINDS[key],
        )
        for position in mask.to_numpy().nonzero()[0]
    ]


def _unique_ids(frame: pd.DataFrame, key: str, sheet: str) -> list[Problem]:
    ids = frame[key]
    bad = ids.isna() | ids.duplicated(keep=False)
    return _problems(frame, bad, key, key, IN_SHEET.format(sheet=sheet) + DUPLICATE_ID)


def _geography(frame: pd.DataFrame, key: str, sheet: str) -> list[Problem]:
    region_codes = {r.code for r in regions()}
    region_of = {d.code: d.region_code for d in departments()}
    unknown_region = ~frame["region"].isin(region_codes)
    unknown_department = ~frame["departement"].isin(list(region_of))
    outside = (
        ~unknown_region
        & ~unknown_department
        & (frame["departement"].map(region_of) != frame["region"])
    )
    return (
        _problems(
            frame,
            unknown_region,
            key,
            "region",
            IN_SHEET.format(sheet=sheet) + UNKNOWN_REGION,
        )
        + _problems(
            frame,
            unknown_department,
            key,
            "departement",
            IN_SHEET.format(sheet=sheet) + UNKNOWN_DEPARTMENT,
        )
        + _problems(
            frame,
            outside,
            key,
            "departement",
            IN_SHEET.format(sheet=sheet) + DEPARTMENT_OUTSIDE,
        )
    )


def _years(cases: pd.DataFrame) -> list[Problem]:
    last = dt.date.today().year
    years = pd.to_numeric(cases["annee"], errors="coerce")
    serial = years > last + 1
    bad = ~serial & ~(years.between(FIRST_YEAR, last) & (years % 1 == 0))
    return _problems(
        cases,
        serial,
        "id_cas",
        "annee",
        IN_SHEET.format(sheet=CASE_SHEET) + SERIAL_YEAR,
    ) + _problems(
        cases,
        bad,
        "id_cas",
        "annee",
        IN_SHEET.format(sheet=CASE_SHEET) + BAD_YEAR.format(first=FIRST_YEAR, last=last),
    )


def _required_text(cases: pd.DataFrame, column: str) -> list[Problem]:
    return _problems(
        cases,
        cases[column].isna(),
        "id_cas",
        column,
        IN_SHEET.format(sheet=CASE_SHEET) + EMPTY_VALUE,
    )


def _split(cases: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per case and value of a multi-valued cell (``"A ; B"`` gives two rows)."""
    values = cases[column].fillna("").str.split(MULTI_VALUE_SEPARATOR)
    long = pd.DataFrame({"id_cas": cases["id_cas"], "value": values}).explode("value")
    long["value"] = long["value"].str.strip()
    return long[long["value"] != ""].rename(columns={"value": column}).reset_index(drop=True)
