"""Survey delivery files as institutes write them: SPSS ``.sav``, CSV and Excel ``.xlsx``.

Every writer gives byte-identical files for identical data (no time of writing inside).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyreadstat
from openpyxl import Workbook

from orchestration.ingest.codebooks import FileLayout
from synthetic.reproducible import fix_sav_timestamp, fix_xlsx_timestamps

XLSX_SHEET = "donnees"
FIXED_TIMESTAMP = datetime(2020, 1, 1)
DEFAULT_LAYOUT = FileLayout()


@dataclass(frozen=True)
class SurveyDelivery:
    """A survey delivery as the institute sends it: data plus SPSS-style metadata."""

    data: pd.DataFrame
    variable_labels: dict[str, str]
    value_labels: dict[str, dict[int, str]]
    file_label: str


def write_delivery(
    delivery: SurveyDelivery, path: Path, layout: FileLayout = DEFAULT_LAYOUT
) -> None:
    """Write the delivery in the format its suffix names (``.sav``, ``.csv`` or ``.xlsx``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writers = {".sav": write_sav, ".csv": write_csv, ".xlsx": write_xlsx}
    writers[path.suffix](delivery, path, layout)


def write_sav(delivery: SurveyDelivery, path: Path, layout: FileLayout = DEFAULT_LAYOUT) -> None:
    """SPSS system file with variable, value and file labels."""
    pyreadstat.write_sav(
        delivery.data,
        str(path),
        file_label=delivery.file_label,
        column_labels=delivery.variable_labels,
        variable_value_labels=delivery.value_labels,
    )
    fix_sav_timestamp(path)


def write_csv(delivery: SurveyDelivery, path: Path, layout: FileLayout = DEFAULT_LAYOUT) -> None:
    """CSV in the layout's encoding; with ``;`` numbers get a decimal comma, as French
    spreadsheets export them. Codes are written as integers, empty cells are non-response."""
    delimiter = layout.delimiter or ";"
    text = _integral_codes(delivery.data).to_csv(
        index=False,
        sep=delimiter,
        decimal="," if delimiter == ";" else ".",
        date_format="%Y-%m-%d",
        lineterminator="\n",
    )
    path.write_bytes(text.encode(layout.encoding))


def write_xlsx(delivery: SurveyDelivery, path: Path, layout: FileLayout = DEFAULT_LAYOUT) -> None:
    """One sheet, header on row 1; the file label goes in the document's title property."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = XLSX_SHEET
    data = _integral_codes(delivery.data)
    sheet.append(list(data.columns))
    for row in data.itertuples(index=False):
        sheet.append([None if pd.isna(value) else _plain(value) for value in row])
    workbook.properties.title = delivery.file_label
    workbook.properties.created = FIXED_TIMESTAMP
    workbook.save(path)
    fix_xlsx_timestamps(path)


def _integral_codes(data: pd.DataFrame) -> pd.DataFrame:
    # SPSS keeps every number as a float; text files show codes as "3", not "3.0".
    converted = {}
    for column in data.columns:
        values = data[column]
        if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
            converted[column] = values.astype("Int64")
    return data.assign(**converted)


def _plain(value):
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value
