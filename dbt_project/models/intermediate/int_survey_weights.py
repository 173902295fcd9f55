"""One final weight per respondent of every study and wave (seed ``studies`` says how).

- ``institute``: the weight delivered by the survey institute, unchanged (the institute has
  already raked and trimmed it; see the codebooks). A missing one fails the build.
- ``raked``: a design weight (population count of the respondent's stratum / respondents in it,
  or population / respondents when the strata variable has no margin) raked to the population
  margins of the reference seeds with the ratio ``weight / base_weight`` bounded by the study's
  ``trim_low``, ``trim_high`` (bounded raking, :func:`orchestration.statistics.rake`). The weights
  then add up to the population (elus: number of communes).
- ``uniform``: weight 1 (fondations: no credible margins; the respondents are taken as they are).

The raking and every formula live in :mod:`orchestration.statistics`; this model only gathers
the inputs. ``trimmed`` flags the weights whose ratio ended on a bound. ``calibration_cells``
names, for a raked weight, the respondent's cell in every margin (``region=84;taille_commune=
moins_2000``): the estimates need them for the variance of calibrated weights (the weights
depend on the sample, and what the margins explain has no sampling variance).
"""

import numpy as np
import pandas as pd

from orchestration.statistics import rake

# Relative tolerance for "the ratio sits on a trim bound".
_ON_BOUND = 1e-6

COLUMNS = [
    "study",
    "wave",
    "respondent_id",
    "region_code",
    "strata",
    "weight",
    "base_weight",
    "weight_source",
    "trimmed",
    "raking_iterations",
    "raking_converged",
    "calibration_cells",
]
# Separators of calibration_cells: cells of a respondent, then margin and category.
CELL_SEPARATOR = ";"
MARGIN_SEPARATOR = "="


def _elus_margins(seeds: dict[str, pd.DataFrame]) -> dict[str, dict[str, float]]:
    """Mayors: the communes, by region (counts) and by commune-size band (national shares
    applied to the same total)."""
    regions = seeds["communes_by_region"]
    by_region = {str(r.reg): float(r.communes) for r in regions.itertuples()}
    total = sum(by_region.values())
    bands = seeds["commune_size_bands"]
    shares = {str(b.taille_commune): float(b.share_of_communes) for b in bands.itertuples()}
    scale = sum(shares.values())
    by_band = {band: total * share / scale for band, share in shares.items()}
    return {"region": by_region, "taille_commune": by_band}


# The population margins of each raked study (the seeds they come from are documented in
# seeds/_seeds.yml and seeds/README.md).
MARGINS = {"elus": _elus_margins}


def _strata_values(group: pd.DataFrame, strata: str | None) -> pd.Series:
    if not strata:
        return pd.Series([None] * len(group), index=group.index, dtype=object)
    if strata == "region":
        return group["region_code"].astype(str)
    if strata not in group.columns or group[strata].isna().any():
        study, wave = group["study"].iat[0], group["wave"].iat[0]
        raise ValueError(f"{study} {wave}: strata variable {strata!r} missing for some respondents")
    return group[strata].astype(str)


def _cells(frame: pd.DataFrame, variables: list[str]) -> list[str]:
    """Each respondent's category in every calibration margin, as one text."""
    labelled = [variable + MARGIN_SEPARATOR + frame[variable].astype(str) for variable in variables]
    return list(pd.concat(labelled, axis=1).agg(CELL_SEPARATOR.join, axis=1))


def _weigh(group: pd.DataFrame, design: pd.Series, seeds: dict[str, pd.DataFrame]) -> pd.DataFrame:
    study, wave = group["study"].iat[0], group["wave"].iat[0]
    out = group[["study", "wave", "respondent_id", "region_code"]].copy()
    out["strata"] = _strata_values(group, design["strata"])
    out["trimmed"] = False
    out["raking_iterations"] = pd.NA
    out["raking_converged"] = pd.NA
    out["calibration_cells"] = None
    source = design["weighting"]
    if source == "institute":
        delivered = group["weight"].to_numpy(dtype=float)
        if not np.all(np.isfinite(delivered) & (delivered > 0)):
            raise ValueError(
                f"{study} {wave}: institute weighting but weights missing, <= 0 or not finite"
            )
        out["base_weight"] = group["weight"].to_numpy(dtype=float)
        out["weight"] = out["base_weight"]
    elif source == "uniform":
        out["base_weight"] = 1.0
        out["weight"] = 1.0
    elif source == "raked":
        if study not in MARGINS:
            raise ValueError(f"{study}: raked weighting but no population margins defined")
        margins = MARGINS[study](seeds)
        frame = pd.DataFrame({"region": group["region_code"].astype(str).to_numpy()})
        for variable in margins:
            if variable != "region":
                frame[variable] = group[variable].astype(str).to_numpy()
        strata = design["strata"]
        if strata in margins:
            # Design weight: population of the stratum / respondents of the stratum.
            counts = frame[strata].map(frame[strata].value_counts())
            base = frame[strata].map(margins[strata]).to_numpy(dtype=float) / counts.to_numpy()
        else:
            base = np.full(len(frame), sum(next(iter(margins.values())).values()) / len(frame))
        trim = (float(design["trim_low"]), float(design["trim_high"]))
        raked = rake(frame, margins, base, trim=trim)
        ratio = raked.weights / base
        out["base_weight"] = base
        out["weight"] = raked.weights
        out["trimmed"] = np.isclose(ratio, trim[0], rtol=_ON_BOUND, atol=0) | np.isclose(
            ratio, trim[1], rtol=_ON_BOUND, atol=0
        )
        out["raking_iterations"] = raked.iterations
        out["raking_converged"] = raked.converged
        out["calibration_cells"] = _cells(frame, list(margins))
    else:
        raise ValueError(f"{study}: unknown weighting {source!r}")
    out["weight_source"] = source
    return out


def model(dbt, session):
    dbt.config(materialized="table")
    respondents = dbt.ref("stg_survey_respondents").df()
    design_answers = (
        dbt.ref("stg_survey_answers")
        .filter("role = 'design' and option is null")
        .project("study, wave, respondent_id, question, answer")
    )
    designs = dbt.ref("studies").df().set_index("study")
    designs["strata"] = designs["strata"].fillna("")
    seeds = {
        "communes_by_region": dbt.ref("communes_by_region").df(),
        "commune_size_bands": dbt.ref("commune_size_bands").df(),
    }
    # One column per design variable, pivoted by DuckDB: pandas' pivot_table of the long form
    # took 10 s for a million respondents (×100 survey data).
    wide = design_answers.query(
        "design_answers",
        "PIVOT design_answers ON question USING first(answer) GROUP BY study, wave, respondent_id",
    ).df()
    frame = respondents.merge(wide, on=["study", "wave", "respondent_id"], how="left")
    frame["region_code"] = frame["region_code"].astype(str)

    parts = []
    for (study, _wave), group in frame.groupby(["study", "wave"], sort=True):
        if study not in designs.index:
            raise ValueError(f"{study}: no row in seed studies")
        parts.append(_weigh(group.reset_index(drop=True), designs.loc[study], seeds))
    result = pd.concat(parts, ignore_index=True)[COLUMNS]
    result["strata"] = result["strata"].astype("string")
    result["raking_iterations"] = result["raking_iterations"].astype("Int64")
    result["raking_converged"] = result["raking_converged"].astype("boolean")
    result["trimmed"] = result["trimmed"].astype(bool)
    result["calibration_cells"] = result["calibration_cells"].astype("string")
    return result
