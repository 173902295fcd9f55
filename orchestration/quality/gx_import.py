"""Great Expectations, imported with its analytics off (GX reads the variable at import).

Quality code imports ``gx`` from here inside its functions, so the definitions load without
GX; the step forkserver (``orchestration.step_processes``) preloads this module once per run,
so every quality step finds GX already loaded.
"""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402  (after the variable it reads)

__all__ = ["gx"]
