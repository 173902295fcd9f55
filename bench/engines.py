"""Quarto against the built-in engine on the same exports: wall time of all 28 outputs (the
14 reports, HTML and PDF) rendered as the render steps do (``RENDER_WORKERS`` at once, each in
its own scratch folder), and of one region alone. Figures, not assertions.

``make bench`` prints them after the full refresh at scale 1; ``python -m bench.engines`` times
the current export (after ``make run``). Quarto is the one ``QUARTO_PATH`` or the PATH names;
without it, only the built-in engine is timed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from orchestration.geography import region_by_code, regions
from orchestration.publication.assets import RENDER_WORKERS
from orchestration.publication.rendering import (
    QUARTO_PATH_VAR,
    engine_name,
    find_quarto,
    render_report,
)
from orchestration.publication.report_jobs import (
    REPORT_DATA_FILE,
    ReportJob,
    all_report_jobs,
    regional_job,
)
from orchestration.publication.scratch import render_scratch
from orchestration.settings import ProjectPaths

ONE_REGION = "84"


@contextmanager
def engine_environment(quarto: Path | None) -> Iterator[None]:
    """Renders in this block use ``quarto``, or the built-in engine when it is None (Quarto
    hidden from ``QUARTO_PATH`` and the PATH)."""
    saved = {name: os.environ.get(name) for name in (QUARTO_PATH_VAR, "PATH")}
    if quarto is not None:
        os.environ[QUARTO_PATH_VAR] = str(quarto)
    else:
        os.environ.pop(QUARTO_PATH_VAR, None)
        folders = os.environ.get("PATH", "").split(os.pathsep)
        kept = [folder for folder in folders if not (Path(folder) / "quarto").exists()]
        os.environ["PATH"] = os.pathsep.join(kept)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def render_seconds(jobs: list[ReportJob], paths: ProjectPaths) -> float:
    """Wall time to render ``jobs`` (both formats each), ``RENDER_WORKERS`` at once, each in
    its own scratch folder as in the render steps (short paths: the kernels' sockets live
    there)."""

    def render(job: ReportJob) -> None:
        with render_scratch(paths.scratch_dir) as scratch:
            params = {**job.params, "data": REPORT_DATA_FILE}
            render_report(job.source, params, job.inputs(), scratch)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=RENDER_WORKERS) as pool:
        list(pool.map(render, jobs))  # list(): a failed render raises here
    return time.perf_counter() - started


def compare_engines(paths: ProjectPaths) -> None:
    """Print the table: all reports, then one region, per engine, and Quarto / built-in."""
    quarto = find_quarto()
    engines = {"built-in": None} if quarto is None else {"Quarto": quarto, "built-in": None}
    every_report = all_report_jobs(paths, regions())
    one_region = [regional_job(region_by_code(ONE_REGION), paths)]
    figures: dict[str, tuple[float, float]] = {}
    for label, executable in engines.items():
        with engine_environment(executable):
            label = f"{label} ({engine_name()})"
            figures[label] = (
                render_seconds(every_report, paths),
                render_seconds(one_region, paths),
            )
    outputs = 2 * len(every_report)
    print(f"\n## renders by engine ({RENDER_WORKERS} at once, {os.cpu_count()} cores)\n")
    print(f"{'engine':<44} {f'{outputs} outputs':>11} {f'region {ONE_REGION}':>10}")
    for label, (whole, region) in figures.items():
        print(f"{label:<44} {whole:>11.1f} {region:>10.1f}")
    if len(figures) == 2:
        (quarto_all, quarto_one), (builtin_all, builtin_one) = figures.values()
        ratio = f"{quarto_all / builtin_all:>11.1f} {quarto_one / builtin_one:>10.1f}"
        print(f"{'ratio Quarto / built-in':<44} {ratio}")
    else:
        print("(Quarto not found: QUARTO_PATH or the PATH; only the built-in engine timed)")


if __name__ == "__main__":
    compare_engines(ProjectPaths.from_env())
    sys.exit(0)
