"""Issue 21: the seed ``studies`` is the one list of surveyed studies. dbt names none (it reads
every study through the union views the ingest recreates); what must still name each study
outside the seed (a codebook folder, a sample model) agrees with it."""

import yaml

from orchestration.ingest.codebooks import CODEBOOKS_DIR
from orchestration.ingest.deliveries import ALL_SURVEYS_KEY
from orchestration.ingest.surveys import (
    SURVEY_UNION_COLUMNS,
    survey_table_names,
    survey_union_views,
)
from orchestration.publication.vocabulary import POPULATIONS, RESPONDENTS, STUDY_TITLES
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.studies import STUDIES
from synthetic.study_models import STUDY_MODELS

SOURCES = DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml"
MACROS = sorted((DBT_PROJECT_DIR / "macros").glob("*.sql"))


def test_the_studies_seed_names_the_five_actor_surveys_first_in_order():
    # First: a new study is a row added to the seed, without editing this test.
    assert STUDIES[:5] == ("citoyens", "elus", "entreprises", "associations", "fondations")
    assert (
        POPULATIONS["elus"] == "Maires" and RESPONDENTS["entreprises"] == "dirigeants d’entreprise"
    )
    assert STUDY_TITLES["elus"] == "IMPACT-Élus locaux"


def test_dbt_names_no_study_and_reads_the_studies_through_their_union_views():
    # A new study is a row of the seed: nothing in the dbt project's configuration, sources or
    # macros names one.
    for path in [DBT_PROJECT_DIR / "dbt_project.yml", SOURCES, *MACROS]:
        text = path.read_text(encoding="utf-8")
        assert not [study for study in STUDIES if study in text], path
    sources = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))
    surveys = {
        table["name"]: table["meta"]["dagster"]["asset_key"]
        for source in sources["sources"]
        for table in source["tables"]
        if table["name"].startswith("survey")
    }
    assert surveys == {f"survey{suffix}": ALL_SURVEYS_KEY.path for suffix in SURVEY_UNION_COLUMNS}


def test_the_union_views_stack_the_seeds_studies_whose_tables_are_loaded():
    loaded = {
        name for study in ("elus", "citoyens") for name in survey_table_names(f"survey_{study}")
    }
    views = survey_union_views(loaded | {"survey_fondations_answers", "case_database"})
    assert set(views) == {"survey_respondents", "survey_answers", "survey_files"}
    # In the seed's order; a study with only part of its tables is left out.
    assert views["survey_answers"].index("raw.survey_citoyens_answers") < views[
        "survey_answers"
    ].index("raw.survey_elus_answers")
    assert "fondations" not in "".join(views.values())
    assert survey_union_views({"case_database"}) == {}


def test_every_study_has_its_codebooks_and_a_sample_model():
    for study in STUDIES:
        assert sorted((CODEBOOKS_DIR / study).glob("*.yml")), study
    assert {model.study for model in STUDY_MODELS} == set(STUDIES)
