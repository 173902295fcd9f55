"""The sample delivery of context statistics (``raw/context/statistiques_contexte.csv``).

Only three kinds of values come from a file of this repository, and say so in their row:
populations (INSEE 2021, ``dbt_project/seeds/regions.csv``: nature ``reference``), areas
computed from the simplified IGN contours of ``reports/geo/`` and the density derived from them
(``approximation``), commune counts transcribed into ``communes_by_region.csv``
(``approximation``). Every other value is drawn, reproducibly, around a plausible level: it is
``illustrative`` and its source says so. No official figure is typed here.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.geography import FRANCE_CODE
from orchestration.ingest.context import CONTEXT_COLUMNS
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from synthetic.geography import regions

CONTEXT_FILE = "context/statistiques_contexte.csv"
GEO_DIR = PROJECT_ROOT / "reports" / "geo"
COMMUNES_SEED = DBT_PROJECT_DIR / "seeds" / "communes_by_region.csv"
# Mean Earth radius (IUGG, metres): areas on the sphere, enough for simplified contours.
EARTH_RADIUS_M = 6_371_008.8
POPULATION_YEAR = 2021
CONTOURS_YEAR = 2018
ILLUSTRATIVE_YEAR = 2021
# Sources as a reader sees them in the reports: the files are named in seeds/README.md.
POPULATION_SOURCE = (
    "INSEE, populations légales 2021 (population municipale), fichier de référence du projet"
)
AREA_SOURCE = (
    "Calculée sur les contours IGN Admin Express COG 2018 simplifiés (france-geojson) : "
    "superficie approchée, les contours étant simplifiés"
)
DENSITY_SOURCE = (
    "Population légale 2021 (INSEE) rapportée à la superficie approchée des contours IGN "
    "simplifiés : densité approchée"
)
COMMUNES_SOURCE = (
    "INSEE, Code officiel géographique 2021, nombres transcrits à la main et non lus dans un "
    "fichier sourcé (total 34 838 contre 34 836 communes officielles) : approximation"
)
ILLUSTRATIVE_SOURCE = (
    "Donnée illustrative : valeur plausible tirée de façon reproductible par le projet, pas "
    "une statistique officielle"
)


@dataclass(frozen=True)
class Drawn:
    """An illustrative indicator: a level around which regions are drawn, their spread, how
    France is formed (``rate``: population-weighted mean; ``per_100k``: a count drawn per
    100 000 inhabitants, France the sum), rounding and unit."""

    indicator_id: str
    unit: str
    level: float
    spread: float
    low: float
    high: float
    kind: str = "rate"
    digits: int = 1
    years: tuple[int, ...] = (ILLUSTRATIVE_YEAR,)


ILLUSTRATIVE = (
    Drawn("part_moins_25_ans", "pourcent", 29, 2.5, 20, 36),
    Drawn("part_65_ans_et_plus", "pourcent", 21, 3, 14, 30),
    Drawn("part_population_rurale", "pourcent", 33, 12, 3, 70),
    Drawn("associations_employeuses", "nombre", 230, 30, 150, 320, "per_100k", 0),
    Drawn("entreprises_10_salaries", "nombre", 300, 40, 200, 420, "per_100k", 0),
    Drawn("taux_chomage", "pourcent", 7.5, 1.5, 4.5, 12, years=(2020, 2021)),
    Drawn("revenu_median", "euros", 22500, 1500, 19000, 27000, digits=-1),
    Drawn("taux_pauvrete", "pourcent", 14.5, 2.5, 9, 22),
    Drawn("atteintes_biens", "pour_1000_habitants", 28, 7, 12, 48),
    Drawn("part_jeunes_non_inseres", "pourcent", 13, 2.5, 8, 20),
    Drawn("medecins_generalistes", "pour_100000_habitants", 90, 12, 60, 130),
    Drawn("menages_suroccupes", "pourcent", 5, 2, 1.5, 15),
    Drawn("foyers_sans_tres_haut_debit", "pourcent", 25, 10, 3, 55),
    Drawn("acces_equipements", "minutes", 7, 2, 3, 13),
)


def generate(seed: int = 2021) -> list[dict]:
    """Every row of the delivery, in a fixed order; the same seed gives the same rows."""
    rng = np.random.default_rng(seed)
    populations = {region.code: region.population for region in regions()}
    areas = contour_areas("regions.geojson")
    rows = _sourced_rows(populations, areas)
    for drawn in ILLUSTRATIVE:
        for year in drawn.years:
            rows += _drawn_rows(drawn, year, populations, rng)
    return rows


def write_csv(rows: list[dict], path: Path) -> None:
    """Write the delivery as UTF-8 CSV, numbers with a decimal point, integers without."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(CONTEXT_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "value": _number_text(row["value"])})


def contour_areas(file: str) -> dict[str, float]:
    """Area in km² of each feature of a contour file of ``reports/geo`` (by INSEE code), on
    the sphere: approximate, since the contours are simplified."""
    features = json.loads((GEO_DIR / file).read_text(encoding="utf-8"))["features"]
    return {
        feature["properties"]["code"]: _geometry_area(feature["geometry"]) / 1e6
        for feature in features
    }


