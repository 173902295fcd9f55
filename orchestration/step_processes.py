"""How a run starts its step processes: forked from a server that imported everything once.

With the default ``spawn``, each of a full refresh's ~25 step processes imports Dagster, the
code location and, for the seven quality steps, Great Expectations (3 to 6 s each) again.
A forkserver imports them once per run and forks every step from that state. Nothing here opens
the warehouse, so forked steps hold no connection.

The executor also starts a run's warehouse steps one at a time (their ``OPENS_WAREHOUSE`` tag),
in the order of the graph. The ``warehouse`` pool still serialises them across runs, but a step
waiting on the pool polls it with a growing back-off (1 s, 1.1 s, ... up to 15 s), so after a
long wait it started seconds after the slot was free: about 1 to 3 s lost per step, 15 s of a
full refresh. Held back by the executor instead, a step claims the pool when it may start.
"""

import dagster as dg

from orchestration.warehouse import OPENS_WAREHOUSE

# Modules the forkserver imports once; ``gx_import`` loads GX with its analytics off.
PRELOADED_MODULES = ["orchestration.definitions", "orchestration.quality.gx_import"]

step_executor = dg.multiprocess_executor.configured(
    {
        "start_method": {"forkserver": {"preload_modules": PRELOADED_MODULES}},
        "tag_concurrency_limits": [
            {"key": key, "value": value, "limit": 1} for key, value in OPENS_WAREHOUSE.items()
        ],
    }
)
