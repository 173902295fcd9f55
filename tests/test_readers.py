"""Survey deliveries in every format read alike (as if from SPSS), and bad files are refused
with the file, row, column and rule, by the reader or by conformance."""

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from orchestration.ingest.codebooks import FileLayout, code_text, load_codebook
from orchestration.ingest.conformance import check_survey
from orchestration.ingest.errors import DeliveryError
from orchestration.ingest.readers import read_survey
from synthetic.survey_files import SurveyDelivery, write_delivery

CODEBOOK_YAML = """\
study: citoyens
wave: 2020
title: IMPACT-Citoyens 2020 (test)
respondent_id: ID
wave_variable: VAGUE
region: REGION
department: DEP
weight: POIDS
fieldwork_date: DATE_ENQUETE
design:
  sexe: {variable: SEXE, codes: {1: homme, 2: femme}}
questions:
  jouer_collectif: {variable: Q1, codes: {1: utile, 2: inutile, 9: nsp}}
other: [COMMENTAIRE]
"""
LATIN1_SEMICOLON = FileLayout("latin-1", ";")
UTF8_COMMA = FileLayout("utf-8", ",")
HEADER = "ID;VAGUE;REGION;DEP;SEXE;Q1;POIDS;DATE_ENQUETE;COMMENTAIRE"
ROW = "1;2020;11;75;1;1;1,25;2020-03-05;ok"
MOJIBAKE_RULE = (
    "texte qui semble lu en Latin-1 au lieu d'UTF-8 (caractères corrompus) ; "
    "réexportez le fichier en UTF-8 ou déclarez son encodage"
)
SERIAL_RULE = "date enregistrée comme numéro de série Excel (formatez la colonne en date)"


def make_codebook(folder: Path, layout: str = ""):
    path = folder / "codebook.yml"
    path.write_text(CODEBOOK_YAML + layout, encoding="utf-8")
    return load_codebook(path)


@pytest.fixture
def codebook(tmp_path: Path):
    return make_codebook(tmp_path)


def expected_data() -> pd.DataFrame:
    """The delivery's canonical content: what every format must read back."""
    return pd.DataFrame(
        {
            "ID": ["1", "2", "3", "4"],
            "VAGUE": [2020.0] * 4,
            "REGION": ["11", "84", "94", "11"],
            "DEP": ["75", "01", "2A", "92"],
            "SEXE": [1.0, 2.0, 2.0, 1.0],
            "Q1": [1.0, 2.0, 9.0, np.nan],
            "POIDS": [1.25, 0.5, 2.0, 0.75],
            "DATE_ENQUETE": pd.to_datetime(
                ["2020-03-05", "2020-03-06", "2020-03-09", "2020-03-10"]
            ).astype("datetime64[us]"),
            "COMMENTAIRE": ["très utile", "à voir « bientôt »", "ça dépend, Âge", None],
        }
    )


def delivery() -> SurveyDelivery:
    data = expected_data().assign(ID=[1.0, 2.0, 3.0, 4.0], REGION=[11.0, 84.0, 94.0, 11.0])
    return SurveyDelivery(
        data,
        variable_labels={"Q1": "Jouer collectif ?"},
        value_labels={"Q1": {1: "Utile", 2: "Inutile", 9: "Ne sait pas"}},
        file_label="Enquête de test",
    )


def canonical(data: pd.DataFrame) -> pd.DataFrame:
    """Identifier and region compared as code text (each format may read them its own way)."""
    return data.assign(ID=data["ID"].map(code_text), REGION=data["REGION"].map(code_text))


def problems(file: Path, data: pd.DataFrame, codebook) -> list[str]:
    return [p.describe(file) for p in check_survey(file, data, codebook).problems]


def read_error(path: Path, codebook) -> str:
    with pytest.raises(DeliveryError) as error:
        read_survey(path, codebook)
    return str(error.value)


FORMATS = {
    "sav": ("livraison.sav", FileLayout()),
    "csv-utf8-comma": ("livraison.csv", UTF8_COMMA),
    "csv-latin1-semicolon": ("livraison.csv", LATIN1_SEMICOLON),
    "xlsx": ("livraison.XLSX", FileLayout()),
}


