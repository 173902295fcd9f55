"""Hard limits on a delivered file, checked before it is read.

A broken or hostile file (a cell of 1.5 GB, a stray cell at ``XFD1048576``, a zip bomb) would
otherwise make a reader allocate gigabytes, or abort the process with no word on the file. Each
limit is checked from the file's size, its header or a streaming scan, and a breach rejects the
file at the door (``DeliveryError``, quarantine report) naming the file and, where it applies, the
sheet, cell, row and column. The limits are far above real deliveries and above the benchmark's
×100 deliveries (``python -m synthetic DIR --scale 100``): the largest ×100 file is the citizens'
SPSS wave (36 MB, 350 000 rows); the ×100 Excel wave is 4.4 MB, 41 MB of sheet XML once unzipped,
100 001 rows × 16 columns.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyreadstat

from orchestration.ingest.errors import DeliveryError

# Excel's own maximum length of a cell's text: no spreadsheet program writes a longer one.
MAX_CELL_CHARS = 32_767
# 7 times the largest ×100 benchmark file (36 MB); once read, a file takes several times its size.
MAX_FILE_BYTES = 256 * 2**20
# A workbook's parts once unzipped: 6 times the ×100 Excel wave's 41 MB; beyond, a zip bomb.
MAX_UNZIPPED_BYTES = 256 * 2**20
# Rows of a sheet, CSV or SPSS file: 5 times the ×100 Excel wave, above the largest ×100 wave.
MAX_ROWS = 500_000
# Columns (variables): a survey delivers tens to a few hundred; Excel allows 16 384.
MAX_COLUMNS = 2_000
# Cells of a sheet's grid from A1 to its last row and column, which the reader allocates whole
# (about 32 bytes each): 12 times the ×100 Excel wave's 1.6 million, at most 640 MB.
MAX_SHEET_CELLS = 20_000_000


def french_number(value: int) -> str:
    """``1048576`` as ``1 048 576``, as the messages print it."""
    return f"{value:,}".replace(",", " ")


def check_file_size(path: Path) -> None:
    """Refuse a file over ``MAX_FILE_BYTES`` before anything opens it."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DeliveryError(
            path,
            f"fichier de {french_number(size // 2**20)} Mo, au-delà de la limite de "
            f"{french_number(MAX_FILE_BYTES // 2**20)} Mo : fichier refusé sans être lu",
        )


def check_sav(path: Path) -> None:
    """Refuse an SPSS file with more rows or variables than the limits, from its header only."""
    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError):
        return  # unreadable: the reader says so with its reason
    rows, columns = meta.number_rows or 0, meta.number_columns or 0
    if rows > MAX_ROWS:
        raise DeliveryError(path, _too_many_rows(rows))
    if columns > MAX_COLUMNS:
        raise DeliveryError(path, _too_many_columns(columns))


def check_csv_text(path: Path, text: str, delimiter: str) -> None:
    """Refuse a CSV with a field over ``MAX_CELL_CHARS``, more data rows than ``MAX_ROWS`` or
    more columns than ``MAX_COLUMNS``, naming the line and column; before pandas parses it."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] = []
    try:
        for number, record in enumerate(reader):
            if number == 0:
                header = record
                if len(header) > MAX_COLUMNS:
                    raise DeliveryError(path, _too_many_columns(len(header)), row=1)
            elif number > MAX_ROWS:
                raise DeliveryError(path, _too_many_rows(None), row=reader.line_num)
            if max(map(len, record), default=0) > MAX_CELL_CHARS:
                index = max(range(len(record)), key=lambda i: len(record[i]))
                column = header[index] if index < len(header) else f"n° {index + 1}"
                raise DeliveryError(path, _cell_too_long(), column=column, row=reader.line_num)
    except csv.Error as error:
        # The csv module stops at its own field limit (131 072), above ours: too long too.
        if "field limit" not in str(error):
            return  # pandas reports other malformed CSV with its own words
        raise DeliveryError(path, _cell_too_long(), row=reader.line_num + 1) from error


def _cell_too_long() -> str:
    return (
        f"texte de plus de {french_number(MAX_CELL_CHARS)} caractères dans une cellule "
        "(le maximum d'Excel) : fichier refusé sans être lu"
    )


def _too_many_rows(rows: int | None) -> str:
    # A CSV is not counted to its end: past the limit, its size does not matter.
    limit = french_number(MAX_ROWS)
    counted = f"{french_number(rows)} lignes" if rows else f"plus de {limit} lignes"
    return f"{counted}, au-delà de la limite de {limit} : fichier refusé sans être lu"


def _too_many_columns(columns: int) -> str:
    return (
        f"{french_number(columns)} colonnes, au-delà de la limite de "
        f"{french_number(MAX_COLUMNS)} : fichier refusé sans être lu"
    )
