"""The case-database export: multi-valued cells split, catalysts loaded, and every door rule
rejecting the export whole, with the sheet row and column, and a report in the quarantine."""

import hashlib
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from openpyxl import load_workbook

from orchestration.ingest.assets import case_database
from orchestration.ingest.cases import read_case_export
from orchestration.ingest.conformance import DeliveryRejected
from orchestration.resources import project_resources
from synthetic import case_database as synthetic_cases

EXPORT = Path("cases/export.xlsx")


def write_export(raw_dir: Path, change=None) -> Path:
    """The synthetic export, optionally changed (``change(cases, catalysts)``) before writing."""
    cases, catalysts = synthetic_cases.generate()
    if change is not None:
        change(cases, catalysts)
    path = raw_dir / EXPORT
    synthetic_cases.write_xlsx((cases, catalysts), path)
    return path


def rejection(tmp_path: Path, path: Path) -> str:
    with pytest.raises(DeliveryRejected) as error:
        read_case_export(tmp_path, path, "0" * 64, tmp_path / "quarantine")
    return str(error.value)


def test_round_trip_keeps_every_case_and_catalyst(tmp_path: Path):
    path = write_export(tmp_path)
    export = read_case_export(tmp_path, path, "0" * 64, tmp_path / "quarantine")
    cases, catalysts = synthetic_cases.generate()
    assert len(export.cases) == len(cases) >= 600
    assert len(export.catalysts) == len(catalysts) == 350
    assert export.cases["id_cas"].tolist() == cases["id_cas"].tolist()
    assert export.cases["departement"].isin(["01", "2A", "2B"]).any()  # codes stay text
    assert not (tmp_path / "quarantine").exists()


def test_one_case_per_region_value_of_multi_valued_cells(isolated_project, dagster_instance):
    assert dg.materialize(
        [case_database], instance=dagster_instance, resources=project_resources()
    ).success
    with duckdb.connect(str(isolated_project.warehouse), read_only=True) as connection:
        cases = connection.execute("from raw.case_database").df()
        profiles = connection.execute("from raw.case_database_profiles").df()
        catalysts = connection.execute("select count(*) from raw.case_database_catalysts")
        assert catalysts.fetchone()[0] == 350
    first = cases.iloc[0]
    expected = [p.strip() for p in first["profils_acteurs"].split(";")]
    assert profiles.loc[profiles["id_cas"] == first["id_cas"], "profils_acteurs"].tolist() == (
        expected
    )
    assert profiles.groupby("id_cas").size().max() > 1  # alliances are multi-actor
    assert set(profiles["_source_file"]) == {"cases/impact_pratiques_partenariales.xlsx"}


def test_a_duplicated_case_id_is_refused_with_both_rows(tmp_path: Path):
    def duplicate(cases, _):
        cases.loc[1, "id_cas"] = cases.loc[0, "id_cas"]

    report = rejection(tmp_path, write_export(tmp_path, duplicate))
    assert "export.xlsx, ligne 2 (cas CAS-0001), variable id_cas" in report
    assert "export.xlsx, ligne 3 (cas CAS-0001), variable id_cas" in report
    assert "feuille 'cas' : identifiant absent ou en double" in report


def test_a_department_given_as_a_number_is_refused(tmp_path: Path):
    def as_number(cases, _):
        ain = cases.index[cases["departement"] == "01"][0]
        cases["departement"] = cases["departement"].astype(object)
        cases.loc[ain, "departement"] = 1

    report = rejection(tmp_path, write_export(tmp_path, as_number))
    assert "variable departement : feuille 'cas' : ce n'est pas un code INSEE de département" in (
        report
    )
    assert "(valeur '1')" in report


def test_corsica_is_2a_or_2b_not_20(tmp_path: Path):
    def corsica_20(_, catalysts):
        catalysts.loc[0, ["region", "departement"]] = ["94", "20"]

    report = rejection(tmp_path, write_export(tmp_path, corsica_20))
    assert "ligne 2 (catalyseur CAT-001), variable departement : feuille 'catalyseurs'" in report
    assert "(valeur '20')" in report


def test_a_department_outside_its_region_is_refused(tmp_path: Path):
    def moved(cases, _):
        cases.loc[0, ["region", "departement"]] = ["11", "69"]

    report = rejection(tmp_path, write_export(tmp_path, moved))
    assert "ligne 2" in report
    assert "le département n'est pas dans la région du cas (valeur '69')" in report


