"""Readers of delivered files: SPSS surveys (labels kept) and the case-database export."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyreadstat

from orchestration.ingest.errors import DeliveryError

CASE_SHEET = "cas"
CASE_REQUIRED_COLUMNS = (
    "id_cas",
    "titre",
    "region",
    "departement",
    "profil_porteur",
    "mode_partenariat",
    "echelon",
    "domaine",
    "annee",
)
# Geographic codes are identifiers, not numbers ("01", "2A"): read them as text.
CASE_TEXT_COLUMNS = ("id_cas", "region", "departement")


@dataclass(frozen=True)
class SurveyFile:
    """One delivered survey file: answers as coded, and the labels that give them meaning.

    ``labels`` has one row per variable label (``code`` empty) and per value label.
    """

    path: Path
    data: pd.DataFrame
    file_label: str
    labels: pd.DataFrame


def read_survey(path: Path) -> SurveyFile:
    """Read an SPSS ``.sav`` delivery with its variable and value labels.

    Which variables it must hold is the codebook's business (``conformance``), not the reader's.
    """
    try:
        data, meta = pyreadstat.read_sav(str(path))
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as error:
        raise DeliveryError(path, f"not a readable SPSS file ({error})") from error
    variable_labels = [
        {"variable": name, "code": None, "label": label or ""}
        for name, label in meta.column_names_to_labels.items()
    ]
    value_labels = [
        {"variable": variable, "code": float(code), "label": label}
        for variable, labels in meta.variable_value_labels.items()
        for code, label in labels.items()
    ]
    labels = pd.DataFrame(variable_labels + value_labels, columns=["variable", "code", "label"])
    return SurveyFile(path, data, meta.file_label or "", labels.astype({"code": "float64"}))


def read_case_export(path: Path) -> pd.DataFrame:
    """Read the case-database ``.xlsx`` export (sheet ``cas``)."""
    try:
        cases = pd.read_excel(
            path, sheet_name=CASE_SHEET, dtype={c: str for c in CASE_TEXT_COLUMNS}
        )
    except ValueError as error:
        raise DeliveryError(path, f"no readable sheet {CASE_SHEET!r} ({error})") from error
    _require_columns(path, cases, CASE_REQUIRED_COLUMNS)
    return cases


def _require_columns(path: Path, frame: pd.DataFrame, required: tuple[str, ...]) -> None:
    for column in required:
        if column not in frame.columns:
            raise DeliveryError(path, "required column is missing", column=column)
