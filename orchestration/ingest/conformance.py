"""Validation at the door: a survey delivery conforms to its codebook and to the reference
geography, or it is rejected whole, before anything reaches the warehouse.

Every problem names the file, the row (and respondent id), the variable and the rule.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from orchestration.geography import departments, regions
from orchestration.ingest.codebooks import Codebook, code_text
from orchestration.ingest.readers import parse_date

# A rejection report lists this many rows per rule, then counts the rest.
ROWS_PER_RULE = 5
# Excel counts days from 1899-12-30; serials beyond 9999-12-31 are no dates at all.
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_LAST_SERIAL = 2958465
SERIAL_TEXT = re.compile(r"\d+(?:\.\d+)?")
# UTF-8 bytes of accented letters shown one byte per character (Latin-1 or Windows-1252):
# "é" -> "Ã©", "à" -> "Ã\xa0" (often "Ã "), "É" -> "Ã‰", nbsp -> "Â\xa0", "’" -> "â€™",
# "œ" -> "Å“". Correct French text never has "Ã"/"Â" before such a character.
WINDOWS_1252_HIGH = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
MOJIBAKE = re.compile(f"[ÃÂ][\u0080-\u00bf{WINDOWS_1252_HIGH}]|Ã |â€|Å[“’]")

# The step failure's metadata naming the rejection report in the quarantine.
REPORT_METADATA = "rapport"
# The rules as an analyst reads them, in one place (French: the analyst's language).
NO_RESPONDENT = "le fichier ne contient aucun répondant"
MISSING_VARIABLE = "variable obligatoire absente"
UNKNOWN_VARIABLE = "variable absente du codebook (conservée, non utilisée)"
DUPLICATE_ID = "identifiant du répondant absent ou en double"
UNKNOWN_CODE = "code absent du codebook pour {name}"
UNKNOWN_REGION = "ce n'est pas un code INSEE de région métropolitaine"
UNKNOWN_DEPARTMENT = "ce n'est pas un code INSEE de département métropolitain ('2A'/'2B', pas '20')"
DEPARTMENT_OUTSIDE = "le département n'est pas dans la région du répondant"
BAD_WEIGHT = "le poids doit être un nombre fini supérieur à 0"
OTHER_WAVE = "la vague diffère de celle du dossier et du codebook ({wave})"
SERIAL_DATE = "date enregistrée comme numéro de série Excel (formatez la colonne en date)"
NOT_A_DATE = "ce n'est pas une date (attendu AAAA-MM-JJ)"
GARBLED_TEXT = (
    "texte qui semble lu en Latin-1 au lieu d'UTF-8 (caractères corrompus) ; "
    "réexportez le fichier en UTF-8 ou déclarez son encodage"
)
# How the report names the record a row holds, by ``Problem.record_kind``.
RECORD_NAMES = {
    "respondent": "répondant",
    "case": "cas",
    "catalyst": "catalyseur",
    "indicator": "indicateur",
}


@dataclass(frozen=True)
class Problem:
    """One breach of the contract, where it happened."""

    rule: str
    variable: str | None = None
    row: int | None = None
    respondent: str | None = None
    value: object = None
    # What the identifier identifies: a survey respondent, or a case or catalyst of the export.
    record_kind: str = "respondent"

    def describe(self, file: Path) -> str:
        """``fichier, ligne 5 (répondant 5), variable REGION : règle (valeur 99)``."""
        where = [str(file)]
        if self.row is not None:
            kind = RECORD_NAMES.get(self.record_kind, self.record_kind)
            who = f" ({kind} {self.respondent})" if self.respondent is not None else ""
            where.append(f"ligne {self.row}{who}")
        if self.variable is not None:
            where.append(f"variable {self.variable}")
        value = "" if self.value is None else f" (valeur {self.value!r})"
        return f"{', '.join(where)} : {self.rule}{value}"


@dataclass
class ConformanceReport:
    """The outcome of the door checks on one delivered file."""

    file: Path
    codebook: Path
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """Only warnings (or nothing) were found."""
        return not self.problems

    def headline(self) -> str:
        """The first problem, in one line: what an analyst reads first."""
        first = self.problems[0].describe(self.file)
        more = len(self.problems) - 1
        return f"{first} (et {more} autre(s) problème(s), ci-dessous)" if more else first

    def text(self) -> str:
        """The report a person reads: problems grouped by rule, the first rows of each."""
        verdict = "accepté" if self.accepted else "REFUSÉ"
        lines = [f"{self.file} : {verdict} au regard de {self.codebook}"]
        for title, items in (("problème", self.problems), ("avertissement", self.warnings)):
            by_rule: dict[tuple[str, str | None], list[Problem]] = {}
            for item in items:
                by_rule.setdefault((item.rule, item.variable), []).append(item)
            for group in by_rule.values():
                lines += [f"- {title}: {p.describe(self.file)}" for p in group[:ROWS_PER_RULE]]
                if len(group) > ROWS_PER_RULE:
                    lines.append(
                        f"  … et {len(group) - ROWS_PER_RULE} autre(s) ligne(s) du même type"
                    )
        return "\n".join(lines)


class DeliveryRejected(Exception):
    """A delivery that breaks its contract; ``report`` says every way it does."""

    def __init__(self, report: ConformanceReport, written_to: Path):
        super().__init__(f"{report.headline()}\n{report.text()}\n(rapport écrit dans {written_to})")
        self.report = report
        self.written_to = written_to


def quarantine(report: ConformanceReport, sha256: str, quarantine_dir: Path) -> Path:
    """Write the rejection report under the quarantine folder, named after the file and its
    hash: the delivered file itself is left where it is, untouched."""
    entry = quarantine_dir / report.file.parent / f"{report.file.name}.{sha256[:12]}.rejected.txt"
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(f"{report.text()}\nSHA-256 {sha256}\n", encoding="utf-8")
    return entry


def check_survey(
    file: Path, data: pd.DataFrame, codebook: Codebook, first_row: int = 1
) -> ConformanceReport:
    """Every door rule on a delivered survey table; ``first_row`` is the number of the first
    respondent's row in the file (1 in SPSS, 2 under a spreadsheet's or CSV's header)."""
    report = ConformanceReport(file, codebook.path)
    codebook = codebook.for_delivery(data.columns)
    if data.empty:
        report.problems.append(Problem(NO_RESPONDENT))
        return report
    missing = [v for v in codebook.required_variables() if v not in data.columns]
    report.problems += [Problem(MISSING_VARIABLE, v) for v in missing]
    report.warnings += [
        Problem(UNKNOWN_VARIABLE, column)
        for column in data.columns
        if column not in codebook.known_variables()
    ]
    if missing:
        return report
    ids = data[codebook.respondent_id].map(code_text)
    rules = (
        _duplicate_ids,
        _unknown_codes,
        _regions,
        _departments,
        _weights,
        _wave,
        _dates,
        _mojibake,
    )
    for rule in rules:
        report.problems += [_renumbered(p, first_row) for p in rule(data, ids, codebook)]
    return report


