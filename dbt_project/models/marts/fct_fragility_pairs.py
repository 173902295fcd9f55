"""Every pair of perceived fragility domains of a study wave, for France and each region: the
design-based paired difference of their estimates (the same respondents answer both), its
standard error, p-value and significance at 5 % (``orchestration.transform.fragilities``)."""

from duckdb import ColumnExpression, ConstantExpression

from orchestration.transform.fragilities import fragility_indicators, fragility_pairs
from orchestration.transform.indicators import survey_waves


def model(dbt, session):
    dbt.config(materialized="table")
    catalogue = dbt.ref("indicator_catalogue").df()
    fragilities = fragility_indicators(catalogue)
    respondents = dbt.ref("int_survey_weights").df()
    respondents = respondents[respondents["study"].isin(fragilities["study"])]
    questions = ", ".join(f"'{question}'" for question in fragilities["question"].unique())
    answers = (
        dbt.ref("stg_survey_answers")
        .filter(f"role = 'question' and question in ({questions or 'null'})")
        .select("study, wave, respondent_id, question, option, answer")
    )

    def answers_of(study: str, wave: int):
        same_wave = (ColumnExpression("study") == ConstantExpression(study)) & (
            ColumnExpression("wave") == ConstantExpression(wave)
        )
        return answers.filter(same_wave).df()

    estimates = dbt.ref("fct_indicator_estimates").df()
    # dbt finds a model's refs by reading its code: a ref nested in another call is missed.
    regions = dbt.ref("regions").df()
    waves = survey_waves(respondents, answers_of)
    return fragility_pairs(catalogue, waves, estimates, sorted(regions["reg"]))