@pytest.mark.parametrize("kind", FORMATS)
def test_every_format_reads_back_the_same_canonical_content(tmp_path: Path, kind: str):
    name, layout = FORMATS[kind]
    path = tmp_path / name
    write_delivery(delivery(), path.with_suffix(path.suffix.lower()), layout)
    path.with_suffix(path.suffix.lower()).rename(path)  # the suffix is matched in any case
    layout_yaml = f"file: {{encoding: {layout.encoding}, delimiter: '{layout.delimiter}'}}\n"
    codebook = make_codebook(tmp_path, layout_yaml if layout.delimiter else "")

    survey = read_survey(path, codebook)

    for numeric in ("VAGUE", "SEXE", "Q1", "POIDS"):
        assert survey.data[numeric].dtype == "float64", numeric
    assert survey.data["DATE_ENQUETE"].dtype == "datetime64[us]"
    pd.testing.assert_frame_equal(canonical(survey.data), expected_data(), check_dtype=False)
    report = check_survey(path, survey.data, codebook)
    assert report.accepted, report.text()
    assert not report.warnings


def test_file_label_and_labels_by_format(tmp_path: Path, codebook):
    for name in ("livraison.sav", "livraison.xlsx", "livraison.csv"):
        write_delivery(delivery(), tmp_path / name)
    sav = read_survey(tmp_path / "livraison.sav", codebook)
    xlsx = read_survey(tmp_path / "livraison.xlsx", codebook)
    csv = read_survey(tmp_path / "livraison.csv", codebook)

    assert (sav.file_label, xlsx.file_label, csv.file_label) == (
        "Enquête de test",
        "Enquête de test",
        "",
    )
    answer = sav.labels[(sav.labels["variable"] == "Q1") & (sav.labels["code"] == 9.0)]
    assert answer["label"].tolist() == ["Ne sait pas"]
    for survey in (xlsx, csv):
        assert survey.labels.empty
        assert survey.labels.columns.tolist() == ["variable", "code", "label"]


def test_decimal_comma_weights_are_parsed(tmp_path: Path):
    codebook = make_codebook(tmp_path, "file: {delimiter: ';'}\n")
    path = tmp_path / "livraison.csv"
    path.write_text(f"{HEADER}\n{ROW}\n2;2020;11;75;1;1;0,333;2020-03-05;\n", encoding="utf-8")

    weights = read_survey(path, codebook).data["POIDS"]

    assert weights.dtype == "float64"
    assert weights.tolist() == [1.25, 0.333]


def test_french_dates_and_blank_cells(tmp_path: Path, codebook):
    path = tmp_path / "livraison.csv"
    path.write_text(f"{HEADER}\n1;2020;11;75;1; ;1,25;05/03/2020;\n", encoding="utf-8")

    data = read_survey(path, codebook).data

    assert data["DATE_ENQUETE"].tolist() == [pd.Timestamp("2020-03-05")]
    assert np.isnan(data.loc[0, "Q1"])
    assert data.loc[0, "COMMENTAIRE"] is None or pd.isna(data.loc[0, "COMMENTAIRE"])


def test_an_unsupported_suffix_is_refused(tmp_path: Path, codebook):
    path = tmp_path / "livraison.ods"
    path.write_bytes(b"whatever")
    assert read_error(path, codebook) == (
        f"{path} : type de fichier d'enquête non pris en charge '.ods' : livrez .sav, .csv, .xlsx"
    )


@pytest.mark.parametrize("name", ["livraison.sav", "livraison.csv", "livraison.xlsx"])
def test_an_empty_file_is_refused(tmp_path: Path, codebook, name: str):
    path = tmp_path / name
    path.write_bytes(b"")
    assert read_error(path, codebook) == f"{path} : le fichier est vide (0 octet)"


def test_a_header_only_csv_has_no_respondent(tmp_path: Path, codebook):
    path = tmp_path / "livraison.csv"
    path.write_text(HEADER + "\n", encoding="utf-8")
    data = read_survey(path, codebook).data
    assert problems(path, data, codebook) == [f"{path} : le fichier ne contient aucun répondant"]


def test_an_unreadable_sav_is_refused(tmp_path: Path, codebook):
    path = tmp_path / "livraison.sav"
    path.write_bytes(b"not an SPSS file")
    assert read_error(path, codebook).startswith(f"{path} : fichier SPSS illisible (")


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04truncated"])
def test_an_unreadable_xlsx_is_refused(tmp_path: Path, codebook, content: bytes):
    path = tmp_path / "livraison.xlsx"
    path.write_bytes(content)
    assert read_error(path, codebook).startswith(f"{path} : fichier Excel illisible (")