def _renumbered(problem: Problem, first_row: int) -> Problem:
    # Rules count rows from 1; the report speaks of the rows a person sees in the file.
    return replace(problem, row=problem.row + first_row - 1)


def _problems(
    mask: pd.Series,
    ids: pd.Series,
    data: pd.DataFrame,
    variable: str,
    rule: str,
    shown=None,
):
    """One problem per row where ``mask`` holds; ``shown`` turns the value into what the
    report prints (the value itself by default)."""
    shown = shown or _plain
    return [
        Problem(
            rule,
            variable,
            int(position) + 1,
            ids.iloc[position],
            shown(data[variable].iloc[position]),
        )
        for position in mask.to_numpy(dtype=bool).nonzero()[0]
    ]


def _duplicate_ids(data, ids, codebook):
    duplicated = ids.duplicated(keep=False) | ids.isna()
    return _problems(duplicated, ids, data, codebook.respondent_id, DUPLICATE_ID)


def _unknown_codes(data, ids, codebook):
    problems = []
    for coded in (*codebook.design, *codebook.questions):
        values = data[coded.variable]
        # Item non-response (system missing) is allowed; a code the codebook lacks is not.
        unknown = values.notna() & ~values.isin(list(coded.codes))
        problems += _problems(
            unknown, ids, data, coded.variable, UNKNOWN_CODE.format(name=coded.name)
        )
    return problems


