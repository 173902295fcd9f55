"""How a run executes its steps: one after the other, in the run's own process.

Every step that opens the warehouse takes its turn in the ``warehouse`` pool anyway (one
DuckDB writer), and the renders parallelise inside their step (one render per core), so a
process per step bought no parallelism worth its cost: a process to start for each of a full
refresh's ~20 steps, and a forkserver importing the code location and GX first (the measured
costs are in docs/benchmarks.md, « Timings moved out of the code »). In the run's process, the
code location is already loaded and GX is imported once, by the first quality step. The pool
still serialises warehouse steps across runs (two runs at once).

This is Dagster's in-process executor with three changes, all about a step waiting for its
pool slot:

- Dagster's wait never sleeps (``InstanceConcurrencyContext.interval_to_next_pending_claim_check``
  returns ``min(0, ...)``), so a blocked run spun at 100 % CPU; here it sleeps between checks.
- Dagster captures SIGINT and SIGTERM during a run and acts on them only inside a step's code,
  so a blocked run ignored both; here a signal received while waiting cancels the run, and
  its pending claim is withdrawn.
- The wait says, in the run's log and on the console, which run holds the slot; a holder whose
  process is dead is failed and its slot freed (``orchestration/recovery.py``).

The run also records which process executes it, which is how a dead run is recognised.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import dagster as dg
from dagster._core.definitions.executor_definition import IN_PROC_CONFIG
from dagster._core.errors import DagsterExecutionInterruptedError
from dagster._core.events import DagsterEvent, EngineEventData
from dagster._core.execution.api import ExecuteRunWithPlanIterable
from dagster._core.execution.context.system import PlanExecutionContext, PlanOrchestrationContext
from dagster._core.execution.context_creation_job import PlanExecutionContextManager
from dagster._core.execution.plan.execute_plan import inner_plan_execution_iterator
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._core.execution.plan.plan import ExecutionPlan
from dagster._core.execution.retries import RetryMode
from dagster._core.execution.step_dependency_config import StepDependencyConfig
from dagster._core.executor.in_process import InProcessExecutor
from dagster._utils.interrupts import pop_captured_interrupt

from orchestration.console import echo
from orchestration.recovery import recover_dead_runs, run_worker_event_data, run_worker_message

# How often a waiting run looks for a signal; the pool itself is asked less and less often
# (Dagster's back-off, 1 s up to 15 s).
WAIT_POLL_SECONDS = 0.5
# How often a waiting run looks for dead runs (every run ready to start asks the pool in turn).
SWEEP_SECONDS = 10


class TakingTurns(InstanceConcurrencyContext):
    """Dagster's claim of pool slots for one run, waiting politely (see the module)."""

    def __init__(self, job_context: PlanExecutionContext):
        super().__init__(job_context.instance, job_context.dagster_run)
        self._job_context = job_context
        # The holders last named: every step ready to run asks in turn, and the run says who
        # it waits for once, then again only when that changes.
        self._named: list[str] = []
        self._next_sweep = 0.0

    def claim(self, concurrency_key: str, step_key: str, step_priority: int = 0) -> bool:
        """Dagster's claim, after acting on a signal received meanwhile; when the pool said
        no, log who holds the slot."""
        if pop_captured_interrupt():
            self._cancel(concurrency_key, step_key)
        asked = self._pending_claim_counts[step_key]
        claimed = super().claim(concurrency_key, step_key, step_priority)
        # The count grows only when the pool itself refused (not between two of its checks).
        if not claimed and self._pending_claim_counts[step_key] > asked:
            self._blocked(concurrency_key, step_key)
        return claimed

    def interval_to_next_pending_claim_check(self) -> float:
        """Until the next check of the pool, but short, so that a signal is acted upon."""
        now = time.time()
        waits = [ready_at - now for ready_at in self._pending_timeouts.values()]
        return max(0.0, min([WAIT_POLL_SECONDS, *waits]))

    def _cancel(self, pool: str, step_key: str) -> None:
        # Canceling, not failing: the user asked. The run then ends CANCELED, and leaving this
        # context withdraws the pending claims.
        reason = (
            f"Arrêt demandé (Ctrl-C ou SIGTERM) pendant que l'étape {step_key} attendait sa "
            f"place dans le pool « {pool} » : le run s'arrête là (les étapes terminées gardent "
            "leurs résultats)."
        )
        self._instance.report_run_canceling(self._job_context.dagster_run, message=reason)
        raise DagsterExecutionInterruptedError(reason)

    def _blocked(self, pool: str, step_key: str) -> None:
        # The holder may be a run killed meanwhile: free its slot rather than wait forever.
        if time.time() >= self._next_sweep:
            for notice in recover_dead_runs(self._instance):
                self._tell(notice)
            self._next_sweep = time.time() + SWEEP_SECONDS
        holders = self._instance.event_log_storage.get_concurrency_info(pool).claimed_slots
        held_by = [
            self._describe_holder(slot.run_id, slot.step_key)
            for slot in holders
            if slot.run_id != self._run_id
        ]
        if not held_by:
            return  # freed meanwhile, or queued behind another waiting step: next check
        notice = (
            f"Le run attend sa place dans le pool « {pool} » (pour l'étape {step_key}), tenue "
            f"par {', '.join(held_by)} : il reprendra quand ce run la rendra. Ctrl-C (ou "
            "SIGTERM) arrête l'attente et ce run."
        )
        if held_by != self._named:
            self._tell(notice)
            self._named = held_by

    def _describe_holder(self, run_id: str, step_key: str | None) -> str:
        run = self._instance.get_run_by_id(run_id)
        job = f"job {run.job_name}, " if run else ""
        return f"le run {run_id} ({job}étape {step_key})"

    def _tell(self, notice: str) -> None:
        # An engine event of the run: on the console and in the run's log in the UI; under
        # `make run`, whose console shows only stages, echoed there as it happens.
        DagsterEvent.engine_event(self._job_context, notice, EngineEventData())
        echo(notice)


