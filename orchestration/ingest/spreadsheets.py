"""Reading a sheet of cells as a table, the same way for survey workbooks, survey CSVs and the
case-database export: header on row 1, no merged cells, rows numbered as the file shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree
from xml.etree.ElementTree import ParseError
from zipfile import BadZipFile, ZipFile

import pandas as pd
import python_calamine
from openpyxl.utils import get_column_letter

from orchestration.ingest.errors import DeliveryError
from orchestration.ingest.workbook_limits import check_workbook

# How far down a misplaced header row is looked for (title rows above the header).
HEADER_SEARCH_ROWS = 20
# The document title in a workbook's core properties (docProps/core.xml, Dublin Core).
_CORE_PROPERTIES = "docProps/core.xml"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"

# The reasons a sheet is refused, as an analyst reads them.
UNREADABLE = "fichier Excel illisible ({reason})"
NO_SHEET = "aucune feuille"
MERGED = (
    "cellules fusionnées {ranges} dans la feuille {sheet!r} : défusionnez-les "
    "(une valeur par cellule, en-tête sur la ligne 1)"
)
MISPLACED_HEADER = (
    "{where}en-tête trouvé ligne {row}, pas ligne 1 : supprimez la ou les {above} ligne(s) "
    "au-dessus"
)
NAMED_TWICE = "variable nommée deux fois dans la ligne d'en-tête"


@dataclass(frozen=True)
class Sheet:
    """One sheet's cells as values (``None`` for an empty cell), row by row from A1, and its
    merged ranges (``"A1:B2"``)."""

    title: str
    rows: list[list]
    merged: list[str]


@dataclass(frozen=True)
class Workbook:
    """A delivered workbook: its document title and its sheets, in order."""

    title: str
    sheets: dict[str, Sheet]

    @property
    def sheetnames(self) -> list[str]:
        """The sheets' names, in order."""
        return list(self.sheets)

    @property
    def first_sheet(self) -> Sheet:
        """The first sheet (survey workbooks hold one)."""
        return next(iter(self.sheets.values()))

    def __getitem__(self, name: str) -> Sheet:
        return self.sheets[name]


def open_workbook(path: Path) -> Workbook:
    """The workbook, every sheet read and the file closed; an unreadable file is refused with
    the reason. Read with calamine: far faster than a fully loaded openpyxl workbook
    (docs/benchmarks.md), and it still gives the merged ranges. The limits (size, cell text, sheet
    dimensions) are checked first: calamine allocates whatever a sheet claims."""
    check_workbook(path)
    try:
        with python_calamine.CalamineWorkbook.from_path(str(path)) as workbook:
            sheets = {name: _sheet(workbook, name) for name in workbook.sheet_names}
        title = _document_title(path)
    except (python_calamine.CalamineError, BadZipFile, ParseError, OSError) as error:
        raise DeliveryError(path, UNREADABLE.format(reason=error)) from error
    if not sheets:
        raise DeliveryError(path, UNREADABLE.format(reason=NO_SHEET))
    return Workbook(title, sheets)


def _sheet(workbook: python_calamine.CalamineWorkbook, name: str) -> Sheet:
    sheet = workbook.get_sheet_by_name(name)
    rows = sheet.to_python(skip_empty_area=False)
    merged = _ranges(sheet.merged_cell_ranges or [])
    return Sheet(name, [[_value(cell) for cell in row] for row in rows], merged)


def _document_title(path: Path) -> str:
    with ZipFile(path) as archive:
        if _CORE_PROPERTIES not in archive.namelist():
            return ""
        core = ElementTree.fromstring(archive.read(_CORE_PROPERTIES))
    return core.findtext(_DC_TITLE) or ""


def _value(cell):
    """A cell as openpyxl gave it (the rules were written against those values): ``None`` for
    an empty cell, whole numbers as ``int``, dates as ``datetime``."""
    if cell == "":
        return None
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    if isinstance(cell, dt.date) and not isinstance(cell, dt.datetime):
        return dt.datetime(cell.year, cell.month, cell.day)
    return cell


def _ranges(merged) -> list[str]:
    return [
        f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}"
        for (r0, c0), (r1, c1) in merged
    ]


def reject_merged_cells(path: Path, sheet: Sheet) -> None:
    """Merged cells hide values in all but one cell: refused, naming the ranges."""
    if sheet.merged:
        raise DeliveryError(
            path,
            MERGED.format(ranges=", ".join(sorted(sheet.merged)), sheet=sheet.title),
        )


def reject_misplaced_header(
    path: Path, head: list[list[str | None]], first_column: str, where: str = ""
) -> None:
    """The header is row 1; title rows above it shift every row, so they are refused.

    ``head`` holds the first rows as text; ``first_column`` is a name the header must hold.
    When no row names it, row 1 is taken as the header and the missing names are reported by
    whoever requires them. ``where`` prefixes the rule (``"feuille 'cas' : "``).
    """
    for index, cells in enumerate(head[:HEADER_SEARCH_ROWS]):
        if first_column in cells:
            if index > 0:
                raise DeliveryError(
                    path,
                    MISPLACED_HEADER.format(where=where, row=index + 1, above=index),
                )
            return


def sheet_rows(path: Path, sheet: Sheet, first_column: str, where: str = "") -> list[list]:
    """The sheet's cell values, row by row, once merged cells and rows above the header
    (``first_column`` must be in row 1) are refused."""
    reject_merged_cells(path, sheet)
    rows = sheet.rows
    head = [[cell_text(cell) for cell in row] for row in rows[:HEADER_SEARCH_ROWS]]
    reject_misplaced_header(path, head, first_column, where)
    return rows


def cell_text(value) -> str | None:
    """A header cell as text (``None`` when empty)."""
    return None if value is None else str(value).strip()


def sheet_frame(path: Path, rows: list[list]) -> pd.DataFrame:
    """Row 1 as header; columns with neither a name nor a value (formatting only) dropped,
    and empty rows after the last filled one (formatting too)."""
    if not rows:
        return pd.DataFrame()
    header, body = rows[0], rows[1:]
    keep = [
        index
        for index, name in enumerate(header)
        if name is not None or any(row[index] is not None for row in body)
    ]
    # A column with values but no name is named by its letter, as the spreadsheet shows it.
    names = [cell_text(header[i]) or get_column_letter(i + 1) for i in keep]
    reject_duplicate_names(path, names)
    frame = pd.DataFrame([[row[i] for i in keep] for row in body], columns=names)
    return without_trailing_empty_rows(frame)


def without_trailing_empty_rows(data: pd.DataFrame) -> pd.DataFrame:
    """Empty rows at the end dropped; rows amid the data are kept, so that row numbers stay
    those of the file (and an empty row is reported for what it lacks)."""
    filled = data.notna().any(axis=1).to_numpy().nonzero()[0]
    return data.iloc[: filled[-1] + 1 if len(filled) else 0]


def reject_duplicate_names(path: Path, names: list[str]) -> None:
    """Two columns with one name: which is meant cannot be known."""
    seen = set()
    for name in names:
        if name in seen:
            raise DeliveryError(path, NAMED_TWICE, column=name)
        seen.add(name)
