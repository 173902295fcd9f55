"""The skeleton and stylesheet of ``index.html`` (``index_page`` fills its body): one self-contained
page, readable offline, with no script. The colours are the reports' charts' (``chart_style``): the
map's two blues are two classes of the sequential scale, grey is their neutral; « e.i. » is
hatched, as on the reports' maps."""

import re

from orchestration.publication.french import NARROW_NBSP, NBSP

# French typography in the page's text: no line may break inside « », before « : » or « % »;
# the apostrophe is the typographic one, as pandoc sets it in the reports (a delivered text's
# apostrophe is escaped as an entity, so it stays as delivered).
SPACING = (
    ("'", "’"),
    ("« ", f"«{NBSP}"),
    (" »", f"{NBSP}»"),
    (" :", f"{NBSP}:"),
    (" ;", f"{NARROW_NBSP};"),
    (" %", f"{NARROW_NBSP}%"),
)
# A text node of the page: what lies between two tags (escaped text holds no « < »).
TEXT_NODE = re.compile(r">([^<]+)<")


def french_spacing(body: str) -> str:
    """``body`` (markup) with its text nodes' spaces made no-break where French wants them."""

    def spaced(match: re.Match) -> str:
        text = match.group(1)
        for plain, unbreakable in SPACING:
            text = text.replace(plain, unbreakable)
        return f">{text}<"

    return TEXT_NODE.sub(spaced, body)


HEAD = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rapports IMPACT – Observatoire des partenariats</title>
<style>
html { color: #1f2328; background: #fff; }
body { margin: 0 auto; max-width: 60rem; padding: 2rem 1.25rem 3rem; line-height: 1.5;
  font-family: "DejaVu Sans", "Bitstream Vera Sans", Verdana, sans-serif; }
a { color: #0b5cad; }
header p { margin: 0.1rem 0; color: #555; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0.3rem 0; }
h2 { margin-top: 2.2rem; border-bottom: 2px solid #2070b4; padding-bottom: 0.2rem; }
.avis { background: #fff4e5; border-left: 4px solid #b35c00; padding: 0.6rem 0.9rem; }
.liens a.lire { display: inline-block; background: #2070b4; color: #fff; padding: 0.35rem
  0.9rem; border-radius: 4px; text-decoration: none; font-weight: 600; }
figure.carte { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: center;
  margin: 1rem 0; }
svg.carte { flex: 0 1 24rem; min-width: 16rem; height: auto; }
svg.carte path { stroke: #fff; stroke-width: 0.8; fill-rule: evenodd; }
svg.carte a:hover path, svg.carte a:focus path { stroke: #1a1a1a; stroke-width: 1.6; }
.au-dessus { fill: #2070b4; }
.en-dessous { fill: #87bddc; }
.sans-ecart { fill: #c9c9c9; }
.non-publie { fill: url(#hachures); }
svg.carte path.non-publie, .legende rect.non-publie { stroke: #8c8c8c; }
figcaption { flex: 1 1 15rem; font-size: 0.85rem; color: #555; }
figcaption p { margin: 0.3rem 0; }
.legende { list-style: none; padding: 0; margin: 0.4rem 0; }
.legende li { display: flex; gap: 0.4rem; align-items: center; }
.tableau { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums;
  font-size: 0.92rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.4rem; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #c8ccd1;
  vertical-align: top; }
thead th { background: #f2f4f7; }
tbody th { font-weight: normal; }
td.nombre, td.pdf { white-space: nowrap; }
td.nombre { text-align: right; }
td.etat { min-width: 7rem; }
.france { display: block; font-size: 0.8rem; color: #555; white-space: normal; }
.note { font-size: 0.85rem; color: #555; margin: 0.3rem 0; }
footer { margin-top: 3rem; font-size: 0.85rem; color: #555; border-top: 1px solid #c8ccd1; }
footer h2 { font-size: 1rem; border: none; margin-top: 1rem; }
footer li { overflow-wrap: anywhere; }
</style>
</head>
"""
BODY = """<body>
<header>
<p>Observatoire des partenariats (Le RAMEAU) – programme IMPACT</p>
<h1>Faire alliance dans les territoires : les rapports IMPACT</h1>
<p>La synthèse nationale et les rapports des 13 régions de France métropolitaine.</p>
<p><strong>{published}</strong></p>
</header>
<main>
{notice}
<section id="synthese">
<h2>Synthèse nationale</h2>
{synthesis}
</section>
<section id="regions">
<h2>Les 13 régions</h2>
<p>Choisissez une région sur la carte ou dans le tableau pour lire son rapport.</p>
{regions}
</section>
</main>
<footer id="a-propos">
<h2>À propos de cette publication</h2>
<ul>
{about}
</ul>
</footer>
</body>
</html>
"""
