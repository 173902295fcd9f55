"""The Quarto path's contract, on every machine: a stand-in ``quarto`` (a script this test writes)
records the command line, working folder and environment it is given and the executed notebook
it is asked to render (the parameters injected, region "07" as text), and can fail the way
Quarto does (colour codes on stderr) or produce a page whose image is missing (Quarto then exits
0). What the real Quarto does with them is in ``test_quarto_engine.py``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from orchestration.publication.assets import QUARTO_MISSING_ENGINE, current_engine
from orchestration.publication.by_hand import job_for, render_by_hand
from orchestration.publication.outcomes import REASON_LENGTH, failure_reason
from orchestration.publication.rendering import (
    QUARTO_PATH_VAR,
    STDERR_CHARS,
    QuartoNotFoundError,
    QuartoRenderError,
    engine_name,
    find_quarto,
    render_report,
    render_with_quarto,
)
from orchestration.settings import ProjectPaths

STANDIN_VERSION = "1.11.0-standin"
# One pixel, as Quarto embeds an image with embed-resources.
EMBEDDED = "data:image/png;base64,iVBORw0KGgo="

STANDIN = '''\
#!{python}
"""A stand-in for the quarto CLI: records how it was called, then acts as MODE says."""
import json, os, sys
from pathlib import Path

MODE = {mode!r}
VERSION = {version!r}
if sys.argv[1:] == ["--version"]:
    if MODE == "broken":
        sys.stderr.write("\\x1b[31mERROR: deno: cannot load quarto.js\\x1b[39m\\n")
        sys.exit(3)
    print(VERSION)
    sys.exit(0)
args = sys.argv[1:]
record = {{
    "argv": sys.argv,
    "cwd": os.getcwd(),
    "env": {{k: os.environ.get(k) for k in ("QUARTO_PYTHON", "TMPDIR", "JUPYTER_RUNTIME_DIR")}},
    "notebook": json.loads(Path(args[1]).read_text(encoding="utf-8")),
}}
Path({log!r}).write_text(json.dumps(record), encoding="utf-8")
stem = Path(args[1]).stem
if MODE == "fail":
    sys.stderr.write("\\x1b[1mStarting python3 kernel...\\x1b[0m\\n")
    for n in range(400):
        sys.stderr.write(f"  at frame {{n}} (file:///quarto/src/core/jupyter.ts)\\n")
    sys.stderr.write("\\x1b[31mERROR: The papermill package is required\\x1b[39m\\n")
    sys.exit(1)
image = "carte-84.png" if MODE == "missing-image" else {embedded!r}
Path(f"{{stem}}.html").write_text(f'<html><body><img src="{{image}}" alt="carte"></body></html>')
Path(f"{{stem}}.pdf").write_bytes(b"%PDF-1.7 stand-in")
'''


def standin(tmp_path: Path, mode: str = "ok", version: str = STANDIN_VERSION) -> Path:
    """Write an executable stand-in ``quarto`` under ``tmp_path``; it logs to ``call.json``."""
    folder = tmp_path / f"quarto-{mode}-{version}"
    folder.mkdir()
    script = folder / "quarto"
    script.write_text(
        STANDIN.format(
            python=sys.executable,
            mode=mode,
            version=version,
            log=str(folder / "call.json"),
            embedded=EMBEDDED,
        ),
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def call_of(quarto: Path) -> dict:
    """What the stand-in recorded."""
    return json.loads((quarto.parent / "call.json").read_text(encoding="utf-8"))


TINY_QMD = """\
---
title: Essai
lang: fr
format:
  html:
    embed-resources: true
  typst:
    papersize: a4
execute:
  echo: false
filters:
  - confine.lua
---

```{python}
#| tags: [parameters]
region = "11"
```

## Région

