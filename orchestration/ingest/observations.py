"""The deliveries under ``raw/`` as observable source assets.

Each kind of delivery (a survey study, the case database, the context statistics) is an
observable source asset, ``deliveries/<kind>``, whose data version is the hash of its files'
hashes. Its ingest asset depends on it: Dagster shows the ingest stale when the files changed
since it last ran, and automation runs it then (``automation.after_its_data_changed``). The
observations are recorded by the delivery sensor when the files changed, by ``make run`` and the
weekly refresh (the ``refresh_all`` job observes them before ingesting), or by « Observe » in the
UI. The fingerprints themselves travel in the observation's metadata.
"""

import hashlib
import json
import warnings

import dagster as dg

# Dagster's tag holding an observation's data version; a sensor reports an observation as an
# event, and events have no data-version argument (ObserveResult's sets this same tag).
from dagster._core.definitions.data_version import DATA_VERSION_TAG

from orchestration.ingest.deliveries import DELIVERY_KINDS, DeliveryKind
from orchestration.resources import ProjectPathsResource
from orchestration.settings import DATA_OWNERS

# Observation metadata: the files observed and their hashes, by path under raw/.
FINGERPRINTS_METADATA = "fingerprints"
# Observation metadata: what changed since the previous observation, as the sensor saw it.
CHANGES_METADATA = "changements"


def delivery_version(fingerprints: dict[str, str]) -> str:
    """The data version of a delivery: the hash of its files' paths and hashes."""
    text = json.dumps(fingerprints, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def delivery_observation(
    kind: DeliveryKind, fingerprints: dict[str, str], changes: str
) -> dg.AssetObservation:
    """The observation the delivery sensor records when a delivery's files changed."""
    return dg.AssetObservation(
        kind.source_key,
        metadata={
            FINGERPRINTS_METADATA: dg.MetadataValue.json(fingerprints),
            CHANGES_METADATA: dg.MetadataValue.text(changes),
        },
        tags={DATA_VERSION_TAG: delivery_version(fingerprints)},
    )


def observed_fingerprints(instance: dg.DagsterInstance, kind: DeliveryKind) -> dict[str, str]:
    """The files (and their hashes) of the delivery's last observation; empty if never."""
    records = instance.fetch_observations(kind.source_key, limit=1).records
    if not records or records[0].asset_observation is None:
        return {}
    recorded = records[0].asset_observation.metadata.get(FINGERPRINTS_METADATA)
    return dict(recorded.value) if recorded is not None else {}


def delivery_source(kind: DeliveryKind) -> dg.AssetsDefinition:
    """The observable source asset of one kind of delivery."""

    @dg.multi_observable_source_asset(
        name=f"observe_{kind.name}",
        specs=[
            dg.AssetSpec(
                kind.source_key,
                group_name="deliveries",
                owners=DATA_OWNERS,
                kinds={"file"},
                description=f"{kind.description} Fichiers livrés sous `raw/{kind.folder}/` ; "
                "leur version des données est l'empreinte de leurs contenus : quand elle "
                "change, l'ingestion devient « périmée » (stale) et l'automatisation la relance.",
            )
        ],
    )
    def _observe(project_paths: ProjectPathsResource) -> dg.ObserveResult:
        fingerprints = kind.fingerprints(project_paths.paths().raw_dir)
        return dg.ObserveResult(
            data_version=dg.DataVersion(delivery_version(fingerprints)),
            metadata={FINGERPRINTS_METADATA: dg.MetadataValue.json(fingerprints)},
        )

    return _observe


with warnings.catch_warnings():
    # Beta in Dagster 1.13 and the way Dagster observes data it does not produce: said once
    # here, not at every load of the definitions.
    warnings.filterwarnings("ignore", ".*multi_observable_source_asset", dg.BetaWarning)
    delivery_sources = [delivery_source(kind) for kind in DELIVERY_KINDS]
