"""The built-in ``.qmd`` engine: the parser alone, then real renders (kernel, pandoc, Typst)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from orchestration.publication.builtin_renderer import _run_pandoc, render_with_builtin_engine
from orchestration.publication.qmd_document import CodeCell, MarkdownBlock, parse_qmd
from orchestration.publication.qmd_execution import BuiltinRenderError
from orchestration.publication.scratch import KERNEL_PREFIX

NARROW_NBSP = "\u202f"

REPORT_QMD = """\
---
title: "Rapport régional «\u00a0IMPACT\u00a0»"
author: Observatoire des partenariats
lang: fr
format:
  html:
    toc: true
  typst:
    papersize: a4
execute:
  echo: false
---

```{python}
#| tags: [parameters]
region = "84"
```

## Synthèse

Le graphique @fig-regions compare les régions.

```{python}
#| output: asis
print(f"Région analysée : **{region}**")
print()
print("| Indicateur | Valeur |")
print("|---|---:|")
print("| Taux de réponse | 81,2\u202f% |")
print()
print(open("source.txt", encoding="utf-8").read())  # relative: runs in the qmd's folder
```

```{python}
#| label: fig-regions
#| fig-cap: "Taux de réponse par région"
#| fig-alt: "Barres : région 84 à 81,2 %, région 93 à 75 %."
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(["84", "93"], [81.2, 75.0])
plt.show()
```

```{python}
#| output: asis
# A chart drawn upstream, included as markdown with its alternative text (both engines).
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([0, 1], [0, 1])
fig.savefig("carte.png")
plt.close(fig)  # else the notebook shows it a second time, without alternative text
print('![Carte des deux régions](carte.png){fig-alt="Carte : la région 84 au-dessus de 93."}')
```

