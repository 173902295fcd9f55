"""Byte-for-byte reproducible files: writers stamp the time of writing, we overwrite it.

An SPSS ``.sav`` header holds its creation date and time; an ``.xlsx`` is a zip whose entries
carry modification times. Fixing both makes a regenerated sample identical to the shipped one.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

# SPSS system file header: creation date (9 bytes, "dd mmm yy") at offset 92, then time (8 bytes).
SAV_DATE_OFFSET = 92
SAV_FIXED_STAMP = b"01 Jan 20" + b"00:00:00"
ZIP_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
# openpyxl writes the save time into the document properties whatever we set.
XLSX_PROPERTIES = "docProps/core.xml"
XLSX_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
XLSX_FIXED_MODIFIED = rb"\g<1>2020-01-01T00:00:00Z\g<2>"


def fix_sav_timestamp(path: Path) -> None:
    """Overwrite the creation date and time in an SPSS file's header."""
    content = bytearray(path.read_bytes())
    if content[:4] not in (b"$FL2", b"$FL3"):
        raise ValueError(f"{path} is not an SPSS system file")
    content[SAV_DATE_OFFSET : SAV_DATE_OFFSET + len(SAV_FIXED_STAMP)] = SAV_FIXED_STAMP
    path.write_bytes(bytes(content))


def fix_xlsx_timestamps(path: Path) -> None:
    """Rewrite an ``.xlsx`` with the same entries, in order, all dated 2020-01-01."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    entries = [
        (name, XLSX_MODIFIED.sub(XLSX_FIXED_MODIFIED, data) if name == XLSX_PROPERTIES else data)
        for name, data in entries
    ]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
