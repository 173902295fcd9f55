"""Every IMPACT indicator of the catalogue, for France and each region, wave by wave: weighted
estimate, Taylor-linearised standard error, Korn–Graubard interval, n, effective n, design
effect, publication status, and the design-based comparisons.

The formulas are those of ``orchestration.statistics``; which respondents and answers each
indicator is about is ``orchestration.transform.indicators``.
"""

from orchestration.transform.indicators import estimate_all


def model(dbt, session):
    dbt.config(materialized="table")
    catalogue = dbt.ref("indicator_catalogue").df()
    respondents = dbt.ref("int_survey_weights").df()
    answers = (
        dbt.ref("stg_survey_answers")
        .filter("role = 'question'")
        .select("study, wave, respondent_id, question, option, answer")
        .df()
    )
    regions = dbt.ref("regions").df()
    return estimate_all(catalogue, respondents, answers, sorted(regions["reg"]))
