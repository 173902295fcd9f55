"""Imported by the step forkserver (``orchestration.step_processes``) so that quality steps
find Great Expectations already loaded. Never imported when the definitions load."""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations  # noqa: E402, F401  (the import is the point)
