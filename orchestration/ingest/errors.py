"""The error a bad delivery raises: it names the file, row, column and broken rule."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class DeliveryError(Exception):
    """A delivery that cannot be ingested. ``row`` is 1-based in the delivered file."""

    file: Path
    rule: str
    column: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        """``fichier, ligne 6, colonne X : règle``, the message an analyst reads first."""
        where = [str(self.file)]
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.column is not None:
            where.append(f"colonne {self.column}")
        return f"{', '.join(where)} : {self.rule}"
