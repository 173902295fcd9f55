"""Bad input gets a clear error and loses nothing (issue 14, items 5 and 6): a wave whose file is
not a readable file fails its study's ingest, links stay inside raw/, hostile workbooks are
refused before any reader opens them (checked in a process that cannot allocate more than
1 GiB), and a load that Dagster did not record is validated again."""

import os
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.ingest.assets import preview, reject_refused_entries, survey_assets
from orchestration.ingest.codebooks import codebook_path, load_codebook
from orchestration.ingest.deliveries import REFUSED, SURVEY_KINDS, sha256
from orchestration.ingest.errors import DeliveryError
from orchestration.ingest.limits import MAX_CELL_CHARS
from orchestration.ingest.lineage import LOAD_KEY_COLUMN, load_key
from orchestration.ingest.observations import CHANGES_METADATA, delivery_observation
from orchestration.ingest.readers import read_survey
from orchestration.ingest.sensors import describe_changes, files_still_arriving
from orchestration.ingest.surveys import survey_table_names
from orchestration.resources import project_resources
from orchestration.warehouse import Warehouse
from synthetic.survey_files import SurveyDelivery, write_delivery
from tests.conftest import CITIZENS_2020

CITIZENS = SURVEY_KINDS["citoyens"]
CODEBOOK = load_codebook(codebook_path("citoyens", 2020))
WAVE_2020 = "surveys/citoyens/2020/"
WORKBOOK_2020 = "surveys/citoyens/2020/citoyens_2020.xlsx"
LONG_TEXT = "é" * 40_000  # over Excel's 32 767 characters, and 80 000 bytes in UTF-8
GIB = 2**30


def refusal(raw_dir: Path) -> str:
    """The error the study's ingest fails with, before reading anything."""
    with pytest.raises(DeliveryError) as error:
        reject_refused_entries(CITIZENS, raw_dir, CITIZENS.fingerprints(raw_dir))
    return str(error.value)


def test_a_wave_file_replaced_by_a_folder_fails_its_study_in_french(isolated_project):
    raw = isolated_project.raw_dir
    (raw / CITIZENS_2020).unlink()
    (raw / CITIZENS_2020).mkdir()

    # The sensor sees the entry (it differs from the last ingest), and the ingest fails on it.
    assert CITIZENS.fingerprints(raw)[CITIZENS_2020].startswith(REFUSED)
    message = refusal(raw)
    assert "livraison refusée, rien n'est chargé ni publié" in message
    assert f"- {CITIZENS_2020} : c'est un dossier, pas un fichier de données" in message
    assert (
        f"- {WAVE_2020} : dossier de vague sans fichier de données lisible (.sav, .csv, .xlsx) "
        ": pour retirer une vague, supprimez son dossier"
    ) in message


def test_the_sensor_observes_a_refused_entry_as_a_change(isolated_project):
    # The change sets off the ingest, which reports the refused entry.
    raw = isolated_project.raw_dir
    observed = CITIZENS.fingerprints(raw)
    (raw / CITIZENS_2020).unlink()
    (raw / CITIZENS_2020).mkdir()
    current = CITIZENS.fingerprints(raw)
    observation = delivery_observation(CITIZENS, current, describe_changes(observed, current))
    assert observation.asset_key == CITIZENS.source_key
    assert observation.metadata[CHANGES_METADATA].value == f"{WAVE_2020}, {CITIZENS_2020}"
    # The folder, just made, is no file being copied: nothing to wait for.
    assert files_still_arriving(CITIZENS, raw, time.time()) == []


def test_a_broken_link_and_an_empty_wave_folder_are_refused(isolated_project):
    raw = isolated_project.raw_dir
    (raw / CITIZENS_2020).unlink()
    (raw / CITIZENS_2020).symlink_to(raw / "nowhere.sav")
    (raw / "surveys/citoyens/2021").mkdir()

    refused = CITIZENS.refused_entries(raw)
    assert sorted(refused) == [WAVE_2020, CITIZENS_2020, "surveys/citoyens/2021/"]
    assert refused[CITIZENS_2020] == "lien symbolique cassé : sa cible n'existe pas"
    assert "pour retirer une vague, supprimez son dossier" in refused["surveys/citoyens/2021/"]


