"""The shape of a codebook file (keys and types), checked with pydantic before the codebook is
built: a delivered codebook (``raw/surveys/<study>/<wave>/codebook.yml``) is input from outside,
and a list where a name is expected must be refused at the door, not fail later in a reader.
What the shape cannot say (routing, encodings allowed) is checked by ``codebooks.py``. The
errors are worded in French for the analysts who write codebooks."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError

# A canonical value as YAML may read it: « homme », 2000 (a size band), 1.5.
Answer = str | int | float


class _Strict(BaseModel):
    # An unknown key is a typo (« optionnal ») that would otherwise be silently ignored.
    model_config = ConfigDict(extra="forbid")


class CodedSpec(_Strict):
    """A single-answer question or a design variable."""

    variable: str
    codes: dict[float, Answer]
    # A boolean, not any truthy text: « optional: non » must not pass for « yes ».
    optional: StrictBool = False
    asked_if: Any = None  # routing: checked by codebooks.py against the other questions


class MultipleSpec(_Strict):
    """A multi-answer question: one delivered variable per option, sharing the codes."""

    codes: dict[float, Answer]
    options: dict[str, str]
    optional: StrictBool = False
    asked_if: Any = None


class LayoutSpec(_Strict):
    """How a CSV delivery is written (values checked by codebooks.py)."""

    encoding: str = "utf-8"
    delimiter: str | None = None


class CodebookFile(_Strict):
    """Every key a codebook may hold (docs/data-contract.md § 1.3)."""

    study: str
    wave: int
    title: str
    institute: Any = None  # checked by codebooks.py (a non-empty text)
    respondent_id: str
    region: str
    department: str | None = None
    weight: str | None = None
    wave_variable: str | None = None
    fieldwork_date: str | None = None
    design: dict[str, CodedSpec] = {}
    questions: dict[str, CodedSpec] = {}
    multiple: dict[str, MultipleSpec] = {}
    other: list[str] = []
    file: LayoutSpec = LayoutSpec()


# What each pydantic error means to a codebook's author; others keep pydantic's own words.
FRENCH_ERRORS = {
    "missing": "clé absente",
    "extra_forbidden": "clé inconnue",
    "string_type": "doit être un texte",
    "int_type": "doit être un nombre entier",
    "int_parsing": "doit être un nombre entier",
    "int_from_float": "doit être un nombre entier",
    "float_parsing": "doit être un nombre (code)",
    "float_type": "doit être un nombre (code)",
    "dict_type": "doit être une table « clé : valeur »",
    "model_type": "doit être une table « clé : valeur »",
    "model_attributes_type": "doit être une table « clé : valeur »",
    "list_type": "doit être une liste",
    "bool_type": "doit valoir true ou false",
}
# At most this many errors in one message: a codebook of the wrong kind would list hundreds.
SHOWN_ERRORS = 5


def codebook_shape_errors(content: object) -> str | None:
    """The ways ``content`` (a codebook's YAML) breaks the codebook's shape, in French, each
    with its key (``questions.partenariat.variable : doit être un texte``); None if none."""
    try:
        CodebookFile.model_validate(content)
    except ValidationError as error:
        problems = error.errors()
        lines = [_french(problem) for problem in problems[:SHOWN_ERRORS]]
        if len(problems) > SHOWN_ERRORS:
            lines.append(f"et {len(problems) - SHOWN_ERRORS} autre(s)")
        return " ; ".join(lines)
    return None


def _french(problem: dict) -> str:
    # Union members add their type to the location (« codes.1.str »): the key is what counts.
    location = ".".join(str(part) for part in problem["loc"] if part not in ("str", "int", "float"))
    return f"{location or 'codebook'} : {FRENCH_ERRORS.get(problem['type'], problem['msg'])}"
