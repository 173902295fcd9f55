"""Diagnostics of the final weights, one row per study and wave: size, weight source, range,
Kish design effect and effective size (:func:`orchestration.statistics.summarise_weights`), and
for raked weights the raking's passes, convergence and number of weights on a trim bound."""

import pandas as pd

from orchestration.statistics import summarise_weights


def _diagnose(group: pd.DataFrame) -> dict:
    summary = summarise_weights(group["weight"].to_numpy(dtype=float))
    sources = group["weight_source"].unique()
    if len(sources) != 1:
        raise ValueError(f"several weight sources in one study wave: {sorted(sources)}")
    raked = sources[0] == "raked"
    return {
        "study": group["study"].iat[0],
        "wave": group["wave"].iat[0],
        "n": summary.n,
        "weight_source": sources[0],
        "weight_total": summary.total,
        "min_weight": summary.min_weight,
        "max_weight": summary.max_weight,
        "weight_ratio": summary.ratio,
        "kish_deff": summary.kish_deff,
        "kish_n_effective": summary.n_effective,
        "raking_iterations": group["raking_iterations"].iat[0] if raked else pd.NA,
        "raking_converged": group["raking_converged"].iat[0] if raked else pd.NA,
        "trimmed_weights": int(group["trimmed"].sum()),
    }


def model(dbt, session):
    dbt.config(materialized="table")
    weights = dbt.ref("int_survey_weights").df()
    rows = [_diagnose(group) for _, group in weights.groupby(["study", "wave"], sort=True)]
    result = pd.DataFrame(rows)
    result["raking_iterations"] = result["raking_iterations"].astype("Int64")
    result["raking_converged"] = result["raking_converged"].astype("boolean")
    return result
