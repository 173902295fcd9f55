"""The catalogue of deliveries: which files under ``raw/`` feed which ingest asset."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import dagster as dg

from orchestration.ingest.codebooks import STUDIES
from orchestration.ingest.errors import DeliveryError
from orchestration.publication.vocabulary import STUDY_TITLES

SURVEY_SUFFIXES = (".sav", ".csv", ".xlsx")
CASE_SUFFIXES = (".xlsx",)
SURVEYS_FOLDER = "surveys"
CASES_FOLDER = "cases"
# Files people leave beside a delivery; they are not data and never ingested.
NOT_DATA = ("readme", "lisezmoi", ".")


@dataclass(frozen=True)
class DeliveryKind:
    """One kind of delivery: the folder under the drop zone it lives in, and its asset."""

    name: str
    folder: str
    suffixes: tuple[str, ...]
    description: str
    study: str | None = None

    @property
    def asset_key(self) -> dg.AssetKey:
        """The ingest asset (``raw/<name>``); its tables are ``raw.<name>[_part]``."""
        return dg.AssetKey(["raw", self.name])

    def matches(self, relative_path: str) -> bool:
        """Whether a path relative to the drop zone is a data file of this kind."""
        path = PurePosixPath(relative_path)
        return (
            path.as_posix().startswith(f"{self.folder}/")
            and path.suffix.lower() in self.suffixes
            and not path.name.lower().startswith(NOT_DATA)
        )

    def files(self, raw_dir: Path) -> list[Path]:
        """The delivered files of this kind, in name order."""
        folder = raw_dir / self.folder
        if not folder.is_dir():
            return []
        return sorted(
            path
            for path in folder.rglob("*")
            if path.is_file() and self.matches(path.relative_to(raw_dir).as_posix())
        )

    def fingerprints(self, raw_dir: Path) -> dict[str, str]:
        """Content hash of each delivered file, by its path relative to the drop zone."""
        return {path.relative_to(raw_dir).as_posix(): sha256(path) for path in self.files(raw_dir)}


def sha256(path: Path) -> str:
    """The file's SHA-256, read in chunks (deliveries can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


SURVEY_KINDS = {
    study: DeliveryKind(
        name=f"survey_{study}",
        folder=f"{SURVEYS_FOLDER}/{study}",
        suffixes=SURVEY_SUFFIXES,
        description=f"Enquête {STUDY_TITLES[study]} : un dossier par vague, "
        "un fichier SPSS, CSV ou Excel par dossier.",
        study=study,
    )
    for study in STUDIES
}
CASE_DATABASE = DeliveryKind(
    name="case_database",
    folder=CASES_FOLDER,
    suffixes=CASE_SUFFIXES,
    description="Export de la base de cas « IMPACT-Pratiques partenariales innovantes » "
    "et liste des catalyseurs territoriaux.",
)
DELIVERY_KINDS = (*SURVEY_KINDS.values(), CASE_DATABASE)


def study_and_wave(raw_dir: Path, path: Path) -> tuple[str, int]:
    """Study and wave of a survey file from its folders: ``surveys/<study>/<wave>/<file>``."""
    parts = path.relative_to(raw_dir).parts
    if (
        len(parts) != 4
        or parts[0] != SURVEYS_FOLDER
        or parts[1] not in STUDIES
        or not (parts[2].isdigit() and len(parts[2]) == 4)
    ):
        raise DeliveryError(
            path,
            f"a survey file goes in surveys/<study>/<wave, 4 digits>/, study one of "
            f"{', '.join(STUDIES)}",
        )
    return parts[1], int(parts[2])


def unclaimed_files(raw_dir: Path) -> list[str]:
    """Files under the drop zone that no delivery kind takes (misplaced or misnamed)."""
    claimed = {f for kind in DELIVERY_KINDS for f in kind.fingerprints(raw_dir)}
    return sorted(
        relative
        for path in raw_dir.rglob("*")
        if path.is_file()
        and not path.name.lower().startswith(NOT_DATA)
        and (relative := path.relative_to(raw_dir).as_posix()) not in claimed
    )
