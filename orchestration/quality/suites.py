"""The Great Expectations suites kept in ``expectations/``, one JSON file each.

A suite is GX 1.x's format (``name``, ``expectations`` with ``type``, ``kwargs``, ``severity``
and a French ``description``) so that a reader who is not a programmer can follow it, plus a
``meta.description`` of the table it checks. Values that depend on the delivery (the codebook's
codes, the regions) are written ``{"$PARAMETER": "<name>"}`` and supplied at validation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestration.settings import EXPECTATIONS_DIR

WARNING = "warning"
CRITICAL = "critical"


@dataclass(frozen=True)
class Suite:
    """One suite file: its name, what it checks, and its expectations as written."""

    name: str
    path: Path
    description: str
    expectations: tuple[dict, ...]

    @property
    def size(self) -> int:
        """How many expectations the suite holds."""
        return len(self.expectations)

    def parameters(self) -> set[str]:
        """Names of the ``$PARAMETER`` values the suite needs at validation."""
        return {
            value["$PARAMETER"]
            for expectation in self.expectations
            for value in expectation["kwargs"].values()
            if isinstance(value, dict) and "$PARAMETER" in value
        }


@cache
def suite(name: str) -> Suite:
    """The suite ``expectations/<name>.json``; ValueError names a malformed file."""
    path = EXPECTATIONS_DIR / f"{name}.json"
    content = json.loads(path.read_text(encoding="utf-8"))
    try:
        expectations = tuple(content["expectations"])
        for expectation in expectations:
            if expectation.get("severity", CRITICAL) not in (CRITICAL, WARNING):
                raise ValueError(f"severity must be {CRITICAL!r} or {WARNING!r}")
            if not expectation.get("description"):
                raise ValueError(f"{expectation['type']} has no description")
        return Suite(content["name"], path, content["meta"]["description"], expectations)
    except (KeyError, ValueError) as error:
        raise ValueError(f"{path}: malformed suite: {error}") from error


def all_suites() -> tuple[Suite, ...]:
    """Every suite of ``expectations/``, by name."""
    return tuple(suite(path.stem) for path in sorted(EXPECTATIONS_DIR.glob("*.json")))