def _steps_taking_turns(
    job_context: PlanExecutionContext, execution_plan: ExecutionPlan
) -> Iterator[DagsterEvent]:
    with TakingTurns(job_context) as concurrency:
        yield from inner_plan_execution_iterator(job_context, execution_plan, concurrency)


class InProcessTakingTurns(InProcessExecutor):
    """Dagster's in-process executor, its steps taking turns in pools as described above."""

    def execute(
        self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan
    ) -> Iterator[DagsterEvent]:
        """Record the run's process, then run the steps as ``InProcessExecutor`` does."""
        yield DagsterEvent.engine_event(plan_context, run_worker_message(), run_worker_event_data())
        yield from ExecuteRunWithPlanIterable(
            execution_plan=plan_context.execution_plan,
            iterator=_steps_taking_turns,
            execution_context_manager=PlanExecutionContextManager(
                job=plan_context.job,
                retry_mode=plan_context.retry_mode,
                execution_plan=plan_context.execution_plan,
                run_config=plan_context.run_config,
                dagster_run=plan_context.dagster_run,
                instance=plan_context.instance,
                raise_on_error=plan_context.raise_on_error,
                output_capture=plan_context.output_capture,
                step_dependency_config=self.step_dependency_config,
            ),
        )


@dg.executor(name="in_process", config_schema=IN_PROC_CONFIG)
def run_executor(init_context: dg.InitExecutorContext) -> InProcessTakingTurns:
    """The executor of every job of the code location (same configuration as Dagster's
    ``in_process``)."""
    config = init_context.executor_config
    return InProcessTakingTurns(
        retries=RetryMode.from_config(config["retries"]),
        step_dependency_config=StepDependencyConfig.from_config(
            config.get("step_dependency_config")
        ),
    )
