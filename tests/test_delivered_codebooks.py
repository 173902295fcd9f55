"""Issue 20, item 6: a new survey wave by dropping files. A wave may be delivered with its
codebook (``surveys/<study>/<wave>/codebook.yml``): the sensor sees it, the door holds the file
to it, the quality checks read it; a malformed, oversized or conflicting codebook refuses the
wave with a French message naming the file, and nothing is loaded."""

import shutil

import dagster as dg
import duckdb
import pytest
import yaml

from orchestration.ingest.assets import survey_assets
from orchestration.ingest.codebooks import MAX_CODEBOOK_BYTES, codebook_path
from orchestration.ingest.conformance import DeliveryRejected
from orchestration.ingest.deliveries import SURVEY_KINDS, unclaimed_files
from orchestration.ingest.observations import CHANGES_METADATA
from orchestration.ingest.sensors import raw_delivery_sensor
from orchestration.ingest.surveys import accept_survey
from orchestration.quality.checks import survey_check
from orchestration.resources import project_resources
from tests.conftest import CITIZENS_2020, rewrite_survey, settled

CITIZENS = SURVEY_KINDS["citoyens"]
NEW_WAVE = "surveys/citoyens/2021"


def deliver_new_wave(project, codebook: dict | None = None) -> tuple:
    """A 2021 citizens' wave dropped with its own codebook (the 2020 one, renamed), as an
    analyst would deliver it; no file of the repository changes."""
    folder = project.raw_dir / NEW_WAVE
    folder.mkdir(parents=True)
    data = folder / "citoyens_2021.sav"
    shutil.copy(project.raw_dir / CITIZENS_2020, data)
    rewrite_survey(data, lambda answers: answers.__setitem__("VAGUE", 2021.0))
    content = yaml.safe_load(codebook_path("citoyens", 2020).read_text(encoding="utf-8"))
    content |= {"wave": 2021, "title": "IMPACT-Citoyens 2021"}
    delivered = folder / "codebook.yml"
    delivered.write_text(yaml.safe_dump(codebook or content, allow_unicode=True), encoding="utf-8")
    settled(data, delivered)
    return data, delivered


def citizens_with_checks():
    asset = next(a for a in survey_assets if a.key == CITIZENS.asset_key)
    return [asset, survey_check(CITIZENS)]


def test_a_wave_dropped_with_its_codebook_is_sensed_loaded_and_checked(
    isolated_project, dagster_instance
):
    assert not codebook_path("citoyens", 2021).exists()  # nothing in the repository
    _, codebook = deliver_new_wave(isolated_project)
    assert f"{NEW_WAVE}/codebook.yml" in CITIZENS.fingerprints(isolated_project.raw_dir)
    assert unclaimed_files(isolated_project.raw_dir) == []
    sensed = raw_delivery_sensor(
        dg.build_sensor_context(instance=dagster_instance, resources=project_resources())
    )
    [observed] = [e for e in sensed.asset_events if e.asset_key == CITIZENS.source_key]
    assert f"{NEW_WAVE}/codebook.yml" in observed.metadata[CHANGES_METADATA].value
    dagster_instance.report_runless_asset_event(observed)
    result = dg.materialize(
        citizens_with_checks(), instance=dagster_instance, resources=project_resources()
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert checks and all(check.passed for check in checks)
    with duckdb.connect(str(isolated_project.warehouse), read_only=True) as connection:
        files = connection.execute(
            "select wave, codebook, survey_title from raw.survey_citoyens_files order by wave"
        ).fetchall()
        answered = connection.execute(
            "select count(*) from raw.survey_citoyens_respondents where wave = 2021"
        ).fetchone()[0]
    assert files[-1] == (2021, f"{NEW_WAVE}/codebook.yml", "IMPACT-Citoyens 2021")
    assert files[0][1] == "codebooks/citoyens/2019.yml" and answered == 3000
    # A corrected codebook is a changed delivery: the sensor observes it again.
    codebook.write_text(codebook.read_text(encoding="utf-8") + "\n# corrigé\n", encoding="utf-8")
    settled(codebook)
    sensed = raw_delivery_sensor(
        dg.build_sensor_context(instance=dagster_instance, resources=project_resources())
    )
    assert any(e.asset_key == CITIZENS.source_key for e in sensed.asset_events)


def refusal(project, tmp_path) -> str:
    """The door's message for the 2021 wave."""
    data = project.raw_dir / NEW_WAVE / "citoyens_2021.sav"
    with pytest.raises(DeliveryRejected) as refused:
        accept_survey(project.raw_dir, data, "0" * 64, tmp_path / "quarantine")
    return str(refused.value)


def test_a_malformed_codebook_refuses_the_wave_naming_the_file_and_key(isolated_project, tmp_path):
    content = yaml.safe_load(codebook_path("citoyens", 2020).read_text(encoding="utf-8"))
    del content["respondent_id"]
    deliver_new_wave(isolated_project, {**content, "wave": 2021})
    message = refusal(isolated_project, tmp_path)
    assert "codebook mal formé" in message and "respondent_id" in message
    assert "codebook.yml" in message


def test_an_oversized_or_unreadable_codebook_is_refused_before_it_is_read(
    isolated_project, tmp_path
):
    _, codebook = deliver_new_wave(isolated_project)
    codebook.write_bytes(b"#" * (MAX_CODEBOOK_BYTES + 1))
    assert "ce n'est pas un codebook" in refusal(isolated_project, tmp_path)
    codebook.write_bytes(b"study: [citoyens\n")
    assert "illisible (YAML en UTF-8 attendu)" in refusal(isolated_project, tmp_path)


def test_a_delivered_codebook_that_contradicts_the_repository_s_is_refused(
    isolated_project, tmp_path
):
    """The 2020 wave delivered with a codebook that differs from codebooks/citoyens/2020.yml:
    two truths for one wave; the same content (comments aside) is accepted."""
    folder = (isolated_project.raw_dir / CITIZENS_2020).parent
    content = yaml.safe_load(codebook_path("citoyens", 2020).read_text(encoding="utf-8"))
    (folder / "codebook.yml").write_text(
        yaml.safe_dump({**content, "title": "Autre titre"}, allow_unicode=True), encoding="utf-8"
    )
    data = isolated_project.raw_dir / CITIZENS_2020
    with pytest.raises(DeliveryRejected) as refused:
        accept_survey(isolated_project.raw_dir, data, "0" * 64, tmp_path / "quarantine")
    message = str(refused.value)
    assert "deux codebooks différents pour citoyens 2020" in message
    assert "surveys/citoyens/2020/codebook.yml (livré)" in message
    assert "codebooks/citoyens/2020.yml (dépôt)" in message
    (folder / "codebook.yml").write_text(
        "# la même chose, autrement écrite\n" + yaml.safe_dump(content), encoding="utf-8"
    )
    accepted = accept_survey(isolated_project.raw_dir, data, "0" * 64, tmp_path / "quarantine")
    assert accepted.codebook.wave == 2020


def test_a_wave_without_any_codebook_says_where_to_put_one(isolated_project, tmp_path):
    _, codebook = deliver_new_wave(isolated_project)
    codebook.unlink()
    message = refusal(isolated_project, tmp_path)
    assert "aucun codebook pour citoyens 2021" in message
    assert "surveys/citoyens/2021/codebook.yml" in message
    assert "codebooks/citoyens/2021.yml" in message
