"""The limits of ``limits`` on a delivered workbook, checked by streaming its zip parts, before
the reader (python-calamine) opens it.

Calamine allocates a sheet's whole grid, from A1 to its last filled cell, and every text at once:
one stray cell at ``XFD1048576`` asks for 512 GiB and aborts the process; one shared string of
1.5 GB takes 10 GB. So each part is decompressed chunk by chunk (a few megabytes held at a time):

- a fast pass per chunk, with regular expressions: last row, columns, text runs longer than a
  cell may be, rich text, cells or rows without a reference; what the sheets of every known
  writer (Excel, LibreOffice, openpyxl) look like;
- when the fast pass sees anything beyond a limit or unusual, an exact pass with expat (event by
  event, much slower) follows the cells as calamine does (a cell counts when it holds
  a value), and names the first cell that breaks a limit, or clears the part.

Every part is read to its end once, so a part larger than its zip entry declares (a lying zip
bomb) fails its checksum here, before the reader.
"""

from __future__ import annotations

import posixpath
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree
from xml.etree.ElementTree import ParseError
from xml.parsers import expat
from zipfile import BadZipFile, ZipFile, ZipInfo

from openpyxl.utils import column_index_from_string, get_column_letter

from orchestration.ingest.errors import DeliveryError
from orchestration.ingest.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_SHEET_CELLS,
    MAX_UNZIPPED_BYTES,
    check_file_size,
    french_number,
)

# Decompressed bytes held at a time.
CHUNK_BYTES = 4 * 2**20
# workbook.xml and its relationships are parsed whole, to name the sheets; a larger one is
# not a workbook anyone wrote, and its sheets are then named by their part.
INDEX_PART_BYTES = 16 * 2**20
SHARED_STRINGS = "xl/sharedstrings.xml"
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')
# Columns of two or three letters (AA and beyond); a sheet with none is at most 26 wide.
_WIDE_COLUMN = re.compile(rb'<c r="([A-Z]{2,3})')
# A cell or row without reference (or with it not first): placed by counting, in the exact pass.
_UNREFERENCED = re.compile(rb'<(?:c|row)(?:>|/>| (?!r="))')
# A text run longer in bytes than a cell may be in characters (a character is one byte or more).
_LONG_TEXT = re.compile(rb">[^<]{%d,}" % (MAX_CELL_CHARS + 1))
# Rich text splits a cell's text into runs: only the exact pass adds them up.
_RICH_TEXT = re.compile(rb"<r[ >]")
_REFERENCE = re.compile(r"([A-Z]{1,3})(\d{1,7})")
# What a corrupt archive or part raises (RuntimeError: an encrypted part, NotImplementedError:
# an unknown compression).
_UNREADABLE = (
    BadZipFile,
    zlib.error,
    expat.ExpatError,
    ParseError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
)
_TOO_LONG = (
    f"texte de plus de {french_number(MAX_CELL_CHARS)} caractères (le maximum d'Excel) : "
    "fichier refusé sans être lu"
)


class _Breach(Exception):
    """A limit broken at a place in a part (raised from the expat handlers)."""

    def __init__(self, where: str):
        super().__init__(where)
        self.where = where


def check_workbook(path: Path) -> None:
    """Refuse (``DeliveryError``) a workbook over a limit, naming file, sheet and cell, without
    loading it: file size, unzipped size, cell text length, sheet rows, columns and grid."""
    check_file_size(path)
    try:
        with ZipFile(path) as archive:
            _check_unzipped_size(path, archive)
            sheets = _sheet_parts(archive)
            shared = next((i for i in archive.infolist() if _is_shared(i.filename)), None)
            long_string = _long_shared_string(archive, shared) if shared else None
            for info in archive.infolist():
                if info.filename in sheets:
                    _check_sheet(path, archive, info, sheets[info.filename], long_string)
                elif info is not shared:
                    _drain(archive, info)
    except _UNREADABLE as error:
        raise DeliveryError(path, f"fichier Excel illisible ({error})") from error
    if long_string is not None:
        raise DeliveryError(
            path,
            f"texte partagé n° {long_string + 1} (xl/sharedStrings.xml), dans aucune cellule : "
            f"{_TOO_LONG}",
        )


def _check_unzipped_size(path: Path, archive: ZipFile) -> None:
    parts = archive.infolist()
    total = sum(info.file_size for info in parts)
    if total > MAX_UNZIPPED_BYTES:
        largest = max(parts, key=lambda info: info.file_size)
        raise DeliveryError(
            path,
            f"classeur de {french_number(total // 2**20)} Mo une fois décompressé (dont "
            f"{largest.filename} : {french_number(largest.file_size // 2**20)} Mo), au-delà de "
            f"la limite de {french_number(MAX_UNZIPPED_BYTES // 2**20)} Mo : archive anormale "
            "(« bombe zip » ?), fichier refusé sans être lu",
        )


