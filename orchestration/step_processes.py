"""How a run starts its step processes: forked from a server that imported everything once.

With the default ``spawn``, each of a full refresh's ~25 step processes imports Dagster, the
code location and, for the seven quality steps, Great Expectations (3 to 6 s each) again.
A forkserver imports them once per run and forks every step from that state. Nothing here opens
the warehouse, so forked steps hold no connection.
"""

import dagster as dg

# Modules the forkserver imports once; ``preloaded_gx`` does so with GX analytics off.
PRELOADED_MODULES = ["orchestration.definitions", "orchestration.quality.preloaded_gx"]

step_executor = dg.multiprocess_executor.configured(
    {"start_method": {"forkserver": {"preload_modules": PRELOADED_MODULES}}}
)
