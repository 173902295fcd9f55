"""Codebooks: per study and wave, the map from delivered variables and codes to canonical ones.

Waves rename variables and recode answers; the codebook (``codebooks/<study>/<wave>.yml`` in
the repository, or ``codebook.yml`` delivered in the wave's folder) absorbs that, so the code
reads canonical names only. The format is documented in ``docs/data-contract.md`` § 1.3.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from orchestration.ingest.codebook_schema import codebook_shape_errors
from orchestration.settings import PROJECT_ROOT

CODEBOOKS_DIR = PROJECT_ROOT / "codebooks"
# A wave may be delivered with its codebook beside its data file: a new wave needs no commit.
DELIVERED_CODEBOOK = "codebook.yml"
# Far above any real codebook (the largest shipped one is a few kB): a bigger file is refused
# before YAML reads it into memory.
MAX_CODEBOOK_BYTES = 2**20
ENCODINGS = ("utf-8", "latin-1")
DELIMITERS = (";", ",")


@dataclass(frozen=True)
class FileLayout:
    """How a text (CSV) delivery is written; SPSS and Excel files carry their own encoding."""

    encoding: str = "utf-8"
    # None: detected from the header line (";" or ",").
    delimiter: str | None = None


@dataclass(frozen=True)
class CodedVariable:
    """A categorical variable: canonical name, delivered name, and code → canonical value.

    A multi-answer question is delivered as one variable per option: each is a CodedVariable
    with the question's ``name`` and its own ``option`` (``None`` for single-answer questions).
    An ``optional`` question may be left out of a delivery (all its variables absent); when
    delivered, it is held to its codes like any other.
    """

    name: str
    variable: str
    codes: dict[float, str]
    option: str | None = None
    optional: bool = False

    @property
    def label(self) -> str:
        """``question`` or ``question/option``, as messages name it."""
        return self.name if self.option is None else f"{self.name}/{self.option}"


@dataclass(frozen=True)
class Codebook:
    """What a study wave's delivery must contain and what its codes mean."""

    path: Path
    study: str
    wave: int
    title: str
    layout: FileLayout
    respondent_id: str
    region: str
    department: str | None
    weight: str | None
    wave_variable: str | None
    fieldwork_date: str | None
    design: tuple[CodedVariable, ...]
    questions: tuple[CodedVariable, ...]
    other: tuple[str, ...]
    # Routing: question → {filter question: canonical answers that lead to it}. A question
    # asked of everyone is absent; one asked of part of the sample is empty for the others.
    asked_if: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)
    # The survey institute that ran the wave, as the programme's own publications name it;
    # None when they do not say (a report's source line then names no institute).
    institute: str | None = None

    def asked(self, question: str) -> dict[str, frozenset[str]]:
        """Who is asked ``question``: each filter question and the answers to it that lead to
        the question (all filters must hold); ``{}`` when it is asked of everyone."""
        return self.asked_if.get(question, {})

    def required_variables(self) -> list[str]:
        """Every delivered variable the codebook names (all must be present)."""
        named = [
            self.respondent_id,
            self.region,
            self.department,
            self.weight,
            self.wave_variable,
            self.fieldwork_date,
        ]
        coded = [v.variable for v in (*self.design, *self.questions)]
        return [name for name in named if name] + coded

    def known_variables(self) -> set[str]:
        """Required variables plus those delivered but deliberately not mapped."""
        return set(self.required_variables()) | set(self.other)

    def for_delivery(self, columns: Iterable[str]) -> Codebook:
        """The codebook as it applies to a delivery of these ``columns``: an optional question
        none of whose variables is delivered is left out; one delivered in part stays, so its
        missing variables are reported like any other."""
        delivered = set(columns)
        return self.answering({v.name for v in self.questions if v.variable in delivered})

    def answering(self, questions: Iterable[str]) -> Codebook:
        """The codebook without the optional questions not among ``questions`` (those a
        delivery left out, e.g. read back from its answers)."""
        kept = set(questions)
        return replace(
            self,
            questions=tuple(v for v in self.questions if not v.optional or v.name in kept),
        )

    def date_variables(self) -> tuple[str, ...]:
        """Variables that must hold dates (not numbers such as Excel serials)."""
        return (self.fieldwork_date,) if self.fieldwork_date else ()


# A malformed codebook's errors, in the language of the analysts who write codebooks.
MALFORMED = "{path} : codebook mal formé, clé absente ou erronée {error}"
SHAPE = "{path} : codebook mal formé, {errors}"
BAD_INSTITUTE = "institute doit être un texte non vide, pas {value!r}"
BAD_CHOICE = "{key} doit valoir l'une de ces valeurs {allowed}, pas {value!r}"
BAD_FILTERS = "{key} doit associer des questions filtres à des listes de réponses, pas {spec!r}"
NOT_A_FILTER = (
    "{key} : ce n'est pas une autre question à réponse unique ni une variable de plan du codebook"
)
BAD_OPTIONAL = "{key} doit valoir true ou false, pas {value!r}"
BAD_ANSWERS = "{key} doit lister les réponses qui mènent à la question, pas {answers!r}"
UNKNOWN_ANSWERS = "{key} : {unknown} ne figure(nt) pas parmi ses réponses {values}"


TOO_LARGE = "codebook {path} : plus de {limit} octets, ce n'est pas un codebook"
NOT_YAML = "codebook {path} illisible (YAML en UTF-8 attendu) : {error}"


