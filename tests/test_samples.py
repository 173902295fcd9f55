"""The shipped sample deliveries: reproducible, conform to their codebooks, and calibrated on
the figures the IMPACT programme published (shared/reference/published-figures.md)."""

from pathlib import Path

import pandas as pd
import pytest

from orchestration.ingest.codebooks import Codebook, codebook_path, load_codebook
from orchestration.ingest.conformance import check_survey
from orchestration.ingest.readers import read_survey
from orchestration.settings import PROJECT_ROOT
from synthetic.__main__ import main as write_samples

RAW = PROJECT_ROOT / "raw"
SHIPPED_SURVEYS = sorted(p for p in (RAW / "surveys").rglob("*") if p.is_file())
CORSE = "94"
NECESSARY = {"incontournable", "utile"}
AGREE = {"tout_a_fait", "plutot"}
YES = {"oui"}

# (study, wave, question, option, answers counted, published share): national, weighted with
# the institute's weight when there is one, base = those who answered (« ne sait pas » in).
PUBLISHED = [
    ("citoyens", 2019, "devoir_alliance", None, AGREE, 0.79),
    ("citoyens", 2019, "source_innovation", None, AGREE, 0.74),
    ("citoyens", 2019, "mobilisation_insuffisante", None, AGREE, 0.49),
    ("citoyens", 2020, "jouer_collectif", None, NECESSARY, 0.81),
    ("citoyens", 2020, "devoir_alliance", None, AGREE, 0.81),
    ("citoyens", 2020, "source_innovation", None, AGREE, 0.76),
    ("elus", 2020, "jouer_collectif", None, NECESSARY, 0.92),
    ("elus", 2020, "source_innovation", None, AGREE, 0.87),
    ("elus", 2020, "partenariat_local", None, YES, 0.70),
    ("entreprises", 2015, "partenariat", None, YES, 0.38),
    ("entreprises", 2015, "modes_partenariat", "pratiques_responsables", YES, 0.45),
    ("entreprises", 2015, "modes_partenariat", "mecenat", YES, 0.30),
    ("entreprises", 2015, "modes_partenariat", "cooperation_economique", YES, 0.25),
    ("entreprises", 2015, "modes_partenariat", "innovation_societale", YES, 0.16),
    ("entreprises", 2015, "echelons", "local", YES, 0.74),
    ("entreprises", 2015, "echelons", "regional", YES, 0.51),
    ("entreprises", 2015, "echelons", "national", YES, 0.25),
    ("entreprises", 2015, "echelons", "international", YES, 0.15),
    ("entreprises", 2021, "partenariat", None, YES, 0.57),
    ("entreprises", 2021, "jouer_collectif", None, NECESSARY, 0.83),
    ("entreprises", 2021, "rd_societale", None, YES, 0.35),
    ("associations", 2015, "partenariat_entreprise", None, YES, 0.38),
    ("associations", 2021, "partenariat_entreprise", None, YES, 0.48),
    ("associations", 2021, "au_moins_un_partenariat", None, YES, 0.98),
    ("associations", 2021, "jouer_collectif", None, NECESSARY, 0.97),
    ("associations", 2021, "modes_partenariat", "mecenat", YES, 0.59),
    ("associations", 2021, "modes_partenariat", "innovation_societale", YES, 0.47),
    ("associations", 2021, "modes_partenariat", "pratiques_responsables", YES, 0.45),
    ("associations", 2021, "modes_partenariat", "cooperation_economique", YES, 0.39),
    ("associations", 2021, "echelons", "local", YES, 0.73),
    ("associations", 2021, "echelons", "regional", YES, 0.45),
    ("associations", 2021, "source_mobilisation", None, AGREE, 0.90),
    ("associations", 2021, "source_innovation", None, AGREE, 0.90),
    ("fondations", 2021, "jouer_collectif", None, NECESSARY, 0.98),
]


def shipped(study: str, wave: int) -> tuple[pd.DataFrame, Codebook]:
    """The delivered table of a study wave, read through its codebook, and the codebook."""
    codebook = load_codebook(codebook_path(study, wave))
    [path] = [p for p in SHIPPED_SURVEYS if p.parent == RAW / "surveys" / study / str(wave)]
    return read_survey(path, codebook).data, codebook


