"""The catalogue of deliveries: which files under ``raw/`` feed which ingest asset."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import dagster as dg

from orchestration.ingest.codebooks import DELIVERED_CODEBOOK, codebook_path
from orchestration.ingest.errors import DeliveryError
from orchestration.publication.vocabulary import STUDY_TITLES
from orchestration.studies import STUDIES

SURVEY_SUFFIXES = (".sav", ".csv", ".xlsx")
CASE_SUFFIXES = (".xlsx",)
SURVEYS_FOLDER = "surveys"
CASES_FOLDER = "cases"
CONTEXT_FOLDER = "context"
CONTEXT_SUFFIXES = (".csv",)
# Files people leave beside a delivery; they are not data and never ingested.
NOT_DATA = ("readme", "lisezmoi", ".")
# What a refused entry has in the fingerprints instead of a hash.
REFUSED = "refusé : "


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

    @property
    def source_key(self) -> dg.AssetKey:
        """The delivered files, an observable source asset (``deliveries/<name>``)."""
        return dg.AssetKey(["deliveries", self.name])

    def matches(self, relative_path: str) -> bool:
        """Whether a path relative to the drop zone is a data file of this kind."""
        path = PurePosixPath(relative_path)
        return (
            path.as_posix().startswith(f"{self.folder}/")
            and path.suffix.lower() in self.suffixes
            and not path.name.lower().startswith(NOT_DATA)
        )

    def files(self, raw_dir: Path) -> list[Path]:
        """The delivered data files of this kind, in name order: regular, readable files (or
        links to one inside the drop zone). Entries named like data that are not such files are
        left out here and listed by ``refused_entries``."""
        return [path for path in self._entries(raw_dir) if entry_problem(raw_dir, path) is None]

    def refused_entries(self, raw_dir: Path) -> dict[str, str]:
        """What in this kind's folder cannot be a delivery, by path under the drop zone, with
        why (in French): an entry named like a data file that is a folder, a broken link or an
        unreadable file; any link leading out of the drop zone; a survey wave folder without a
        data file (a wave is withdrawn by removing its folder, never by emptying it)."""
        folder = raw_dir / self.folder
        refused = {}
        if folder.exists() and not _inside(raw_dir, folder):
            refused[f"{self.folder}/"] = link_problem(raw_dir, folder) or "hors de la zone de dépôt"
        for path in self._entries(raw_dir, every_link=True):
            named = self.matches(path.relative_to(raw_dir).as_posix())
            problem = entry_problem(raw_dir, path) if named else link_problem(raw_dir, path)
            if problem is not None:
                refused[path.relative_to(raw_dir).as_posix()] = problem
        if self.study is not None:
            delivered = {path.parent for path in self.files(raw_dir)}
            for wave in _wave_folders(raw_dir / self.folder):
                if wave not in delivered:
                    refused[f"{wave.relative_to(raw_dir).as_posix()}/"] = (
                        f"dossier de vague sans fichier de données lisible "
                        f"({', '.join(self.suffixes)}) : pour retirer une vague, supprimez son "
                        "dossier"
                    )
        return refused

    def fingerprints(self, raw_dir: Path) -> dict[str, str]:
        """Content hash of each delivered file, by its path relative to the drop zone; each
        refused entry is there too, with its reason instead of a hash, so that the delivery
        sensor sees it and the ingest reports it. A survey study's delivered codebooks are
        there too: a changed codebook is a changed delivery."""
        hashes = {
            path.relative_to(raw_dir).as_posix(): sha256(path)
            for path in self.files(raw_dir) + self.delivered_codebooks(raw_dir)
        }
        refused = {
            path: f"{REFUSED}{reason}" for path, reason in self.refused_entries(raw_dir).items()
        }
        return hashes | refused

    def delivered_codebooks(self, raw_dir: Path) -> list[Path]:
        """The codebooks delivered in this study's wave folders (none for other kinds)."""
        if self.study is None:
            return []
        candidates = [wave / DELIVERED_CODEBOOK for wave in _wave_folders(raw_dir / self.folder)]
        return [path for path in candidates if path.is_file() and _inside(raw_dir, path)]

    def _entries(self, raw_dir: Path, every_link: bool = False) -> list[Path]:
        # Named like this kind's data, whatever they are on disk; with ``every_link``, links
        # of any name too (a link out of the drop zone is refused whatever its name).
        return sorted(
            path
            for path in walk(raw_dir, raw_dir / self.folder)
            if self.matches(path.relative_to(raw_dir).as_posix())
            or (every_link and path.is_symlink() and not path.name.lower().startswith(NOT_DATA))
        )


