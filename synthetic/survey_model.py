"""The vocabulary of a study's truth model: how its sample is drawn, weighted and answers.

Everything here speaks canonical names (those on the right of the codebooks). The delivered
variable names and codes come from the wave's codebook when the file is written
(``synthetic.surveys``), so the codebook and the file can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from synthetic.geography import regions

# Answers that count as "positive" (necessary, agree, yes): effects move mass into them.
POSITIVE = ("incontournable", "utile", "tout_a_fait", "plutot", "oui")
NSP = "nsp"

Distribution = Mapping[str, float]
# Shifts of the positive share, in log-odds, by variable then value ("region": {"76": 0.2}).
Effects = Mapping[str, Mapping[str, float]]


def shares(parts: Mapping[str, float], of: float = 100) -> dict[str, float]:
    """Parts (percentages by default) as probabilities; they must add up to ``of``."""
    total = sum(parts.values())
    if abs(total - of) > 1e-9:
        raise ValueError(f"parts add up to {total}, not {of}: {dict(parts)}")
    return {value: part / of for value, part in parts.items()}


def necessity_scale(
    incontournable, utile, secondaire, inutile, contre_productif, nsp, of=100
) -> dict[str, float]:
    """The « jouer collectif » scale, in percent (or parts of ``of``)."""
    return shares(
        {
            "incontournable": incontournable,
            "utile": utile,
            "secondaire": secondaire,
            "inutile": inutile,
            "contre_productif": contre_productif,
            NSP: nsp,
        },
        of,
    )


def agreement_scale(tout_a_fait, plutot, plutot_pas, pas_du_tout, nsp) -> dict[str, float]:
    """The four-point agreement scale plus « ne sait pas », in percent."""
    return shares(
        {
            "tout_a_fait": tout_a_fait,
            "plutot": plutot,
            "plutot_pas": plutot_pas,
            "pas_du_tout": pas_du_tout,
            NSP: nsp,
        }
    )


def yes_no(oui: float, nsp: float = 0) -> dict[str, float]:
    """Yes / no (/ « ne sait pas » when ``nsp`` is given), in percent."""
    parts = {"oui": oui, "non": 100 - oui - nsp}
    return shares({**parts, NSP: nsp} if nsp else parts)


@dataclass(frozen=True)
class Single:
    """A single-answer question: its national distribution (population, not sample).

    ``effects`` move the positive share up or down by region or by respondent profile, then
    the whole is re-centred so the weighted national share stays the one given. ``base``
    restricts who is asked (others stay empty); ``implied`` gives the answer of the rows where
    another variable already says it (``("partenariat_entreprise", "oui", "oui")``).
    """

    name: str
    answers: Distribution
    effects: Effects = field(default_factory=dict)
    base: Mapping[str, str] = field(default_factory=dict)
    implied: tuple[str, str, str] | None = None
    nonresponse: float = 0.0

    def items(self) -> tuple[Single, ...]:
        """The delivered variables this question fills (itself)."""
        return (self,)


@dataclass(frozen=True)
class Multiple:
    """A multi-answer question: the share ticking each option, among those asked (``base``).

    With ``at_least_one``, nobody asked ticks nothing: options are drawn a little less often,
    then those who ticked none get one, so that each option ends at its share.
    """

    name: str
    options: Mapping[str, float]
    base: Mapping[str, str] = field(default_factory=dict)
    at_least_one: bool = True

    def items(self) -> tuple[Single, ...]:
        """One ticked-or-not item per option, named ``question/option`` as in the codebook."""
        return tuple(
            Single(f"{self.name}/{option}", {"oui": share, "non": 1 - share}, base=self.base)
            for option, share in self.drawing_shares().items()
        )

    def drawing_shares(self) -> dict[str, float]:
        """How often each option is drawn before those who ticked none get one."""
        targets = np.array(list(self.options.values())) / 100
        drawn = targets.copy()
        for _ in range(100 if self.at_least_one else 0):
            none = np.prod(1 - drawn)
            drawn = targets / (1 + none / drawn.sum())
        return dict(zip(self.options, drawn.tolist(), strict=True))


@dataclass(frozen=True)
class Scores:
    """A grid of scores from 0 to 10, one per option (``synthetic.priorities`` draws it).

    Each option has a national mean score, moved by region (``by_region``: region → option →
    points). A respondent's scores move together (``shared``: the spread of a personal level
    common to every option) around each option's own noise (``spread``); ``nsp`` is the share
    of « ne sait pas » per item.
    """

    name: str
    means: Mapping[str, float]
    by_region: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    shared: float = 1.3
    spread: float = 1.8
    nsp: float = 0.03

    def items(self) -> tuple[Single, ...]:
        """One item per option, named ``question/option`` as in the codebook."""
        return tuple(Single(f"{self.name}/{option}", {}) for option in self.means)


@dataclass(frozen=True)
class Cited:
    """Up to a few options cited by each respondent (``synthetic.priorities`` draws it).

    ``appeal`` gives each option's pull, multiplied by region (``by_region``: region → option
    → factor); ``how_many`` the probability of citing 1, 2, 3… options.
    """

    name: str
    appeal: Mapping[str, float]
    how_many: Mapping[int, float]
    by_region: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def items(self) -> tuple[Single, ...]:
        """One cited-or-not item per option, named ``question/option`` as in the codebook."""
        return tuple(Single(f"{self.name}/{option}", {}) for option in self.appeal)


@dataclass(frozen=True)
class Design:
    """A quota or stratification variable, as the sample is spread over it.

    ``given`` names a variable drawn before it; ``by_given`` then holds one distribution per
    value of that variable (``sample`` for values it does not list).
    """

    name: str
    sample: Distribution
    given: str | None = None
    by_given: Mapping[str, Distribution] = field(default_factory=dict)


@dataclass(frozen=True)
class Margin:
    """A raking target: population shares of a variable, or of crossed variables (keys
    ``"homme|18-24"``)."""

    variables: tuple[str, ...]
    targets: Mapping[str, float]


@dataclass(frozen=True)
class Stratum:
    """Interviews of one stratum: how many, spread over regions (each getting at least
    ``floor``), with design values fixed for the whole stratum.

    Quota samples hit their regional quotas (largest remainders); samples drawn from a register
    (``random_regions``) end with whatever completes each region gave (multinomial).
    """

    size: int
    region_shares: Mapping[str, float]
    floor: int = 0
    fixed: Mapping[str, str] = field(default_factory=dict)
    random_regions: bool = False


@dataclass(frozen=True)
class Fieldwork:
    """When interviews happened. Online panels fill fast: ``daily_decline`` is the relative
    drop of completes from one day to the next; telephone centres work on weekdays."""

    start: date
    end: date
    weekdays_only: bool = False
    daily_decline: float = 0.0


@dataclass(frozen=True)
class Extra:
    """A delivered variable the codebook keeps raw (``other``): its label and how it is made
    from the respondent's canonical values."""

    label: str
    make: Callable[[pd.DataFrame, np.random.Generator], pd.Series]


