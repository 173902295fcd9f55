"""What to do after a failed step, said in the run's log right after the failure, in French."""

import dagster as dg

from orchestration.warehouse import WarehouseLocked

# How the advice starts, in the run's log and in ``make run``'s summary.
NEXT_STEP_LABEL = "Que faire maintenant : "
UNCHANGED = (
    "Rien n'a tourné en aval : les tables de l'entrepôt et les rapports publiés sont ceux du "
    "dernier run réussi."
)
# The advice by kind of failure, in the analyst's language.
LOCKED = (
    "Le fichier de l'entrepôt est resté ouvert dans un autre programme. Fermez-le (un notebook "
    "ou une session DuckDB sur impact.duckdb), puis relancez ce run depuis l'interface."
)
REFUSED = (
    "Une livraison a été refusée à l'entrée (fichier, ligne, colonne et règle ci-dessus). "
    "Corrigez le fichier, ou demandez à l'institut une livraison corrigée, et déposez-le de "
    "nouveau dans raw/ : le capteur l'ingère en moins d'une minute. " + UNCHANGED
)
QUALITY = (
    "Une règle de qualité bloquante a échoué (la description du contrôle nomme les lignes ; "
    "la page reports/output/qualite/index.html montre chaque résultat). Corrigez la "
    "livraison et déposez-la de nouveau dans raw/. " + UNCHANGED
)
DBT = (
    "dbt a échoué : le journal de l'étape nomme le modèle ou le test et la règle. Un test en "
    "échec désigne des données à corriger dans raw/ ; une erreur dans un modèle est un bogue "
    "à signaler. " + UNCHANGED
)
RENDER = (
    "Un rapport n'a pas été produit (voir l'erreur ci-dessus, rapport par rapport) : ses "
    "derniers fichiers publiés sont intacts, les autres rapports ont été produits, et "
    "index.html le signale en retard (la raison est sous « À propos de cette publication »). "
    "Après correction, matérialisez le rapport concerné (regional_report/<région>) ou lancez "
    "le job render_reports."
)
OTHER = "Voir l'erreur ci-dessus. " + UNCHANGED


def next_step(step_key: str, error: BaseException | None) -> str:
    """Plain French advice for the person who launched the run, by the kind of failure."""
    causes = _causes(error)
    if any(isinstance(cause, WarehouseLocked) for cause in causes):
        return LOCKED
    if step_key.startswith("raw__"):
        return REFUSED
    if step_key.endswith("_quality"):
        return QUALITY
    if step_key == "impact_dbt_models":
        return DBT
    if step_key in ("regional_report", "national_report", "reports_index"):
        return RENDER
    return OTHER


def _causes(error: BaseException | None) -> list[BaseException]:
    chain = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


@dg.failure_hook
def what_to_do_next(context: dg.HookContext) -> None:
    """Log :func:`next_step` for the failed step."""
    context.log.error(f"{NEXT_STEP_LABEL}{next_step(context.step_key, context.op_exception)}")
