"""Readers of delivered files: survey deliveries (SPSS ``.sav``, CSV, ``.xlsx``) and the
case-database export.

Whatever its format, a survey is handed on as if read from SPSS: codes and weight as floats,
the department as text, dates as datetimes, empty cells as missing. A value that does not fit
is kept as delivered, never turned into a missing value, so that the conformance rules report
it with its row.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pyreadstat

from orchestration.ingest.codebooks import DELIMITERS, Codebook, code_text
from orchestration.ingest.errors import DeliveryError
from orchestration.ingest.limits import check_csv_text, check_file_size, check_sav
from orchestration.ingest.lineage import SHEET_FIRST_ROW, SPSS_FIRST_ROW
from orchestration.ingest.spreadsheets import (
    HEADER_SEARCH_ROWS,
    open_workbook,
    reject_duplicate_names,
    reject_misplaced_header,
    sheet_frame,
    sheet_rows,
    without_trailing_empty_rows,
)

SURVEY_FORMATS = (".sav", ".csv", ".xlsx")
LABEL_COLUMNS = ["variable", "code", "label"]
# The unit pyreadstat gives SPSS dates: every format hands on dates in it.
DATE_DTYPE = "datetime64[us]"
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# Control bytes never found in text: their presence means the file is not a CSV at all.
BINARY_BYTE = re.compile(rb"[\x00-\x08\x0e-\x1f]")

# The reasons a file cannot be read, as an analyst reads them.
UNSUPPORTED_TYPE = "type de fichier d'enquête non pris en charge {suffix!r} : livrez {formats}"
EMPTY_FILE = "le fichier est vide (0 octet)"
NO_HEADER = "le fichier est vide (aucune ligne d'en-tête)"
UNREADABLE = "fichier {kind} illisible ({error})"
UTF16 = "le fichier est en UTF-16 : réexportez-le en CSV UTF-8"
BINARY = (
    "fichier CSV illisible : contenu binaire (octet 0x{byte:02X} à la ligne {line}) ; "
    "livrez un export CSV texte"
)
NOT_UTF8 = (
    "texte non UTF-8 à la ligne {line} (octet 0x{byte:02X}, {char!r} en Latin-1) : le fichier "
    "semble en Latin-1 ; déclarez `file: {{encoding: latin-1}}` dans le codebook, "
    "ou réexportez le fichier en UTF-8"
)
NO_DELIMITER = (
    "ni ';' ni ',' dans la ligne d'en-tête : les colonnes doivent être séparées par ';' ou ','"
)
WRONG_DELIMITER = "le séparateur {declared!r} déclaré dans le codebook est absent de l'en-tête"
DELIMITER_HINT = " ; l'en-tête contient {found!r} : déclarez `file: {{delimiter: '{found}'}}`"


@dataclass(frozen=True)
class SurveyFile:
    """One delivered survey file: answers as coded, and the labels that give them meaning.

    ``labels`` has one row per variable label (``code`` empty) and per value label.
    """

    path: Path
    data: pd.DataFrame
    file_label: str
    labels: pd.DataFrame

    @property
    def first_row(self) -> int:
        """The row number of the first respondent as a person opening the file sees it:
        SPSS numbers cases from 1; in a spreadsheet or CSV, row 1 is the header."""
        return SPSS_FIRST_ROW if self.path.suffix.lower() == ".sav" else SHEET_FIRST_ROW


def read_survey(path: Path, codebook: Codebook) -> SurveyFile:
    """Read a survey delivery (``.sav``, ``.csv`` or ``.xlsx``) into the form SPSS gives.

    The codebook says which variables are codes, weight and dates, and how a CSV is written.
    Which variables the file must hold is the business of ``conformance``, not the reader's;
    the reader rejects (``DeliveryError``) only files it cannot read as a table.
    """
    readers = {".sav": _read_sav, ".csv": _read_csv, ".xlsx": _read_xlsx}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise DeliveryError(
            path,
            UNSUPPORTED_TYPE.format(suffix=path.suffix, formats=", ".join(SURVEY_FORMATS)),
        )
    if path.stat().st_size == 0:
        raise DeliveryError(path, EMPTY_FILE)
    # Before reading: a file over a limit would exhaust memory in the reader.
    check_file_size(path)
    return reader(path, codebook)


def parse_date(value) -> pd.Timestamp | None:
    """A date cell or a text date (``YYYY-MM-DD`` or ``DD/MM/YYYY``) as a timestamp; None for
    anything else, numbers included (an Excel serial is not a date until formatted as one)."""
    if isinstance(value, datetime | date):
        return pd.Timestamp(value)
    if not isinstance(value, str):
        return None
    for date_format in DATE_FORMATS:
        try:
            return pd.Timestamp(datetime.strptime(value.strip(), date_format))
        except ValueError:
            continue
    return None


def _read_sav(path: Path, codebook: Codebook) -> SurveyFile:
    check_sav(path)
    try:
        data, meta = pyreadstat.read_sav(str(path))
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as error:
        raise DeliveryError(path, UNREADABLE.format(kind="SPSS", error=error)) from error
    variable_labels = [
        {"variable": name, "code": None, "label": label or ""}
        for name, label in meta.column_names_to_labels.items()
    ]
    value_labels = [
        {"variable": variable, "code": float(code), "label": label}
        for variable, labels in meta.variable_value_labels.items()
        for code, label in labels.items()
    ]
    labels = pd.DataFrame(variable_labels + value_labels, columns=LABEL_COLUMNS)
    return SurveyFile(
        path,
        _canonical(_blank_as_missing(data), codebook, decimal_comma=False),
        meta.file_label or "",
        labels.astype({"code": "float64"}),
    )


def _read_csv(path: Path, codebook: Codebook) -> SurveyFile:
    raw = path.read_bytes()
    _reject_binary(path, raw)
    text = _decode(path, raw, codebook.layout.encoding)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise DeliveryError(path, NO_HEADER)
    delimiters = (codebook.layout.delimiter,) if codebook.layout.delimiter else DELIMITERS
    head = [_csv_cells(line, delimiters) for line in lines[:HEADER_SEARCH_ROWS]]
    reject_misplaced_header(path, head, codebook.respondent_id)
    delimiter = _delimiter(path, lines[0], codebook.layout.delimiter)
    check_csv_text(path, text, delimiter)
    reject_duplicate_names(path, next(csv.reader([lines[0]], delimiter=delimiter)))
    try:
        # Everything as text: codes and dates are converted below, the department stays "01".
        # Only an empty cell is missing ("NA" is a value, reported if it does not belong).
        data = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, csv.Error) as error:
        raise DeliveryError(path, UNREADABLE.format(kind="CSV", error=error)) from error
    # Names are matched to the codebook without the spaces around them, as in a sheet.
    data = without_trailing_empty_rows(_blank_as_missing(data.rename(columns=str.strip)))
    return SurveyFile(
        path, _canonical(data, codebook, decimal_comma=delimiter == ";"), "", _no_labels()
    )


def _read_xlsx(path: Path, codebook: Codebook) -> SurveyFile:
    workbook = open_workbook(path)
    rows = sheet_rows(path, workbook.first_sheet, codebook.respondent_id)
    data = without_trailing_empty_rows(_blank_as_missing(sheet_frame(path, rows)))
    return SurveyFile(
        path,
        _canonical(data, codebook, decimal_comma=False),
        workbook.title,
        _no_labels(),
    )


def _no_labels() -> pd.DataFrame:
    # CSV and Excel carry no SPSS labels, and the codebook gives none.
    return pd.DataFrame(columns=LABEL_COLUMNS).astype({"code": "float64"})


def _reject_binary(path: Path, raw: bytes) -> None:
    # Excel's "Unicode text" export is UTF-16: full of NUL bytes, yet a text file.
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DeliveryError(path, UTF16)
    found = BINARY_BYTE.search(raw)
    if found:
        line = raw[: found.start()].count(b"\n") + 1
        raise DeliveryError(
            path,
            BINARY.format(byte=raw[found.start()], line=line),
        )


def _decode(path: Path, raw: bytes, encoding: str) -> str:
    if encoding != "utf-8":
        return _decode_latin1(raw)
    try:
        # "utf-8-sig": Excel's "CSV UTF-8" export starts with a byte-order mark.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = raw[error.start]
        line = raw[: error.start].count(b"\n") + 1
        raise DeliveryError(
            path,
            NOT_UTF8.format(
                line=line, byte=byte, char=bytes([byte]).decode("cp1252", errors="replace")
            ),
        ) from error


def _decode_latin1(raw: bytes) -> str:
    # French "Latin-1" exports are in fact Windows-1252 (’, œ, € live in 0x80-0x9F, control
    # characters in true Latin-1); the few bytes Windows-1252 leaves undefined fall back.
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _csv_cells(line: str, delimiters: tuple[str, ...]) -> list[str]:
    """The cells of one CSV line, split by whichever candidate delimiter gives the most."""
    try:
        splits = [next(csv.reader([line], delimiter=d), []) for d in delimiters]
    except csv.Error:
        return []  # a field longer than the csv module takes: check_csv_text reports it
    return [cell.strip() for cell in max(splits, key=len)]


def _delimiter(path: Path, header: str, declared: str | None) -> str:
    found = [d for d in DELIMITERS if d in header]
    if declared is None:
        if not found:
            raise DeliveryError(
                path,
                NO_DELIMITER,
                row=1,
            )
        return max(found, key=header.count)
    if declared not in header:
        hint = DELIMITER_HINT.format(found=found[0]) if found else ""
        raise DeliveryError(path, WRONG_DELIMITER.format(declared=declared) + hint, row=1)
    return declared


def _blank_as_missing(data: pd.DataFrame) -> pd.DataFrame:
    # A cell holding only spaces is an empty cell (item non-response), not a value; SPSS has
    # no missing text, it stores an empty cell as "".
    texts = [
        column
        for column in data.columns
        if pd.api.types.is_object_dtype(data[column]) or pd.api.types.is_string_dtype(data[column])
    ]
    return data.assign(**{column: data[column].map(_blank_as_none) for column in texts})


def _blank_as_none(value):
    return None if isinstance(value, str) and not value.strip() else value


def _canonical(data: pd.DataFrame, codebook: Codebook, decimal_comma: bool) -> pd.DataFrame:
    """Codes and weight as floats, the department as text, dates as datetimes."""
    converted = {}
    for variable in _numeric_variables(codebook):
        if variable in data.columns:
            converted[variable] = _numbers(data[variable], decimal_comma)
    if codebook.department in data.columns:
        # "01" stays "01"; a number (Excel's 1 for "01") becomes "1", which conformance refuses.
        converted[codebook.department] = data[codebook.department].map(code_text)
    for variable in codebook.date_variables():
        if variable in data.columns:
            converted[variable] = _dates(data[variable])
    return data.assign(**converted)


def _numeric_variables(codebook: Codebook) -> list[str]:
    coded = [v.variable for v in (*codebook.design, *codebook.questions)]
    return coded + [v for v in (codebook.weight, codebook.wave_variable) if v]


def _numbers(values: pd.Series, decimal_comma: bool) -> pd.Series:
    """Floats when every value is a number; otherwise the numbers as floats and the rest as
    delivered (object), so that conformance reports exactly the rows that are not numbers."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        # Already numbers (SPSS): the value-by-value parse below would give the same floats.
        return values.astype("float64")
    parsed = [_number(value, decimal_comma) for value in values]
    numeric = all(isinstance(value, float) for value in parsed)
    return pd.Series(parsed, index=values.index, dtype="float64" if numeric else object)


def _number(value, decimal_comma: bool):
    if _missing(value):
        return math.nan
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Real):
        return float(value)
    if not isinstance(value, str):
        return value
    text = value.strip()
    if decimal_comma and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    # Not float() alone: it would take "nan" for a missing value and lose it.
    return float(text) if NUMBER.fullmatch(text) else value


def _dates(values: pd.Series) -> pd.Series:
    """Datetimes when every value is a date; otherwise the values as delivered."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype(DATE_DTYPE)
    parsed = [None if _missing(value) else parse_date(value) for value in values]
    if any(day is None for day, value in zip(parsed, values, strict=True) if not _missing(value)):
        return values
    return pd.Series(parsed, index=values.index, dtype=DATE_DTYPE)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))
