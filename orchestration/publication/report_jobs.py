"""What each report is rendered from, and whether its published files are still up to date.

Two digests say it, both SHA-256:

- the *export version* of a report: everything its export slice makes it print, except its
  provenance footer: its figures (sliced to what it reads), its images, its parameters and its
  front matter (title, month of publication). It is the Dagster data version of the report's
  slice asset, so Dagster shows a report stale exactly when its own figures changed;
- the *sources version*: its ``.qmd`` sources and their helpers, the code version of the report
  assets (a template edit makes every report stale).

A render records the *key* it was made from (both digests together); the index calls a report
« à jour » when its published files were made from the current key. The provenance footer
(run id, input files) stays that of the run which rendered the report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from orchestration.geography import Region
from orchestration.settings import REPORT_SOURCES_DIR, ProjectPaths

# The file name under which each report reads its export (the ``data`` parameter).
REPORT_DATA_FILE = "report-data.json"
# Not hashed: the footer naming the run and files that produced the render.
PROVENANCE_KEYS = ("provenance", "inputs")
SOURCE_SUFFIXES = (".qmd", ".py", ".yml", ".yaml", ".css", ".typ", ".lua")


@dataclass(frozen=True)
class RenderRecord:
    """What a render was made from (its key), by which run, when, with which engine."""

    key: str
    run_id: str
    rendered_at: str
    engine: str

    @classmethod
    def now(cls, key: str, run_id: str, engine: str) -> RenderRecord:
        """The record of a render of ``key`` finished now."""
        return cls(key=key, run_id=run_id, rendered_at=_now(), engine=engine)


@dataclass(frozen=True)
class RenderFailure:
    """The last failed render of a report: from which key, by which run, when, and why (a short
    French reason, as the index and the run's summary print it)."""

    key: str
    run_id: str
    failed_at: str
    reason: str


@dataclass(frozen=True)
class ReportJob:
    """One report to render: its title, source, parameters, published name and inputs."""

    title: str
    source: str
    params: dict[str, str]
    stem: str
    paths: ProjectPaths

    def front_matter(self, today: dt.date) -> dict[str, str | dt.date]:
        """What the render writes into the report's front matter: its own title (the cover,
        the HTML ``<title>``, the PDF's title metadata) and the month of publication: the
        month's first day, which the front matter's ``date-format`` writes « décembre 2026 »
        (Quarto reads any ``date`` as a date, and « décembre 2026 » as 1 January)."""
        title = "IMPACT-France" if self.source == "national.qmd" else f"IMPACT-{self.title}"
        return {"title": title, "date": today.replace(day=1)}

    @property
    def data_file(self) -> Path:
        """The report's own export."""
        return self.paths.exports_dir / "reports" / f"{self.stem}.json"

    @property
    def record_file(self) -> Path:
        """Where the last successful render is recorded."""
        return self.paths.exports_dir / "renders" / f"{self.stem}.json"

    @property
    def failure_file(self) -> Path:
        """Where the last failed render is recorded, until a render succeeds."""
        return self.paths.exports_dir / "renders" / f"{self.stem}.failed.json"

    @property
    def html(self) -> Path:
        """The published HTML file."""
        return self.paths.reports_dir / f"{self.stem}.html"

    @property
    def pdf(self) -> Path:
        """The published PDF file."""
        return self.paths.reports_dir / f"{self.stem}.pdf"

    def images(self, export: dict | None = None) -> dict[str, Path]:
        """The charts the export (read from :attr:`data_file` unless given) names, by the file
        name the document includes."""
        charts = (export or _read_json(self.data_file))["charts"].values()
        folder = self.paths.exports_dir / "charts"
        return {chart["file"]: folder / chart["file"] for chart in charts}

    def inputs(self) -> dict[str, Path]:
        """Files copied beside the source for the render."""
        return {REPORT_DATA_FILE: self.data_file} | self.images()

    def export_version(self) -> str:
        """The SHA-256 of what the report's export slice makes it print (module docstring)."""
        export = _read_json(self.data_file)
        printed = {name: part for name, part in export.items() if name not in PROVENANCE_KEYS}
        digest = hashlib.sha256()
        # The front matter (title, month of publication): a new month republishes the cover.
        front_matter = json.dumps(self.front_matter(dt.date.today()), sort_keys=True, default=str)
        for part in (self.source, json.dumps(self.params, sort_keys=True), front_matter):
            digest.update(part.encode("utf-8") + b"\0")
        digest.update(json.dumps(printed, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        for path in sorted(self.images(export).values()):
            digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
        return digest.hexdigest()

    def key(self) -> str:
        """What a render of the report is made from: its export and sources versions."""
        return f"{self.export_version()}+{sources_version()}"

    def record(self) -> RenderRecord | None:
        """The last successful render, if any."""
        if not self.record_file.exists():
            return None
        return RenderRecord(**_read_json(self.record_file))

    def is_current(self) -> bool:
        """Whether both published files exist and were rendered from today's inputs."""
        record = self.record()
        published = self.html.exists() and self.pdf.exists()
        return record is not None and published and record.key == self.key()

    def write_record(self, key: str, run_id: str, engine: str) -> RenderRecord:
        """Record a successful render of ``key`` (publication records it with the files it
        publishes: ``publishing.publish_report``)."""
        record = RenderRecord.now(key, run_id, engine)
        write_json_atomically(self.record_file, asdict(record))
        return record

    def failure(self) -> RenderFailure | None:
        """The last failed render, if the last attempt failed."""
        if not self.failure_file.exists():
            return None
        return RenderFailure(**_read_json(self.failure_file))

    def write_failure(self, key: str, run_id: str, reason: str) -> RenderFailure:
        """Record that rendering ``key`` failed, and why."""
        failure = RenderFailure(key=key, run_id=run_id, failed_at=_now(), reason=reason)
        write_json_atomically(self.failure_file, asdict(failure))
        return failure


def national_stem() -> str:
    """File name (without extension) of the national synthesis."""
    return "synthese-nationale"


def regional_stem(region: Region) -> str:
    """File name (without extension) of a regional report: ``region-84-auvergne-rhone-alpes``."""
    return f"region-{region.slug}"


def national_job(paths: ProjectPaths) -> ReportJob:
    """The national synthesis."""
    return ReportJob("Synthèse nationale", "national.qmd", {}, national_stem(), paths)


def regional_job(region: Region, paths: ProjectPaths) -> ReportJob:
    """One region's report, parameterised by its INSEE code."""
    return ReportJob(
        region.name, "region.qmd", {"region": region.code}, regional_stem(region), paths
    )


def all_report_jobs(paths: ProjectPaths, regions: tuple[Region, ...]) -> list[ReportJob]:
    """The national synthesis, then the regions in the given order."""
    return [national_job(paths), *(regional_job(region, paths) for region in regions)]


def write_json_atomically(path: Path, document: dict) -> None:
    """Write ``document`` to ``path`` as JSON, by rename (see :func:`write_text_atomically`)."""
    write_text_atomically(path, json.dumps(document, indent=2, ensure_ascii=False))


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` by rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def sources_version() -> str:
    """The SHA-256 of the reports' sources (the code version of the report assets)."""
    digest = hashlib.sha256()
    for path in _source_files():
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _source_files() -> list[Path]:
    # The documents and their helpers; the contours are drawn upstream, into the images.
    return sorted(
        path
        for path in REPORT_SOURCES_DIR.iterdir()
        if path.is_file() and path.suffix in SOURCE_SUFFIXES
    )


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
