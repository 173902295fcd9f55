"""Codebooks: per study and wave, the map from delivered variables and codes to canonical ones.

Waves rename variables and recode answers; the codebook (``codebooks/<study>/<wave>.yml``)
absorbs that, so the code reads canonical names only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from orchestration.settings import PROJECT_ROOT

CODEBOOKS_DIR = PROJECT_ROOT / "codebooks"


@dataclass(frozen=True)
class CodedVariable:
    """A categorical variable: its canonical name, delivered name and code → canonical value."""

    name: str
    variable: str
    codes: dict[float, str]


@dataclass(frozen=True)
class Codebook:
    """What a study wave's delivery must contain and what its codes mean."""

    path: Path
    study: str
    wave: int
    title: str
    respondent_id: str
    region: str
    department: str | None
    weight: str | None
    wave_variable: str | None
    design: tuple[CodedVariable, ...]
    questions: tuple[CodedVariable, ...]
    other: tuple[str, ...]

    def required_variables(self) -> list[str]:
        """Every delivered variable the codebook names (all must be present)."""
        named = [self.respondent_id, self.region, self.department, self.weight, self.wave_variable]
        coded = [v.variable for v in (*self.design, *self.questions)]
        return [name for name in named if name] + coded

    def known_variables(self) -> set[str]:
        """Required variables plus those delivered but deliberately not mapped."""
        return set(self.required_variables()) | set(self.other)


def codebook_path(study: str, wave: int) -> Path:
    """Where the codebook of a study wave lives."""
    return CODEBOOKS_DIR / study / f"{wave}.yml"


def load_codebook(path: Path) -> Codebook:
    """Read a codebook; a malformed one raises ValueError naming the file and the key."""
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return Codebook(
            path=path,
            study=str(content["study"]),
            wave=int(content["wave"]),
            title=str(content["title"]),
            respondent_id=content["respondent_id"],
            region=content["region"],
            department=content.get("department"),
            weight=content.get("weight"),
            wave_variable=content.get("wave_variable"),
            design=_coded(content.get("design", {})),
            questions=_coded(content["questions"]),
            other=tuple(content.get("other", [])),
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"{path}: malformed codebook, missing or wrong key {error}") from error


def _coded(section: dict) -> tuple[CodedVariable, ...]:
    return tuple(
        CodedVariable(
            name=name,
            variable=spec["variable"],
            codes={float(code): str(value) for code, value in spec["codes"].items()},
        )
        for name, spec in section.items()
    )


def code_text(value) -> str | None:
    """Codes as text: 11.0 -> '11'. Departments must be delivered as text ('01', '2A')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
