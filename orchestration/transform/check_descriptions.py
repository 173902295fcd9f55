"""French descriptions of the dbt tests, as the UI shows them on their asset checks."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

# The start of a description built for a generic test this module does not know.
UNDESCRIBED = "Test dbt sans description"


def _column(kwargs: Mapping[str, Any]) -> str:
    return f"`{kwargs['column_name']}`"


def _referenced(kwargs: Mapping[str, Any]) -> str:
    """``ref('regions')`` as ``regions``, ``source('raw', 'cases')`` as ``raw.cases``."""
    names = re.findall(r"'([^']+)'", kwargs["to"])
    return ".".join(names) or kwargs["to"]


GENERIC_DESCRIPTIONS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "not_null": lambda kwargs: f"Valeurs non nulles : colonne {_column(kwargs)}",
    "unique": lambda kwargs: f"Valeurs uniques : colonne {_column(kwargs)}",
    "accepted_values": lambda kwargs: (
        f"Valeurs admises dans la colonne {_column(kwargs)} : "
        + ", ".join(str(value) for value in kwargs["values"])
    ),
    "relationships": lambda kwargs: (
        f"Chaque valeur de {_column(kwargs)} existe dans `{_referenced(kwargs)}.{kwargs['field']}`"
    ),
    "unique_combination": lambda kwargs: f"Unicité de ({', '.join(kwargs['columns'])})",
}


def check_description(test: Mapping[str, Any]) -> str:
    """A dbt test's own description if it has one (the singular tests document theirs in
    ``dbt_project/tests/_singular_tests.yml``), else one built from the generic test's name and
    arguments."""
    if (test.get("description") or "").strip():
        return test["description"].strip()
    metadata = test.get("test_metadata") or {}
    describe = GENERIC_DESCRIPTIONS.get(metadata.get("name"))
    if describe is None:
        return f"{UNDESCRIBED} : `{test['name']}`"
    return describe(metadata["kwargs"])
