"""The delivery sensor: it observes the files under ``raw/`` and records, for each kind of
delivery whose files changed since its last observation, a new observation of its observable
source asset (``ingest/observations.py``); declarative automation then ingests that delivery
only, and updates what depends on it (``orchestration/automation.py``).

"Changed" is against the last observation, which ``make run`` and the weekly refresh also
record: a delivery ingested by them is not ingested again when the UI starts. A file modified
in the last ``SETTLE_SECONDS`` is left for a later tick: it may still be being copied. An entry
that cannot be a delivered file (a folder or a broken link in place of a wave's file, a link out
of raw/, a wave folder left empty) is part of the fingerprints too: it is a change, and the
ingest it leads to fails saying why (see ``DeliveryKind.refused_entries``).
"""

import time
from pathlib import Path

import dagster as dg

from orchestration.ingest.deliveries import (
    DELIVERY_KINDS,
    REFUSED,
    DeliveryKind,
    unclaimed_files,
)
from orchestration.ingest.observations import delivery_observation, observed_fingerprints
from orchestration.resources import ProjectPathsResource
from orchestration.settings import sensor_interval_seconds

# A file modified this recently may still be being copied into raw/.
SETTLE_SECONDS = 20


def describe_changes(observed: dict[str, str], current: dict[str, str]) -> str:
    """Which files are new or changed, and which were withdrawn, since the last observation."""
    changed = sorted(path for path, digest in current.items() if observed.get(path) != digest)
    withdrawn = sorted(set(observed) - set(current))
    return ", ".join(changed + [f"{path} (retiré)" for path in withdrawn])


@dg.sensor(
    minimum_interval_seconds=sensor_interval_seconds(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Surveille raw/ : quand un fichier d'une livraison est nouveau, modifié ou "
    "retiré, enregistre une nouvelle observation de cette livraison (groupe deliveries) ; "
    "l'automatisation déclarative l'ingère alors, puis met à jour ce qui en dépend, jusqu'aux "
    "rapports.",
)
def raw_delivery_sensor(
    context: dg.SensorEvaluationContext, project_paths: ProjectPathsResource
) -> dg.SensorResult:
    """Compare each delivery kind's files with those of its last observation, and observe
    again the kinds whose files changed: only those are ingested again."""
    raw_dir = project_paths.paths().raw_dir
    ignored = unclaimed_files(raw_dir)
    if ignored:
        # Misplaced files are never ingested; say so where the person who dropped them looks.
        context.log.warning(
            "pas une livraison (voir docs/data-contract.md pour l'emplacement des fichiers) : %s",
            ", ".join(ignored),
        )
    observations, waiting = [], []
    for kind in DELIVERY_KINDS:
        arriving = files_still_arriving(kind, raw_dir, time.time())
        if arriving:
            waiting += arriving
            continue
        current = kind.fingerprints(raw_dir)
        observed = observed_fingerprints(context.instance, kind)
        refused = sorted(path for path, value in current.items() if value.startswith(REFUSED))
        if refused:
            # Observed all the same: its ingest fails and says why, where the person who
            # delivered looks; nothing downstream runs.
            context.log.warning("entrées refusées sous raw/ : %s", ", ".join(refused))
        if current and current != observed:
            observations.append(
                delivery_observation(kind, current, describe_changes(observed, current))
            )
    if waiting:
        context.log.info("copie de ces fichiers en cours, attente : %s", ", ".join(waiting))
    if not observations:
        reason = (
            f"fichiers en cours de copie, lus à un prochain passage : {', '.join(waiting)}"
            if waiting
            else "aucune livraison de raw/ n'a changé depuis sa dernière observation"
        )
        if ignored:
            reason += f" ; pas des livraisons, ignorés : {', '.join(ignored)}"
        return dg.SensorResult(skip_reason=reason)
    return dg.SensorResult(asset_events=observations)


def files_still_arriving(kind: DeliveryKind, raw_dir: Path, now: float) -> list[str]:
    """The kind's files written less than ``SETTLE_SECONDS`` ago: a copy in progress keeps
    touching its file, so the kind waits for the next tick rather than read it half-written."""
    return [
        path.relative_to(raw_dir).as_posix()
        for path in kind.files(raw_dir)
        if now - path.stat().st_mtime < SETTLE_SECONDS
    ]
