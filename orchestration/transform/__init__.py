"""Transform stage: the dbt project's seeds, models and tests as Dagster assets and checks."""
