"""The delivery sensor: a new or changed file under ``raw/`` re-runs the ingest of its delivery
only; declarative automation (``orchestration/automation.py``) then updates what depends on it.

"Changed" is against what was last ingested (the fingerprints in the ingest asset's latest
materialization), not against what the sensor last saw: a delivery ingested by ``make run`` or
the weekly refresh is not ingested again when the UI starts. A file modified in the last
``SETTLE_SECONDS`` is left for a later tick: it may still be being copied. An entry that cannot
be a delivered file (a folder or a broken link in place of a wave's file, a link out of raw/, a
wave folder left empty) is part of the fingerprints too: it is a change, and the ingest it
launches fails saying why (see ``DeliveryKind.refused_entries``).
"""

import hashlib
import json
import time
from pathlib import Path

import dagster as dg

from orchestration.ingest.assets import FINGERPRINTS_METADATA
from orchestration.ingest.deliveries import (
    DELIVERY_KINDS,
    REFUSED,
    DeliveryKind,
    unclaimed_files,
)
from orchestration.resources import ProjectPathsResource

DELIVERY_TAG = "impact/deliveries"
# A file modified this recently may still be being copied into raw/.
SETTLE_SECONDS = 20


def delivery_job_name(kind: DeliveryKind) -> str:
    """The job that ingests one kind of delivery and rebuilds what depends on it."""
    return f"ingest_{kind.name}"


delivery_jobs = [
    dg.define_asset_job(
        delivery_job_name(kind),
        selection=dg.AssetSelection.assets(kind.asset_key),
        description=f"{kind.description} Ingestion et contrôles qualité de la livraison ; la "
        "suite (dbt, rapports concernés, synthèse) est lancée par l'automatisation déclarative.",
    )
    for kind in DELIVERY_KINDS
]


def ingested_fingerprints(instance: dg.DagsterInstance, kind: DeliveryKind) -> dict[str, str]:
    """The files (and their hashes) of the last ingest of this kind; empty if never ingested."""
    event = instance.get_latest_materialization_event(kind.asset_key)
    if event is None or event.asset_materialization is None:
        return {}
    recorded = event.asset_materialization.metadata.get(FINGERPRINTS_METADATA)
    return dict(recorded.value) if recorded is not None else {}


def describe_changes(ingested: dict[str, str], current: dict[str, str]) -> str:
    """Which files are new or changed, and which were withdrawn, since the last ingest."""
    changed = sorted(path for path, digest in current.items() if ingested.get(path) != digest)
    withdrawn = sorted(set(ingested) - set(current))
    return ", ".join(changed + [f"{path} (retiré)" for path in withdrawn])


def delivery_run_request(kind: DeliveryKind, ingested: dict, current: dict) -> dg.RunRequest:
    """A run of the kind's job; its key makes a repeated request for the same files a no-op."""
    state = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16]
    return dg.RunRequest(
        run_key=f"{kind.name}-{state}",
        job_name=delivery_job_name(kind),
        tags={DELIVERY_TAG: describe_changes(ingested, current)},
    )


@dg.sensor(
    jobs=delivery_jobs,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Surveille raw/ : un fichier livré nouveau, modifié ou retiré depuis la dernière "
    "ingestion relance l'ingestion de cette livraison ; l'automatisation déclarative met "
    "ensuite à jour ce qui en dépend, jusqu'aux rapports.",
)
def raw_delivery_sensor(
    context: dg.SensorEvaluationContext, project_paths: ProjectPathsResource
) -> dg.SensorResult:
    """Compare each delivery kind's files with those of its last ingest: only the kinds
    (survey studies, case database) whose files changed are ingested again."""
    raw_dir = project_paths.paths().raw_dir
    ignored = unclaimed_files(raw_dir)
    if ignored:
        # Misplaced files are never ingested; say so where the person who dropped them looks.
        context.log.warning(
            "pas une livraison (voir docs/data-contract.md pour l'emplacement des fichiers) : %s",
            ", ".join(ignored),
        )
    requests, waiting = [], []
    for kind in DELIVERY_KINDS:
        arriving = files_still_arriving(kind, raw_dir, time.time())
        if arriving:
            waiting += arriving
            continue
        current = kind.fingerprints(raw_dir)
        ingested = ingested_fingerprints(context.instance, kind)
        refused = sorted(path for path, value in current.items() if value.startswith(REFUSED))
        if refused:
            # The run is requested all the same: its ingest fails and says why, where the
            # person who delivered looks; nothing downstream runs.
            context.log.warning("entrées refusées sous raw/ : %s", ", ".join(refused))
        if current and current != ingested:
            requests.append(delivery_run_request(kind, ingested, current))
    if waiting:
        context.log.info("copie de ces fichiers en cours, attente : %s", ", ".join(waiting))
    if not requests:
        reason = (
            f"fichiers en cours de copie, lus à un prochain passage : {', '.join(waiting)}"
            if waiting
            else "toutes les livraisons de raw/ sont ingérées"
        )
        if ignored:
            reason += f" ; pas des livraisons, ignorés : {', '.join(ignored)}"
        return dg.SensorResult(skip_reason=reason)
    return dg.SensorResult(run_requests=requests)


def files_still_arriving(kind: DeliveryKind, raw_dir: Path, now: float) -> list[str]:
    """The kind's files written less than ``SETTLE_SECONDS`` ago: a copy in progress keeps
    touching its file, so the kind waits for the next tick rather than read it half-written."""
    return [
        path.relative_to(raw_dir).as_posix()
        for path in kind.files(raw_dir)
        if now - path.stat().st_mtime < SETTLE_SECONDS
    ]
