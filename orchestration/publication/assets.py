"""Publication assets: the report data export, the 13 regional reports, the national synthesis
and the index that links them."""

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration.geography import region_by_code, regions
from orchestration.publication.charts import draw_report_charts
from orchestration.publication.index_page import (
    national_stem,
    regional_stem,
    report_links,
    write_index,
)
from orchestration.publication.partitions import region_partitions, regions_label
from orchestration.publication.rendering import RenderedReport, render_report
from orchestration.publication.report_data import Provenance, code_version, read_report_data
from orchestration.settings import ProjectPaths
from orchestration.transform.assets import impact_dbt_models
from orchestration.warehouse import WAREHOUSE_POOL, Warehouse

REPORT_DATA_FILE = "report-data.json"
# Parallel renders of the regional reports: one per core.
RENDER_WORKERS = os.cpu_count() or 2


def report_data_path() -> Path:
    """Where the export for the reports lives: next to the warehouse, not in it."""
    return ProjectPaths.from_env().warehouse.parent / "exports" / REPORT_DATA_FILE


def charts_dir() -> Path:
    """Where the maps drawn for the reports live, beside the export."""
    return report_data_path().parent / "charts"


@dg.asset(
    group_name="reports",
    kinds={"duckdb", "json"},
    pool=WAREHOUSE_POOL,
    deps=[
        get_asset_key_for_model([impact_dbt_models], "fct_indicator_estimates"),
        get_asset_key_for_model([impact_dbt_models], "fct_case_database_indicators"),
        get_asset_key_for_model([impact_dbt_models], "stg_survey_files"),
        *(
            get_asset_key_for_model([impact_dbt_models], name)
            for name in (
                "weighting_diagnostics",
                "stg_survey_respondents",
                "stg_cases",
                "stg_case_profiles",
                "indicator_catalogue",
                "published_figures",
                "departements",
            )
        ),
    ],
    description="Chiffres publiés, exportés des marts pour les rapports (dernière vague).",
)
def report_data(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Export the figures the reports print, so renders never hold the warehouse."""
    provenance = Provenance(
        run_id=context.run.run_id,
        code_version=code_version(),
        exported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    with warehouse.connect(read_only=True) as connection:
        data = read_report_data(connection, provenance)
    path = report_data_path()
    data = replace(data, charts=draw_report_charts(data, charts_dir()))
    data.write(path)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "wave": data.wave,
            "national_share": round(data.national.share or 0.0, 4),
            "national_base_n": data.national.base_n,
            "illustrative_data": data.synthetic,
            "maps": len(data.charts),
        }
    )


@dg.asset(
    group_name="reports",
    kinds={"quarto", "html", "pdf"},
    deps=[report_data],
    partitions_def=region_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description=f"Rapport régional (HTML et PDF), une partition par région : {regions_label()}.",
)
def regional_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Render the reports of the run's regions (one, or all 13 in a single run)."""
    codes = context.partition_keys
    # Renders wait on subprocesses (kernel, pandoc, Typst): threads keep every core busy, and
    # each render works in its own folder.
    with ThreadPoolExecutor(max_workers=RENDER_WORKERS) as pool:
        reports = pool.map(
            lambda code: _render(
                "region.qmd",
                {"region": code},
                regional_stem(region_by_code(code)),
                [f"carte-departements-{code}.png"],
            ),
            codes,
        )
        rendered = dict(zip(codes, reports, strict=True))
    for code, report in rendered.items():
        context.log.info("rendered %s: %s", region_by_code(code).name, report.html)
    return dg.MaterializeResult(
        metadata={
            "reports": dg.MetadataValue.md(
                "\n".join(
                    f"- {region_by_code(code).name} : `{report.html}`, `{report.pdf}`"
                    for code, report in rendered.items()
                )
            ),
            "engine": next(iter(rendered.values())).engine,
        }
    )


@dg.asset(
    group_name="reports",
    kinds={"quarto", "html", "pdf"},
    deps=[report_data],
    description="Synthèse nationale (HTML et PDF) : France métropolitaine et les 13 régions.",
)
def national_report() -> dg.MaterializeResult:
    """Render the national synthesis."""
    report = _render("national.qmd", {}, national_stem(), ["carte-regions.png"])
    return dg.MaterializeResult(
        metadata={
            "html": dg.MetadataValue.path(str(report.html)),
            "pdf": dg.MetadataValue.path(str(report.pdf)),
            "engine": report.engine,
        }
    )


@dg.asset(
    group_name="reports",
    kinds={"html"},
    deps=[regional_report, national_report],
    description="Page `index.html` qui relie la synthèse nationale et les 13 rapports régionaux.",
)
def reports_index() -> dg.MaterializeResult:
    """Write the index of published reports."""
    paths = ProjectPaths.from_env()
    links = report_links(paths.reports_dir, regions())
    data_docs = paths.data_docs_dir / "index.html"
    index = write_index(paths.reports_dir / "index.html", links, data_docs)
    published = [link for link in links if link.html.exists() and link.pdf.exists()]
    return dg.MaterializeResult(
        metadata={
            "index": dg.MetadataValue.path(str(index)),
            "reports_published": len(published),
            "data_docs": dg.MetadataValue.path(str(data_docs)),
        }
    )


def _render(source: str, params: dict[str, object], stem: str, images: list[str]) -> RenderedReport:
    inputs = {REPORT_DATA_FILE: report_data_path()} | {name: charts_dir() / name for name in images}
    return render_report(
        source,
        {**params, "data": REPORT_DATA_FILE},
        inputs=inputs,
        destination=ProjectPaths.from_env().reports_dir / stem,
    )
