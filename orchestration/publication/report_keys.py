"""The publication's Dagster asset keys: one export slice and one report asset per report.

One asset per report, not one partition per region: Dagster records a data version per asset
it materializes, but a single run over a range of partitions records the same data version for
all of them. With one asset per region, the export writes the 14 slices in one step and each
gets its own data version, so Dagster shows a report stale exactly when its own figures
changed, and automation renders only those.
"""

from __future__ import annotations

import dagster as dg

from orchestration.geography import Region, region_by_code, regions
from orchestration.publication.report_jobs import ReportJob, national_job, regional_job
from orchestration.settings import ProjectPaths

WHOLE_EXPORT_KEY = dg.AssetKey("report_data")
EXPORT_PREFIX = "report_export"
REGIONAL_PREFIX = "regional_report"
NATIONAL_REPORT_KEY = dg.AssetKey("national_report")
# The synthesis's slice: the national figures and every region's.
NATIONAL_NAME = "france"


def regional_report_key(region: Region) -> dg.AssetKey:
    """``regional_report/53-bretagne``: the UI lists the regional reports by code and name."""
    return dg.AssetKey([REGIONAL_PREFIX, region.slug])


def export_key(name: str) -> dg.AssetKey:
    """The export slice of a report: ``report_export/53-bretagne``, ``report_export/france``."""
    return dg.AssetKey([EXPORT_PREFIX, name])


def report_names() -> list[str]:
    """The synthesis's name, then each region's (its slug), in INSEE code order."""
    return [NATIONAL_NAME, *(region.slug for region in regions())]


def region_of(key: dg.AssetKey) -> Region:
    """The region of a regional report's or export slice's key."""
    code = key.path[-1].split("-", 1)[0]
    return region_by_code(code)


def job_of(key: dg.AssetKey, paths: ProjectPaths) -> ReportJob:
    """The report a report asset or an export slice stands for."""
    if key.path[-1] == NATIONAL_NAME or key == NATIONAL_REPORT_KEY:
        return national_job(paths)
    return regional_job(region_of(key), paths)


def report_key(job: ReportJob) -> dg.AssetKey:
    """The asset of a report."""
    region = job.params.get("region")
    return NATIONAL_REPORT_KEY if region is None else regional_report_key(region_by_code(region))


def name_of(job: ReportJob) -> str:
    """The name of a report in its asset keys."""
    region = job.params.get("region")
    return NATIONAL_NAME if region is None else region_by_code(region).slug