def test_a_withdrawn_wave_is_a_removed_folder(isolated_project):
    raw = isolated_project.raw_dir
    (raw / CITIZENS_2020).unlink()
    (raw / WAVE_2020).rmdir()
    assert CITIZENS.refused_entries(raw) == {}
    assert list(CITIZENS.fingerprints(raw)) == ["surveys/citoyens/2019/citoyens_2019.sav"]


@pytest.mark.parametrize("linked", ["file", "folder"])
def test_a_link_out_of_the_drop_zone_is_refused(isolated_project, tmp_path: Path, linked: str):
    raw = isolated_project.raw_dir
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (raw / CITIZENS_2020).rename(outside / "citoyens_2020.sav")
    if linked == "file":
        entry, target = CITIZENS_2020, outside / "citoyens_2020.sav"
    else:
        entry, target = WAVE_2020.rstrip("/"), outside
        (raw / WAVE_2020).rmdir()
    (raw / entry).symlink_to(target)

    assert CITIZENS_2020 not in {p.relative_to(raw).as_posix() for p in CITIZENS.files(raw)}
    assert (
        f"- {entry} : lien symbolique vers {target}, hors de la zone de dépôt {raw} : refusé"
    ) in refusal(raw)


def test_a_link_inside_the_drop_zone_is_read_through(isolated_project):
    raw = isolated_project.raw_dir
    archived = raw / "archives" / "citoyens_2020_v2.sav"
    archived.parent.mkdir()
    (raw / CITIZENS_2020).rename(archived)
    (raw / CITIZENS_2020).symlink_to(Path("../../../archives/citoyens_2020_v2.sav"))

    assert CITIZENS.refused_entries(raw) == {}
    assert CITIZENS.fingerprints(raw)[CITIZENS_2020] == sha256(archived)
    assert len(read_survey(raw / CITIZENS_2020, CODEBOOK).data) > 0


# Hostile workbooks, written part by part (what openpyxl would refuse to write, or write slowly).
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{sheets}</Types>'
)
SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row>'


def write_xlsx(path: Path, sheets: dict[str, str], shared: list[str] = (), huge: int = 0):
    """A workbook whose sheets hold ``sheets`` (their ``<row>`` elements), with ``shared``
    strings, then one shared string of ``huge`` characters, streamed into the zip."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(sheets)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        types = "".join(SHEET_TYPE.format(n=n) for n in range(1, len(names) + 1))
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(sheets=types))
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
            for n, name in enumerate(names, start=1)
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>{entries}</sheets>'
            "</workbook>",
        )
        targets = "".join(
            f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" '
            f'Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(names) + 1)
        )
        shared_target = (
            f'<Relationship Id="rIdS" Type="{RELATIONSHIPS}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{targets}{shared_target}'
            "</Relationships>",
        )
        for n, rows in enumerate(sheets.values(), start=1):
            archive.writestr(
                f"xl/worksheets/sheet{n}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
                f'<dimension ref="A1:B2"/><sheetData>{rows}</sheetData></worksheet>',
            )
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<sst xmlns="{MAIN}">'.encode())
            part.write("".join(f"<si><t>{text}</t></si>" for text in shared).encode())
            if huge:
                part.write(b"<si><t>")
                for _ in range(huge // 2**20):
                    part.write(b"a" * 2**20)
                part.write(b"</t></si>")
            part.write(b"</sst>")


# The door (reading and checking one delivered file) in a process that cannot allocate more
# than 1 GiB: a reader that tried to load the hostile file would die there (exit 134), not pass.
DOOR = f"""
import resource, sys
from pathlib import Path
from orchestration.ingest.conformance import DeliveryRejected
from orchestration.ingest.cases import read_case_export
from orchestration.ingest.surveys import accept_survey

door, raw, path, quarantine = sys.argv[1], *map(Path, sys.argv[2:])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
resource.setrlimit(resource.RLIMIT_AS, ({GIB}, {GIB}))
try:
    (accept_survey if door == "survey" else read_case_export)(raw, path, "0" * 64, quarantine)
