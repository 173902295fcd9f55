"""The DuckDB warehouse: one file, one writer process at a time.

Every step that opens the file runs in the ``warehouse`` concurrency pool (limit 1, see
``orchestration/dagster.yaml``), so two runs never hold it together. Nothing here opens the
database when definitions load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from pydantic import Field

from orchestration.settings import WAREHOUSE_VAR, absolute_path

WAREHOUSE_POOL = "warehouse"
# Where the ingest assets write the deliveries, as loaded.
RAW_SCHEMA = "raw"
# Another program holding the file (a notebook, the DuckDB CLI) usually lets go within minutes.
LOCK_RETRIES = 5
LOCK_WAIT_SECONDS = 5


class WarehouseLocked(RuntimeError):
    """The warehouse file is held by another process."""


def _open(path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Connect; a file held by another program asks Dagster to retry the step a little later
    (a retry helps here, unlike bad data, which fails at once)."""
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        held = WarehouseLocked(
            f"the warehouse {path} is open in another program ({error}). Close that program "
            f"(a notebook or DuckDB session on this file): the step retries every "
            f"{LOCK_WAIT_SECONDS} s, {LOCK_RETRIES} times."
        )
        raise dg.RetryRequested(
            max_retries=LOCK_RETRIES, seconds_to_wait=LOCK_WAIT_SECONDS
        ) from held


# Given the names of a schema's tables, the views to create over them (name: query).
ViewsOf = Callable[[set[str]], dict[str, str]]


def _create_views(connection: duckdb.DuckDBPyConnection, schema: str, views: ViewsOf) -> None:
    tables = connection.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_type = 'BASE TABLE'",
        [schema],
    ).fetchall()
    for name, query in views({table for (table,) in tables}).items():
        connection.execute(f"CREATE OR REPLACE VIEW {schema}.{name} AS {query}")


class Warehouse(dg.ConfigurableResource):
    """Connections to one warehouse file (``IMPACT_WAREHOUSE`` in the code location)."""

    path: str = Field(description="Fichier DuckDB de l'entrepôt (chemin absolu).")

    @property
    def file(self) -> Path:
        """The warehouse file (absolute)."""
        return absolute_path(WAREHOUSE_VAR, self.path)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the warehouse; read-only connections fail clearly if the file does not exist."""
        path = self.file
        if read_only and not path.exists():
            raise FileNotFoundError(f"warehouse {path} does not exist yet: run the ingest first")
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = _open(path, read_only)
        try:
            yield connection
        finally:
            connection.close()

    def replace_tables(
        self, schema: str, tables: dict[str, pd.DataFrame], views: ViewsOf | None = None
    ) -> None:
        """Replace whole tables in one transaction: readers see all old or all new rows.
        ``views``, given the names of the schema's tables once replaced, says which views to
        (re)create in the same transaction (name: query)."""
        with self.connect() as connection:
            connection.execute("BEGIN TRANSACTION")
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            for name, frame in tables.items():
                connection.register("incoming", frame)
                connection.execute(f"CREATE OR REPLACE TABLE {schema}.{name} AS FROM incoming")
                connection.unregister("incoming")
            if views is not None:
                _create_views(connection, schema, views)
            connection.execute("COMMIT")

    def replace_views(self, schema: str, views: ViewsOf) -> None:
        """(Re)create views over the schema's tables, in one transaction (see
        ``replace_tables``)."""
        self.replace_tables(schema, {}, views)

    def load_keys(self, tables: list[str], key_column: str) -> set[str] | None:
        """The load keys recorded in these tables; None if one of them does not exist yet."""
        if not self.file.exists():
            return None
        keys: set[str] = set()
        with self.connect(read_only=True) as connection:
            for table in tables:
                schema, name = table.split(".")
                found = connection.execute(
                    "select count(*) from information_schema.columns "
                    "where table_schema = ? and table_name = ? and column_name = ?",
                    [schema, name, key_column],
                ).fetchone()[0]
                if not found:
                    return None
                rows = connection.execute(f"select distinct {key_column} from {table}")
                keys |= {key for (key,) in rows.fetchall()}
        return keys

    def read_table(self, relation: str) -> pd.DataFrame:
        """A whole table or view as a DataFrame, read through a read-only connection."""
        with self.connect(read_only=True) as connection:
            return connection.sql(f"FROM {relation}").df()

    def query(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        """The result of a read-only query (``?`` placeholders for ``parameters``)."""
        with self.connect(read_only=True) as connection:
            return connection.execute(sql, parameters or []).df()
