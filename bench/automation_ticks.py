"""The daemon's work without the daemon, for the benchmark and the tests: one tick of the
delivery sensor, then declarative automation tick after tick, without the waits between
ticks."""

from dataclasses import dataclass

import dagster as dg

from orchestration.ingest.sensors import raw_delivery_sensor
from orchestration.resources import project_resources
from orchestration.run_all import run_assets


def observe_deliveries(instance: dg.DagsterInstance) -> list[dg.AssetObservation]:
    """One tick of the delivery sensor, its observations recorded as the daemon records them."""
    context = dg.build_sensor_context(instance=instance, resources=project_resources())
    observations = raw_delivery_sensor(context).asset_events
    for observation in observations:
        instance.report_runless_asset_event(observation)
    return observations


@dataclass(frozen=True)
class AutomationTick:
    """What one evaluation of the automation conditions requested, and the run of it."""

    requested: list[dg.AssetKey]
    result: dg.JobExecutionResult

    @property
    def names(self) -> set[str]:
        """The requested assets, as the UI names them."""
        return {key.to_user_string() for key in self.requested}


def run_automation(
    instance: dg.DagsterInstance, cursor: object | None, max_ticks: int = 5
) -> list[AutomationTick]:
    """Evaluate the automation conditions and run what they request, tick after tick, until
    they request nothing. ``cursor``: that of an earlier
    evaluation (``dg.evaluate_automation_conditions(...).cursor``), whose state is the baseline."""
    from orchestration.definitions import defs

    keys = defs.resolve_asset_graph().get_all_asset_keys()
    ticks = []
    for _ in range(max_ticks):
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
        requested = [key for key in keys if result.get_num_requested(key)]
        if not requested:
            return ticks
        ticks.append(AutomationTick(requested, run_assets(instance, requested, {})))
        cursor = result.cursor
    raise RuntimeError(f"automation still requests after {max_ticks} ticks")