def test_binary_junk_named_csv_is_refused(tmp_path: Path, codebook):
    path = tmp_path / "livraison.csv"
    path.write_bytes(b"ID;VAGUE\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert read_error(path, codebook) == (
        f"{path} : fichier CSV illisible : contenu binaire (octet 0x1A à la ligne 3) ; "
        "livrez un export CSV texte"
    )


def test_a_latin1_file_read_as_utf8_names_line_and_byte(tmp_path: Path, codebook):
    path = tmp_path / "livraison.csv"
    path.write_bytes(f"{HEADER}\n{ROW}\n2;2020;11;75;1;1;1;2020-03-05;été\n".encode("latin-1"))
    assert read_error(path, codebook) == (
        f"{path} : texte non UTF-8 à la ligne 3 (octet 0xE9, 'é' en Latin-1) : le fichier "
        "semble en Latin-1 ; déclarez `file: {encoding: latin-1}` dans le codebook, "
        "ou réexportez le fichier en UTF-8"
    )


def test_mojibake_in_a_utf8_file_is_reported_by_conformance(tmp_path: Path, codebook):
    path = tmp_path / "livraison.csv"
    path.write_text(f"{HEADER}\n{ROW}\n2;2020;11;75;1;1;1;2020-03-05;trÃ¨s utile\n", "utf-8")
    data = read_survey(path, codebook).data
    assert problems(path, data, codebook) == [
        f"{path}, ligne 2 (répondant 2), variable COMMENTAIRE : {MOJIBAKE_RULE} "
        "(valeur 'trÃ¨s utile')"
    ]


def test_a_utf8_file_declared_latin1_is_reported_as_mojibake(tmp_path: Path):
    codebook = make_codebook(tmp_path, "file: {encoding: latin-1}\n")
    path = tmp_path / "livraison.csv"
    path.write_text(f"{HEADER}\n1;2020;11;75;1;1;1;2020-03-05;À été, l’œuvre\n", "utf-8")
    data = read_survey(path, codebook).data
    assert problems(path, data, codebook) == [
        f"{path}, ligne 1 (répondant 1), variable COMMENTAIRE : {MOJIBAKE_RULE} "
        "(valeur 'Ã€ Ã©tÃ©, lâ€™Å“uvre')"
    ]


@pytest.mark.parametrize(
    "text",
    ["é è à ç ù û ô î ï ë", "l’œuvre « collective »", "ÂGE, Âme, À côté", "Œuvre — ÉTÉ…"],
)
def test_normal_french_text_is_not_mojibake(tmp_path: Path, codebook, text: str):
    path = tmp_path / "livraison.csv"
    path.write_text(f"{HEADER}\n1;2020;11;75;1;1;1;2020-03-05;{text}\n", encoding="utf-8")
    assert problems(path, read_survey(path, codebook).data, codebook) == []


def test_a_tab_separated_file_is_refused(tmp_path: Path, codebook):
    path = tmp_path / "livraison.csv"
    path.write_text(f"{HEADER}\n{ROW}\n".replace(";", "\t"), encoding="utf-8")
    assert read_error(path, codebook) == (
        f"{path}, ligne 1 : ni ';' ni ',' dans la ligne d'en-tête : "
        "les colonnes doivent être séparées par ';' ou ','"
    )


def test_a_declared_delimiter_absent_from_the_header_is_refused(tmp_path: Path):
    codebook = make_codebook(tmp_path, "file: {delimiter: ','}\n")
    path = tmp_path / "livraison.csv"
    path.write_text(f"{HEADER}\n{ROW}\n", encoding="utf-8")
    assert read_error(path, codebook) == (
        f"{path}, ligne 1 : le séparateur ',' déclaré dans le codebook est absent de l'en-tête ; "
        "l'en-tête contient ';' : déclarez `file: {delimiter: ';'}`"
    )


def test_title_rows_above_a_csv_header_are_refused(tmp_path: Path, codebook):
    path = tmp_path / "livraison.csv"
    path.write_text(f"Enquête citoyens 2020\n\n{HEADER}\n{ROW}\n", encoding="utf-8")
    assert read_error(path, codebook) == (
        f"{path} : en-tête trouvé ligne 3, pas ligne 1 : supprimez la ou les 2 ligne(s) au-dessus"
    )


def sheet_rows() -> list[list]:
    return [HEADER.split(";"), [1, 2020, 11, "75", 1, 1, 1.25, pd.Timestamp("2020-03-05"), "ok"]]


def save_workbook(path: Path, rows: list[list], merge: str | None = None) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append([v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in row])
    if merge:
        sheet.merge_cells(merge)
    workbook.save(path)


