"""Write the sample deliveries: ``python -m synthetic [RAW_DIR]`` (default: the project's raw/).

Every survey wave of ``synthetic.study_models`` under ``surveys/<study>/<wave>/``, and the case
database export under ``cases/``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from orchestration.settings import PROJECT_ROOT
from synthetic import case_database, surveys

CASE_DATABASE_FILE = "cases/impact_pratiques_partenariales.xlsx"


def main(raw_dir: Path) -> list[Path]:
    """Generate every sample delivery into ``raw_dir``; returns the files written."""
    written = surveys.write_all(raw_dir)
    cases_path = raw_dir / CASE_DATABASE_FILE
    case_database.write_xlsx(case_database.generate(), cases_path)
    return [*written, cases_path]


if __name__ == "__main__":
    started = time.perf_counter()
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT_ROOT / "raw"):
        print(f"wrote {path}")
    print(f"in {time.perf_counter() - started:.1f} s")
