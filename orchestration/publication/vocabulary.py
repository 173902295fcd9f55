"""The French words readers see, shared by the charts drawn upstream and the report sources:
the five surveyed populations, and the marks of the publication rules (docs/publication-rules.md).
"""

from orchestration.publication.french import percent
from orchestration.studies import SURVEY_STUDIES

# The mark of a value not published for want of respondents (« effectif insuffisant »). Not
# « n.s. », which every statistician reads as « non significatif » (a test result).
NOT_PUBLISHED = "e.i."
NOT_PUBLISHED_MEANING = "effectif insuffisant, valeur non publiée"
# The legend printed under every table and chart that may hold the mark.
NOT_PUBLISHED_LEGEND = (
    f"« {NOT_PUBLISHED} » : {NOT_PUBLISHED_MEANING} (moins de 30 répondants, ou moins de 30 une "
    "fois la pondération prise en compte) ; un écart ou une évolution calculé à partir d'une "
    "telle valeur n'est pas publié non plus."
)

# The marks a printed value carries after its figure: a small base (published with a warning),
# or a small-area model's estimate (docs/publication-rules.md § 8).
FRAGILE_MARK = " (effectif faible)"
MODELLED = "modelled"  # the publication status of fct_published_estimates
MODELLED_WORDS = "estimation modélisée"
MODELLED_MARK = f" ({MODELLED_WORDS})"
# The one-sentence footnote under every table or chart that prints a modelled value.
MODELLED_NOTE = (
    f"« {MODELLED_WORDS.capitalize()} » : les répondants de la région sont trop peu nombreux "
    "pour une estimation directe ; la valeur complète leurs réponses par un modèle commun aux "
    "13 régions, ajusté pour retrouver le chiffre national, et son intervalle à 95 % tient "
    "compte de l'erreur du modèle ; aucun écart ni aucune évolution n'est calculé à partir "
    "d'elle."
)
STATUS_MARKS = {"fragile": FRAGILE_MARK, MODELLED: MODELLED_MARK}


def share_text(value: dict | None) -> str:
    """A share as every table prints it: « 81,2 % », « 64,0 % (effectif faible) », « 85,1 %
    (estimation modélisée) », or « e.i. » when it is withheld."""
    if value is None or value["share"] is None:
        return NOT_PUBLISHED
    return percent(value["share"]) + STATUS_MARKS.get(value["status"], "")


# Nothing to show in a cell: no previous wave, no comparison defined, no date delivered.
NO_VALUE = "–"

# The population each study surveys, as a row or column label; its respondents, as counted in a
# base (« 365 citoyens »); its title (seed ``studies``).
POPULATIONS = {study.name: study.population for study in SURVEY_STUDIES}
RESPONDENTS = {study.name: study.respondents for study in SURVEY_STUDIES}
STUDY_TITLES = {study.name: study.title for study in SURVEY_STUDIES}

# The sentence under a table naming the indicators withheld for lack of sample (issue 16: a
# table shows publishable rows only, never a wall of « e.i. »).
WITHHELD_LEAD = "Non publiés faute d'effectif suffisant dans la région"
