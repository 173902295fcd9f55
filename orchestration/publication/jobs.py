"""Report jobs launched by hand from the UI."""

import dagster as dg

from orchestration.publication.assets import regional_report, reports_index
from orchestration.publication.partitions import region_partitions

render_regions_job = dg.define_asset_job(
    "render_regions",
    selection=dg.AssetSelection.assets(regional_report, reports_index),
    partitions_def=region_partitions,
    description="Rend à nouveau les rapports des régions choisies (partitions) à partir des "
    "chiffres déjà exportés, puis l'index. Option force : rendre même un rapport à jour.",
)
