"""Whether an estimate may be published, from how many respondents and how much precision.

An estimate is suppressed when it rests on fewer than ``MIN_RESPONDENTS`` respondents or, the
design having eaten its precision, on an effective sample size below ``MIN_EFFECTIVE_N``. It is
published with a fragility flag while it rests on fewer than ``ROBUST_RESPONDENTS`` respondents.
"""

from __future__ import annotations

import math
from enum import StrEnum

# Below this many respondents an estimate is not shown.
MIN_RESPONDENTS = 30
# Below this effective sample size (n / design effect) an estimate is not shown either.
MIN_EFFECTIVE_N = 30
# From MIN_RESPONDENTS up to (not including) this many respondents, an estimate is fragile.
ROBUST_RESPONDENTS = 100


class PublicationStatus(StrEnum):
    """How an estimate may appear in a report; compares equal to its string value."""

    SUPPRESSED = "suppressed"
    FRAGILE = "fragile"
    PUBLISHED = "published"


def publication_status(n: int, n_effective: float) -> PublicationStatus:
    """Status of an estimate from ``n`` respondents with effective sample size ``n_effective``.

    An undefined (NaN) effective size suppresses: precision that cannot be established is not
    vouched for.
    """
    if n < MIN_RESPONDENTS or math.isnan(n_effective) or n_effective < MIN_EFFECTIVE_N:
        return PublicationStatus.SUPPRESSED
    if n < ROBUST_RESPONDENTS:
        return PublicationStatus.FRAGILE
    return PublicationStatus.PUBLISHED