@dataclass(frozen=True)
class StudyModel:
    """The truth model of one study wave, and the file format the institute delivered."""

    study: str
    wave: int
    suffix: str
    seed: int
    strata: tuple[Stratum, ...]
    fieldwork: Fieldwork
    design: tuple[Design, ...] = ()
    questions: tuple[Single | Multiple, ...] = ()
    # Questions a codebook declares optional (issue 17), drawn last from a random stream of
    # their own, so the rest of the delivery is the same with them or without them.
    optional_questions: tuple[Scores | Cited, ...] = ()
    # Raking margins of the institute's weight; empty when the study delivers no weight.
    margins: tuple[Margin, ...] = ()
    extras: Mapping[str, Extra] = field(default_factory=dict)
    # Wave-specific labels: roles ("region", "weight"...) and question wordings.
    labels: Mapping[str, str] = field(default_factory=dict)
    first_id: int = 1

    @property
    def relative_path(self) -> str:
        """Where the delivery goes under the drop zone."""
        return f"surveys/{self.study}/{self.wave}/{self.study}_{self.wave}{self.suffix}"

    @property
    def size(self) -> int:
        """Number of respondents."""
        return sum(stratum.size for stratum in self.strata)


def population_shares(boost: Mapping[str, float] | None = None) -> dict[str, float]:
    """Each region's share of the population, optionally multiplied by a factor per region."""
    boost = boost or {}
    weighted = {r.code: r.population * boost.get(r.code, 1.0) for r in regions()}
    total = sum(weighted.values())
    return {code: value / total for code, value in weighted.items()}


def region_margin() -> Margin:
    """Raking to each region's share of the population."""
    return Margin(("region",), population_shares())