```{python}
#| echo: true
total_regions = 1 + 1
```
"""


# --- parser -------------------------------------------------------------------------------


def test_parse_front_matter_and_cell_options() -> None:
    document = parse_qmd(REPORT_QMD)

    assert document.front_matter["lang"] == "fr"
    assert document.front_matter["execute"] == {"echo": False}
    cells = document.code_cells
    assert [cell.is_parameters for cell in cells] == [True, False, False, False, False]
    assert cells[0].source == 'region = "84"'
    assert cells[1].options == {"output": "asis"}
    assert cells[2].options == {
        "label": "fig-regions",
        "fig-cap": "Taux de réponse par région",
        "fig-alt": "Barres : région 84 à 81,2 %, région 93 à 75 %.",
    }
    assert cells[2].label == "fig-regions"
    assert cells[2].source.startswith("import matplotlib.pyplot as plt")
    assert cells[3].options == {"output": "asis"}
    assert cells[4].options == {"echo": True}


def test_blocks_keep_source_order_and_line_numbers() -> None:
    document = parse_qmd(REPORT_QMD)

    kinds = [type(block).__name__ for block in document.blocks]
    assert kinds == ["CodeCell", "MarkdownBlock", "CodeCell", "CodeCell", "CodeCell", "CodeCell"]
    assert document.blocks[0].line == 14
    assert "## Synthèse" in document.blocks[1].text


def test_multiline_yaml_options() -> None:
    document = parse_qmd("```{python}\n#| tags:\n#|   - parameters\n#|   - other\nx = 1\n```\n")

    (cell,) = document.blocks
    assert isinstance(cell, CodeCell)
    assert cell.options == {"tags": ["parameters", "other"]}
    assert cell.is_parameters
    assert cell.source == "x = 1"


def test_plain_fences_stay_markdown() -> None:
    text = (
        "Avant\n\n```\nprint('pas une cellule')\n```\n\n"
        "````markdown\n```{python}\nx = 1\n```\n````\n\n~~~python\ny = 2\n~~~\n"
    )

    document = parse_qmd(text)

    assert document.front_matter == {}
    assert len(document.blocks) == 1
    assert isinstance(document.blocks[0], MarkdownBlock)
    assert document.blocks[0].text == text.rstrip("\n")


def test_unterminated_chunk_names_its_line() -> None:
    with pytest.raises(ValueError, match=r"line 4: .*never closed"):
        parse_qmd("---\ntitle: x\n---\n```{python}\nx = 1\n")


def test_invalid_option_yaml_names_its_line() -> None:
    with pytest.raises(ValueError, match=r"line 2: invalid YAML in cell options"):
        parse_qmd("```{python}\n#| echo: [false\nx = 1\n```\n")


# --- renderer, without a kernel -----------------------------------------------------------


def test_params_without_parameters_cell_are_refused(tmp_path: Path) -> None:
    qmd = tmp_path / "sans.qmd"
    qmd.write_text("```{python}\nx = 1\n```\n", encoding="utf-8")

    with pytest.raises(ValueError, match="tagged 'parameters'"):
        render_with_builtin_engine(qmd, {"region": "93"}, ["html"])


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    qmd = tmp_path / "doc.qmd"
    qmd.write_text("Texte\n", encoding="utf-8")

    with pytest.raises(ValueError, match="formats must be among"):
        render_with_builtin_engine(qmd, {}, ["docx"])


# --- real renders -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report")
    qmd = folder / "rapport.qmd"
    qmd.write_text(REPORT_QMD, encoding="utf-8")
    (folder / "source.txt").write_text("Source : enquête IMPACT 2025", encoding="utf-8")
    return render_with_builtin_engine(qmd, {"region": "93"}, ["html", "pdf"])


def test_render_returns_quarto_named_files(rendered: dict[str, Path]) -> None:
    assert set(rendered) == {"html", "pdf"}
    assert rendered["html"].name == "rapport.html"
    assert rendered["pdf"].name == "rapport.pdf"
    assert all(path.is_file() for path in rendered.values())


def test_html_shows_injected_param_table_and_embedded_figure(rendered: dict[str, Path]) -> None:
    html = rendered["html"].read_text(encoding="utf-8")

    assert 'lang="fr"' in html
    assert "Région analysée : <strong>93</strong>" in html
    assert re.search(r"<td[^>]*>81,2\u202f%</td>", html)
    assert "data:image/png;base64," in html
    assert 'src="rapport-' not in html  # embedded, not linked
    assert "Source : enquête IMPACT 2025" in html
    assert "Figure 1: Taux de réponse par région" in html
    assert '<a href="#fig-regions">Figure 1</a>' in html
    assert 'id="TOC"' in html


def test_every_image_has_its_alternative_text(rendered: dict[str, Path]) -> None:
    html = rendered["html"].read_text(encoding="utf-8")
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', html)
    assert alts == [
        "Barres : région 84 à 81,2 %, région 93 à 75 %.",
        "Carte : la région 84 au-dessus de 93.",
    ]
    assert len(re.findall(r"<img ", html)) == 2
    assert "Carte des deux régions" in html  # the caption stays the caption


def test_html_hides_sources_unless_echo(rendered: dict[str, Path]) -> None:
    html = rendered["html"].read_text(encoding="utf-8")
    code_blocks = re.findall(r"<pre.*?</pre>", html, flags=re.DOTALL)
    shown = "\n".join(re.sub(r"<[^>]+>", "", block) for block in code_blocks)

    assert "total_regions = 1 + 1" in shown  # the one cell with echo: true
    for hidden in ('region = "84"', "region = '93'", "print(", "plt.subplots"):
        assert hidden not in shown
    assert "84</strong>" not in html


def test_pdf_text_has_injected_param_and_french_number(rendered: dict[str, Path]) -> None:
    text = "\n".join(page.extract_text() for page in PdfReader(rendered["pdf"]).pages)

    assert "Région analysée : 93" in text
    assert f"81,2{NARROW_NBSP}%" in text
    assert "«\u00a0IMPACT\u00a0»" in text
    assert "Taux de réponse par région" in text


def test_failing_cell_names_file_cell_and_error(tmp_path: Path) -> None:
    qmd = tmp_path / "casse.qmd"
    qmd.write_text(
        "# Titre\n\n```{python}\nx = 1\n```\n\n```{python}\n#| label: calcul\n1 / 0\n```\n",
        encoding="utf-8",
    )

    with pytest.raises(BuiltinRenderError) as caught:
        render_with_builtin_engine(qmd, {}, ["html"])

    message = str(caught.value)
    assert "casse.qmd" in message
    assert "cell 'calcul' (line 7)" in message
    assert "ZeroDivisionError: division by zero" in message
    assert not (tmp_path / "casse.html").exists()


def kernels_of_this_process() -> list[str]:
    """The Jupyter kernels this test process started and that still run."""
    children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    commands = [
        Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        for pid in children
        if Path(f"/proc/{pid}").exists()
    ]
    return [command for command in commands if "ipykernel" in command]


def test_a_render_stops_its_kernel_and_leaves_no_socket(
    rendered: dict[str, Path], tmp_path
) -> None:
    """A kernel left running per report would hold memory until the run's process ends."""
    qmd = tmp_path / "casse.qmd"
    qmd.write_text("```{python}\n1 / 0\n```\n", encoding="utf-8")
    with pytest.raises(BuiltinRenderError):
        render_with_builtin_engine(qmd, {}, ["html"])
    assert kernels_of_this_process() == []
    assert [p.name for p in rendered["html"].parent.iterdir() if p.name.startswith("kernel")] == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("kernel")] == []
    assert list(Path(tempfile.gettempdir()).glob(f"{KERNEL_PREFIX}{os.getpid()}-*")) == []