def codebook_path(study: str, wave: int) -> Path:
    """Where the codebook of a study wave lives."""
    return CODEBOOKS_DIR / study / f"{wave}.yml"


def codebook_label(path: Path) -> str:
    """How the files table and the messages name a codebook: ``codebooks/citoyens/2020.yml``
    in the repository, ``surveys/citoyens/2021/codebook.yml`` when delivered with its wave."""
    if path.is_relative_to(CODEBOOKS_DIR):
        return path.relative_to(PROJECT_ROOT).as_posix()
    return "/".join(path.parts[-4:])


def read_codebook_text(path: Path) -> object:
    """A codebook file's YAML content; ValueError naming the file if it is too large or not
    YAML."""
    if path.stat().st_size > MAX_CODEBOOK_BYTES:
        raise ValueError(TOO_LARGE.format(path=path, limit=MAX_CODEBOOK_BYTES))
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise ValueError(NOT_YAML.format(path=path, error=error)) from error


def load_codebook(path: Path) -> Codebook:
    """Read a codebook; a malformed one raises ValueError naming the file and the key."""
    content = read_codebook_text(path)
    shape = codebook_shape_errors(content)
    if shape is not None:
        raise ValueError(SHAPE.format(path=path, errors=shape))
    try:
        design = _coded(content.get("design", {}), "design")
        questions = _coded(content.get("questions", {})) + _multiple(content.get("multiple", {}))
        return Codebook(
            path=path,
            study=str(content["study"]),
            wave=int(content["wave"]),
            title=str(content["title"]),
            layout=_layout(content.get("file", {})),
            respondent_id=content["respondent_id"],
            region=content["region"],
            department=content.get("department"),
            weight=content.get("weight"),
            wave_variable=content.get("wave_variable"),
            fieldwork_date=content.get("fieldwork_date"),
            design=design,
            questions=questions,
            other=tuple(content.get("other", [])),
            asked_if=_routing(content, design + questions),
            institute=_institute(content.get("institute")),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise ValueError(MALFORMED.format(path=path, error=error)) from error


def _institute(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(BAD_INSTITUTE.format(value=value))
    return value.strip()


def _layout(section: dict) -> FileLayout:
    layout = FileLayout(**section)
    if layout.encoding not in ENCODINGS:
        raise ValueError(
            BAD_CHOICE.format(key="file.encoding", allowed=ENCODINGS, value=layout.encoding)
        )
    if layout.delimiter not in (None, *DELIMITERS):
        raise ValueError(
            BAD_CHOICE.format(key="file.delimiter", allowed=DELIMITERS, value=layout.delimiter)
        )
    return layout


def _codes(spec: dict) -> dict[float, str]:
    return {float(code): str(value) for code, value in spec.items()}


def _coded(section: dict, key: str = "questions") -> tuple[CodedVariable, ...]:
    return tuple(
        CodedVariable(
            name=name,
            variable=spec["variable"],
            codes=_codes(spec["codes"]),
            optional=_optional(f"{key}.{name}.optional", spec),
        )
        for name, spec in section.items()
    )


def _multiple(section: dict) -> tuple[CodedVariable, ...]:
    # One delivered variable per option, all sharing the question's codes (ticked or not).
    return tuple(
        CodedVariable(
            name=name,
            variable=variable,
            codes=_codes(spec["codes"]),
            option=option,
            optional=_optional(f"multiple.{name}.optional", spec),
        )
        for name, spec in section.items()
        for option, variable in spec["options"].items()
    )


def _optional(key: str, spec: dict) -> bool:
    # A boolean, not any truthy text: « optional: non » must not pass for « yes ».
    value = spec.get("optional", False)
    if not isinstance(value, bool):
        raise ValueError(BAD_OPTIONAL.format(key=key, value=value))
    return value


def _routing(
    content: dict, coded: tuple[CodedVariable, ...]
) -> dict[str, dict[str, frozenset[str]]]:
    # Filters are single-answer variables: a multi-answer question's name covers several.
    filters = {v.name: frozenset(v.codes.values()) for v in coded if v.option is None}
    return {
        name: _asked_if(f"{section}.{name}.asked_if", spec["asked_if"], filters, name)
        for section in ("questions", "multiple")
        for name, spec in content.get(section, {}).items()
        if "asked_if" in spec
    }


def _asked_if(
    key: str, spec, filters: dict[str, frozenset[str]], question: str
) -> dict[str, frozenset[str]]:
    # ``{partenariat: [oui]}``: each filter question, with the answers that lead to the question.
    if not isinstance(spec, dict) or not spec:
        raise ValueError(BAD_FILTERS.format(key=key, spec=spec))
    return {
        str(name): _leading_answers(
            f"{key}.{name}", answers, None if name == question else filters.get(str(name))
        )
        for name, answers in spec.items()
    }


def _leading_answers(key: str, answers, values: frozenset[str] | None) -> frozenset[str]:
    if values is None:
        raise ValueError(NOT_A_FILTER.format(key=key))
    if not isinstance(answers, list) or not answers:
        raise ValueError(BAD_ANSWERS.format(key=key, answers=answers))
    unknown = [answer for answer in answers if str(answer) not in values]
    if unknown:
        raise ValueError(UNKNOWN_ANSWERS.format(key=key, unknown=unknown, values=sorted(values)))
    return frozenset(str(answer) for answer in answers)


def code_text(value) -> str | None:
    """Codes as text: 11.0 -> '11'. Departments must be delivered as text ('01', '2A')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
