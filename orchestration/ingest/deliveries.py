"""The catalogue of deliveries: which files under ``raw/`` feed which ingest asset."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

import dagster as dg

from orchestration.ingest.errors import DeliveryError


@dataclass(frozen=True)
class DeliveryKind:
    """One kind of delivery: its files under the drop zone and the raw table it feeds."""

    name: str
    pattern: str
    sample_file: str
    description: str

    @property
    def asset_key(self) -> dg.AssetKey:
        """The ingest asset, keyed like the dbt source that reads it (``raw/<name>``)."""
        return dg.AssetKey(["raw", self.name])

    def matches(self, relative_path: str) -> bool:
        """Whether a path relative to the drop zone is a delivery of this kind."""
        return fnmatch(PurePosixPath(relative_path).as_posix(), self.pattern)

    def files(self, raw_dir: Path) -> list[Path]:
        """The delivered files of this kind, in name order (one file per wave or export)."""
        return sorted(
            path
            for path in raw_dir.rglob("*")
            if path.is_file() and self.matches(path.relative_to(raw_dir).as_posix())
        )

    def fingerprints(self, raw_dir: Path) -> dict[str, str]:
        """Content hash of each delivered file, by its path relative to the drop zone."""
        return {
            path.relative_to(raw_dir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in self.files(raw_dir)
        }


CITIZENS_SURVEY = DeliveryKind(
    name="citizens_survey",
    pattern="surveys/citoyens/*/*.sav",
    sample_file="surveys/citoyens/2020/citoyens_2020.sav",
    description="Enquête IMPACT-Citoyens (SPSS, un dossier par vague).",
)
CASE_DATABASE = DeliveryKind(
    name="case_database",
    pattern="cases/*.xlsx",
    sample_file="cases/impact_pratiques_partenariales.xlsx",
    description="Export de la base de cas « IMPACT-Pratiques partenariales innovantes ».",
)
DELIVERY_KINDS = (CITIZENS_SURVEY, CASE_DATABASE)


def study_and_wave(raw_dir: Path, path: Path) -> tuple[str, int]:
    """Study and wave of a survey file from its folders: ``surveys/<study>/<wave>/<file>``."""
    parts = path.relative_to(raw_dir).parts
    if len(parts) != 4 or parts[0] != "surveys" or not parts[2].isdigit() or len(parts[2]) != 4:
        raise DeliveryError(path, "a survey file goes in surveys/<study>/<wave, 4 digits>/")
    return parts[1], int(parts[2])
