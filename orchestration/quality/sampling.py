"""The documented sample of very large answer tables.

Up to ``SAMPLE_ABOVE_ANSWERS`` answer rows, a delivery's answers are validated whole. Above, GX
validates the answers of one respondent in ``every``, those whose hashed id DuckDB's ``hash``
puts in class 0 modulo ``every``, chosen so that about ``SAMPLE_ABOVE_ANSWERS`` rows remain:
the same respondents from run to run, every answer of each (so the one-answer-per-item rule
still holds within the sample), and no respondent favoured by the order of the file. The codes
of every row were already checked whole at the door (the ingest conformance), so the sample
only costs the second line of defence on the rest. The respondents, weights and regional
structure are always validated whole. Each sampled batch's result says so.
"""

import math
from dataclasses import dataclass

# About 20 waves of the sample deliveries; ×100 deliveries hold ~1.2 M answers per wave.
SAMPLE_ABOVE_ANSWERS = 250_000


@dataclass(frozen=True)
class RespondentSample:
    """One respondent in ``every`` (1: all of them) of a delivery with ``rows`` answers."""

    every: int
    rows: int

    @classmethod
    def for_rows(cls, rows: int, limit: int = SAMPLE_ABOVE_ANSWERS) -> "RespondentSample":
        """The smallest sample keeping about ``limit`` rows (everyone up to ``limit``)."""
        return cls(max(1, math.ceil(rows / limit)), rows)

    def condition(self) -> str:
        """The SQL condition selecting the sample's rows."""
        return "true" if self.every == 1 else f"hash(respondent_id) % {self.every} = 0"

    def note(self, kept: int) -> str:
        """How the validated rows were drawn, for the check's description; empty if whole."""
        if self.every == 1:
            return ""
        return (
            f"sample: 1 respondent in {self.every} (hash of the id), "
            f"{kept} of {self.rows} answer rows"
        )
