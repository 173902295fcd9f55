"""Write the sample deliveries: ``python -m synthetic [RAW_DIR]`` (default: the project's raw/)."""

from __future__ import annotations

import sys
from pathlib import Path

from orchestration.ingest.deliveries import CASE_DATABASE, CITIZENS_SURVEY
from orchestration.settings import PROJECT_ROOT
from synthetic import case_database, citizens_survey


def main(raw_dir: Path) -> None:
    """Generate both sample deliveries into ``raw_dir``."""
    survey_path = raw_dir / CITIZENS_SURVEY.sample_file
    cases_path = raw_dir / CASE_DATABASE.sample_file
    citizens_survey.write_sav(citizens_survey.generate(), survey_path)
    case_database.write_xlsx(case_database.generate(), cases_path)
    print(f"wrote {survey_path}\nwrote {cases_path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT_ROOT / "raw")
