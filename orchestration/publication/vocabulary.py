"""The French names readers see for the five surveyed populations, shared by the charts drawn
upstream and the report sources."""

# The population each study surveys, as a row or column label.
POPULATIONS = {
    "citoyens": "Citoyens (18 ans et plus)",
    "elus": "Maires",
    "entreprises": "Dirigeants d’entreprise",
    "associations": "Responsables associatifs",
    "fondations": "Fondations",
}
# The respondents of each study, as counted in a base: « 365 citoyens ».
RESPONDENTS = {
    "citoyens": "citoyens",
    "elus": "maires",
    "entreprises": "dirigeants d’entreprise",
    "associations": "responsables associatifs",
    "fondations": "fondations",
}
STUDY_TITLES = {
    "citoyens": "IMPACT-Citoyens",
    "elus": "IMPACT-Élus locaux",
    "entreprises": "IMPACT-Entreprises (PHARE-Entreprises en 2015)",
    "associations": "IMPACT-Associations",
    "fondations": "IMPACT-Fondations",
}