def _is_shared(name: str) -> bool:
    return name.lower() == SHARED_STRINGS


def _chunks(archive: ZipFile, info: ZipInfo) -> Iterator[bytes]:
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk


def _drain(archive: ZipFile, info: ZipInfo) -> None:
    # Read to the end: the checksum is verified against at most the declared size.
    for _ in _chunks(archive, info):
        pass


def _sheet_parts(archive: ZipFile) -> dict[str, str]:
    """Each worksheet part and the sheet's name (its part's path when the workbook does not
    say), from ``xl/workbook.xml`` and its relationships."""
    parts = {
        name: name
        for name in archive.namelist()
        if name.lower().startswith("xl/worksheets/") and name.lower().endswith(".xml")
    }
    workbook = _small_xml(archive, "xl/workbook.xml")
    relationships = _small_xml(archive, "xl/_rels/workbook.xml.rels")
    if workbook is None or relationships is None:
        return parts
    targets = {
        element.get("Id"): element.get("Target", "")
        for element in relationships.iter()
        if _local(element.tag) == "Relationship"
    }
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        ids = [value for key, value in element.attrib.items() if _local(key) == "id"]
        target = targets.get(ids[0]) if ids else None
        if target:
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            parts[posixpath.normpath(part)] = element.get("name", part)
    return parts


def _small_xml(archive: ZipFile, name: str) -> ElementTree.Element | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > INDEX_PART_BYTES:
        return None
    return ElementTree.fromstring(archive.read(info))


def _local(tag: str) -> str:
    """An element or attribute name without its namespace or prefix."""
    return tag.rpartition("}")[2].rpartition(":")[2]


def _long_shared_string(archive: ZipFile, info: ZipInfo) -> int | None:
    """The index of the first shared string over ``MAX_CELL_CHARS``, or None."""
    if _fast_pass(_chunks(archive, info), sheet=False) is not None:
        return None
    walker = _SharedStrings()
    try:
        _expat_walk(_chunks(archive, info), walker)
    except _Breach:
        return walker.index
    return None


@dataclass
class _Bounds:
    """What the fast pass saw of a sheet: its last row and the column letters beyond Z."""

    last_row: int = 0
    columns: set[bytes] = field(default_factory=set)

    @property
    def last_column(self) -> int:
        """The rightmost column's number, or 26 (Z) when no column beyond Z was seen."""
        return max((column_index_from_string(c.decode()) for c in self.columns), default=26)

    def within_limits(self) -> bool:
        """Whether the grid calamine would allocate stays within every limit."""
        rows, columns = self.last_row, self.last_column
        return rows <= MAX_ROWS and columns <= MAX_COLUMNS and rows * columns <= MAX_SHEET_CELLS


def _fast_pass(chunks: Iterator[bytes], sheet: bool) -> _Bounds | None:
    """The bounds of a part from regular expressions on each chunk; None when the part needs
    the exact pass (a text run too long, rich text, a cell or row without reference, names
    with a namespace prefix, another encoding than UTF-8)."""
    bounds, carry, first = _Bounds(), b"", True
    for chunk in chunks:
        data = carry + chunk
        if first and not _plain(data):
            return None
        first = False
        cut = max(data.rfind(b"<"), 0)
        region, carry = data[:cut], data[cut:]
        # What follows the last tag is carried over; a long one is a long text or tag.
        if len(carry) > MAX_CELL_CHARS or not _plain_region(region, sheet):
            return None
        if sheet:
            rows = _ROW_NUMBER.findall(region)
            if rows:
                bounds.last_row = max(bounds.last_row, max(map(int, rows)))
            bounds.columns.update(_WIDE_COLUMN.findall(region))
    return bounds


def _plain(head: bytes) -> bool:
    # The root element unprefixed (``<worksheet``, ``<sst``) and the text in UTF-8.
    return b"\x00" not in head[:512] and re.search(rb"<(?:worksheet|sst)\b", head) is not None


def _plain_region(region: bytes, sheet: bool) -> bool:
    if _LONG_TEXT.search(region) or _RICH_TEXT.search(region):
        return False
    return not (sheet and _UNREFERENCED.search(region))


def _check_sheet(
    path: Path, archive: ZipFile, info: ZipInfo, sheet: str, long_string: int | None
) -> None:
    bounds = _fast_pass(_chunks(archive, info), sheet=True)
    if bounds is not None and bounds.within_limits() and long_string is None:
        return
    walker = _Cells(long_string)
    try:
        _expat_walk(_chunks(archive, info), walker)
        walker.check_grid()
    except _Breach as breach:
        raise DeliveryError(path, f"feuille « {sheet} », {breach.where}") from None


