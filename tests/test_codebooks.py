"""Codebook routing (``asked_if``): each shipped codebook declares who is asked each question,
exactly as the synthetic truth model routes it, a malformed declaration is refused naming the
file and the key, and the shipped deliveries leave those not asked without an answer."""

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from orchestration.ingest.codebooks import Codebook, codebook_path, load_codebook
from orchestration.ingest.deliveries import SURVEY_KINDS
from orchestration.ingest.surveys import accept_survey
from orchestration.ingest.tidy import QUESTION_ROLE, tidy_answers
from orchestration.settings import PROJECT_ROOT
from synthetic.study_models import STUDY_MODELS
from synthetic.survey_model import StudyModel

RAW = PROJECT_ROOT / "raw"
MODELS = {f"{model.study}-{model.wave}": model for model in STUDY_MODELS}


def model_routing(model: StudyModel) -> dict[str, dict[str, frozenset[str]]]:
    """The routing of a truth model's questions, as a codebook declares it."""
    return {
        question.name: {name: frozenset({answer}) for name, answer in question.base.items()}
        for question in model.questions
        if question.base
    }


def shipped_answers(model: StudyModel, tmp_path) -> tuple[pd.DataFrame, Codebook]:
    """The canonical answers of a shipped delivery, one row per respondent and coded variable
    (as the ingest accepts and tidies it), and the wave's codebook."""
    folder = f"surveys/{model.study}/{model.wave}/"
    [(relative, digest)] = [
        (relative, digest)
        for relative, digest in SURVEY_KINDS[model.study].fingerprints(RAW).items()
        if str(relative).startswith(folder)
    ]
    accepted = accept_survey(RAW, RAW / relative, digest, tmp_path)
    data = accepted.survey.data
    return tidy_answers(data, accepted.codebook, accepted.survey.first_row), accepted.codebook


def single_answers(answers: pd.DataFrame, name: str) -> pd.Series:
    """The canonical answer to a single-answer question or design variable, by respondent."""
    rows = answers[(answers["question"] == name) & answers["option"].isna()]
    return rows.set_index("respondent_id")["answer"]


def asked_mask(answers: pd.DataFrame, routing: dict[str, frozenset[str]]) -> pd.Series:
    """Which respondents are asked, by respondent: every filter holds."""
    respondents = pd.Index(answers["respondent_id"].unique())
    asked = pd.Series(True, index=respondents)
    for name, leading in routing.items():
        asked &= single_answers(answers, name).reindex(respondents).isin(leading)
    return asked


@pytest.mark.parametrize("model", MODELS.values(), ids=MODELS.keys())
def test_codebook_declares_the_routing_of_the_truth_model(model: StudyModel):
    codebook = load_codebook(codebook_path(model.study, model.wave))
    assert codebook.asked_if == model_routing(model)
    for question in model.questions:
        assert codebook.asked(question.name) == model_routing(model).get(question.name, {})


def test_some_shipped_questions_are_routed():
    # Guards the comparison above from passing on models that route nothing.
    assert sum(bool(model_routing(model)) for model in STUDY_MODELS) >= 4


def test_a_question_asked_of_everyone_has_no_routing():
    codebook = load_codebook(codebook_path("entreprises", 2021))
    assert codebook.asked("partenariat") == {}
    assert codebook.asked("source_confiance") == {"partenariat": frozenset({"oui"})}