```{python}
#| output: asis
print(f"Région {region} ({type(region).__name__})")
```
"""


def render_tiny(tmp_path: Path, quarto: Path, region: str = "07") -> tuple[Path, dict]:
    """Render a small parameterised document with ``quarto``: its scratch folder, its files."""
    scratch = tmp_path / "scratch"
    (scratch / "reports").mkdir(parents=True)
    source = scratch / "reports" / "essai.qmd"
    source.write_text(TINY_QMD, encoding="utf-8")
    params = {"region": region, "engine": "Quarto"}
    return scratch, render_with_quarto(quarto, source, params, scratch)


def test_command_line_notebook_and_environment(tmp_path):
    quarto = standin(tmp_path)
    scratch, produced = render_tiny(tmp_path, quarto)
    call = call_of(quarto)
    workdir = scratch / "reports"
    # The executed notebook, not the .qmd: Quarto would execute that once per format.
    assert call["argv"] == [str(quarto), "render", "essai.ipynb", "--no-execute"]
    assert Path(call["cwd"]) == workdir
    assert call["env"] == {
        "QUARTO_PYTHON": sys.executable,
        "TMPDIR": str(scratch),
        "JUPYTER_RUNTIME_DIR": str(scratch),
    }
    assert produced == {"html": workdir / "essai.html", "pdf": workdir / "essai.pdf"}
    cells = call["notebook"]["cells"]
    # The front matter, filters included, where Quarto reads a notebook's: its first raw cell.
    assert cells[0]["cell_type"] == "raw"
    front_matter = yaml.safe_load("".join(cells[0]["source"]).strip().strip("-"))
    assert front_matter["filters"] == ["confine.lua"]
    assert front_matter["format"]["typst"] == {"papersize": "a4"}
    sources = ["".join(cell["source"]) for cell in cells]
    # The region code stays text: "07", not the number 7, up to what the cells printed.
    injected = cells[2]
    assert injected["metadata"]["tags"] == ["injected-parameters"]
    assert "region = '07'" in sources[2] and "engine = 'Quarto'" in sources[2]
    [shown] = [cell for cell in cells if "output: asis" in "".join(cell["source"])]
    assert "".join(shown["outputs"][0]["text"]) == "Région 07 (str)\n"
    assert "\n## Région\n" in sources


def test_the_engine_names_quarto_s_version(tmp_path, monkeypatch):
    monkeypatch.setenv(QUARTO_PATH_VAR, str(standin(tmp_path)))
    assert engine_name() == f"Quarto {STANDIN_VERSION}"


def test_a_failure_is_plain_short_and_french(tmp_path):
    with pytest.raises(QuartoRenderError) as raised:
        render_tiny(tmp_path, standin(tmp_path, mode="fail"))
    message = str(raised.value)
    assert "\x1b" not in message
    assert message.startswith("quarto render essai.ipynb a échoué (code 1) :")
    assert len(message) < STDERR_CHARS + 100  # 400 lines of stack were cut
    assert message.endswith("ERROR: The papermill package is required")
    reason = failure_reason(raised.value)
    assert reason == "le rendu par Quarto a échoué : ERROR: The papermill package is required"
    assert len(reason) <= REASON_LENGTH


def test_a_missing_html_image_fails_the_render(tmp_path):
    with pytest.raises(QuartoRenderError, match="carte-84.png") as raised:
        render_tiny(tmp_path, standin(tmp_path, mode="missing-image"))
    assert failure_reason(raised.value).startswith("le rendu par Quarto a échoué : essai.html")


def test_a_quarto_path_naming_no_program_fails_in_french(tmp_path, monkeypatch):
    missing = tmp_path / "nulle-part" / "quarto"
    monkeypatch.setenv(QUARTO_PATH_VAR, str(missing))
    with pytest.raises(QuartoNotFoundError, match="n'est pas un programme exécutable"):
        find_quarto()
    with pytest.raises(QuartoNotFoundError) as raised:
        render_report("region.qmd", {"region": "07"}, {}, tmp_path)
    assert failure_reason(raised.value).startswith(
        f"Quarto introuvable : QUARTO_PATH désigne « {missing}"
    )
    # Not reported as « Quarto »: the render step names it as missing, and fails each report.
    assert current_engine() == QUARTO_MISSING_ENGINE
    not_executable = tmp_path / "quarto.txt"
    not_executable.write_text("echo")
    monkeypatch.setenv(QUARTO_PATH_VAR, str(not_executable))
    with pytest.raises(QuartoNotFoundError):
        find_quarto()


def test_quarto_version_is_asked_once_per_process(tmp_path, monkeypatch):
    quarto = standin(tmp_path)
    monkeypatch.setenv(QUARTO_PATH_VAR, str(quarto))
    assert engine_name() == f"Quarto {STANDIN_VERSION}"
    quarto.write_text("#!/bin/sh\necho 9.9.9\n")  # a new version would be seen by a new run
    os.utime(quarto)
    assert engine_name() == f"Quarto {STANDIN_VERSION}"


def test_by_hand_refuses_what_it_cannot_render_in_french(tmp_path, monkeypatch):
    paths = ProjectPaths(tmp_path / "raw", tmp_path / "warehouse" / "impact.duckdb", tmp_path)
    with pytest.raises(SystemExit, match="« 07 » n'est pas un code de région INSEE"):
        job_for("07", paths)
    assert job_for("national", paths).source == "national.qmd"
    with pytest.raises(SystemExit, match="Pas d'export pour ce rapport .* lancez d'abord"):
        render_by_hand("84", paths)
    job = job_for("84", paths)
    job.data_file.parent.mkdir(parents=True)
    job.data_file.write_text("{}", encoding="utf-8")
    monkeypatch.setenv(QUARTO_PATH_VAR, str(tmp_path / "quarto"))
    with pytest.raises(SystemExit, match="QUARTO_PATH désigne"):
        render_by_hand("84", paths)


def test_a_quarto_whose_version_fails_fails_each_report_in_french(tmp_path, monkeypatch):
    monkeypatch.setenv(QUARTO_PATH_VAR, str(standin(tmp_path, mode="broken")))
    assert current_engine() == QUARTO_MISSING_ENGINE  # the step goes on to each report
    with pytest.raises(QuartoRenderError) as raised:
        render_report("region.qmd", {"region": "07"}, {}, tmp_path)
    reason = failure_reason(raised.value)
    assert reason.startswith("le rendu par Quarto a échoué : ")
    assert reason.endswith("--version » a échoué (3) : ERROR: deno: cannot load quarto.js")
