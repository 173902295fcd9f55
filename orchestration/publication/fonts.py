"""The reports' one type family, given to Typst offline, for both render engines.

The charts are drawn by matplotlib in DejaVu Sans (``palette.FONT_FAMILY``); matplotlib ships
the font files, so every machine that draws the charts has them. A render copies them beside
the report (``reports/fonts/`` in its private copy), and the front matter's ``font-paths:``
points Typst there: Quarto and the built-in engine set the PDF in the charts' family, with no
network and whatever fonts the system has.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

FONT_FOLDER = "fonts"  # beside the report source, as its front matter's ``font-paths:`` says
_FAMILY_FILES = "DejaVuSans*.ttf"  # regular, bold, italics, and the monospaced cut


def matplotlib_fonts() -> Path:
    """matplotlib's own font folder (``mpl-data/fonts/ttf``), found without importing it."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("matplotlib is not installed: the reports' fonts come with it")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


def copy_report_fonts(folder: Path) -> Path:
    """Copy the reports' font files into ``folder``/fonts; return that folder."""
    target = folder / FONT_FOLDER
    target.mkdir(exist_ok=True)
    files = sorted(matplotlib_fonts().glob(_FAMILY_FILES))
    if not files:
        raise FileNotFoundError(f"no {_FAMILY_FILES} in {matplotlib_fonts()}")
    for path in files:
        shutil.copyfile(path, target / path.name)
    return target
