"""Links to published files in the UI's metadata: the file's path always, its HTTP address when
the reports folder is served (the UI turns ``file://`` links into dead ones)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.settings import ProjectPaths


def file_entries(paths: ProjectPaths, name: str, file: Path) -> dict[str, dg.MetadataValue]:
    """``name``: the file's path; ``name_url``: its address, when the reports are served."""
    entries = {name: dg.MetadataValue.path(str(file))}
    url = paths.published_url(file)
    if url:
        entries[f"{name}_url"] = dg.MetadataValue.url(url)
    return entries


def markdown_link(paths: ProjectPaths, label: str, file: Path, anchor: str = "") -> str:
    """A Markdown link to ``file`` (and ``#anchor``) where the reports are served, the label
    and the file's path otherwise."""
    url = paths.published_url(file)
    target = f"#{anchor}" if anchor else ""
    if url:
        return f"[{label}]({url}{target})"
    return f"{label} : `{file}{target}`"
