"""The latest result of each suite on each batch, kept as JSON for the French quality report.

Every check step validates only its own asset's suites, but the report lists them all: each
validation writes its record here (one file per suite and batch, the latest replacing the
previous), and the report is drawn from every record on disk. Records hold the delivered values
as they are (raw text): the report escapes them when it writes HTML.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import numbers
from dataclasses import asdict, dataclass
from pathlib import Path

from orchestration.publication import french
from orchestration.quality.suites import CRITICAL, WARNING

# How many items of an observed list (the columns of a table, say) the report shows.
LISTED = 8


@dataclass(frozen=True)
class ExpectationRecord:
    """One rule of a suite as checked: what it says, where, and what was found."""

    rule: str
    description: str
    severity: str
    column: str | None
    success: bool
    observed: str
    rows: tuple[str, ...]
    values: tuple[str, ...]

    @property
    def blocking(self) -> bool:
        """A critical rule stops publication when it fails; a warning is only shown."""
        return self.severity == CRITICAL


@dataclass(frozen=True)
class SuiteRecord:
    """A suite's result on one batch, with when and in which run it was validated."""

    suite: str
    batch: str
    run: str
    validated_at: str
    sample: str
    expectations: tuple[ExpectationRecord, ...]

    @property
    def anchor(self) -> str:
        """The id of this result's section in the report."""
        return f"{self.suite}--{self.batch}"

    @property
    def errors(self) -> int:
        """How many blocking rules failed."""
        return sum(1 for e in self.expectations if not e.success and e.blocking)

    @property
    def warnings(self) -> int:
        """How many warning rules failed."""
        return sum(1 for e in self.expectations if not e.success and not e.blocking)


def expectation_record(result, rows: tuple[str, ...], values: tuple[str, ...]) -> ExpectationRecord:
    """The record of one GX expectation result; ``rows`` and ``values`` are the offending rows
    and values as :mod:`validation` names them."""
    config = result.expectation_config
    severity = getattr(config.severity, "value", config.severity) or CRITICAL
    return ExpectationRecord(
        rule=config.type,
        description=config.description or config.type,
        severity=WARNING if severity == WARNING else CRITICAL,
        column=config.kwargs.get("column") or _joined(config.kwargs),
        success=bool(result.success),
        observed=_observed(result),
        rows=rows,
        values=values,
    )


def save(record: SuiteRecord, folder: Path) -> None:
    """Write ``record`` in ``folder``, replacing the previous result of its suite and batch."""
    path = folder / record.suite / f"{record.batch}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(record), ensure_ascii=False), encoding="utf-8")


def load_all(folder: Path) -> list[SuiteRecord]:
    """Every record in ``folder``, by suite and batch."""
    records = []
    for path in sorted(folder.glob("*/*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        expectations = tuple(
            ExpectationRecord(
                **{**each, "rows": tuple(each["rows"]), "values": tuple(each["values"])}
            )
            for each in content.pop("expectations")
        )
        records.append(SuiteRecord(**content, expectations=expectations))
    return records


def now() -> str:
    """The current time, UTC, as records store it."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _observed(result) -> str:
    """What the rule measured, in French: a value, a count of rows outside the rule, or the
    error that stopped it."""
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return f"erreur : {info.get('exception_message')}"
    details = result.result or {}
    if "observed_value" in details:
        return _value(details["observed_value"])
    if "unexpected_count" in details:
        count, total = details["unexpected_count"], details.get("element_count")
        outside = "aucune ligne hors règle" if not count else f"{_value(count)} ligne(s) hors règle"
        return outside if total is None else f"{outside} sur {_value(total)}"
    return ""


def _value(value) -> str:
    """A number written in French (« 3 000 », « 0,998 »); anything else as its text."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, numbers.Integral):
        return french.integer(value)
    if isinstance(value, numbers.Real) and math.isfinite(value):
        return f"{value:.6g}".replace(".", ",")
    if isinstance(value, list):
        shown = ", ".join(_value(item) for item in value[:LISTED])
        return shown if len(value) <= LISTED else f"{shown}… ({len(value)} au total)"
    return str(value)


def _joined(kwargs: dict) -> str | None:
    columns = kwargs.get("column_list") or [
        kwargs[key] for key in ("column_A", "column_B") if key in kwargs
    ]
    return ", ".join(columns) if columns else None
