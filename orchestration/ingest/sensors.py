"""The delivery sensor: a new or changed file under ``raw/`` re-runs its ingest and downstream."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from orchestration.ingest.deliveries import DELIVERY_KINDS, DeliveryKind, kind_of
from orchestration.publication.partitions import all_regions_run_tags
from orchestration.settings import ProjectPaths

DELIVERY_TAG = "impact/deliveries"


def delivery_job_name(kind: DeliveryKind) -> str:
    """The job that ingests one kind of delivery and rebuilds what depends on it."""
    return f"ingest_{kind.name}"


delivery_jobs = [
    dg.define_asset_job(
        delivery_job_name(kind),
        selection=dg.AssetSelection.assets(kind.asset_key)
        .required_multi_asset_neighbors()
        .downstream(),
        description=f"{kind.description} Ingestion puis tout ce qui en dépend, rapports compris.",
    )
    for kind in DELIVERY_KINDS
]


def fingerprints(raw_dir: Path) -> dict[str, str]:
    """Content hash of every delivery file under the drop zone, by path relative to it."""
    prints = {}
    for kind in DELIVERY_KINDS:
        for path in kind.files(raw_dir):
            prints[path.relative_to(raw_dir).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return prints


def changed_files(previous: dict[str, str], current: dict[str, str]) -> list[str]:
    """Files that are new or whose content changed since the last evaluation."""
    return sorted(path for path, digest in current.items() if previous.get(path) != digest)


def run_requests(changed: list[str], current: dict[str, str]) -> list[dg.RunRequest]:
    """One run per delivery kind touched; the run key makes a repeated request a no-op."""
    requests = []
    for kind in DELIVERY_KINDS:
        files = [path for path in changed if kind_of(path) == kind]
        if not files:
            continue
        run_key = hashlib.sha256(
            json.dumps({path: current[path] for path in files}, sort_keys=True).encode()
        ).hexdigest()[:16]
        requests.append(
            dg.RunRequest(
                run_key=f"{kind.name}-{run_key}",
                job_name=delivery_job_name(kind),
                tags={**all_regions_run_tags(), DELIVERY_TAG: ", ".join(files)},
            )
        )
    return requests


@dg.sensor(
    jobs=delivery_jobs,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Surveille raw/ : un fichier livré nouveau ou modifié relance son ingestion et "
    "tout ce qui en dépend, jusqu'aux rapports.",
)
def raw_delivery_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Compare the drop zone with the fingerprints kept in the cursor."""
    current = fingerprints(ProjectPaths.from_env().raw_dir)
    previous = json.loads(context.cursor) if context.cursor else {}
    changed = changed_files(previous, current)
    if not changed:
        return dg.SensorResult(skip_reason="no new or changed delivery")
    return dg.SensorResult(run_requests=run_requests(changed, current), cursor=json.dumps(current))
