"""Synthetic export of the case database « IMPACT-Pratiques partenariales innovantes » (.xlsx):
a sheet of cases (profiles and modes multi-valued) and the sheet of catalysts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from orchestration.ingest.cases import (
    CASE_COLUMNS,
    CASE_SHEET,
    CATALYST_COLUMNS,
    CATALYST_SHEET,
    MULTI_VALUE_SEPARATOR,
)
from synthetic.geography import departments, regions
from synthetic.reproducible import fix_xlsx_timestamps

CASE_COUNT = 640
CATALYST_COUNT = 350
README_SHEET = "lisez-moi"
ACTOR_PROFILES = (
    "Association",
    "Entreprise",
    "Collectivité territoriale",
    "Fondation",
    "Acteur académique",
    "Acteur public",
)
# How often each profile takes part in a case (several per case: alliances are multi-actor).
PROFILE_FREQUENCIES = (0.85, 0.6, 0.55, 0.2, 0.15, 0.2)
PARTNERSHIP_MODES = (
    "Mécénat",
    "Pratiques responsables",
    "Coopération économique",
    "Innovation sociétale",
)
MODE_FREQUENCIES = (0.45, 0.35, 0.3, 0.4)
LEVELS = ("Local", "Départemental", "Régional", "National")
LEVEL_FREQUENCIES = (0.5, 0.2, 0.22, 0.08)
DOMAINS = (
    "Emploi",
    "Éducation",
    "Santé",
    "Environnement",
    "Lutte contre l'exclusion",
    "Développement économique",
    "Logement",
    "Culture",
)
DOMAIN_PHRASES = {
    "Emploi": "accompagne des demandeurs d'emploi vers des métiers en tension",
    "Éducation": "lutte contre le décrochage scolaire avec les établissements du territoire",
    "Santé": "rapproche les soins des habitants éloignés des services de santé",
    "Environnement": "restaure des milieux naturels et sensibilise les habitants",
    "Lutte contre l'exclusion": "crée des lieux d'accueil et d'entraide pour les plus fragiles",
    "Développement économique": "soutient la création d'activités et le commerce de proximité",
    "Logement": "rénove des logements et accompagne les ménages modestes",
    "Culture": "ouvre des pratiques culturelles aux publics qui en sont éloignés",
}
README_TEXT = (
    "DONNÉES ILLUSTRATIVES : cas et catalyseurs synthétiques générés par le module synthetic/ "
    "du projet, sans lien avec la base réelle IMPACT-Pratiques partenariales innovantes.",
)
# The creation date of the export, fixed so the file is the same at every generation.
FIXED_TIMESTAMP = datetime(2022, 12, 31, 12, 0, 0)


def generate(seed: int = 2022) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the synthetic cases and catalysts; the same seed gives the same tables."""
    rng = np.random.default_rng(seed)
    return _cases(rng), _catalysts(rng)


def write_xlsx(tables: tuple[pd.DataFrame, pd.DataFrame], path: Path) -> None:
    """Write the export as the case database produces it: codes as text, a read-me sheet."""
    cases, catalysts = tables
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    workbook.active.title = CASE_SHEET
    _fill(workbook.active, cases)
    _fill(workbook.create_sheet(CATALYST_SHEET), catalysts)
    workbook.create_sheet(README_SHEET).append(list(README_TEXT))
    workbook.properties.title = "DONNEES ILLUSTRATIVES - base de cas IMPACT"
    workbook.properties.created = FIXED_TIMESTAMP
    workbook.save(path)
    fix_xlsx_timestamps(path)


def _fill(sheet, frame: pd.DataFrame) -> None:
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append(list(row))


def _population_draw(rng: np.random.Generator, size: int):
    # Cases and catalysts follow population, as the catalysts' network does.
    all_departments = departments()
    population = {r.code: r.population for r in regions()}
    weights = np.array([population[d.region_code] for d in all_departments], dtype=float)
    picks = rng.choice(len(all_departments), size=size, p=weights / weights.sum())
    return [all_departments[pick] for pick in picks]


def _several(rng: np.random.Generator, values: tuple[str, ...], frequencies) -> str:
    chosen = [v for v, f in zip(values, frequencies, strict=True) if rng.random() < f]
    if not chosen:
        chosen = [values[int(np.argmax(frequencies))]]
    return f" {MULTI_VALUE_SEPARATOR} ".join(chosen)


def _cases(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for number, department in enumerate(_population_draw(rng, CASE_COUNT), start=1):
        domain = str(rng.choice(DOMAINS))
        rows.append(
            {
                "id_cas": f"CAS-{number:04d}",
                "titre": f"Alliance {domain.lower()} – {department.name} ({number})",
                "description": f"Une alliance d'acteurs qui {DOMAIN_PHRASES[domain]}.",
                "region": department.region_code,
                "departement": department.code,
                "echelon": str(rng.choice(LEVELS, p=LEVEL_FREQUENCIES)),
                "domaine": domain,
                "profils_acteurs": _several(rng, ACTOR_PROFILES, PROFILE_FREQUENCIES),
                "modes_partenariat": _several(rng, PARTNERSHIP_MODES, MODE_FREQUENCIES),
                "annee": int(rng.integers(2016, 2023)),
            }
        )
    return pd.DataFrame(rows, columns=list(CASE_COLUMNS))


def _catalysts(rng: np.random.Generator) -> pd.DataFrame:
    rows = [
        {
            "id_catalyseur": f"CAT-{number:03d}",
            "nom": f"Catalyseur territorial n° {number} – {department.name}",
            "region": department.region_code,
            "departement": department.code,
        }
        for number, department in enumerate(_population_draw(rng, CATALYST_COUNT), start=1)
    ]
    return pd.DataFrame(rows, columns=list(CATALYST_COLUMNS))