def walk(raw_dir: Path, folder: Path) -> Iterator[Path]:
    """Every entry under ``folder`` (files, folders, links), depth first. A link to a folder
    inside the drop zone is followed, unless it leads back to a folder it is in (a loop);
    other links are listed, never followed."""

    def visit(directory: Path, ancestors: frozenset[Path]) -> Iterator[Path]:
        real = directory.resolve()
        if real in ancestors:
            return
        for entry in sorted(directory.iterdir()):
            yield entry
            if entry.is_dir() and (not entry.is_symlink() or _inside(raw_dir, entry)):
                yield from visit(entry, ancestors | {real})

    if folder.is_dir() and _inside(raw_dir, folder):
        yield from visit(folder, frozenset())


def entry_problem(raw_dir: Path, path: Path) -> str | None:
    """Why an entry cannot be a delivered file (in French), or None when it is a regular,
    readable file inside the drop zone (directly or through a link)."""
    problem = link_problem(raw_dir, path)
    if problem is not None:
        return problem
    if path.is_dir():
        return "c'est un dossier, pas un fichier de données"
    if not path.is_file():
        return "ce n'est pas un fichier ordinaire"
    try:
        with path.open("rb") as stream:
            stream.read(1)
    except OSError as error:
        return f"fichier illisible ({error.strerror})"
    return None


def link_problem(raw_dir: Path, path: Path) -> str | None:
    """Why a symbolic link cannot be followed (in French): broken, or leading out of the drop
    zone; None for a link inside it, or for what is no link."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "lien symbolique cassé : sa cible n'existe pas"
    if not _inside(raw_dir, path):
        return (
            f"lien symbolique vers {target}, hors de la zone de dépôt {raw_dir} : refusé ; "
            "copiez le fichier ou le dossier dans la zone de dépôt"
        )
    return None


def _inside(raw_dir: Path, path: Path) -> bool:
    # Links resolved, so that a link cannot lead a delivery out of the drop zone.
    return path.resolve().is_relative_to(raw_dir.resolve())


def _wave_folders(study_folder: Path) -> list[Path]:
    """The study's wave folders: four-digit folders (or links to one) right under it."""
    if not study_folder.is_dir():
        return []
    return sorted(
        entry
        for entry in study_folder.iterdir()
        if entry.is_dir() and entry.name.isdigit() and len(entry.name) == 4
    )


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
# The asset key of the dbt sources over every study's raw tables (the union views of
# ``surveys.survey_union_views``, declared in ``_sources.yml``): it stands for all the survey
# ingests, each of which writes its part of them (``orchestration/transform/assets.py``).
ALL_SURVEYS_KEY = dg.AssetKey(["raw", "survey_studies"])
CASE_DATABASE = DeliveryKind(
    name="case_database",
    folder=CASES_FOLDER,
    suffixes=CASE_SUFFIXES,
    description="Export de la base de cas « IMPACT-Pratiques partenariales innovantes » "
    "et liste des catalyseurs territoriaux.",
)
CONTEXT_STATISTICS = DeliveryKind(
    name="context_statistics",
    folder=CONTEXT_FOLDER,
    suffixes=CONTEXT_SUFFIXES,
    description="Statistiques de contexte (population, superficie, chômage, pauvreté…) par "
    "région, pour la France et certains départements : une ligne par indicateur, territoire "
    "et année.",
)
DELIVERY_KINDS = (*SURVEY_KINDS.values(), CASE_DATABASE, CONTEXT_STATISTICS)


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
            "un fichier d'enquête se dépose dans surveys/<étude>/<vague, 4 chiffres>/, "
            f"l'étude étant l'une de : {', '.join(STUDIES)}",
        )
    return parts[1], int(parts[2])


def codebook_location(raw_dir: Path, study: str, wave: int) -> Path:
    """The codebook of a study wave: the one delivered in its folder
    (``surveys/<study>/<wave>/codebook.yml``), else the repository's (which may not exist)."""
    delivered = raw_dir / SURVEYS_FOLDER / study / str(wave) / DELIVERED_CODEBOOK
    return delivered if delivered.is_file() else codebook_path(study, wave)


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
