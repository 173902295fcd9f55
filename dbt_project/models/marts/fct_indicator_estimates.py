"""Every IMPACT indicator of the catalogue, for France and each region, wave by wave: weighted
estimate, Taylor-linearised standard error, Korn–Graubard interval, n, effective n, design
effect, publication status, and the design-based comparisons.

The formulas are those of ``orchestration.statistics``; which respondents and answers each
indicator is about is ``orchestration.transform.indicators``. The answers are read one wave at
a time: memory holds one wave's long form, not the whole survey history.
"""

from duckdb import ColumnExpression, ConstantExpression

from orchestration.transform.indicators import estimate_waves, survey_waves


def model(dbt, session):
    dbt.config(materialized="table")
    catalogue = dbt.ref("indicator_catalogue").df()
    respondents = dbt.ref("int_survey_weights").df()
    questions = (
        dbt.ref("stg_survey_answers")
        .filter("role = 'question'")
        .select("study, wave, respondent_id, question, option, answer")
    )

    def answers_of(study: str, wave: int):
        same_wave = (ColumnExpression("study") == ConstantExpression(study)) & (
            ColumnExpression("wave") == ConstantExpression(wave)
        )
        return questions.filter(same_wave).df()

    regions = dbt.ref("regions").df()
    return estimate_waves(catalogue, survey_waves(respondents, answers_of), sorted(regions["reg"]))