def national_share(data: pd.DataFrame, codebook: Codebook, question, option, counted) -> float:
    """Weighted share of the answers counted, among those who answered (NSP included)."""
    [coded] = [q for q in codebook.questions if (q.name, q.option) == (question, option)]
    answers = data[coded.variable].map(coded.codes)
    answered = data[coded.variable].notna()
    weights = data[codebook.weight] if codebook.weight else pd.Series(1.0, index=data.index)
    weights = weights[answered].astype(float)
    return float((weights * answers[answered].isin(counted)).sum() / weights.sum())


def region_counts(study: str, wave: int) -> pd.Series:
    """Respondents per region code (as text)."""
    data, codebook = shipped(study, wave)
    return data[codebook.region].map(lambda code: str(int(float(code)))).value_counts()


def test_regenerated_samples_are_byte_identical_to_the_shipped_ones(tmp_path: Path):
    written = write_samples(tmp_path)
    relative = {path.relative_to(tmp_path) for path in written}
    assert {path.relative_to(RAW) for path in SHIPPED_SURVEYS} <= relative
    for path in sorted(relative):
        assert (tmp_path / path).read_bytes() == (RAW / path).read_bytes(), path


@pytest.mark.parametrize("path", SHIPPED_SURVEYS, ids=lambda p: p.relative_to(RAW).as_posix())
def test_every_shipped_survey_conforms_to_its_codebook(path: Path):
    study, wave = path.parent.parent.name, int(path.parent.name)
    codebook = load_codebook(codebook_path(study, wave))
    survey = read_survey(path, codebook)
    report = check_survey(path.relative_to(RAW), survey.data, codebook)
    assert report.accepted, report.text()
    assert not report.warnings, report.text()
    if path.suffix != ".csv":  # a CSV file carries no label
        assert "DONNEES ILLUSTRATIVES" in survey.file_label


@pytest.mark.parametrize("path", [p for p in SHIPPED_SURVEYS if p.suffix == ".sav"], ids=str)
def test_spss_files_label_every_variable_and_every_code(path: Path):
    codebook = load_codebook(codebook_path(path.parent.parent.name, int(path.parent.name)))
    survey = read_survey(path, codebook)
    labels = survey.labels
    variable_labels = labels[labels["code"].isna()].set_index("variable")["label"]
    assert set(variable_labels.index) == set(survey.data.columns)
    assert (variable_labels.str.len() > 0).all()
    for coded in (*codebook.design, *codebook.questions):
        labelled = set(labels.loc[labels["variable"] == coded.variable, "code"].dropna())
        assert labelled == set(coded.codes), coded.variable


@pytest.mark.parametrize(
    ("study", "wave", "question", "option", "counted", "published"),
    PUBLISHED,
    ids=[f"{s}-{w}-{q}{'/' + o if o else ''}" for s, w, q, o, _, _ in PUBLISHED],
)
def test_national_results_land_near_the_published_figures(
    study, wave, question, option, counted, published
):
    data, codebook = shipped(study, wave)
    share = national_share(data, codebook, question, option, counted)
    assert share == pytest.approx(published, abs=0.03)


def test_41_of_the_42_foundations_judge_jouer_collectif_necessary():
    data, codebook = shipped("fondations", 2021)
    [coded] = [q for q in codebook.questions if q.name == "jouer_collectif"]
    assert len(data) == 42
    assert data[coded.variable].map(coded.codes).isin(NECESSARY).sum() == 41


def test_mayors_are_as_many_in_each_commune_size_band_and_unweighted():
    data, codebook = shipped("elus", 2020)
    [size] = codebook.design
    assert codebook.weight is None
    assert data[size.variable].value_counts().nunique() == 1


@pytest.mark.parametrize(
    ("study", "wave"),
    [("citoyens", 2019), ("citoyens", 2020), ("entreprises", 2015), ("entreprises", 2021)],
)
def test_corse_is_too_small_to_publish(study, wave):
    assert region_counts(study, wave).get(CORSE, 0) < 30


@pytest.mark.parametrize("wave", [2019, 2020])
def test_big_regions_have_hundreds_of_citizens(wave):
    assert (region_counts("citoyens", wave) >= 100).sum() >= 8