def _regions(data, ids, codebook):
    valid = {region.code for region in regions()}
    codes = data[codebook.region].map(code_text)
    return _problems(~codes.isin(valid), ids, data, codebook.region, UNKNOWN_REGION)


def _departments(data, ids, codebook):
    if codebook.department is None:
        return []
    region_of = {d.code: d.region_code for d in departments()}
    codes = data[codebook.department].map(code_text)
    region_codes = data[codebook.region].map(code_text)
    unknown = ~codes.isin(list(region_of))
    # Only where both codes exist: an unknown region is reported once, by its own rule.
    outside = (
        ~unknown
        & region_codes.isin({r.code for r in regions()})
        & (codes.map(region_of) != region_codes)
    )
    return _problems(
        unknown,
        ids,
        data,
        codebook.department,
        UNKNOWN_DEPARTMENT,
    ) + _problems(outside, ids, data, codebook.department, DEPARTMENT_OUTSIDE)


def _weights(data, ids, codebook):
    if codebook.weight is None:
        return []
    weights = pd.to_numeric(data[codebook.weight], errors="coerce")
    bad = ~weights.map(lambda w: isinstance(w, float) and math.isfinite(w) and w > 0)
    return _problems(bad, ids, data, codebook.weight, BAD_WEIGHT)


def _wave(data, ids, codebook):
    if codebook.wave_variable is None:
        return []
    waves = pd.to_numeric(data[codebook.wave_variable], errors="coerce")
    return _problems(
        waves != codebook.wave,
        ids,
        data,
        codebook.wave_variable,
        OTHER_WAVE.format(wave=codebook.wave),
    )


def _dates(data, ids, codebook):
    problems = []
    for variable in codebook.date_variables():
        values = data[variable]
        if pd.api.types.is_datetime64_any_dtype(values):
            continue
        serial = values.map(lambda v: _serial_date(v) is not None)
        not_date = values.map(lambda v: not _missing(v) and parse_date(v) is None) & ~serial
        problems += _problems(
            serial,
            ids,
            data,
            variable,
            SERIAL_DATE,
            shown=_SerialDate.of,
        ) + _problems(not_date, ids, data, variable, NOT_A_DATE)
    return problems


def _mojibake(data, ids, codebook):
    problems = []
    for variable in data.columns:
        values = data[variable]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        garbled = values.map(lambda v: isinstance(v, str) and MOJIBAKE.search(v) is not None)
        problems += _problems(
            garbled,
            ids,
            data,
            variable,
            GARBLED_TEXT,
        )
    return problems


@dataclass(frozen=True)
class _SerialDate:
    """An Excel serial as the report shows it: the number and the date it stands for."""

    serial: object
    day: date

    @classmethod
    def of(cls, value) -> _SerialDate:
        return cls(_plain(value), _serial_date(value))

    def __repr__(self) -> str:
        return f"{self.serial!r}, soit le {self.day.isoformat()}"


def _serial_date(value) -> date | None:
    """The day an Excel serial number (a number, or text of digits) stands for, else None."""
    if isinstance(value, str) and SERIAL_TEXT.fullmatch(value.strip()):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or _missing(value):
        return None
    if not 1 <= value <= EXCEL_LAST_SERIAL:
        return None
    return (EXCEL_EPOCH + timedelta(days=float(value))).date()


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _plain(value):
    """Numpy scalars as Python ones, whole floats as ints: SPSS stores every code as a float."""
    if isinstance(value, float):
        value = float(value)
        return int(value) if value.is_integer() else value
    return value
