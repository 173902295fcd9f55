"""Dagster code location of the IMPACT Observatoire pipeline."""

import warnings

# `backfill_policy` (one run for the 13 regions) is a beta parameter of Dagster, used knowingly:
# its warning would otherwise open every `make run` and every process that loads the code.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=Warning)