def _sourced_rows(populations: dict[str, int], areas: dict[str, float]) -> list[dict]:
    communes = _communes()
    france_population = sum(populations.values())
    france_area = sum(areas[code] for code in populations)
    rows = [
        _row(
            "population",
            "france",
            FRANCE_CODE,
            POPULATION_YEAR,
            france_population,
            "habitants",
            POPULATION_SOURCE,
            "reference",
        )
    ]
    rows += [
        _row(
            "population",
            "region",
            code,
            POPULATION_YEAR,
            value,
            "habitants",
            POPULATION_SOURCE,
            "reference",
        )
        for code, value in populations.items()
    ]
    rows.append(
        _row(
            "superficie",
            "france",
            FRANCE_CODE,
            CONTOURS_YEAR,
            round(france_area),
            "km2",
            AREA_SOURCE,
            "approximation",
        )
    )
    rows += [
        _row(
            "superficie",
            "region",
            code,
            CONTOURS_YEAR,
            round(areas[code]),
            "km2",
            AREA_SOURCE,
            "approximation",
        )
        for code in populations
    ]
    rows += [
        _row(
            "superficie",
            "departement",
            code,
            CONTOURS_YEAR,
            round(area),
            "km2",
            AREA_SOURCE,
            "approximation",
        )
        for code, area in sorted(contour_areas("departements.geojson").items())
    ]
    rows.append(
        _row(
            "densite",
            "france",
            FRANCE_CODE,
            POPULATION_YEAR,
            round(france_population / france_area, 1),
            "habitants_par_km2",
            DENSITY_SOURCE,
            "approximation",
        )
    )
    rows += [
        _row(
            "densite",
            "region",
            code,
            POPULATION_YEAR,
            round(populations[code] / areas[code], 1),
            "habitants_par_km2",
            DENSITY_SOURCE,
            "approximation",
        )
        for code in populations
    ]
    rows.append(
        _row(
            "nombre_communes",
            "france",
            FRANCE_CODE,
            POPULATION_YEAR,
            sum(communes.values()),
            "nombre",
            COMMUNES_SOURCE,
            "approximation",
        )
    )
    rows += [
        _row(
            "nombre_communes",
            "region",
            code,
            POPULATION_YEAR,
            communes[code],
            "nombre",
            COMMUNES_SOURCE,
            "approximation",
        )
        for code in populations
    ]
    return rows


def _drawn_rows(drawn: Drawn, year: int, populations: dict[str, int], rng) -> list[dict]:
    draws = {
        code: float(np.clip(rng.normal(drawn.level, drawn.spread), drawn.low, drawn.high))
        for code in populations
    }
    if drawn.kind == "per_100k":
        values = {code: round(d * populations[code] / 1e5) for code, d in draws.items()}
        france = sum(values.values())
    else:
        values = {code: _rounded(d, drawn.digits) for code, d in draws.items()}
        total = sum(populations.values())
        france = _rounded(sum(values[c] * populations[c] for c in values) / total, drawn.digits)
    rows = [
        _row(
            drawn.indicator_id,
            "france",
            FRANCE_CODE,
            year,
            france,
            drawn.unit,
            ILLUSTRATIVE_SOURCE,
            "illustrative",
        )
    ]
    return rows + [
        _row(
            drawn.indicator_id,
            "region",
            code,
            year,
            value,
            drawn.unit,
            ILLUSTRATIVE_SOURCE,
            "illustrative",
        )
        for code, value in values.items()
    ]


def _row(indicator_id, geo_level, geo_code, year, value, unit, source, nature) -> dict:
    return {
        "indicator_id": indicator_id,
        "geo_level": geo_level,
        "geo_code": geo_code,
        "year": year,
        "value": value,
        "unit": unit,
        "source": source,
        "nature": nature,
    }


def _communes() -> dict[str, int]:
    with COMMUNES_SEED.open(encoding="utf-8") as seed:
        return {row["reg"]: int(row["communes"]) for row in csv.DictReader(seed)}


def _rounded(value: float, digits: int) -> float | int:
    return int(round(value, digits)) if digits <= 0 else round(value, digits)


def _number_text(value: float | int) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _geometry_area(geometry: dict) -> float:
    """Square metres of a GeoJSON (Multi)Polygon: outer rings less holes."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return sum(
        abs(_ring_area(rings[0])) - sum(abs(_ring_area(hole)) for hole in rings[1:])
        for rings in polygons
    )


def _ring_area(ring: list[list[float]]) -> float:
    # The spherical excess of a ring of (longitude, latitude) degrees (Chamberlain and
    # Duquette's formula, the one of d3-geo and turf).
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in zip(ring, ring[1:] + ring[:1], strict=True):
        total += math.radians(lon2 - lon1) * (
            2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2))
        )
    return total * EARTH_RADIUS_M**2 / 2
