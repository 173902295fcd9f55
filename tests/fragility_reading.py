"""Reading the « Fragilités prioritaires » section back from a rendered report (issue 17):
each study's printed tiers, as (label, printed value) groups, leading group first."""

import re

SEGMENTS = {
    # Where each study's text starts and what follows its tiers.
    "citoyens": ("Selon les habitants", "En France métropolitaine, les habitants"),
    "elus": ("Selon les maires", "En France métropolitaine, les maires"),
}
TIER = re.compile(r"(En tête|Puis)(?:, au coude à coude)? : ([^.]+)\.")
ITEM = re.compile(r"(?:^|, | et )([^,()]+?) \(([^)]+)\)")


def plain(text: str) -> str:
    """Typographic apostrophes back to plain ones, as the marts write the labels, and words
    the PDF hyphenated at a line end (« écono- mique ») joined again."""
    return re.sub(r"(\w)- (\w)", r"\1\2", text.replace("’", "'"))


def study_segment(text: str, study: str) -> str:
    """The study's text in the section, from its heading to the France sentence (the table of
    contents names the section only, not the studies)."""
    start, end = SEGMENTS[study]
    section = plain(text).split("Fragilités prioritaires")[-1]
    return section.split(start, 1)[1].split(end, 1)[0]


def printed_tiers(segment: str) -> list[list[tuple[str, str]]]:
    """The tiers the segment prints: each a list of (label, printed value)."""
    return [
        [(label.strip(), value) for label, value in ITEM.findall(body)]
        for _, body in TIER.findall(segment)
    ]
