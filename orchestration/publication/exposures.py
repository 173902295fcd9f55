"""What the reports read from the warehouse, from their dbt exposures
(``dbt_project/models/reports/_exposures.yml``): the report export depends on exactly these
models and seeds, declared once, in dbt."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import get_asset_key_for_model
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets

from orchestration.transform.assets import impact_dbt_models

# The node types an exposure of ours may depend on (a report never reads a raw source).
READ_NODES = ("model", "seed")


def exposed_nodes() -> list[str]:
    """The names of the models and seeds the reports' exposures depend on, sorted; a source
    or another node type there is an error (reports read marts and reference tables)."""
    # The manifest dagster-dbt already loaded for the dbt assets: not read a second time.
    manifest, _, _ = get_manifest_and_translator_from_dbt_assets([impact_dbt_models])
    nodes = {
        node
        for exposure in manifest["exposures"].values()
        for node in exposure["depends_on"]["nodes"]
    }
    unread = sorted(node for node in nodes if node.split(".")[0] not in READ_NODES)
    if unread:
        raise ValueError(f"the reports' exposures may depend on models and seeds only: {unread}")
    return sorted(node.split(".")[-1] for node in nodes)


def report_inputs() -> list[dg.AssetKey]:
    """The Dagster asset keys of what the reports read."""
    return [get_asset_key_for_model([impact_dbt_models], name) for name in exposed_nodes()]
