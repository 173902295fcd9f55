"""How a run executes its steps: one after the other, in the run's own process.

Every step that opens the warehouse takes its turn in the ``warehouse`` pool anyway (one
DuckDB writer), and the renders parallelise inside their step (one render per core), so a
process per step bought no parallelism worth its cost: about 1 s to start each of a full
refresh's ~20 steps, and 6 s for a forkserver to import the code location and GX first. In
the run's process, the code location is already loaded and GX is imported once, by the first
quality step. The pool still serialises warehouse steps across runs (two runs at once).
"""

import dagster as dg

run_executor = dg.in_process_executor
