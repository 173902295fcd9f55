"""Synthetic export of the case database « IMPACT-Pratiques partenariales innovantes» (.xlsx)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from synthetic.geography import departments, regions
from synthetic.reproducible import fix_xlsx_timestamps

CASE_COUNT = 620
SHEET = "cas"
README_SHEET = "lisez-moi"
COLUMNS = (
    "id_cas",
    "titre",
    "region",
    "departement",
    "profil_porteur",
    "mode_partenariat",
    "echelon",
    "domaine",
    "annee",
)
ACTOR_PROFILES = (
    "Association",
    "Entreprise",
    "Collectivité territoriale",
    "Fondation",
    "Acteur académique",
)
PARTNERSHIP_MODES = (
    "Mécénat",
    "Pratiques responsables",
    "Coopération économique",
    "Innovation sociétale",
)
LEVELS = ("Local", "Régional", "National")
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
README_TEXT = (
    "DONNÉES ILLUSTRATIVES : cas synthétiques générés par le module synthetic/ du projet, "
    "sans lien avec la base réelle IMPACT-Pratiques partenariales innovantes.",
)
# The creation date of the export, fixed so the file is the same at every generation.
FIXED_TIMESTAMP = datetime(2022, 12, 31, 12, 0, 0)


def generate(seed: int = 2022) -> pd.DataFrame:
    """Draw the synthetic cases; the same seed gives the same table."""
    rng = np.random.default_rng(seed)
    all_departments = departments()
    population = {r.code: r.population for r in regions()}
    # Cases follow population, as the catalysts' network does.
    weights = np.array([population[d.region_code] for d in all_departments], dtype=float)
    picks = rng.choice(len(all_departments), size=CASE_COUNT, p=weights / weights.sum())
    rows = []
    for number, pick in enumerate(picks, start=1):
        department = all_departments[pick]
        domain = str(rng.choice(DOMAINS))
        rows.append(
            {
                "id_cas": f"CAS-{number:04d}",
                "titre": f"Alliance {domain.lower()} – {department.name}",
                "region": department.region_code,
                "departement": department.code,
                "profil_porteur": str(rng.choice(ACTOR_PROFILES)),
                "mode_partenariat": str(rng.choice(PARTNERSHIP_MODES)),
                "echelon": str(rng.choice(LEVELS, p=[0.6, 0.3, 0.1])),
                "domaine": domain,
                "annee": int(rng.integers(2018, 2023)),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def write_xlsx(cases: pd.DataFrame, path: Path) -> None:
    """Write the export as the case database produces it: codes as text, a read-me sheet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(list(cases.columns))
    for row in cases.itertuples(index=False):
        sheet.append(list(row))
    workbook.create_sheet(README_SHEET).append(list(README_TEXT))
    workbook.properties.created = FIXED_TIMESTAMP
    workbook.save(path)
    fix_xlsx_timestamps(path)
