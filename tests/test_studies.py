"""Issue 21: the seed ``studies`` is the one list of surveyed studies. What must still name each
study outside it (the dbt variable that unions the studies' raw tables, their dbt sources, a
codebook folder, a sample model) agrees with it."""

import yaml

from orchestration.ingest.codebooks import CODEBOOKS_DIR
from orchestration.ingest.surveys import SURVEY_TABLE_SUFFIXES
from orchestration.publication.vocabulary import POPULATIONS, RESPONDENTS, STUDY_TITLES
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.studies import STUDIES
from synthetic.study_models import STUDY_MODELS


def test_the_studies_seed_names_the_five_actor_surveys_in_order():
    assert STUDIES == ("citoyens", "elus", "entreprises", "associations", "fondations")
    assert (
        POPULATIONS["elus"] == "Maires" and RESPONDENTS["entreprises"] == "dirigeants d’entreprise"
    )
    assert STUDY_TITLES["elus"] == "IMPACT-Élus locaux"


def test_dbt_unions_and_declares_the_raw_tables_of_exactly_the_seeds_studies():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    assert tuple(project["vars"]["survey_studies"]) == STUDIES
    sources = yaml.safe_load(
        (DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml").read_text(encoding="utf-8")
    )
    tables = {table["name"] for source in sources["sources"] for table in source["tables"]}
    surveys = {name for name in tables if name.startswith("survey_")}
    assert surveys == {
        f"survey_{study}{suffix}" for study in STUDIES for suffix in SURVEY_TABLE_SUFFIXES
    }


def test_every_study_has_its_codebooks_and_a_sample_model():
    for study in STUDIES:
        assert sorted((CODEBOOKS_DIR / study).glob("*.yml")), study
    assert {model.study for model in STUDY_MODELS} == set(STUDIES)
