"""The charts and maps drawn for the reports: real PNGs read back, contours matching the
geography, alt texts in French, a palette that still reads in greys."""

import json
import re
from dataclasses import replace
from types import SimpleNamespace

import pytest
from matplotlib import colors
from PIL import Image
from shapely.geometry import MultiPolygon, Point, Polygon

from orchestration.geography import departments, regions
from orchestration.publication import chart_names, geo_shapes, report_charts
from orchestration.publication.chart_style import WIDTH_PIXELS
from orchestration.publication.estimate_charts import (
    EstimateBar,
    SeriesRow,
    WaveEstimate,
    estimates_chart,
    two_waves_chart,
)
from orchestration.publication.french import NARROW_NBSP, decimal, integer, percent
from orchestration.publication.map_classes import classes, tick_labels
from orchestration.publication.maps import department_map, region_map
from orchestration.publication.palette import ACCENT, NEUTRAL, SEQUENTIAL
from orchestration.publication.report_figures import Indicator, IndicatorWave, Value

BRITTANY = ["22", "29", "35", "56"]
PCT = f"{NARROW_NBSP}%"  # how a percent ends in French


def _png(path):
    """The picture, after checking it is a non-empty PNG of a reasonable size."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 0 < path.stat().st_size < 200_000
    picture = Image.open(path)
    picture.load()
    return picture


def _colours(picture) -> set[str]:
    """Every colour in the picture, as #rrggbb."""
    counts = picture.convert("RGB").getcolors(maxcolors=1 << 16)
    return {"#{:02x}{:02x}{:02x}".format(*rgb) for _, rgb in counts}


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG): the grey a colour prints as."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in colors.to_rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _clean(text: str) -> None:
    assert not re.search(r"\bnan\b|None|\d\.\d", text, re.IGNORECASE), text


def _estimates() -> list[EstimateBar]:
    return [
        EstimateBar("Bretagne", 0.812, 0.779, 0.841, highlight=True),
        EstimateBar("France métropolitaine", 0.801, 0.790, 0.812),
        EstimateBar("Corse", None, None, None),
    ]


def _shares() -> dict[str, float | None]:
    shares = {region.code: 0.70 + int(region.code) / 1_000 for region in regions()}
    shares["94"] = None
    return shares


# --- Contours -----------------------------------------------------------------------------


@pytest.mark.parametrize(("layer", "count"), [("regions", 13), ("departements", 96)])
def test_the_copied_contours_match_the_geography(layer, count):
    collection = json.loads((geo_shapes.GEO_DIR / f"{layer}.geojson").read_text(encoding="utf-8"))
    features = collection["features"]
    places = regions() if layer == "regions" else departments()
    expected = {place.code for place in places}
    assert len(features) == count
    assert {f["properties"]["code"] for f in features} == expected
    assert all(set(f["properties"]) == {"code", "nom"} for f in features)
    # Rounded to 4 decimals (about 10 m): no coordinate is written with more.
    assert not re.search(r"\d\.\d{5,}", json.dumps(collection))


def test_the_contours_carry_their_attribution():
    readme = (geo_shapes.GEO_DIR / "README.md").read_text(encoding="utf-8")
    assert geo_shapes.CONTOURS_ATTRIBUTION in readme
    for fact in ("IGN Admin Express COG 2018", "INSEE COG 2018", "5d34ee6", "Etalab"):
        assert fact in readme


@pytest.mark.parametrize("region", [r.code for r in regions()])
def test_a_region_map_draws_exactly_its_departments_inside_its_outline(region):
    drawn = geo_shapes.region_shapes(region)
    assert [s.code for s in drawn] == [d.code for d in departments() if d.region_code == region]
    # The two contour files agree: every department's label point lies in its region.
    outline = geo_shapes.contours("regions")[region]
    for shape in drawn:
        assert outline.contains(Point(geo_shapes.label_point(shape))), shape.name


def test_brittany_is_its_four_departments():
    assert [s.code for s in geo_shapes.region_shapes("53")] == BRITTANY
    with pytest.raises(KeyError):
        geo_shapes.region_shapes("99")


def test_a_label_point_avoids_a_hole():
    ring = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    x, y = geo_shapes.label_point(geo_shapes.Shape("xx", "Anneau", MultiPolygon([ring])))
    assert ring.contains(Point(x, y)) and not (1 <= x <= 3 and 1 <= y <= 3)


