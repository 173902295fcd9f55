"""Write the sample deliveries: ``python -m synthetic [RAW_DIR] [--scale N]`` (default: the
project's raw/, N = 1).

Every survey wave of ``synthetic.study_models`` under ``surveys/<study>/<wave>/``, with N times
the respondents (the benchmark's ×10 and ×100), the case database export under ``cases/``
and the context statistics under ``context/``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from orchestration.settings import PROJECT_ROOT
from synthetic import case_database, context_statistics, surveys

CASE_DATABASE_FILE = "cases/impact_pratiques_partenariales.xlsx"


def main(raw_dir: Path, scale: int = 1) -> list[Path]:
    """Generate every sample delivery into ``raw_dir``; returns the files written."""
    written = surveys.write_all(raw_dir, scale)
    cases_path = raw_dir / CASE_DATABASE_FILE
    case_database.write_xlsx(case_database.generate(), cases_path)
    context_path = raw_dir / context_statistics.CONTEXT_FILE
    context_statistics.write_csv(context_statistics.generate(), context_path)
    return [*written, cases_path, context_path]


def arguments(argv: list[str]) -> argparse.Namespace:
    """The command line: the drop zone and the scale."""
    parser = argparse.ArgumentParser(prog="python -m synthetic")
    parser.add_argument("raw_dir", nargs="?", type=Path, default=PROJECT_ROOT / "raw")
    parser.add_argument("--scale", type=int, default=1, help="times the respondents")
    return parser.parse_args(argv)


if __name__ == "__main__":
    started = time.perf_counter()
    options = arguments(sys.argv[1:])
    for path in main(options.raw_dir, options.scale):
        print(f"wrote {path}")
    print(f"in {time.perf_counter() - started:.1f} s")
