"""The maps drawn for the reports: real PNGs read back, contours matching the geography."""

from matplotlib import colors
from matplotlib import image as mpimg

from orchestration.geography import departments, region_by_code, regions
from orchestration.publication import charts


def test_contours_hold_the_13_regions_and_96_departments():
    assert set(charts.shapes("regions")) == {region.code for region in regions()}
    assert set(charts.shapes("departements")) == {d.code for d in departments()}


def test_the_palette_reads_in_greys():
    lightness = [sum(colors.to_rgb(colour)) / 3 for colour in charts.PALETTE]
    assert all(a > b for a, b in zip(lightness, lightness[1:], strict=False))
    assert charts.MISSING_COLOUR not in charts.PALETTE


def test_a_department_map_is_a_png_with_values_in_its_alt_text(tmp_path):
    brittany = region_by_code("53")
    codes = [d.code for d in departments() if d.region_code == "53"]
    counts = {code: rank for rank, code in enumerate(codes, start=1)}
    chart = charts.department_map("53", counts, brittany.name, tmp_path)
    picture = mpimg.imread(tmp_path / chart.file)
    assert picture.shape[1] > 600
    assert chart.alt.startswith("Carte des 4 départements de la région Bretagne")
    assert codes == ["22", "29", "35", "56"]
    assert "de 1 (Côtes-d'Armor) à 4 (Morbihan)" in chart.alt
    assert charts.CONTOURS_ATTRIBUTION in chart.caption
    assert "nan" not in chart.alt + chart.caption


def test_a_region_map_names_the_regions_not_published(tmp_path):
    shares = {region.code: 0.8 + int(region.code) / 10_000 for region in regions()}
    shares["94"] = None
    chart = charts.region_map(shares, 3000, 2020, tmp_path)
    assert (tmp_path / chart.file).stat().st_size > 10_000
    assert "non publiée pour Corse" in chart.alt
    assert "de 80,1 (Île-de-France) à 80,9 (Provence-Alpes-Côte d'Azur)" in chart.alt
    assert "3\u202f000 répondants" in chart.caption


def test_classes_cover_the_values_from_light_to_dark():
    bounds = charts.classes([2.0, 12.0])
    assert bounds[-1] == 12.0
    assert charts.colour_of(2.0, bounds) == charts.PALETTE[0]
    assert charts.colour_of(12.0, bounds) == charts.PALETTE[-1]
    assert charts.colour_of(None, bounds) == charts.MISSING_COLOUR