# --- Palette and classes -------------------------------------------------------------------


def test_the_sequential_palette_reads_in_greys():
    lightness = [_luminance(colour) for colour in SEQUENTIAL]
    assert all(light > dark for light, dark in zip(lightness, lightness[1:], strict=False))
    # The accent stays apart from the neutral grey once printed in greys too.
    assert abs(_luminance(ACCENT) - _luminance(NEUTRAL)) > 0.1
    assert NEUTRAL not in SEQUENTIAL and ACCENT not in SEQUENTIAL


def test_classes_are_round_cover_the_values_and_go_light_to_dark():
    scale = classes([3.7, 46.4, 12.0])
    assert scale.bounds == (0.0, 10.0, 20.0, 30.0, 40.0, 50.0)
    assert scale.colours == SEQUENTIAL
    assert scale.colour(3.7) == SEQUENTIAL[0]
    assert scale.colour(50.0) == SEQUENTIAL[-1]
    counts = classes([0, 1, 2, 3])
    assert all(float(b).is_integer() for b in counts.bounds)
    assert len(counts.colours) <= len(SEQUENTIAL)
    assert classes([0.3, 0.6]).bounds == (0.3, 0.4, 0.5, 0.6)
    assert classes([5, 5]).bounds == (5.0, 6.0)
    # Two counts a step apart (Corse: 0 and 1 case) are two classes, two colours.
    pair = classes([0, 1])
    assert pair.bounds == (0.0, 1.0, 2.0)
    assert pair.colour(0) != pair.colour(1)


def test_scale_labels_drop_zero_decimals_only_when_all_bounds_are_round():
    assert tick_labels((0.6, 0.65, 0.7), percent) == [
        f"60{NARROW_NBSP}%",
        f"65{NARROW_NBSP}%",
        f"70{NARROW_NBSP}%",
    ]
    assert tick_labels((0.0, 2.5, 5.0), decimal) == ["0,0", "2,5", "5,0"]


# --- Renders ------------------------------------------------------------------------------


def test_an_estimates_chart_is_a_png_whose_alt_text_gives_every_value(tmp_path):
    chart = estimates_chart(
        _estimates(),
        tmp_path / "estimates.png",
        "Part jugeant nécessaire de « jouer collectif »",
        f"base : {integer(3000)} répondants de 18 ans et plus",
    )
    picture = _png(chart.path)
    assert picture.width == WIDTH_PIXELS
    assert f"Bretagne : 81,2{PCT} [77,9{PCT} ; 84,1{PCT}]" in chart.alt
    assert f"France métropolitaine : 80,1{PCT} [79,0{PCT} ; 81,2{PCT}]" in chart.alt
    assert "Corse : e.i. (effectif insuffisant, valeur non publiée)" in chart.alt
    assert "intervalle de confiance à 95 %" in chart.caption
    assert f"base : 3{NARROW_NBSP}000 répondants" in chart.caption
    _clean(chart.alt + chart.caption)
    assert ACCENT in _colours(picture)  # the highlighted row


def test_a_modelled_row_is_drawn_open_and_marked_in_alt_text_and_caption(tmp_path):
    """Issue 18: a modelled value reads « (estimation modélisée) » in the alternative text, and
    the caption says how the chart marks it; a chart without one says nothing of it."""
    rows = [*_estimates(), EstimateBar("Corse", 0.908, 0.82, 0.955, modelled=True)]
    chart = estimates_chart(rows, tmp_path / "modelled.png", "Titre", "base")
    assert f"Corse : 90,8{PCT} (estimation modélisée) [82,0{PCT} ; 95,5{PCT}]" in chart.alt
    assert "Cercle vide, tirets et mention « modélisée » : estimation modélisée." in chart.caption
    _clean(chart.alt + chart.caption)
    plain = estimates_chart(_estimates(), tmp_path / "plain.png", "Titre", "base")
    assert "modélisée" not in plain.alt + plain.caption
    assert _png(chart.path).width == _png(plain.path).width == WIDTH_PIXELS


def test_an_estimates_chart_takes_shares_not_percentages(tmp_path):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        row = EstimateBar("Bretagne", 81.2, 77.9, 84.1)
        estimates_chart([row], tmp_path / "x.png", "Titre", "base")


