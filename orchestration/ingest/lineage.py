"""Lineage columns: where each loaded row came from and when it was loaded."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

SOURCE_FILE_COLUMN = "_source_file"
SOURCE_SHA256_COLUMN = "_source_sha256"
SOURCE_ROW_COLUMN = "_source_row"
INGESTED_AT_COLUMN = "_ingested_at"
LOAD_KEY_COLUMN = "_load_key"
# Bump when the loader writes different tables or columns: existing loads are then redone.
LOADER_VERSION = "2"
# Row numbers as a person opening the file sees them: SPSS case numbers start at 1, and
# spreadsheet data start on row 2, under the header.
SPSS_FIRST_ROW = 1
SHEET_FIRST_ROW = 2


@dataclass(frozen=True)
class Lineage:
    """What every loaded row records: its file, the file's hash, its row, when it was loaded."""

    raw_dir: Path
    fingerprints: dict[str, str]
    ingested_at: datetime
    load_key: str

    def stamp(self, path: Path, frame: pd.DataFrame, first_row: int | None = None):
        """``frame`` with the lineage columns; ``first_row`` numbers its rows from there."""
        relative = path.relative_to(self.raw_dir).as_posix()
        columns: dict[str, object] = {
            SOURCE_FILE_COLUMN: relative,
            SOURCE_SHA256_COLUMN: self.fingerprints[relative],
            INGESTED_AT_COLUMN: self.ingested_at,
            LOAD_KEY_COLUMN: self.load_key,
        }
        if first_row is not None:
            columns[SOURCE_ROW_COLUMN] = range(first_row, first_row + len(frame))
        return frame.assign(**columns)


def load_key(fingerprints: dict[str, str], rules: list[Path]) -> str:
    """What a load depends on: the delivered files, the files that interpret them (codebooks)
    and the loader's version. The same key means loading again would change nothing."""
    parts = {
        "files": fingerprints,
        "rules": {str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in rules},
        "loader": LOADER_VERSION,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