def test_a_report_in_a_deep_folder_is_rendered(tmp_path: Path) -> None:
    # A Unix socket's path holds at most 107 bytes: the kernel's sockets, once made in the
    # render's folder, failed under a deep project (« File name too long »).
    folder = tmp_path / ("projet-de-l-observatoire-" * 3) / ("entrepot-et-rapports-" * 3)
    folder.mkdir(parents=True)
    qmd = folder / "profond.qmd"
    qmd.write_text("```{python}\nprint(6 * 7)\n```\n", encoding="utf-8")
    assert len(str(folder / "kernel-4")) > 107
    rendered = render_with_builtin_engine(qmd, {}, ["html"])
    assert "42" in rendered["html"].read_text(encoding="utf-8")


def test_a_render_leaves_the_process_working_folder_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reports render in parallel threads of one process: a chdir in one moved the others (and
    # left the run in a deleted temporary folder).
    def refuse(path) -> None:
        raise AssertionError(f"os.chdir({path}) during a render")

    monkeypatch.setattr(os, "chdir", refuse)
    qmd = tmp_path / "court.qmd"
    qmd.write_text("---\ntitle: Court\n---\n\n# Titre\n\nTexte.\n", encoding="utf-8")
    rendered = render_with_builtin_engine(qmd, {}, ["html", "pdf"])
    assert "Texte." in rendered["html"].read_text(encoding="utf-8")
    assert "Texte." in PdfReader(rendered["pdf"]).pages[0].extract_text()


def test_a_pandoc_failure_names_the_report_and_pandoc_s_reason(tmp_path: Path) -> None:
    qmd = tmp_path / "options.qmd"
    qmd.write_text("---\ntitle: Options\n---\n\nTexte.\n", encoding="utf-8")
    source = tmp_path / "options.md"
    source.write_text("Texte.\n", encoding="utf-8")
    with pytest.raises(BuiltinRenderError, match=r"options\.qmd: pandoc could not write .*Unknown"):
        _run_pandoc(source, "html5", tmp_path / "options.html", ["--no-such-option"], qmd)
