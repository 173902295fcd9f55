"""Great Expectations, imported with its analytics off (GX reads the variable at import).

Quality code imports ``gx`` from here inside its functions, so the definitions load without
GX; the first quality step of a run imports it, and the others, in the same process
(``orchestration.executor``), find it loaded.
"""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402  (after the variable it reads)

__all__ = ["gx"]
