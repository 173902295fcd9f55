"""The surveyed studies, one row each in the seed ``dbt_project/seeds/studies.csv``: the one list
of studies the ingest, the checks, dbt and the reports share (issue 21). Adding a study is a row
there, its codebooks, its catalogue rows and its sample model."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from orchestration.settings import DBT_PROJECT_DIR

STUDIES_SEED = DBT_PROJECT_DIR / "seeds" / "studies.csv"


@dataclass(frozen=True)
class Study:
    """A surveyed study as the reports name it (its weighting is read by dbt only)."""

    name: str  # the folder under raw/surveys/ and codebooks/: « elus »
    title: str  # « IMPACT-Élus locaux »
    population: str  # a row or column label: « Maires »
    respondents: str  # as counted in a base: « 446 maires »


def read_studies() -> tuple[Study, ...]:
    """The seed's studies, in its order (the order of every list of studies)."""
    with STUDIES_SEED.open(encoding="utf-8", newline="") as seed:
        return tuple(
            Study(row["study"], row["title"], row["population"], row["respondents"])
            for row in csv.DictReader(seed)
        )


SURVEY_STUDIES = read_studies()
STUDIES = tuple(study.name for study in SURVEY_STUDIES)
