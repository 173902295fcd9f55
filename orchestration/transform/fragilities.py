"""Perceived priority fragilities (issue 17): which domains a study's respondents put first.

The same respondents score (or cite) every fragility domain, so two domains are compared by
their design-based paired difference (:func:`orchestration.statistics.compare_paired`), not by
whether their intervals overlap. A region's domains are then ranked in tiers: a boundary
falls between two consecutive domains only where every domain above it is significantly
above every domain below it (5 %); the domains of a tier are « au coude à coude ». These run
inside the dbt Python models ``fct_fragility_pairs`` and ``fct_fragility_ranking``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import combinations

import numpy as np
import pandas as pd

from orchestration.geography import FRANCE_CODE as FRANCE
from orchestration.statistics import compare_paired
from orchestration.transform.indicators import (
    SUPPRESSED,
    Indicator,
    SurveyWave,
    counted_values,
)

# The catalogue section of the perceived fragilities.
FRAGILITIES = "fragilites"
PAIR_COLUMNS = [
    "study",
    "wave",
    "geo_code",
    "indicator_a",
    "indicator_b",
    "domain_a",
    "domain_b",
    "difference",
    "se",
    "df",
    "p_value",
    "significant",
]
RANKING_COLUMNS = [
    "study",
    "wave",
    "geo_code",
    "domain_id",
    "indicator_id",
    "unit",
    "estimate",
    "ci_low",
    "ci_high",
    "status",
    "position",
    "tier",
]


def fragility_indicators(catalogue: pd.DataFrame) -> pd.DataFrame:
    """The catalogue's rows of the fragilities section (one per study and domain)."""
    return catalogue[catalogue["section"] == FRAGILITIES]


def fragility_pairs(
    catalogue: pd.DataFrame,
    waves: Iterable[SurveyWave],
    estimates: pd.DataFrame,
    region_codes: list[str],
) -> pd.DataFrame:
    """Every pair of fragility domains of a study wave, for France and each region: the
    paired difference (first minus second, domains in catalogue order), its SE, design
    degrees of freedom, p-value and significance at 5 %. A domain withheld in a geography
    (``suppressed`` in ``estimates``) is in no pair there: its difference would give it away.
    """
    rows = fragility_indicators(catalogue)
    indicators = [Indicator.from_row(row) for row in rows.to_dict("records")]
    domain_of = dict(zip(rows["indicator_id"], rows["fragility_domain"], strict=True))
    status = estimates.set_index(["indicator_id", "wave", "geo_code"])["status"].to_dict()
    pairs = []
    for wave in waves:
        asked = [
            i for i in indicators if i.study == wave.study and wave.asked(i.question, i.option)
        ]
        values = {i.id: counted_values(i, wave) for i in asked}
        regions = wave.respondents["region_code"].to_numpy()
        for code in [FRANCE, *region_codes]:
            domain = np.ones(len(regions), dtype=bool) if code == FRANCE else regions == code
            shown = [
                i.id for i in asked if status.get((i.id, wave.wave, code), SUPPRESSED) != SUPPRESSED
            ]
            for first, second in combinations(shown, 2):
                tested = compare_paired(values[first], values[second], wave.design, domain)
                pairs.append(
                    [wave.study, wave.wave, code, first, second]
                    + [domain_of[first], domain_of[second]]
                    + [tested.difference, tested.se, tested.df, tested.p_value]
                    + [tested.significant]
                )
    return pd.DataFrame(pairs, columns=PAIR_COLUMNS)


def fragility_ranking(
    catalogue: pd.DataFrame,
    estimates: pd.DataFrame,
    pairs: pd.DataFrame,
    domains: pd.DataFrame,
) -> pd.DataFrame:
    """One row per study wave, geography and domain: the estimate and its interval, its
    position (1 = highest estimate; ties in the domains' display order) and its tier (1 = the
    leading group). A geography with a withheld (suppressed) domain gets no positions nor
    tiers."""
    rows = fragility_indicators(catalogue)[["indicator_id", "fragility_domain"]]
    ranked = estimates.merge(rows, on="indicator_id").rename(
        columns={"fragility_domain": "domain_id"}
    )
    order = dict(zip(domains["domain_id"], domains["display_order"], strict=True))
    ranked = ranked.assign(display_order=ranked["domain_id"].map(order))
    significant = _significance(pairs)
    parts = [
        _ranked_geography(group, significant)
        for _, group in ranked.groupby(["study", "wave", "geo_code"], sort=True)
    ]
    if not parts:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    return pd.concat(parts, ignore_index=True)[RANKING_COLUMNS]


def _significance(pairs: pd.DataFrame) -> Callable[[tuple, str, str], bool]:
    """Whether the paired difference of two domains (either order) is significant."""
    found = {
        (row.study, int(row.wave), row.geo_code, frozenset((row.domain_a, row.domain_b))): bool(
            row.significant
        )
        for row in pairs.itertuples()
    }
    return lambda where, a, b: found.get((*where, frozenset((a, b))), False)


def _ranked_geography(group: pd.DataFrame, significant) -> pd.DataFrame:
    # A geography with a withheld domain is not ranked at all: ranking the others would say
    # where the withheld one is not.
    withheld = (group["status"] == SUPPRESSED) | group["estimate"].isna()
    shown = group.iloc[0:0] if withheld.any() else group
    ordered = shown.sort_values(["estimate", "display_order"], ascending=[False, True])
    first = ordered.iloc[0] if len(ordered) else None
    where = None if first is None else (first["study"], int(first["wave"]), first["geo_code"])
    domains = list(ordered["domain_id"])
    tiers = leading_tiers(domains, lambda a, b: significant(where, a, b))
    position = {domain: rank for rank, domain in enumerate(domains, start=1)}
    tier = dict(zip(domains, tiers, strict=True))
    return group.assign(
        position=group["domain_id"].map(position).astype("Int64"),
        tier=group["domain_id"].map(tier).astype("Int64"),
    ).sort_values(["position", "display_order"], na_position="last")


def leading_tiers(ordered: list[str], significant: Callable[[str, str], bool]) -> list[int]:
    """The tier of each item of ``ordered`` (highest estimate first): a new tier starts
    before an item only when every item above is significantly different from (hence, being
    above, significantly above) every item from it on."""
    tiers = []
    tier = 1
    for cut in range(len(ordered)):
        if cut and all(significant(a, b) for a in ordered[:cut] for b in ordered[cut:]):
            tier += 1
        tiers.append(tier)
    return tiers
