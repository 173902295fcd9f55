"""What became of each report in a render step: rendered (republished) or failed with a short
reason in French; and the French lines that say so to analysts (the run's log,
the step's metadata and failure, ``make run``'s summary)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import typst
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from orchestration.publication.qmd_execution import BuiltinRenderError
from orchestration.publication.rendering import QuartoNotFoundError, QuartoRenderError
from orchestration.publication.report_jobs import ReportJob
from orchestration.publication.scratch import SCRATCH_PREFIX

# A reason is one line of an index row or of the run's summary, not a stack trace (that one is
# in the step's log).
REASON_LENGTH = 240
_SCRATCH_COPY = re.compile(rf"\S*/{re.escape(SCRATCH_PREFIX)}[^/\s]+/reports/")


class RenderState(StrEnum):
    """The two outcomes of a report in a render step."""

    RENDERED = "rendered"
    FAILED = "failed"


@dataclass(frozen=True)
class RenderOutcome:
    """One report's outcome; ``reason`` and ``trace`` only for a failure."""

    job: ReportJob
    state: RenderState
    engine: str
    reason: str | None = None
    trace: str | None = None

    @property
    def rendered(self) -> bool:
        """Whether the report was rendered and republished."""
        return self.state is RenderState.RENDERED

    @property
    def failed(self) -> bool:
        """Whether the render failed (the report's last published files stay as they were)."""
        return self.state is RenderState.FAILED

    def summary(self) -> str:
        """One line for the run's log, in French."""
        if self.rendered:
            return f"rendu et republié ({self.engine}) : {self.job.html}, {self.job.pdf}"
        return f"échec du rendu, {_what_stays(self.job)} : {self.reason}"

    def as_record(self) -> dict[str, object]:
        """The outcome as plain data, for the step's JSON metadata and ``make run``."""
        return {
            "report": self.job.title,
            "stem": self.job.stem,
            "state": self.state.value,
            "reason": self.reason,
            "published": self.job.html.exists() and self.job.pdf.exists(),
        }


def failure_reason(error: BaseException) -> str:
    """What went wrong, briefly, in French; the technical detail (often English) follows."""
    cause = error.__cause__
    if isinstance(error, BuiltinRenderError):
        if isinstance(cause, typst.TypstError):
            return _reason("le PDF n'a pas pu être compilé par Typst", str(cause))
        if isinstance(cause, CellExecutionError | CellTimeoutError | DeadKernelError):
            return _reason("l'exécution du document a échoué", _after_file_name(str(error)))
        return _reason("la conversion par pandoc a échoué", _after_file_name(str(error)))
    if isinstance(error, QuartoNotFoundError):
        return _reason("Quarto introuvable", str(error))
    if isinstance(error, QuartoRenderError):
        return _reason("le rendu par Quarto a échoué", _quarto_detail(str(error)))
    if isinstance(error, json.JSONDecodeError):
        return _reason("les données exportées du rapport sont illisibles", str(error))
    if isinstance(error, FileNotFoundError):
        return _reason("fichier introuvable", str(error.filename or error))
    return _reason(f"erreur inattendue ({type(error).__name__})", str(error))


def summary_lines(records: Iterable[Mapping[str, object]]) -> list[str]:
    """``make run``'s lines on the reports (records of :meth:`RenderOutcome.as_record`):
    which were republished, which failed and why."""
    records = list(records)
    by_state = {state: [r for r in records if r["state"] == state.value] for state in RenderState}
    rendered, failed = by_state[RenderState.RENDERED], by_state[RenderState.FAILED]
    lines = []
    if rendered:
        lines.append(f"Rapports republiés ({len(rendered)}) : {_titles(rendered)}.")
    if failed:
        lines.append(f"Rapports dont le rendu a échoué ({len(failed)}) :")
        lines += [f"  - {r['report']} ({_what_stays_record(r)}) : {r['reason']}" for r in failed]
    if not rendered:
        lines.append("Aucun rapport n'a été republié : les rapports publiés sont ceux d'avant.")
    return lines


def _titles(records: list[Mapping[str, object]]) -> str:
    return ", ".join(str(r["report"]) for r in records)


def _what_stays(job: ReportJob) -> str:
    published = job.html.exists() and job.pdf.exists()
    return _what_stays_record({"published": published})


def _what_stays_record(record: Mapping[str, object]) -> str:
    if record["published"]:
        return "la version publiée précédente reste en ligne"
    return "pas encore publié"


def _quarto_detail(message: str) -> str:
    """The line of a Quarto failure that says what went wrong: the first naming an error, else
    the last (Quarto's first lines are progress, such as « Starting python3 kernel... »)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if len(lines) <= 1:
        return message
    details = lines[1:]  # the first line is ours: « quarto render x.qmd a échoué (code 1) : »
    named = [line for line in details if re.search(r"error|erreur|exception", line, re.I)]
    return (named or details[-1:])[0]


def _after_file_name(message: str) -> str:
    # Built-in engine messages start with the .qmd's name, which the report's title replaces.
    head, _, tail = message.partition(": ")
    return tail if head.endswith(".qmd") else message


def _reason(what: str, detail: str) -> str:
    first_line = next((line.strip() for line in detail.splitlines() if line.strip()), "")
    # Paths inside the render's scratch copy of reports/ are read relative to the report.
    first_line = _SCRATCH_COPY.sub("", first_line)
    text = f"{what} : {first_line}" if first_line else what
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"
