"""Dagster code location of the IMPACT Observatoire pipeline."""
