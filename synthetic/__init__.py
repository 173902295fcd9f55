"""Deterministic generator of the synthetic sample deliveries shipped in ``raw/``.

The IMPACT microdata are not public: these files are *données illustratives*, calibrated so that
national results land near the figures the programme published (81 % of French people judge
« jouer collectif » necessary in 2020), never real answers.
"""
