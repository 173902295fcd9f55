"""The tidy long form of a survey: one row per respondent and question, canonical answers."""

from __future__ import annotations

import pandas as pd

from orchestration.ingest.codebooks import Codebook, code_text
from orchestration.ingest.lineage import SOURCE_ROW_COLUMN, SPSS_FIRST_ROW


def tidy_answers(data: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Respondent × question × answer through the codebook; item non-response has no answer."""
    ids = data[codebook.respondent_id].map(code_text)
    frames = [
        pd.DataFrame(
            {
                "study": codebook.study,
                "wave": codebook.wave,
                "respondent_id": ids,
                "question": question.name,
                "answer_code": data[question.variable],
                "answer": data[question.variable].map(question.codes),
                # The delivered row each answer comes from, for lineage.
                SOURCE_ROW_COLUMN: range(SPSS_FIRST_ROW, SPSS_FIRST_ROW + len(data)),
            }
        )
        for question in codebook.questions
    ]
    return pd.concat(frames, ignore_index=True)
