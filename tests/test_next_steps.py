"""The advice logged after a failed step, by kind of failure."""

import dagster as dg
import pytest

from orchestration.ingest.errors import DeliveryError
from orchestration.next_steps import next_step
from orchestration.warehouse import WarehouseLocked

# The definitions these tests load read the dbt manifest.
pytestmark = pytest.mark.usefixtures("dbt_manifest")


def test_a_locked_warehouse_says_which_program_to_close():
    retry = dg.RetryRequested(max_retries=5, seconds_to_wait=5)
    retry.__cause__ = WarehouseLocked("held by PID 12")
    advice = next_step("raw__survey_citoyens", retry)
    assert advice.startswith("Le fichier de l'entrepôt est resté ouvert dans un autre programme")


def test_a_refused_delivery_says_to_correct_and_drop_it_again():
    error = DeliveryError("raw/surveys/citoyens/2020/citoyens_2020.sav", "not SPSS")
    advice = next_step("raw__survey_citoyens", error)
    assert "déposez-le de nouveau dans raw/" in advice
    assert "rapports publiés sont ceux du dernier run réussi" in advice


def test_a_failed_quality_rule_points_to_the_data_docs():
    assert "reports/output/qualite/" in next_step("survey_citoyens_quality", None)


def test_a_failed_render_leaves_the_published_reports():
    advice = next_step("regional_report", RuntimeError("pandoc failed"))
    assert "render_reports" in advice and "intacts" in advice


def test_every_step_of_every_job_says_what_to_do_next():
    # Runs launched by declarative automation use Dagster's implicit asset job: the advice
    # rides on the steps, not on the jobs.
    from dagster._core.definitions.dependency import NodeHandle

    from orchestration.definitions import defs

    jobs = [defs.resolve_implicit_global_asset_job_def()]
    jobs += [defs.resolve_job_def(name) for name in ("refresh_all", "ingest_case_database")]
    for job in jobs:
        for node in job.nodes:
            hooks = job.get_all_hooks_for_handle(NodeHandle(node.name, None))
            assert [hook.name for hook in hooks] == ["what_to_do_next"], (job.name, node.name)