def codebook_with(tmp_path, section: str, question: str, asked_if) -> Path:
    """A copy of the companies' 2021 codebook where ``question`` declares ``asked_if``."""
    content = yaml.safe_load(codebook_path("entreprises", 2021).read_text(encoding="utf-8"))
    content[section][question]["asked_if"] = asked_if
    path = tmp_path / "entreprises" / "2021.yml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("section", "question", "asked_if", "message"),
    [
        # A filter question the codebook does not have.
        (
            "multiple",
            "echelons",
            {"partenaire": ["oui"]},
            r"multiple\.echelons\.asked_if\.partenaire : ce n'est pas une autre question",
        ),
        # An answer the filter question does not have.
        (
            "multiple",
            "modes_partenariat",
            {"partenariat": ["oui", "peut_etre"]},
            r"multiple\.modes_partenariat\.asked_if\.partenariat : \['peut_etre'\] ne figure",
        ),
        # A design variable's answer, misspelt.
        (
            "questions",
            "source_innovation",
            {"taille_entreprise": ["10-50"]},
            r"questions\.source_innovation\.asked_if\.taille_entreprise : \['10-50'\] ne figure",
        ),
        # A multi-answer question is no filter: its name covers one variable per option.
        (
            "questions",
            "source_innovation",
            {"modes_partenariat": ["oui"]},
            r"asked_if\.modes_partenariat : ce n'est pas une autre question à réponse unique",
        ),
        # A question cannot route itself.
        (
            "questions",
            "partenariat",
            {"partenariat": ["oui"]},
            r"questions\.partenariat\.asked_if\.partenariat : ce n'est pas une autre",
        ),
        # Answers are a list, the filters a mapping.
        (
            "questions",
            "source_innovation",
            {"partenariat": "oui"},
            r"asked_if\.partenariat doit lister les réponses",
        ),
        (
            "questions",
            "source_innovation",
            ["partenariat"],
            r"asked_if doit associer des questions",
        ),
        ("questions", "source_innovation", {}, r"asked_if doit associer des questions"),
    ],
)
def test_malformed_routing_is_refused_naming_file_and_key(
    tmp_path, section, question, asked_if, message
):
    path = codebook_with(tmp_path, section, question, asked_if)
    with pytest.raises(
        ValueError, match=rf"^{re.escape(str(path))} : codebook mal formé, .*{message}"
    ):
        load_codebook(path)


def test_routing_on_a_design_variable_loads(tmp_path):
    path = codebook_with(
        tmp_path, "questions", "rd_societale", {"taille_entreprise": ["250-4999", "5000+"]}
    )
    assert load_codebook(path).asked("rd_societale") == {
        "taille_entreprise": frozenset({"250-4999", "5000+"})
    }


@pytest.mark.parametrize("model", MODELS.values(), ids=MODELS.keys())
def test_respondents_not_asked_have_no_answer(model: StudyModel, tmp_path):
    answers, codebook = shipped_answers(model, tmp_path)
    questions = answers[answers["role"] == QUESTION_ROLE]
    for question, routing in codebook.asked_if.items():
        asked = asked_mask(answers, routing)
        rows = questions[questions["question"] == question]
        answered = rows.groupby("respondent_id")["answer"].agg(lambda a: a.notna().any())
        answered = answered.reindex(asked.index, fill_value=False)
        # Nobody outside the base answers, and the rest of the sample is there to show it.
        assert not (answered & ~asked).any(), f"{codebook.path}: {question} answered when not asked"
        assert (~asked).any(), f"{codebook.path}: {question} is routed but everyone is asked"
        # Those asked answer, bar item non-response: the declared base is not too wide either.
        assert answered[asked].mean() >= 0.9, f"{codebook.path}: {question} base too wide"


def test_a_codebook_of_the_wrong_shape_is_refused_in_french_naming_each_key(tmp_path):
    """Issue 20 item 6 / issue 21: a codebook may now come with a delivery, so its shape is
    checked (pydantic) before it is built: wrong types, unknown keys, a bad ``optional``."""
    path = tmp_path / "codebook.yml"
    path.write_text(
        "study: [citoyens]\nwave: deux mille\ntitle: T\nrespondent_id: ID\nregion: REGION\n"
        "questions:\n  q:\n    variable: 3\n    codes: {1: oui}\n    optionnal: true\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError) as refused:
        load_codebook(path)
    message = str(refused.value)
    assert message.startswith(f"{path} : codebook mal formé, ")
    for part in (
        "study : doit être un texte",
        "wave : doit être un nombre entier",
        "questions.q.variable : doit être un texte",
        "questions.q.optionnal : clé inconnue",
    ):
        assert part in message, part
    path.write_text("- une liste\n- pas un codebook\n", encoding="utf-8")
    with pytest.raises(ValueError, match="codebook : doit être une table « clé : valeur »"):
        load_codebook(path)
