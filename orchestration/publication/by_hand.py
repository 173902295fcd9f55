"""``make report REGION=84``: render one report by hand, from the current export.

The render is the pipeline's own (``rendering.render_and_publish``): a private copy of
``reports/`` with the report's export and chart images beside it, the engine found now (Quarto
when ``QUARTO_PATH`` or the PATH names it, with ``QUARTO_PYTHON`` set to this environment's
Python; the built-in engine otherwise), the engine named in the provenance footer, then both
formats published into the reports folder (``reports/output``) with their render record: the
index lists it « à jour » when it was rendered from the current export. Messages are in French:
analysts run it.
"""

from __future__ import annotations

import argparse
import sys
import time

from orchestration.geography import region_by_code
from orchestration.publication.rendering import (
    QuartoNotFoundError,
    QuartoRenderError,
    engine_name,
    render_and_publish,
)
from orchestration.publication.report_jobs import ReportJob, national_job, regional_job
from orchestration.settings import ProjectPaths

RUN_ID = "rendu-a-la-main"
NATIONAL = "national"


def job_for(which: str, paths: ProjectPaths) -> ReportJob:
    """The report ``which`` names: an INSEE region code ("84", "07" is not one) or "national"."""
    if which == NATIONAL:
        return national_job(paths)
    try:
        return regional_job(region_by_code(which), paths)
    except KeyError:
        raise SystemExit(
            f"« {which} » n'est pas un code de région INSEE (11, 24, …, 94) ni « {NATIONAL} »."
        ) from None


def render_by_hand(which: str, paths: ProjectPaths) -> ReportJob:
    """Render and publish the report ``which``; raise ``SystemExit`` with a French message
    when it cannot be (no export yet, Quarto configured but missing)."""
    job = job_for(which, paths)
    if not job.data_file.exists():
        raise SystemExit(
            f"Pas d'export pour ce rapport ({job.data_file}) : lancez d'abord « make run »."
        )
    try:
        engine = engine_name()
    except (QuartoNotFoundError, QuartoRenderError) as error:
        raise SystemExit(str(error)) from None
    print(f"Rendu de « {job.title} » avec {engine}…", flush=True)
    started = time.monotonic()
    render_and_publish(job, job.key(), RUN_ID)
    print(f"{job.html}\n{job.pdf}\n({time.monotonic() - started:.1f} s)")
    return job


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m orchestration.publication.by_hand 84``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", help='code INSEE de la région ("84") ou "national"')
    render_by_hand(parser.parse_args(argv).report, ProjectPaths.from_env())


if __name__ == "__main__":
    main(sys.argv[1:])
