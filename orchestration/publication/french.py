"""Numbers, percentages and dates written the French way, for everything a reader sees.

Decimal comma; a narrow no-break space (U+202F) between thousands and before « % »; dates
« 26 novembre 2026 ». Missing values are never written as « nan » or « None »: callers decide
what a missing value reads as (« n.s. », a dash).

Kept rather than Babel's ``fr_FR`` formats: Babel rounds the decimal string half to even
(0,05 → « 0,0 ») where the statisticians' reference figures (R's ``sprintf``, Python's
``format``) round the binary value, and it writes « 1 décembre » where French style wants
« 1er décembre ».
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _require_number(value: float) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError("a missing value has no French spelling: decide how to show it")


def integer(value: int) -> str:
    """3000 -> « 3 000 » (narrow no-break space between thousands)."""
    _require_number(value)
    return f"{int(round(value)):,}".replace(",", NARROW_NBSP)


def decimal(value: float, digits: int = 1) -> str:
    """1.0372 -> « 1,04 » with ``digits=2``; thousands grouped as in :func:`integer`."""
    _require_number(value)
    text = f"{value:,.{digits}f}".replace(",", NARROW_NBSP)
    return text.replace(".", ",")


def percent(share: float, digits: int = 1) -> str:
    """0.8123 -> « 81,2 % » (a share in [0, 1] written as a percentage)."""
    return decimal(share * 100, digits) + f"{NARROW_NBSP}%"


def points(difference: float, digits: int = 1) -> str:
    """A difference of shares in percentage points, signed: 0.052 -> « +5,2 points »."""
    _require_number(difference)
    sign = "+" if difference > 0 else "−" if difference < 0 else ""
    return f"{sign}{decimal(abs(difference) * 100, digits)}{NBSP}point" + (
        "s" if abs(difference * 100) >= 2 else ""
    )


def date(day: dt.date) -> str:
    """2026-11-01 -> « 1er novembre 2026 »."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def quoted(text: str) -> str:
    """« text », with the no-break spaces French typography puts inside the quotes."""
    return f"«{NBSP}{text}{NBSP}»"


def counted(count: int, one: str, many: str, none: str) -> str:
    """« aucun catalyseur territorial », « 1 catalyseur territorial », « 10 catalyseurs
    territoriaux »: a count with its noun agreed (``none`` is the whole text for zero, since
    « aucun » / « aucune » agrees in gender)."""
    if count == 0:
        return none
    return f"{integer(count)} {one if count == 1 else many}"


def alphabetical(name: str) -> str:
    """A sort key putting names in French dictionary order: accents do not count, so
    « Île-de-France » comes after « Hauts-de-France », not after every unaccented name."""
    decomposed = unicodedata.normalize("NFD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
