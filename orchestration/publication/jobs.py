"""Report jobs launched by hand from the UI."""

import dagster as dg

from orchestration.publication.assets import national_report, regional_report, reports_index

render_reports_job = dg.define_asset_job(
    "render_reports",
    selection=dg.AssetSelection.assets(regional_report, national_report, reports_index),
    description="Rend à nouveau les rapports choisis à partir des chiffres déjà exportés, puis "
    "l'index. Chaque rapport demandé est rendu, même s'il est à jour.",
)
