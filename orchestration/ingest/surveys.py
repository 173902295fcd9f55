"""Survey deliveries, from files to warehouse tables: each file is held to its wave's codebook
and rejected whole if it breaks the contract; accepted waves are stacked into one study's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from orchestration.ingest.codebooks import (
    DELIVERED_CODEBOOK,
    Codebook,
    code_text,
    codebook_label,
    codebook_path,
    load_codebook,
    read_codebook_text,
)
from orchestration.ingest.conformance import (
    ConformanceReport,
    DeliveryRejected,
    Problem,
    check_survey,
    quarantine,
)
from orchestration.ingest.deliveries import SURVEY_KINDS, codebook_location, study_and_wave
from orchestration.ingest.errors import DeliveryError
from orchestration.ingest.lineage import Lineage
from orchestration.ingest.readers import SurveyFile, read_survey
from orchestration.ingest.tidy import tidy_answers
from orchestration.warehouse import RAW_SCHEMA

# A study's tables: ``raw.<asset name><suffix>``.
SURVEY_TABLE_SUFFIXES = ("", "_respondents", "_answers", "_labels", "_files")
# What dbt reads: the views ``raw.survey<suffix>``, every loaded study's table of that suffix
# stacked, with these columns (cast where one study's type could differ from another's).
SURVEY_UNION_COLUMNS = {
    "_respondents": (
        "study, wave, respondent_id, region_code, department_code, "
        "cast(weight as double) as weight, fieldwork_date, _source_file, _source_row"
    ),
    "_answers": (
        "study, wave, respondent_id, role, question, option, "
        "cast(answer_code as double) as answer_code, answer, _source_file, _source_row"
    ),
    "_files": (
        "study, wave, format, file_label, codebook, respondents, warnings, survey_title, "
        "cast(institute as varchar) as institute, _source_file, _source_sha256, _ingested_at"
    ),
}


def survey_table_names(name: str) -> list[str]:
    """The warehouse tables a survey study's ingest writes."""
    return [f"{name}{suffix}" for suffix in SURVEY_TABLE_SUFFIXES]


def survey_union_views(tables: set[str]) -> dict[str, str]:
    """The views dbt reads, ``survey_respondents``, ``survey_answers`` and ``survey_files``
    (name: query), over the studies of the seed whose tables are among ``tables``, in the
    seed's order: a study is one row of the seed, never a name in dbt. Every survey ingest
    recreates them, so they follow the seed."""
    loaded = [
        kind.name
        for kind in SURVEY_KINDS.values()
        if all(f"{kind.name}{suffix}" in tables for suffix in SURVEY_UNION_COLUMNS)
    ]
    if not loaded:
        return {}
    return {
        f"survey{suffix}": "\nunion all\n".join(
            f"select {columns} from {RAW_SCHEMA}.{name}{suffix}" for name in loaded
        )
        for suffix, columns in SURVEY_UNION_COLUMNS.items()
    }


@dataclass(frozen=True)
class AcceptedSurvey:
    """A delivered wave that passed the door: its data, its codebook, its warnings."""

    survey: SurveyFile
    codebook: Codebook
    report: ConformanceReport


# The reasons a wave is refused before its file is read, as an analyst reads them.
NO_CODEBOOK = (
    "aucun codebook pour {study} {wave} : livrez-le dans le dossier de la vague ({delivered}) "
    "ou ajoutez-le au dépôt ({repository})"
)
TWO_CODEBOOKS = (
    "deux codebooks différents pour {study} {wave} : {delivered} (livré) et {repository} "
    "(dépôt) ; livrez le même ou retirez celui de la livraison"
)
OTHER_CODEBOOK = "le codebook {location} décrit {described}, pas {study} {wave} du dossier"
TWO_FILES = "plus d'un fichier de données pour cette vague : n'en gardez qu'un"


def codebook_for(raw_dir: Path, path: Path) -> Codebook:
    """The codebook of the study wave a file's folders name: delivered with the wave or in the
    repository (the same content if both exist); it must exist, be well formed and agree."""
    study, wave = study_and_wave(raw_dir, path)
    location, repository = codebook_location(raw_dir, study, wave), codebook_path(study, wave)
    try:
        if _two_codebooks(location, repository):
            raise DeliveryError(
                path,
                TWO_CODEBOOKS.format(
                    study=study,
                    wave=wave,
                    delivered=codebook_label(location),
                    repository=codebook_label(repository),
                ),
            )
        if not location.exists():
            raise DeliveryError(
                path,
                NO_CODEBOOK.format(
                    study=study,
                    wave=wave,
                    delivered=f"surveys/{study}/{wave}/{DELIVERED_CODEBOOK}",
                    repository=codebook_label(repository),
                ),
            )
        codebook = load_codebook(location)
    except ValueError as error:  # a malformed codebook refuses the wave, like a bad file
        raise DeliveryError(path, str(error)) from error
    if (codebook.study, codebook.wave) != (study, wave):
        raise DeliveryError(
            path,
            OTHER_CODEBOOK.format(
                location=codebook_label(location),
                described=f"{codebook.study} {codebook.wave}",
                study=study,
                wave=wave,
            ),
        )
    return codebook


