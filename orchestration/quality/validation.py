"""Validate a DataFrame against a Great Expectations suite stored as JSON in ``expectations/``.

GX is imported inside the function: it takes seconds to import, and definitions must load fast.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

# How many offending rows a failure lists: enough to find the pattern, short enough to read.
ROWS_SHOWN = 5


@dataclass(frozen=True)
class FailedExpectation:
    """One broken rule, with where it broke in the delivered files."""

    rule: str
    column: str | None
    unexpected_count: int | None
    rows: tuple[str, ...]
    values: tuple[str, ...]

    def describe(self) -> str:
        """One line a person can act on."""
        text = self.rule if self.column is None else f"{self.rule} on column {self.column}"
        if self.unexpected_count:
            text += f": {self.unexpected_count} row(s)"
        if self.rows:
            text += f", e.g. {'; '.join(self.rows)}"
        if self.values:
            text += f" (values {', '.join(self.values)})"
        return text


@dataclass(frozen=True)
class ValidationOutcome:
    """The result of a suite on a table."""

    suite: str
    evaluated: int
    failures: tuple[FailedExpectation, ...]

    @property
    def success(self) -> bool:
        """True when every expectation holds."""
        return not self.failures

    def summary(self) -> str:
        """A multi-line account of what failed (or that nothing did)."""
        if self.success:
            return f"suite {self.suite}: {self.evaluated} expectations met"
        lines = [
            f"suite {self.suite}: {len(self.failures)} of {self.evaluated} expectations failed"
        ]
        lines += [f"- {failure.describe()}" for failure in self.failures]
        return "\n".join(lines)


def validate_frame(
    frame: pd.DataFrame, suite_path: Path, row_columns: list[str]
) -> ValidationOutcome:
    """Run the suite on ``frame``; ``row_columns`` identify offending rows in failures."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    definition = json.loads(suite_path.read_text(encoding="utf-8"))
    context = gx.get_context(mode="ephemeral")
    # Progress bars would flood the Dagster run logs.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    suite = context.suites.add(gx.ExpectationSuite(name=definition["name"]))
    for expectation in definition["expectations"]:
        suite.add_expectation_configuration(
            ExpectationConfiguration(type=expectation["type"], kwargs=expectation["kwargs"])
        )
    batch = (
        context.data_sources.add_pandas(name="warehouse")
        .add_dataframe_asset(name=definition["name"])
        .add_batch_definition_whole_dataframe("whole table")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    result = batch.validate(
        suite,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": row_columns,
            "partial_unexpected_count": ROWS_SHOWN,
        },
    )
    failures = tuple(_failure(r, row_columns) for r in result.results if not r.success)
    return ValidationOutcome(definition["name"], len(result.results), failures)


def _failure(result, row_columns: list[str]) -> FailedExpectation:
    config = result.expectation_config
    details = result.result or {}
    if result.exception_info and result.exception_info.get("raised_exception"):
        details = {"exception": result.exception_info.get("exception_message")}
    index_rows = details.get("unexpected_index_list") or []
    values = details.get("partial_unexpected_list") or details.get("observed_value")
    return FailedExpectation(
        rule=config.type,
        column=config.kwargs.get("column") or _joined(config.kwargs.get("column_list")),
        unexpected_count=details.get("unexpected_count"),
        rows=tuple(_row_reference(row, row_columns) for row in index_rows[:ROWS_SHOWN]),
        values=_shown_values(values if values is not None else details.get("exception")),
    )


def _row_reference(row, row_columns: list[str]) -> str:
    if isinstance(row, dict):
        return " row ".join(str(row.get(column)) for column in row_columns)
    return f"index {row}"


def _shown_values(values) -> tuple[str, ...]:
    if values is None:
        return ()
    if not isinstance(values, list):
        values = [values]
    return tuple(str(value) for value in values[:ROWS_SHOWN])


def _joined(columns: list[str] | None) -> str | None:
    return ", ".join(columns) if columns else None
