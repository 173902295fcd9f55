"""Issue 21: the reports' inputs are declared once, as dbt exposures; the report export depends
on exactly them, and every table the publication code reads is one of them (no Python SQL over
staging or raw tables)."""

import re
from pathlib import Path

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration.definitions import defs
from orchestration.publication.exposures import exposed_nodes
from orchestration.settings import PROJECT_ROOT
from orchestration.transform.assets import impact_dbt_models

PUBLICATION = PROJECT_ROOT / "orchestration" / "publication"
# A qualified table in a query: « marts.fct_x », « reference.regions », « staging.stg_x ».
TABLE = re.compile(r"\b(raw|staging|intermediate|marts|reference)\.([a-z_]+)\b")


def read_tables() -> set[tuple[str, str]]:
    """Every schema-qualified table named in the publication package's code."""
    return {
        match.groups()
        for path in PUBLICATION.glob("*.py")
        for match in TABLE.finditer(Path(path).read_text(encoding="utf-8"))
    }


def test_the_report_export_depends_on_exactly_the_exposed_nodes():
    export = defs.resolve_assets_def("report_data")
    expected = {get_asset_key_for_model([impact_dbt_models], name) for name in exposed_nodes()}
    assert set(export.asset_deps[dg.AssetKey("report_data")]) == expected
    assert "fct_published_estimates" in exposed_nodes() and "regions" in exposed_nodes()


def test_the_publication_code_reads_only_exposed_marts_and_reference_tables():
    tables = read_tables()
    assert ("marts", "fct_report_sources") in tables  # the scan sees the queries
    schemas = {schema for schema, _ in tables}
    assert schemas <= {"marts", "reference"}, tables
    assert {name for _, name in tables} <= set(exposed_nodes())
