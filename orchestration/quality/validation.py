"""Validate DataFrames against the suites; each result feeds the French quality report.

GX 1.x has no DuckDB data source, so tables are read from the warehouse and validated as pandas
DataFrames. GX is imported only here, when a check runs: it takes seconds to import, and
definitions must load fast; its analytics are switched off (the pipeline runs offline).

GX's own Data Docs are not built: their pages load jQuery, Bootstrap and a dozen other files
from CDNs (the wheel ships none of them), so offline they show an empty list, in English. The
project writes its own page instead (``report_page.py``), self-contained and in French.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from orchestration.ingest.lineage import SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN
from orchestration.publication.escaping import html_escaped
from orchestration.publication.french import counted
from orchestration.quality import records
from orchestration.quality.report_page import Refusal, write_report
from orchestration.quality.suites import CRITICAL, Suite, all_suites

# How many offending rows a failure lists: enough to find the pattern, short enough to read.
ROWS_SHOWN = 5
DATA_SOURCE = "warehouse"


@dataclass(frozen=True)
class Batch:
    """A table to validate: its name in the report, the columns that name an offending row, the
    values of the suite's ``$PARAMETER`` placeholders, and, when the frame is a sample of a
    larger table, how it was drawn (empty for a whole table)."""

    name: str
    frame: pd.DataFrame
    row_columns: tuple[str, ...]
    parameters: Mapping[str, object] = field(default_factory=dict)
    sample: str = ""


@dataclass(frozen=True)
class FailedExpectation:
    """One broken rule, with where it broke."""

    rule: str
    description: str
    severity: str
    column: str | None
    unexpected_count: int | None
    rows: tuple[str, ...]
    values: tuple[str, ...]

    @property
    def blocking(self) -> bool:
        """Critical expectations stop publication; warnings are only shown."""
        return self.severity == CRITICAL

    def describe(self) -> str:
        """One line a person can act on, in French: the rule, then where and what."""
        label = "bloquant" if self.blocking else "avertissement"
        text = f"[{label}] {self.description} ({self.rule}"
        text += ")" if self.column is None else f", colonne {self.column})"
        if self.unexpected_count:
            text += f" : {self.unexpected_count} ligne(s)"
        if self.rows:
            text += f", par exemple {' ; '.join(self.rows)}"
        if self.values:
            text += f" ; valeurs {', '.join(self.values)}"
        return text


@dataclass(frozen=True)
class ValidationOutcome:
    """The result of a suite on a batch, and its section of the quality report."""

    suite: str
    batch: str
    evaluated: int
    failures: tuple[FailedExpectation, ...]
    anchor: str = ""
    sample: str = ""

    @property
    def errors(self) -> tuple[FailedExpectation, ...]:
        """The failed expectations that block publication."""
        return tuple(failure for failure in self.failures if failure.blocking)

    @property
    def warnings(self) -> tuple[FailedExpectation, ...]:
        """The failed expectations that are only shown."""
        return tuple(failure for failure in self.failures if not failure.blocking)

    @property
    def success(self) -> bool:
        """True when no blocking expectation failed (warnings allowed)."""
        return not self.errors

    def summary(self) -> str:
        """A multi-line account, in French, of what failed (or that nothing did)."""
        head = f"{self.suite} sur {self.batch}{f' ({self.sample})' if self.sample else ''} : "
        if not self.failures:
            return head + counted(
                self.evaluated, "règle respectée", "règles respectées", "aucune règle"
            )
        errors = counted(len(self.errors), "échec bloquant", "échecs bloquants", "aucun échec")
        warnings = counted(
            len(self.warnings), "avertissement", "avertissements", "aucun avertissement"
        )
        head += f"{errors} et {warnings} sur {counted(self.evaluated, 'règle', 'règles', '0')}"
        return "\n".join([head, *(f"- {failure.describe()}" for failure in self.failures)])


class QualityStore:
    """A GX file project that keeps the latest result of each suite on each batch, and the
    French quality report (``site_dir/index.html``) drawn from them.

    Writers are serialised by the ``warehouse`` pool: every check that uses a store runs in it.
    """

    def __init__(self, project_dir: Path, site_dir: Path, run_name: str):
        self.project_dir = project_dir
        self.site_dir = site_dir
        self.run_name = run_name

    @property
    def records_dir(self) -> Path:
        """Where the report's records are kept: the latest result of each suite and batch."""
        return self.project_dir / "resultats"

    @cached_property
    def _context(self):
        from orchestration.quality.gx_import import gx

        self.project_dir.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(self.project_dir))
        # Progress bars would flood the Dagster run logs.
        context.variables.progress_bars = gx.data_context.types.base.ProgressBarsConfig(
            globally=False
        )
        # No Data Docs site (see the module's docstring), not even one configured by an older
        # version of this project into the published folder.
        for name in list(context.get_config().data_docs_sites or {}):
            context.delete_data_docs_site(name)
        for each in all_suites():
            context.suites.add_or_update(_gx_suite(each))
        return context

    def validate(self, suite: Suite, batch: Batch) -> ValidationOutcome:
        """Run ``suite`` on ``batch`` and store the result; the report shows it from the next
        :meth:`build_site`."""
        from orchestration.quality.gx_import import gx

        checkpoint = self._checkpoint(suite, batch)
        self._forget_previous(suite, batch)
        result = checkpoint.run(
            batch_parameters={"dataframe": batch.frame},
            expectation_parameters=dict(batch.parameters),
            run_id=gx.core.run_identifier.RunIdentifier(run_name=self.run_name),
        )
        ((validation),) = result.run_results.values()
        self._store_inert(suite, batch)
        record = records.SuiteRecord(
            suite.name,
            batch.name,
            self.run_name,
            records.now(),
            batch.sample,
            tuple(
                records.expectation_record(each, *_offending(each, batch.row_columns)[1:])
                for each in validation.results
            ),
        )
        records.save(record, self.records_dir)
        failures = tuple(
            _failure(each, batch.row_columns) for each in validation.results if not each.success
        )
        return ValidationOutcome(
            suite.name, batch.name, len(validation.results), failures, record.anchor, batch.sample
        )

    def build_site(self, refusals: tuple[Refusal, ...] = ()) -> Path:
        """Rewrite the quality report from the latest result of every suite and batch, and the
        deliveries refused at the door (``refusals``); its page."""
        return write_report(
            records.load_all(self.records_dir), refusals, self.run_name, self.site_dir
        )

    def _checkpoint(self, suite: Suite, batch: Batch):
        from orchestration.quality.gx_import import gx

        context = self._context
        try:
            source = context.data_sources.get(DATA_SOURCE)
        except (KeyError, ValueError):
            source = context.data_sources.add_pandas(DATA_SOURCE)
        if batch.name in source.get_asset_names():
            asset = source.get_asset(batch.name)
        else:
            asset = source.add_dataframe_asset(batch.name)
        if asset.batch_definitions:
            batch_definition = asset.batch_definitions[0]
        else:
            batch_definition = asset.add_batch_definition_whole_dataframe("table entière")
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(
                name=f"{suite.name} - {batch.name}",
                data=batch_definition,
                suite=context.suites.get(suite.name),
            )
        )
        return context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=definition.name,
                validation_definitions=[definition],
                actions=[],
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": list(batch.row_columns),
                    "partial_unexpected_count": ROWS_SHOWN,
                },
            )
        )

    def _results(self, suite: Suite, batch: Batch) -> list[Path]:
        folder = self.project_dir / "gx" / "uncommitted" / "validations" / suite.name
        return sorted(folder.glob(f"*/*/{DATA_SOURCE}-{batch.name}.json"))

    def _store_inert(self, suite: Suite, batch: Batch) -> None:
        """Keep the stored result's values (delivered data) HTML-escaped: should anyone build
        GX's Data Docs from this project, they put them into the page as raw HTML, where a
        delivered ``<script>`` would run."""
        for path in self._results(suite, batch):
            document = json.loads(path.read_text(encoding="utf-8"))
            for each in document["results"]:
                each["result"] = html_escaped(each["result"])
                each["exception_info"] = html_escaped(each["exception_info"])
            path.write_text(json.dumps(document), encoding="utf-8")

    def _forget_previous(self, suite: Suite, batch: Batch) -> None:
        """Keep one GX result per suite and batch, the latest."""
        folder = self.project_dir / "gx" / "uncommitted" / "validations" / suite.name
        for old in folder.glob(f"*/*/{DATA_SOURCE}-{batch.name}.json"):
            old.unlink()
        for empty in sorted(folder.glob("*/*"), reverse=True):
            if empty.is_dir() and not any(empty.iterdir()):
                shutil.rmtree(empty)


