"""Deterministic generator of the synthetic sample deliveries shipped in ``raw/``.

The IMPACT microdata are not public: these files are *données illustratives*, calibrated so that
national results land near the figures the programme published (81 % of French people, 92 % of
mayors, 83 % of company heads, 97 % of associations and 41 of 42 foundations judge « jouer
collectif » necessary), never real answers.

- ``study_models``: the truth model of each study wave (sample, weighting, answers);
- ``surveys``: draws a wave from its model and writes it as its codebook describes;
- ``survey_files``: the .sav / .csv / .xlsx writers; ``case_database``: the case export.
"""
