"""Regional reports are partitioned by the 13 INSEE region codes."""

from __future__ import annotations

import dagster as dg

from orchestration.geography import regions

region_partitions = dg.StaticPartitionsDefinition([region.code for region in regions()])

# Dagster's run tags for a partition range (what the CLI's --partition-range sets).
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def all_regions_run_tags() -> dict[str, str]:
    """Run tags that target every region in one run (reports have a single-run backfill policy)."""
    codes = region_partitions.get_partition_keys()
    return {
        PARTITION_RANGE_START_TAG: codes[0],
        PARTITION_RANGE_END_TAG: codes[-1],
    }


def regions_label() -> str:
    """The partition keys with their names, for asset descriptions in the UI."""
    return ", ".join(f"{region.code} {region.name}" for region in regions())