def _gx_suite(suite: Suite):
    from orchestration.quality.gx_import import gx

    built = gx.ExpectationSuite(name=suite.name, meta={"description": suite.description})
    for expectation in suite.expectations:
        built.add_expectation_configuration(
            gx.expectations.expectation_configuration.ExpectationConfiguration(
                type=expectation["type"],
                kwargs=expectation["kwargs"],
                description=expectation["description"],
                severity=expectation.get("severity", CRITICAL),
            )
        )
    return built


def _failure(result, row_columns: tuple[str, ...]) -> FailedExpectation:
    checked = records.expectation_record(result, (), ())
    unexpected_count, rows, values = _offending(result, row_columns)
    return FailedExpectation(
        rule=checked.rule,
        description=checked.description,
        severity=checked.severity,
        column=checked.column,
        unexpected_count=unexpected_count,
        rows=rows,
        values=values,
    )


def _offending(
    result, row_columns: tuple[str, ...]
) -> tuple[int | None, tuple[str, ...], tuple[str, ...]]:
    """How many rows broke the rule, the first of them (``<file> ligne 12``) and their values
    (for a failed aggregate rule, the value it observed; for an error, its message)."""
    if result.success:
        return None, (), ()
    details = result.result or {}
    if result.exception_info and result.exception_info.get("raised_exception"):
        details = {"exception": result.exception_info.get("exception_message")}
    index_rows = details.get("unexpected_index_list") or []
    values = details.get("partial_unexpected_list")
    if values is None:
        values = details.get("observed_value", details.get("exception"))
    return (
        details.get("unexpected_count"),
        tuple(_row_reference(row, row_columns) for row in index_rows[:ROWS_SHOWN]),
        _shown_values(values),
    )


def _row_reference(row, row_columns: tuple[str, ...]) -> str:
    """``surveys/.../file.sav ligne 12`` for delivered rows, ``column=value`` for other keys."""
    if not isinstance(row, dict):
        return f"ligne d'index {row}"
    lineage = (SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN)
    parts = []
    if all(column in row_columns for column in lineage):
        parts.append(f"{row.get(SOURCE_FILE_COLUMN)} ligne {row.get(SOURCE_ROW_COLUMN)}")
    parts += [f"{column}={row.get(column)}" for column in row_columns if column not in lineage]
    return " ".join(parts)


def _shown_values(values) -> tuple[str, ...]:
    if values is None:
        return ()
    if not isinstance(values, list):
        values = [values]
    return tuple(_shown(value) for value in values[:ROWS_SHOWN])


def _shown(value) -> str:
    """A value as a person reads it: ``region=84 titre=X`` for a row of several columns."""
    if isinstance(value, dict):
        return " ".join(f"{column}={item}" for column, item in value.items())
    return str(value)