def test_a_not_a_number_estimate_reads_as_not_published(tmp_path):
    row = EstimateBar("Corse", float("nan"), float("nan"), float("nan"))
    chart = estimates_chart([row], tmp_path / "nan.png", "Titre", "base")
    assert "Corse : e.i." in chart.alt
    _clean(chart.alt)


def test_a_department_map_names_its_extremes_with_french_numbers(tmp_path):
    values = {"22": 12.25, "29": 1234.5, "35": 8.0, "56": 3.04}
    chart = department_map(
        "53", values, tmp_path / "bretagne.png", "Cas pour 100 000 habitants", base="base : cas"
    )
    picture = _png(chart.path)
    assert picture.width == WIDTH_PIXELS
    assert chart.alt.startswith("Carte des 4 départements de la région Bretagne")
    assert f"Finistère (1{NARROW_NBSP}234,5)" in chart.alt
    assert "Morbihan (3,0)" in chart.alt
    assert chart.caption.endswith(geo_shapes.CONTOURS_ATTRIBUTION)
    assert "(base : cas)" in chart.caption
    _clean(chart.alt + chart.caption)


def test_a_department_map_refuses_a_department_of_another_region(tmp_path):
    with pytest.raises(KeyError, match="75"):
        department_map("53", {"22": 1.0, "75": 2.0}, tmp_path / "x.png", "Cas")


def test_a_region_map_shows_missing_regions_and_the_highlighted_one(tmp_path):
    chart = region_map(
        _shares(), tmp_path / "regions.png", "Jouer collectif", highlight="53", number=percent
    )
    picture = _png(chart.path)
    assert picture.width == WIDTH_PIXELS
    assert f"la plus élevée : Provence-Alpes-Côte d'Azur (79,3{PCT})" in chart.alt
    assert f"la plus faible : Île-de-France (71,1{PCT})" in chart.alt
    assert "Corse : e.i. (effectif insuffisant, valeur non publiée)" in chart.alt
    assert "Bretagne est entourée" in chart.alt
    assert chart.caption.endswith(geo_shapes.CONTOURS_ATTRIBUTION)
    _clean(chart.alt + chart.caption)
    # The file keeps the palette's exact colours (the 256-colour PNG does not shift them).
    assert set(classes([v for v in _shares().values() if v]).colours) <= _colours(picture)
    assert {ACCENT, NEUTRAL} <= _colours(picture)


def test_the_same_inputs_give_the_same_bytes(tmp_path):
    for run in ("a", "b"):
        estimates_chart(_estimates(), tmp_path / f"estimates-{run}.png", "Titre", "base")
        department_map("94", {"2A": 1.0, "2B": 2.0}, tmp_path / f"corse-{run}.png", "Cas")
        region_map(_shares(), tmp_path / f"regions-{run}.png", "Part", highlight="94")
    for name in ("estimates", "corse", "regions"):
        first, second = (tmp_path / f"{name}-{run}.png" for run in ("a", "b"))
        assert first.read_bytes() == second.read_bytes()


def test_a_two_waves_chart_states_both_waves_and_what_is_not_published(tmp_path):
    rows = [
        SeriesRow(
            "Entreprises partenaires pratiquant la coopération économique avec une association",
            WaveEstimate(2015, 0.2, 0.15, 0.25),
            WaveEstimate(2021, None, None, None),
        ),
        SeriesRow("Maires", WaveEstimate(2019, 0.5, 0.4, 0.6), WaveEstimate(2020, 1, 1, 1)),
    ]
    chart = two_waves_chart(rows, tmp_path / "series.png", "Titre", "base : 10 maires")
    assert f"association : 20,0{PCT} en 2015, e.i. en 2021 ;" in chart.alt
    assert f"Maires : 50,0{PCT} en 2019, 100,0{PCT} en 2020." in chart.alt
    assert chart.caption.endswith("(base : 10 maires).")
    picture = _png(chart.path)
    assert picture.width == WIDTH_PIXELS
    assert {ACCENT, NEUTRAL} <= _colours(picture)
    _clean(chart.alt + chart.caption)
    with pytest.raises(ValueError, match="share must lie in"):
        two_waves_chart(
            [SeriesRow("x", rows[1].earlier, WaveEstimate(2020, 57.0, 50, 60))],
            tmp_path / "percent.png",
            "Titre",
            "base",
        )


