"""The report export: the figures the reports print, read once from the marts, then sliced to
what each report reads, each slice an asset with its own data version."""

import datetime as dt
from dataclasses import replace

import dagster as dg

from orchestration.automation import after_its_inputs
from orchestration.geography import regions
from orchestration.publication.comparison_charts import draw_comparison_charts
from orchestration.publication.exposures import report_inputs
from orchestration.publication.fragility_charts import draw_fragility_charts
from orchestration.publication.report_charts import draw_report_charts
from orchestration.publication.report_data import (
    Provenance,
    ReportData,
    code_version,
    read_report_data,
    write_json,
)
from orchestration.publication.report_jobs import ReportJob, all_report_jobs
from orchestration.publication.report_keys import (
    WHOLE_EXPORT_KEY,
    export_key,
    name_of,
    report_names,
)
from orchestration.resources import ProjectPathsResource
from orchestration.settings import REPORT_OWNERS
from orchestration.warehouse import WAREHOUSE_POOL, Warehouse

# The whole export, for analysts and tests; each report reads its own slice of it.
WHOLE_EXPORT_FILE = "report-data.json"


def _slice_spec(name: str) -> dg.AssetSpec:
    whose = "de la synthèse nationale" if name == "france" else f"du rapport {name}"
    return dg.AssetSpec(
        export_key(name),
        deps=[WHOLE_EXPORT_KEY],
        group_name="reports",
        owners=REPORT_OWNERS,
        kinds={"json"},
        automation_condition=after_its_inputs(),
        description=f"Chiffres et graphiques {whose}, extraits de l'export. Sa version des "
        "données est l'empreinte de ce que le rapport imprime : elle ne change que si ses "
        "chiffres changent, et le rapport devient alors « périmé » (stale).",
    )


@dg.multi_asset(
    name="report_data",
    specs=[
        dg.AssetSpec(
            WHOLE_EXPORT_KEY,
            # What the reports read, as their dbt exposures declare it (exposures.py).
            deps=report_inputs(),
            group_name="reports",
            owners=REPORT_OWNERS,
            kinds={"duckdb", "json"},
            automation_condition=after_its_inputs(),
            description="Chiffres publiés, exportés des marts pour les rapports (dernière "
            "vague), et leurs graphiques.",
        ),
        *(_slice_spec(name) for name in report_names()),
    ],
    pool=WAREHOUSE_POOL,
)
def report_data(
    context: dg.AssetExecutionContext, warehouse: Warehouse, project_paths: ProjectPathsResource
):
    """Export the figures the reports print, so renders never hold the warehouse; then each
    report's slice, versioned by what it prints."""
    provenance = Provenance(
        run_id=context.run.run_id,
        code_version=code_version(),
        exported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    with warehouse.connect(read_only=True) as connection:
        data = read_report_data(connection, provenance)
    paths = project_paths.paths()
    folder = paths.exports_dir / "charts"
    charts = (
        draw_report_charts(data, folder)
        | draw_fragility_charts(data, folder)
        | draw_comparison_charts(data, folder)
    )
    data = replace(data, charts=charts)
    path = paths.exports_dir / WHOLE_EXPORT_FILE
    data.write(path)
    yield dg.MaterializeResult(
        asset_key=WHOLE_EXPORT_KEY,
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "wave": data.wave,
            "national_share": round(data.national.share or 0.0, 4),
            "national_base_n": data.national.base_n,
            "illustrative_data": data.synthetic,
            "charts": len(data.charts),
        },
    )
    for job in all_report_jobs(paths, regions()):
        yield _write_slice(data, job)


def _write_slice(data: ReportData, job: ReportJob) -> dg.MaterializeResult:
    region = job.params.get("region")
    write_json(data.for_nation() if region is None else data.for_region(region), job.data_file)
    return dg.MaterializeResult(
        asset_key=export_key(name_of(job)),
        data_version=dg.DataVersion(job.export_version()),
        metadata={"path": dg.MetadataValue.path(str(job.data_file))},
    )