except DeliveryRejected as rejected:
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(rejected)
    print(f"peak memory grew by {{(after - before) // 1024}} MiB")
    sys.exit(0)
sys.exit("accepted")
"""


def run_door(tmp_path: Path, relative: str, door: str = "survey") -> tuple[str, int]:
    """The door's output and how much its peak memory grew (MiB), once it exited cleanly
    with a quarantine report written."""
    raw, quarantine = tmp_path / "raw", tmp_path / "quarantine"
    done = subprocess.run(
        [sys.executable, "-c", DOOR, door, raw, raw / relative, quarantine],
        capture_output=True,
        text=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (quarantine / f"{relative}.000000000000.rejected.txt").exists()
    growth = int(done.stdout.rsplit("grew by ", 1)[1].split()[0])
    return done.stdout, growth


def test_a_cell_over_excels_maximum_is_refused_before_reading(tmp_path: Path):
    rows = f'{HEADER_ROW}<row r="2"><c r="B2" t="inlineStr"><is><t>{LONG_TEXT}</t></is></c></row>'
    write_xlsx(tmp_path / "raw" / WORKBOOK_2020, {"Données": rows})
    output, _ = run_door(tmp_path, WORKBOOK_2020)
    assert (
        f"{WORKBOOK_2020} : feuille « Données », cellule B2 : texte de plus de 32 767 caractères "
        "(le maximum d'Excel) : fichier refusé sans être lu"
    ) in output


def test_a_huge_shared_string_is_refused_without_being_loaded(tmp_path: Path):
    # 200 million characters, 200 KB zipped; the cell that uses it is named.
    rows = f'{HEADER_ROW}<row r="2"><c r="C2" t="s"><v>1</v></c></row>'
    write_xlsx(tmp_path / "raw" / WORKBOOK_2020, {"Données": rows}, ["ID"], huge=200 * 2**20)
    output, growth = run_door(tmp_path, WORKBOOK_2020)
    assert "feuille « Données », cellule C2 : texte de plus de 32 767 caractères" in output
    assert growth < 100  # MiB: the string (200 MB) was never held


@pytest.mark.parametrize("cell", ["XFD1048576", "Z1048576"])
def test_a_stray_cell_far_away_is_refused_naming_it(tmp_path: Path, cell: str):
    rows = f'{HEADER_ROW}<row r="2"><c r="A2"><v>1</v></c></row>'
    rows += f'<row r="1048576"><c r="{cell}"><v>1</v></c></row>'
    write_xlsx(tmp_path / "raw" / WORKBOOK_2020, {"Données": rows})
    output, _ = run_door(tmp_path, WORKBOOK_2020)
    assert (
        f"{WORKBOOK_2020} : feuille « Données », cellule {cell} remplie, au-delà des limites de "
        "500 000 lignes et 2 000 colonnes"
    ) in output


def test_a_stray_cell_in_the_case_export_is_refused_naming_it(tmp_path: Path):
    relative = "cases/impact_pratiques_partenariales.xlsx"
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>id_cas</t></is></c></row>'
    rows += '<row r="1048576"><c r="Z1048576"><v>1</v></c></row>'
    write_xlsx(tmp_path / "raw" / relative, {"cas": rows, "catalyseurs": HEADER_ROW})
    output, _ = run_door(tmp_path, relative, door="cases")
    assert "feuille « cas », cellule Z1048576 remplie" in output
    assert "identifiant absent" not in output


def test_a_zip_bomb_is_refused_from_its_declared_size(tmp_path: Path):
    write_xlsx(tmp_path / "raw" / WORKBOOK_2020, {"Données": HEADER_ROW}, huge=300 * 2**20)
    output, growth = run_door(tmp_path, WORKBOOK_2020)
    assert (
        f"{WORKBOOK_2020} : classeur de 300 Mo une fois décompressé (dont xl/sharedStrings.xml : "
        "300 Mo), au-delà de la limite de 256 Mo"
    ) in output
    assert growth < 100


def test_a_zip_part_larger_than_it_declares_is_refused(tmp_path: Path):
    # A bomb that lies: its shared strings declare 1 KB and hold 8 MB. Read to its declared
    # size only, the part fails its checksum before any reader trusts it.
    path = tmp_path / "livraison.xlsx"
    write_xlsx(path, {"Données": HEADER_ROW}, huge=8 * 2**20)
    name = b"xl/sharedStrings.xml"
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name.decode()).header_offset
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, local + 22, 1024)  # size in the local header
    central = data.find(b"PK\x01\x02")
    while central != -1:
        if data[central + 46 : central + 46 + len(name)] == name:
            struct.pack_into("<I", data, central + 24, 1024)  # size in the central directory
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(DeliveryError) as error:
        read_survey(path, CODEBOOK)
    assert str(error.value) == (
        f"{path} : fichier Excel illisible (Bad CRC-32 for file 'xl/sharedStrings.xml')"
    )


def test_a_csv_field_over_excels_maximum_is_refused_naming_line_and_column(tmp_path: Path):
    path = tmp_path / "livraison.csv"
    path.write_text(f"ID;REGION;COMMENTAIRE\n1;11;court\n2;11;{LONG_TEXT}\n", encoding="utf-8")
    with pytest.raises(DeliveryError) as error:
        read_survey(path, CODEBOOK)
    assert str(error.value) == (
        f"{path}, ligne 3, colonne COMMENTAIRE : texte de plus de 32 767 caractères dans une "
        "cellule (le maximum d'Excel) : fichier refusé sans être lu"
    )


def test_the_preview_stays_small_whatever_the_cells_hold():
    shown = preview(pd.DataFrame({"COMMENTAIRE": ["x" * MAX_CELL_CHARS, "a|b\nc"]}))
    assert len(shown) < 200
    assert "| a\\|b c |" in shown


def test_a_load_dagster_did_not_record_is_validated_again(isolated_project, dagster_instance):
    """A step that failed after its commit (the preview too large for the run storage, the
    process killed) left the tables in the warehouse stamped with the load key, and no
    materialization. The next run must not skip the door: it reads the delivery again, and
    this one is now refused."""
    raw = isolated_project.raw_dir
    survey = read_survey(raw / CITIZENS_2020, CODEBOOK)
    data = survey.data.assign(COMMENTAIRE=None)
    data.loc[data.index[2], "COMMENTAIRE"] = LONG_TEXT
    (raw / CITIZENS_2020).unlink()
    delivered = (raw / CITIZENS_2020).with_suffix(".csv")
    write_delivery(SurveyDelivery(data, {}, {}, ""), delivered, CODEBOOK.layout)
    # What the failed run committed: every table, with the key of exactly these files.
    codebooks = [codebook_path("citoyens", wave) for wave in (2019, 2020)]
    key = load_key(CITIZENS.fingerprints(raw), codebooks)
    committed = pd.DataFrame({LOAD_KEY_COLUMN: [key]})
    Warehouse(path=str(isolated_project.warehouse)).replace_tables(
        "raw", dict.fromkeys(survey_table_names(CITIZENS.name), committed)
    )

    ingest = next(asset for asset in survey_assets if asset.key == CITIZENS.asset_key)
    result = dg.materialize(
        [ingest],
        instance=dagster_instance,
        resources=project_resources(),
        raise_on_error=False,
    )

    assert not result.success
    (failure,) = result.get_step_failure_events()
    message = failure.step_failure_data.error.cause.message
    assert "surveys/citoyens/2020/citoyens_2020.csv, ligne 4, variable COMMENTAIRE" in message
    assert "texte de plus de 32 767 caractères" in message
    quarantine = isolated_project.paths.quarantine_dir / "surveys/citoyens/2020"
    assert [p.name for p in quarantine.iterdir()] == [
        f"citoyens_2020.csv.{sha256(delivered)[:12]}.rejected.txt"
    ]
    # Nothing was loaded over what the warehouse held.
    with duckdb.connect(str(isolated_project.warehouse), read_only=True) as connection:
        held = connection.execute("from raw.survey_citoyens_answers").df()
    assert held[LOAD_KEY_COLUMN].tolist() == [key]