def test_an_unknown_region_is_refused(tmp_path: Path):
    def unknown(cases, _):
        cases.loc[3, "region"] = "99"

    report = rejection(tmp_path, write_export(tmp_path, unknown))
    assert "ligne 5" in report and "variable region" in report
    assert "ce n'est pas un code INSEE de région métropolitaine (valeur '99')" in report


def test_a_year_stored_as_an_excel_serial_date_is_refused(tmp_path: Path):
    def serial(cases, _):
        cases.loc[0, "annee"] = 44197  # 2021-01-01 as Excel counts days

    report = rejection(tmp_path, write_export(tmp_path, serial))
    assert (
        "variable annee : feuille 'cas' : une année, pas une date Excel en numéro de série"
        in report
    )


def test_a_year_out_of_range_is_refused(tmp_path: Path):
    def too_old(cases, _):
        cases.loc[0, "annee"] = 1850

    report = rejection(tmp_path, write_export(tmp_path, too_old))
    assert (
        "variable annee : feuille 'cas' : l'année doit être une année entière de 2000 à" in report
    )


def test_an_export_without_its_catalysts_sheet_names_the_sheet(tmp_path: Path):
    path = write_export(tmp_path)
    workbook = load_workbook(path)
    del workbook["catalyseurs"]
    workbook.save(path)
    report = rejection(tmp_path, path)
    assert "aucune feuille 'catalyseurs' (feuilles : cas, lisez-moi)" in report


def test_a_missing_column_is_named(tmp_path: Path):
    def without_description(cases, _):
        del cases["description"]

    report = rejection(tmp_path, write_export(tmp_path, without_description))
    assert "variable description : feuille 'cas' : colonne obligatoire absente" in report


def test_extra_header_rows_are_refused(tmp_path: Path):
    path = write_export(tmp_path)
    workbook = load_workbook(path)
    workbook["cas"].insert_rows(1, amount=2)
    workbook["cas"]["A1"] = "Export de la base de cas – décembre 2022"
    workbook.save(path)
    report = rejection(tmp_path, path)
    assert (
        "feuille 'cas' : en-tête trouvé ligne 3, pas ligne 1 : supprimez la ou les 2 ligne(s) "
        "au-dessus" in report
    )


def test_merged_cells_are_refused(tmp_path: Path):
    path = write_export(tmp_path)
    workbook = load_workbook(path)
    workbook["catalyseurs"].merge_cells("B2:B3")
    workbook.save(path)
    report = rejection(tmp_path, path)
    assert "cellules fusionnées B2:B3 dans la feuille 'catalyseurs' : défusionnez-les" in report


def test_an_unreadable_workbook_is_refused(tmp_path: Path):
    path = tmp_path / EXPORT
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    assert "fichier Excel illisible" in rejection(tmp_path, path)


def test_a_rejected_export_leaves_warehouse_and_file_untouched(isolated_project, dagster_instance):
    def ingest():
        return dg.materialize(
            [case_database],
            instance=dagster_instance,
            resources=project_resources(),
            raise_on_error=False,
        )

    assert ingest().success
    with duckdb.connect(str(isolated_project.warehouse), read_only=True) as connection:
        before = connection.execute("from raw.case_database order by id_cas").df()
    shipped = isolated_project.raw_dir / "cases" / "impact_pratiques_partenariales.xlsx"
    shipped.unlink()

    def duplicate(cases, _):
        cases.loc[1, "id_cas"] = cases.loc[0, "id_cas"]

    bad = write_export(isolated_project.raw_dir, duplicate)
    delivered = bad.read_bytes()
    result = ingest()
    assert not result.success
    with duckdb.connect(str(isolated_project.warehouse), read_only=True) as connection:
        after = connection.execute("from raw.case_database order by id_cas").df()
    assert after.equals(before)
    assert bad.read_bytes() == delivered
    [entry] = (isolated_project.warehouse.parent / "quarantine").rglob("*.rejected.txt")
    assert entry.name.startswith("export.xlsx.")
    assert hashlib.sha256(delivered).hexdigest() in entry.read_text(encoding="utf-8")


def test_two_exports_are_refused(isolated_project, dagster_instance):
    write_export(isolated_project.raw_dir)
    result = dg.materialize(
        [case_database],
        instance=dagster_instance,
        resources=project_resources(),
        raise_on_error=False,
    )
    assert not result.success
    [failure] = result.get_step_failure_events()
    assert "plus d'un export de la base de cas" in str(failure.step_failure_data.error.cause)
