"""What the UI shows an analyst is described in French: every dbt test as an asset check, every
launchpad and resource setting."""

import json

import dagster as dg

from orchestration.transform.check_descriptions import UNDESCRIBED


def _check_specs() -> list[dg.AssetCheckSpec]:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    return [graph.get_check_spec(key) for key in graph.asset_check_keys]


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found))


def test_every_dbt_test_is_an_asset_check_described_in_french(dbt_manifest):
    manifest = json.loads(dbt_manifest.read_text(encoding="utf-8"))
    tests = {name for name, node in manifest["nodes"].items() if node["resource_type"] == "test"}
    specs = {
        spec.metadata["dagster_dbt/unique_id"]: spec
        for spec in _check_specs()
        if "dagster_dbt/unique_id" in spec.metadata
    }
    assert tests and set(specs) == tests
    described = {test: specs[test].description or "" for test in tests}
    assert not [test for test, text in described.items() if not text or UNDESCRIBED in text]
    assert described["test.impact.survey_weights_are_positive_and_bounded"].startswith(
        "Chaque poids final est positif"
    )


def test_a_generic_test_is_described_by_its_arguments():
    descriptions = {spec.name: spec.description for spec in _check_specs()}
    uniques = [text for name, text in descriptions.items() if name.startswith("unique_combination")]
    assert "Unicité de (indicator_id, wave, geo_code)" in uniques
    assert descriptions["not_null_fct_fragility_alliances_cases"] == (
        "Valeurs non nulles : colonne `cases`"
    )


def test_every_setting_of_the_launchpad_and_of_the_resources_has_a_description():
    import orchestration.definitions  # noqa: F401  (defines every Config and resource class)

    classes = {
        cls
        for cls in _subclasses(dg.Config) | _subclasses(dg.ConfigurableResource)
        if cls.__module__.startswith("orchestration.")
    }
    assert {"ProjectPathsResource", "Warehouse"} <= {c.__name__ for c in classes}
    undescribed = [
        f"{cls.__name__}.{name}"
        for cls in classes
        for name, field in cls.model_fields.items()
        if not field.description
    ]
    assert undescribed == []
