"""Reading a sheet of cells as a table, the same way for survey workbooks, survey CSVs and the
case-database export: header on row 1, no merged cells, rows numbered as the file shows them."""

from __future__ import annotations

from pathlib import Path
from zipfile import BadZipFile

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from orchestration.ingest.errors import DeliveryError

# How far down a misplaced header row is looked for (title rows above the header).
HEADER_SEARCH_ROWS = 20


def open_workbook(path: Path) -> openpyxl.Workbook:
    """The workbook, fully loaded; an unreadable file is refused with the reason."""
    try:
        # Not read-only: merged ranges are only known to a fully loaded sheet.
        workbook = openpyxl.load_workbook(path, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        raise DeliveryError(path, f"not a readable Excel file ({error})") from error
    if not workbook.worksheets:
        raise DeliveryError(path, "not a readable Excel file (no sheet)")
    return workbook


def reject_merged_cells(path: Path, sheet) -> None:
    """Merged cells hide values in all but one cell: refused, naming the ranges."""
    merged = [str(cells) for cells in sheet.merged_cells.ranges]
    if merged:
        raise DeliveryError(
            path,
            f"merged cells {', '.join(sorted(merged))} on sheet {sheet.title!r}: unmerge them "
            "(one value per cell, header on row 1)",
        )


def reject_misplaced_header(
    path: Path, head: list[list[str | None]], first_column: str, where: str = ""
) -> None:
    """The header is row 1; title rows above it shift every row, so they are refused.

    ``head`` holds the first rows as text; ``first_column`` is a name the header must hold.
    When no row names it, row 1 is taken as the header and the missing names are reported by
    whoever requires them. ``where`` prefixes the rule (``"sheet 'cas': "``).
    """
    for index, cells in enumerate(head[:HEADER_SEARCH_ROWS]):
        if first_column in cells:
            if index > 0:
                raise DeliveryError(
                    path,
                    f"{where}header found on row {index + 1}, not row 1: "
                    f"remove the {index} row(s) above it",
                )
            return


def sheet_rows(path: Path, sheet, first_column: str, where: str = "") -> list[list]:
    """The sheet's cell values, row by row, once merged cells and rows above the header
    (``first_column`` must be in row 1) are refused."""
    reject_merged_cells(path, sheet)
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
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
            raise DeliveryError(path, "variable named twice in the header row", column=name)
        seen.add(name)
