"""How a run starts its step processes: forked from a server that imported everything once.

With the default ``spawn``, each of a full refresh's ~25 step processes imports Dagster, the
code location and, for the seven quality steps, Great Expectations (3 to 6 s each) again.
A forkserver imports them once per run and forks every step from that state. Nothing here opens
the warehouse, so forked steps hold no connection.
"""

import dagster as dg

# Modules the forkserver imports once; ``gx_import`` loads GX with its analytics off.
PRELOADED_MODULES = ["orchestration.definitions", "orchestration.quality.gx_import"]

step_executor = dg.multiprocess_executor.configured(
    {"start_method": {"forkserver": {"preload_modules": PRELOADED_MODULES}}}
)
