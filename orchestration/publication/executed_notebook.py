"""A report ``.qmd`` executed once, as the Jupyter notebook Quarto renders without executing it.

``quarto render report.qmd`` starts a kernel and executes the document once per format (two
kernels per report, most of a render's time). Instead the document is executed once by the
project's own executor (``qmd_execution.execute_qmd``: nbclient, the parameters injected
after the ``parameters`` cell as papermill would), and the result is written as
``<stem>.ipynb``: the front matter as the leading raw cell (where Quarto reads a notebook's
front matter, ``filters:`` included), each markdown block as a markdown cell, each code cell
with its ``#|`` options and its outputs. ``quarto render <stem>.ipynb --no-execute`` then writes
both formats from these outputs, as it would from its own execution.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
import yaml

from orchestration.publication.qmd_document import CodeCell, MarkdownBlock, QmdDocument
from orchestration.publication.qmd_execution import (
    INJECTED_TAG,
    KERNELSPEC,
    build_notebook,
    execute_qmd,
)


def write_executed_notebook(qmd_path: Path, params: Mapping[str, object]) -> Path:
    """Execute ``qmd_path`` with ``params`` and write ``<stem>.ipynb`` beside it; return it."""
    document, outputs = execute_qmd(qmd_path, params)
    path = qmd_path.with_suffix(".ipynb")
    nbformat.write(executed_notebook(document, outputs, params), path)
    return path


def executed_notebook(
    document: QmdDocument, outputs: Mapping[int, list[Any]], params: Mapping[str, object]
) -> nbformat.NotebookNode:
    """The notebook of ``document`` with the outputs of its cells (by block index)."""
    front_matter = yaml.safe_dump(document.front_matter, allow_unicode=True, sort_keys=False)
    cells = [nbformat.v4.new_raw_cell(f"---\n{front_matter}---")]
    injected = not params
    for index, block in enumerate(document.blocks):
        if isinstance(block, MarkdownBlock):
            cells.append(nbformat.v4.new_markdown_cell(block.text))
            continue
        cells.append(_code_cell(block, outputs.get(index, [])))
        if block.is_parameters and not injected:
            cells.append(_injected_cell(document, params))
            injected = True
    metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    return nbformat.v4.new_notebook(cells=cells, metadata=metadata)


def _code_cell(cell: CodeCell, outputs: list[Any]) -> nbformat.NotebookNode:
    """The cell with its options written back as ``#|`` lines, where Quarto reads them."""
    options = yaml.safe_dump(
        cell.options, allow_unicode=True, sort_keys=False, width=float("inf")
    ).splitlines()
    option_lines = [f"#| {line}" for line in options] if cell.options else []
    source = "\n".join([*option_lines, cell.source])
    tags = ["parameters"] if cell.is_parameters else []
    code = nbformat.v4.new_code_cell(source, metadata={"tags": tags} if tags else {})
    code.outputs = outputs
    return code


def _injected_cell(document: QmdDocument, params: Mapping[str, object]) -> nbformat.NotebookNode:
    """The parameters as they were executed (the same source ``build_notebook`` ran), shown
    nowhere: like papermill's cell, it documents the values in the notebook."""
    [source] = [
        cell.source
        for cell in build_notebook(document, params).notebook.cells
        if INJECTED_TAG in cell.metadata.get("tags", [])
    ]
    return nbformat.v4.new_code_cell(
        f"#| include: false\n{source}", metadata={"tags": [INJECTED_TAG]}
    )
