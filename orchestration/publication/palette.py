"""The Observatoire's colours and type, defined once for the charts, the HTML and the PDF.

The charts (house style in ``chart_style.py``) take their colours from here. The stylesheet
(``reports/report.css``, its ``--impact-*`` properties) and the Typst house style
(``reports/typst/typst-template.typ``, its ``impact-*`` colours) cannot import Python: they
carry the same values, and ``tests/test_house_style.py`` fails when one of them drifts from
this module.
"""

# Light to dark blue, CIE lightness L* 88, 74, 60, 46, 32: even steps, so each class keeps its
# own grey when printed without colour.
SEQUENTIAL = ("#ccdff1", "#87bddc", "#4a98c9", "#2070b4", "#084b93")
PRIMARY = SEQUENTIAL[-1]  # titles, headings, rules: the darkest blue, near black in greys
TINT = SEQUENTIAL[0]  # table headers and the notice's background: the lightest blue
ACCENT = "#b2182b"  # « this region »: L* 38, darker than NEUTRAL, so it also stands out in greys
NEUTRAL = "#8c8c8c"  # the other regions, hatching for « e.i. », running header and footer
BORDER = "#ffffff"
GRID = "#e3e3e3"  # chart grids and table rules
INK = "#1a1a1a"  # text

# The one type family of the reports: the charts' (matplotlib ships it, so every machine that
# draws the charts can also give it to Typst, offline).
FONT_FAMILY = "DejaVu Sans"

# What the HTML and the Typst template name each colour (their copies of this palette).
HOUSE_COLOURS = {
    "primary": PRIMARY,
    "tint": TINT,
    "accent": ACCENT,
    "neutral": NEUTRAL,
    "grid": GRID,
    "ink": INK,
}