def _expat_walk(chunks: Iterator[bytes], walker: _Walker) -> None:
    parser = expat.ParserCreate()
    parser.StartElementHandler = walker.start
    parser.EndElementHandler = walker.end
    parser.CharacterDataHandler = walker.text
    for chunk in chunks:
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


class _Walker:
    """Expat handlers; they raise ``_Breach`` at the first limit broken."""

    def start(self, name: str, attributes: dict[str, str]) -> None:
        """An element opens."""

    def end(self, name: str) -> None:
        """An element closes."""

    def text(self, text: str) -> None:
        """Some text (expat hands a long text on in pieces)."""


class _SharedStrings(_Walker):
    """Counts each shared string's characters (its runs added, phonetic guides left out)."""

    def __init__(self):
        self.index, self.length, self.in_text, self.in_phonetic = -1, 0, False, False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if local == "si":
            self.index, self.length = self.index + 1, 0
        self.in_text = self.in_text or local == "t"
        self.in_phonetic = self.in_phonetic or local == "rPh"

    def end(self, name: str) -> None:
        local = _local(name)
        self.in_text = self.in_text and local != "t"
        self.in_phonetic = self.in_phonetic and local != "rPh"

    def text(self, text: str) -> None:
        if self.in_text and not self.in_phonetic:
            self.length += len(text)
            if self.length > MAX_CELL_CHARS:
                raise _Breach(f"texte partagé n° {self.index + 1}")


class _Cells(_Walker):
    """Follows a sheet's cells as calamine places them (a cell without reference is the next
    one in its row, a row without number the next row) and checks each filled cell."""

    def __init__(self, long_string: int | None):
        self.long_string = long_string
        self.row = self.column = 0
        self.in_cell = self.in_value = self.filled = False
        self.length, self.value, self.kind = 0, "", None
        # The lowest and the rightmost filled cells: (row, column).
        self.lowest = self.rightmost = (0, 0)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if local == "row":
            self.row = int(attributes["r"]) if "r" in attributes else self.row + 1
            self.column = 0
        elif local == "c":
            self._open_cell(attributes)
        elif local == "v" and self.in_cell:
            self.in_value = True
        elif local == "is" and self.in_cell:
            self.filled = True  # calamine keeps an inline string, even an empty one

    def _open_cell(self, attributes: dict[str, str]) -> None:
        reference = attributes.get("r")
        if reference:
            found = _REFERENCE.fullmatch(reference)
            if found is None:
                raise ValueError(f"cell reference {reference!r}")
            self.column = column_index_from_string(found[1])
            self.row = int(found[2])
        else:
            self.column += 1
        self.in_cell, self.filled, self.length, self.value = True, False, 0, ""
        self.kind = attributes.get("t")

    def text(self, text: str) -> None:
        if not self.in_cell:
            return
        self.length += len(text)
        if self.length > MAX_CELL_CHARS:
            raise _Breach(f"cellule {self._reference()} : {_TOO_LONG}")
        if self.in_value:
            self.filled = self.filled or bool(text)
            self.value += text

    def end(self, name: str) -> None:
        local = _local(name)
        if local == "v":
            self.in_value = False
        elif local == "c" and self.in_cell:
            self.in_cell = False
            if self.filled:
                self._check_cell()

    def _check_cell(self) -> None:
        if self.row > MAX_ROWS or self.column > MAX_COLUMNS:
            raise _Breach(
                f"cellule {self._reference()} remplie, au-delà des limites de "
                f"{french_number(MAX_ROWS)} lignes et {french_number(MAX_COLUMNS)} colonnes : "
                "une cellule égarée loin des données ? Supprimez-la (Ctrl+Fin dans Excel mène à "
                "la dernière cellule) ; fichier refusé sans être lu"
            )
        shared = self.kind == "s" and self.long_string is not None
        if shared and self.value.strip() == str(self.long_string):
            raise _Breach(f"cellule {self._reference()} : {_TOO_LONG}")
        self.lowest = max(self.lowest, (self.row, self.column))
        self.rightmost = max(self.rightmost, (self.column, self.row))

    def check_grid(self) -> None:
        """The grid from A1 to the last row and column, which calamine allocates whole."""
        rows, columns = self.lowest[0], self.rightmost[0]
        if rows * columns > MAX_SHEET_CELLS:
            far = {
                f"{get_column_letter(self.lowest[1])}{rows}",
                f"{get_column_letter(columns)}{self.rightmost[1]}",
            }
            raise _Breach(
                f"grille de {french_number(rows)} lignes × {french_number(columns)} colonnes "
                f"(jusqu'à {' et '.join(sorted(far))}), au-delà de la limite de "
                f"{french_number(MAX_SHEET_CELLS)} cellules : fichier refusé sans être lu"
            )

    def _reference(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"
