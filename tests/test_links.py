"""Links in the UI's metadata open: files as paths, and as HTTP addresses where the reports
folder is served (the UI does not open file:// links)."""

import threading
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from orchestration.publication.assets import reports_index
from orchestration.resources import project_resources
from orchestration.settings import REPORTS_URL_VAR


@pytest.fixture
def served_reports(isolated_project, monkeypatch):
    """The isolated project's reports folder served over HTTP, as `make ui` serves it."""
    isolated_project.reports_dir.mkdir(parents=True)
    handler = partial(SimpleHTTPRequestHandler, directory=str(isolated_project.reports_dir))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        monkeypatch.setenv(REPORTS_URL_VAR, url)
        yield url
        server.shutdown()


def _index_metadata(instance) -> dict:
    result = dg.materialize([reports_index], instance=instance, resources=project_resources())
    assert result.success
    [event] = result.get_asset_materialization_events()
    return event.materialization.metadata


def test_the_index_links_open_where_the_reports_are_served(
    served_reports, isolated_project, dagster_instance
):
    metadata = _index_metadata(dagster_instance)

    assert metadata["index"] == dg.MetadataValue.path(
        str(isolated_project.reports_dir / "index.html")
    )
    assert metadata["index_url"] == dg.MetadataValue.url(f"{served_reports}/index.html")
    assert metadata["data_docs_url"] == dg.MetadataValue.url(f"{served_reports}/qualite/index.html")
    with urllib.request.urlopen(metadata["index_url"].value) as response:
        assert response.status == 200
        assert '<html lang="fr">' in response.read().decode("utf-8")


def test_without_a_server_the_metadata_gives_paths_only(isolated_project, dagster_instance):
    metadata = _index_metadata(dagster_instance)

    assert metadata["index"] == dg.MetadataValue.path(
        str(isolated_project.reports_dir / "index.html")
    )
    assert not [name for name in metadata if name.endswith("_url")]