def _two_codebooks(location: Path, repository: Path) -> bool:
    """A delivered codebook whose content differs from the repository's (formatting and
    comments aside): two truths for one wave."""
    return (
        location != repository
        and repository.exists()
        and read_codebook_text(location) != read_codebook_text(repository)
    )


def accept_survey(raw_dir: Path, path: Path, sha256: str, quarantine_dir: Path) -> AcceptedSurvey:
    """Read a delivered file and hold it to its codebook; any breach rejects it whole and
    writes the rejection report to the quarantine (the file itself is never touched)."""
    relative = path.relative_to(raw_dir)
    location = Path("(codebook inconnu)")
    try:
        codebook = codebook_for(raw_dir, path)
        location = codebook.path
        survey = read_survey(path, codebook)
        # The optional questions this delivery left out are no part of its tables.
        codebook = codebook.for_delivery(survey.data.columns)
        report = check_survey(relative, survey.data, codebook, survey.first_row)
    except DeliveryError as error:
        report = ConformanceReport(relative, location, [_problem_of(error)])
    if not report.accepted:
        raise DeliveryRejected(report, quarantine(report, sha256, quarantine_dir))
    return AcceptedSurvey(survey, codebook, report)


def one_file_per_wave(paths: list[Path]) -> list[Path]:
    """The files, once it is checked that no wave folder holds two (two truths for one wave)."""
    folders = [path.parent for path in paths]
    for folder in folders:
        if folders.count(folder) > 1:
            raise DeliveryError(folder, TWO_FILES)
    return paths


def survey_tables(
    name: str, accepted: list[AcceptedSurvey], lineage: Lineage
) -> dict[str, pd.DataFrame]:
    """The study's warehouse tables, every row stamped with its lineage.

    ``<name>``: the waves as delivered, stacked; ``_respondents``: one row per respondent with
    canonical geography, weight and date; ``_answers``: the long form; ``_labels``: delivered
    labels; ``_files``: one row per file.
    """
    delivered, respondents, answers, labels, files = survey_table_names(name)
    parts = {
        delivered: (_delivered, True),
        respondents: (_respondents, True),
        answers: (lambda a: tidy_answers(a.survey.data, a.codebook, a.survey.first_row), False),
        labels: (lambda a: a.survey.labels, False),
        files: (_file_row, False),
    }
    return {
        table: _harmonised(
            pd.concat(
                [
                    lineage.stamp(a.survey.path, part(a), a.survey.first_row if numbered else None)
                    for a in accepted
                ],
                ignore_index=True,
            )
        )
        for table, (part, numbered) in parts.items()
    }


def _problem_of(error: DeliveryError) -> Problem:
    return Problem(error.rule, error.column, error.row)


def _delivered(accepted: AcceptedSurvey) -> pd.DataFrame:
    return accepted.survey.data


def _respondents(accepted: AcceptedSurvey) -> pd.DataFrame:
    data, codebook = accepted.survey.data, accepted.codebook

    def column(variable: str | None) -> pd.Series | None:
        return data[variable] if variable else None

    return pd.DataFrame(
        {
            "study": codebook.study,
            "wave": codebook.wave,
            "respondent_id": data[codebook.respondent_id].map(code_text),
            "region_code": data[codebook.region].map(code_text),
            "department_code": _text_or_null(column(codebook.department), len(data)),
            "weight": pd.to_numeric(column(codebook.weight), errors="raise")
            if codebook.weight
            else float("nan"),
            "fieldwork_date": pd.to_datetime(column(codebook.fieldwork_date)).dt.date
            if codebook.fieldwork_date
            else None,
        }
    )


def _text_or_null(values: pd.Series | None, length: int) -> pd.Series:
    if values is None:
        return pd.Series([None] * length, dtype="object")
    return values.map(code_text)


def _file_row(accepted: AcceptedSurvey) -> pd.DataFrame:
    survey, codebook = accepted.survey, accepted.codebook
    return pd.DataFrame(
        {
            "study": [codebook.study],
            "wave": [codebook.wave],
            "format": [survey.path.suffix.lower().lstrip(".")],
            # Sample deliveries say so here ("DONNEES ILLUSTRATIVES"); reports repeat it.
            "file_label": [survey.file_label],
            "codebook": [codebook_label(codebook.path)],
            "respondents": [len(survey.data)],
            "warnings": [len(accepted.report.warnings)],
            # The survey's name and institute, as the reports' source lines give them (the
            # institute None when not known).
            "survey_title": [codebook.title],
            "institute": pd.Series([codebook.institute], dtype="object"),
        }
    )


def _harmonised(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns holding both numbers and text (one wave's codes as text, another's as numbers)
    become text, so the stacked table has one type per column."""
    mixed = {
        column: frame[column].map(code_text)
        for column in frame.columns
        if frame[column].dtype == object and frame[column].dropna().map(type).nunique() > 1
    }
    return frame.assign(**mixed)