def test_title_rows_above_an_xlsx_header_are_refused(tmp_path: Path, codebook):
    path = tmp_path / "livraison.xlsx"
    save_workbook(path, [["IMPACT-Citoyens 2020"], [None], *sheet_rows()])
    assert read_error(path, codebook) == (
        f"{path} : en-tête trouvé ligne 3, pas ligne 1 : supprimez la ou les 2 ligne(s) au-dessus"
    )


def test_an_xlsx_without_the_id_column_leaves_it_to_conformance(tmp_path: Path, codebook):
    path = tmp_path / "livraison.xlsx"
    rows = sheet_rows()
    rows[0][0] = "IDENT"
    save_workbook(path, rows)
    assert problems(path, read_survey(path, codebook).data, codebook) == [
        f"{path}, variable ID : variable obligatoire absente"
    ]


def test_merged_cells_are_refused(tmp_path: Path, codebook):
    path = tmp_path / "livraison.xlsx"
    save_workbook(path, [["IMPACT-Citoyens 2020"], *sheet_rows()], merge="A1:D1")
    assert read_error(path, codebook) == (
        f"{path} : cellules fusionnées A1:D1 dans la feuille 'Sheet' : défusionnez-les "
        "(une valeur par cellule, en-tête sur la ligne 1)"
    )


def test_excel_serial_dates_in_xlsx_are_reported(tmp_path: Path, codebook):
    path = tmp_path / "livraison.xlsx"
    rows = sheet_rows()
    rows.append([2, 2020, 11, "92", 2, 2, 0.5, 43895, "ok"])
    save_workbook(path, rows)
    data = read_survey(path, codebook).data
    assert problems(path, data, codebook) == [
        f"{path}, ligne 2 (répondant 2), variable DATE_ENQUETE : {SERIAL_RULE} "
        "(valeur 43895, soit le 2020-03-05)"
    ]


def test_serial_and_other_non_dates_in_csv_are_reported(tmp_path: Path, codebook):
    path = tmp_path / "livraison.csv"
    rows = [ROW, "2;2020;11;75;1;1;1;43896;", "3;2020;11;75;1;1;1;mars 2020;"]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    data = read_survey(path, codebook).data
    assert problems(path, data, codebook) == [
        f"{path}, ligne 2 (répondant 2), variable DATE_ENQUETE : {SERIAL_RULE} "
        "(valeur '43896', soit le 2020-03-06)",
        f"{path}, ligne 3 (répondant 3), variable DATE_ENQUETE : "
        "ce n'est pas une date (attendu AAAA-MM-JJ) (valeur 'mars 2020')",
    ]


def test_a_non_numeric_code_is_reported_not_dropped(tmp_path: Path, codebook):
    path = tmp_path / "livraison.csv"
    path.write_text(f"{HEADER}\n{ROW}\n2;2020;11;75;1;oui;0,5;2020-03-05;\n", encoding="utf-8")
    data = read_survey(path, codebook).data
    assert data["Q1"].tolist() == [1.0, "oui"]
    assert problems(path, data, codebook) == [
        f"{path}, ligne 2 (répondant 2), variable Q1 : "
        "code absent du codebook pour jouer_collectif (valeur 'oui')"
    ]


def test_a_non_numeric_weight_is_reported_not_dropped(tmp_path: Path, codebook):
    path = tmp_path / "livraison.csv"
    path.write_text(f"{HEADER}\n{ROW}\n2;2020;11;75;1;1;nan;2020-03-05;\n", encoding="utf-8")
    data = read_survey(path, codebook).data
    assert problems(path, data, codebook) == [
        f"{path}, ligne 2 (répondant 2), variable POIDS : "
        "le poids doit être un nombre fini supérieur à 0 (valeur 'nan')"
    ]


def test_a_utf16_export_is_refused(tmp_path: Path, codebook):
    path = tmp_path / "livraison.csv"
    path.write_text(f"{HEADER}\n{ROW}\n", encoding="utf-16")
    assert read_error(path, codebook) == (
        f"{path} : le fichier est en UTF-16 : réexportez-le en CSV UTF-8"
    )


def test_spaces_around_csv_names_are_ignored(tmp_path: Path, codebook):
    path = tmp_path / "livraison.csv"
    path.write_text(f"{HEADER.replace(';', ' ; ')}\n{ROW}\n", encoding="utf-8")
    data = read_survey(path, codebook).data
    assert problems(path, data, codebook) == []
    assert data["POIDS"].tolist() == [1.25]