def _key_figure(study: str, withheld: frozenset[str] = frozenset({"94"})) -> Indicator:
    """A key figure at 80 % in France and in every region but the ``withheld`` ones (Corse)."""
    shown = Value(0.8, 0.7, 0.9, 300, "published", None, None, None, None, None)
    hidden = replace(shown, share=None, ci_low=None, ci_high=None, status="suppressed")
    values = {"FR": shown} | {r.code: hidden if r.code in withheld else shown for r in regions()}
    wave = IndicatorWave(2021, values)
    return Indicator(f"{study}_jouer_collectif", study, "chiffres_cles", "Jouer collectif", (wave,))


def test_the_reports_charts_are_exported_as_json_with_their_files(tmp_path):
    data = SimpleNamespace(
        wave=2020,
        national=SimpleNamespace(base_n=3000),
        regions=[
            SimpleNamespace(
                code=region.code,
                name=region.name,
                collective_necessary=SimpleNamespace(share=_shares()[region.code]),
            )
            for region in regions()
        ],
        territories={
            region.code: SimpleNamespace(
                # Corse: one case in all, a count said in the singular.
                departments={
                    d.code: 2 if region.code != "94" else int(d.code == "2B")
                    for d in departments()
                    if d.region_code == region.code
                }
            )
            for region in regions()
        },
        indicators=[
            _key_figure("citoyens"),
            _key_figure("fondations"),
            _key_figure("elus", frozenset(r.code for r in regions())),
        ],
    )
    assert "series" not in report_charts.draw_report_charts(data, tmp_path)  # no second wave yet
    citizens = data.indicators[0]
    earlier = replace(citizens.waves[0], wave=2020)
    data.indicators[0] = replace(citizens, waves=(earlier, *citizens.waves))
    drawn = report_charts.draw_report_charts(data, tmp_path)
    assert f"Jouer collectif : 80,0{PCT} en 2020, 80,0{PCT} en 2021." in drawn["series"]["alt"]
    comparisons = {chart_names.comparison_name(i.id) for i in data.indicators[:2]}
    assert comparisons == {
        "comparaison-citoyens-jouer-collectif",
        "comparaison-fondations-jouer-collectif",
    }
    # The fragility charts are drawn by fragility_charts and comparison_charts (issue 17).
    assert set(drawn) == {"regions", "series"} | comparisons | {
        name
        for r in regions()
        for name in (chart_names.key_figures_name(r.code), chart_names.region_map_name(r.code))
    }
    # The cross-region comparison: the published regions with their intervals, then France as
    # the reference; the rule (overlapping intervals) in the caption. No row of « e.i. » (the
    # report names the withheld regions), and no chart when no region is published (élus).
    comparison = drawn["comparaison-citoyens-jouer-collectif"]
    assert "intervalles se chevauchent ne se distinguent pas" in comparison["caption"]
    alt = comparison["alt"]
    assert "e.i." not in alt and "Corse" not in alt
    assert all(r.name in alt for r in regions() if r.code != "94")
    assert alt.index("Bretagne : 80,0") < alt.index("France métropolitaine : 80,0")
    json.dumps(drawn)  # the export is JSON
    for chart in drawn.values():
        assert set(chart) == {"file", "alt", "caption"}
        assert _png(tmp_path / chart["file"]).width == WIDTH_PIXELS
        _clean(chart["alt"] + chart["caption"])
    assert drawn["departements-53"]["file"] == "carte-departements-53.png"
    assert "8 pratiques dans la région" in drawn["departements-53"]["caption"]
    assert "1 pratique dans la région" in drawn["departements-94"]["caption"]
    # A region's key figures: its published values beside France's; a withheld value is named
    # in the caption, not drawn.
    brittany = drawn["chiffres-cles-53"]
    assert (
        "bases dans la région : 300 citoyens, 300 fondations ; non publié dans la région "
        "faute d'effectif suffisant : maires" in brittany["caption"]
    )
    assert "Fondations, 2021 : région : 80,0" in brittany["alt"]
    corsica = drawn["chiffres-cles-94"]
    assert (
        "non publié dans la région faute d'effectif suffisant : citoyens, fondations, "
        "maires" in corsica["caption"]
    )
    assert "bases dans la région" not in corsica["caption"]
    assert "région" not in corsica["alt"].split(" : ", 1)[1].replace("la région", "")
    assert "e.i." not in corsica["alt"]
    assert "Fondations, 2021 : France : 80,0" in corsica["alt"]
