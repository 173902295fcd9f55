"""Publish a report's two files and its render record together, or not at all.

Two renames cannot be one atomic step, so publication goes through a staging folder beside the
published reports (same file system, so renames are atomic):

1. the HTML, the PDF and a manifest (the render record to write, the failure record to clear)
   are copied into ``<reports>/.publication/partial-<pid>-…``;
2. that folder is renamed ``<reports>/.publication/<stem>``: the commit point;
3. the files are renamed over the published ones, the record is written, the folder removed.

A run killed before step 2 leaves a partial folder that the next render step removes: the last
published files and record are untouched. Killed after step 2, the next render step (or the
index) rolls the committed folder forward. Either way the HTML, the PDF and the record that
``index.html`` reads describe the same render.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

from orchestration.publication.report_jobs import RenderRecord, ReportJob, write_json_atomically
from orchestration.publication.scratch import remove_leftovers

STAGING_DIR = ".publication"
PARTIAL_PREFIX = "partial-"
MANIFEST = "publication.json"


def publish_report(job: ReportJob, produced: dict[str, Path], record: RenderRecord) -> None:
    """Publish ``produced`` (``{"html": …, "pdf": …}``, in a scratch folder) as ``job``'s files,
    with ``record``; clear the report's failure record."""
    _roll_forward(stage_publication(job, produced, record))


def stage_publication(job: ReportJob, produced: dict[str, Path], record: RenderRecord) -> Path:
    """Steps 1 and 2: stage and commit the publication; return the committed folder. From
    here on, the publication completes even if this process dies (:func:`recover_publications`)."""
    if set(produced) != {"html", "pdf"}:
        raise ValueError(f"both formats are published together, got {sorted(produced)}")
    root = staging_root(job.paths.reports_dir)
    root.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f"{PARTIAL_PREFIX}{os.getpid()}-", dir=root))
    try:
        names = {"html": job.html.name, "pdf": job.pdf.name}
        for fmt, path in produced.items():
            shutil.copyfile(path, partial / names[fmt])
        manifest = {
            "files": sorted(names.values()),
            "record_file": str(job.record_file),
            "record": asdict(record),
            "failure_file": str(job.failure_file),
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        return _commit(partial, root / job.stem)
    finally:
        shutil.rmtree(partial, ignore_errors=True)  # only left when the commit failed


def recover_publications(reports_dir: Path) -> list[str]:
    """Finish the publications a killed run committed, drop those it had not: return the stems
    of the reports whose files were published now."""
    root = staging_root(reports_dir)
    if not root.is_dir():
        return []
    remove_leftovers(root, prefix=PARTIAL_PREFIX)
    finished = []
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and not folder.name.startswith(PARTIAL_PREFIX):
            _roll_forward(folder)
            finished.append(folder.name)
    return finished


def staging_root(reports_dir: Path) -> Path:
    """Where publications are staged: hidden, beside the published files."""
    return reports_dir / STAGING_DIR


def _commit(partial: Path, committed: Path) -> Path:
    # A committed folder of the same report may remain if a run died mid-publication (or
    # another run is publishing it): finish that one first, it is older than ours.
    if committed.exists():
        _roll_forward(committed)
    os.rename(partial, committed)
    return committed


def _roll_forward(committed: Path) -> None:
    """Move a committed publication's files into place, write its record, remove it.
    Idempotent: a step already done (by an earlier attempt) is skipped."""
    try:
        manifest = json.loads((committed / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return  # finished meanwhile by another run
    destination = committed.parent.parent
    for name in manifest["files"]:
        with contextlib.suppress(FileNotFoundError):  # moved before an interruption
            os.replace(committed / name, destination / name)
    write_json_atomically(Path(manifest["record_file"]), manifest["record"])
    Path(manifest["failure_file"]).unlink(missing_ok=True)
    shutil.rmtree(committed, ignore_errors=True)
