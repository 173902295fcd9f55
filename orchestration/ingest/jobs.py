"""The jobs that ingest one kind of delivery, launched by hand from the UI."""

import dagster as dg

from orchestration.ingest.deliveries import DELIVERY_KINDS, DeliveryKind


def delivery_job_name(kind: DeliveryKind) -> str:
    """The job that observes and ingests one kind of delivery, with its quality checks."""
    return f"ingest_{kind.name}"


delivery_jobs = [
    dg.define_asset_job(
        delivery_job_name(kind),
        # Observed first: the ingest records which files it read, and the sensor sees them.
        selection=dg.AssetSelection.assets(kind.source_key, kind.asset_key),
        description=f"{kind.description} Observation des fichiers, ingestion et contrôles "
        "qualité de la livraison ; la suite (dbt, rapports concernés, synthèse) est lancée par "
        "l'automatisation déclarative.",
    )
    for kind in DELIVERY_KINDS
]
