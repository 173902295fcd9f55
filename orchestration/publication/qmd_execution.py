"""The built-in engine's execution of a parsed ``.qmd`` (``builtin_renderer.py``): its evaluated
cells made into a notebook, the parameters injected after the cell tagged ``parameters`` (as
papermill and so Quarto do), run in one Jupyter kernel (nbclient) in the document's folder; a
failure names the cell. Each cell's display options are resolved here too, over the front
matter ``execute:`` ones, as Quarto does.
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from orchestration.publication.qmd_document import CodeCell, QmdDocument, parse_qmd
from orchestration.publication.scratch import kernel_folder

KERNEL_NAME = "python3"
CELL_TIMEOUT_SECONDS = 600

# The notebook's kernel, and the tag of the cell the parameters are injected in (papermill's):
# executed_notebook.py writes both into the notebook Quarto renders.
KERNELSPEC = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
INJECTED_TAG = "injected-parameters"
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class BuiltinRenderError(RuntimeError):
    """A report failed to execute or convert; the message names the ``.qmd`` file."""


@dataclass(frozen=True)
class CellDisplay:
    """How one code cell runs and shows: its options over the front matter ``execute:`` ones."""

    evaluate: bool
    echo: bool
    output: bool | str  # True, False or "asis"
    warning: bool
    include: bool

    @classmethod
    def of(cls, cell: CodeCell, front_matter: Mapping[str, Any]) -> CellDisplay:
        """Resolve ``cell``'s options like Quarto: cell, then document ``execute:``, then true."""
        defaults = front_matter.get("execute") or {}

        def option(key: str) -> Any:
            return cell.options.get(key, defaults.get(key, True))

        output = option("output")
        return cls(
            evaluate=bool(option("eval")),
            echo=bool(option("echo")),
            output=output if output == "asis" else bool(output),
            warning=bool(option("warning")),
            include=bool(option("include")),
        )


@dataclass(frozen=True)
class PreparedNotebook:
    """The notebook to execute, and the qmd block behind each of its cells (None: injected)."""

    notebook: nbformat.NotebookNode
    block_indices: tuple[int | None, ...]


class _CellTracker:
    """nbclient ``on_cell_start`` hook remembering which cell runs, to name it on failure."""

    def __init__(self) -> None:
        self.index: int | None = None

    def __call__(self, cell: nbformat.NotebookNode, cell_index: int) -> None:
        self.index = cell_index


def execute_qmd(
    qmd_path: Path, params: Mapping[str, object]
) -> tuple[QmdDocument, dict[int, list[Any]]]:
    """Parse and execute ``qmd_path`` with ``params`` in one kernel, in the qmd's folder:
    the document, and the outputs of its evaluated cells by block index. Raises
    ``BuiltinRenderError`` naming the failing cell."""
    qmd_path = Path(qmd_path).resolve()
    document = parse_qmd(qmd_path.read_text(encoding="utf-8"))
    prepared = build_notebook(document, params)
    return document, _execute(prepared, document, qmd_path)


def build_notebook(document: QmdDocument, params: Mapping[str, object]) -> PreparedNotebook:
    """Make the notebook of the evaluated cells, params injected after the ``parameters`` cell."""
    if params and not any(cell.is_parameters for cell in document.code_cells):
        raise ValueError("params were given but no code cell is tagged 'parameters'")
    cells: list[nbformat.NotebookNode] = []
    block_indices: list[int | None] = []
    injected = not params
    for index, block in enumerate(document.blocks):
        if not isinstance(block, CodeCell):
            continue
        if CellDisplay.of(block, document.front_matter).evaluate:
            cells.append(nbformat.v4.new_code_cell(block.source))
            block_indices.append(index)
        # Like papermill (and so Quarto), only the first parameters cell gets the overrides.
        if block.is_parameters and not injected:
            source = "\n".join(_assignment(name, value) for name, value in params.items())
            cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": [INJECTED_TAG]}))
            block_indices.append(None)
            injected = True
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC})
    return PreparedNotebook(notebook=notebook, block_indices=tuple(block_indices))


def _assignment(name: str, value: object) -> str:
    """``name = <literal>``, refusing what the kernel could not read back as the same value."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"parameter name {name!r} is not a Python identifier")
    literal = repr(value)
    try:
        same = ast.literal_eval(literal) == value
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise ValueError(f"parameter {name!r}: {value!r} is not a plain Python literal")
    return f"{name} = {literal}"


def _execute(
    prepared: PreparedNotebook, document: QmdDocument, qmd_path: Path
) -> dict[int, list[Any]]:
    """Run the notebook in the qmd's folder; return the outputs by qmd block index."""
    # IPC sockets, not TCP ports: kernels of renders running at once cannot race for a port
    # ("Address already in use"), and nothing listens on the network.
    with kernel_folder() as sockets:
        return _execute_with_kernel(prepared, document, qmd_path, sockets)


def _execute_with_kernel(
    prepared: PreparedNotebook, document: QmdDocument, qmd_path: Path, sockets: Path
) -> dict[int, list[Any]]:
    """``_execute`` with the kernel's socket files and connection file (which holds its key:
    by default jupyter_client writes it to the system's temporary folder and leaves it there)
    in ``sockets``."""
    tracker = _CellTracker()
    kernel = AsyncKernelManager(
        kernel_name=KERNEL_NAME,
        transport="ipc",
        ip=str(sockets / "kernel"),
        connection_file=str(sockets / "kernel-connection.json"),
    )
    client = NotebookClient(
        prepared.notebook,
        km=kernel,
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(qmd_path.parent)}},
        on_cell_start=tracker,
    )
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        cell_name = _cell_name(document, prepared, tracker.index)
        message = f"{qmd_path.name}: {cell_name} failed: {_error_text(exc)}"
        raise BuiltinRenderError(message) from exc
    finally:
        # nbclient leaves a kernel it was given running: each render's kernel would live on
        # until the run's process ends, one per report.
        if kernel.has_kernel:
            run_sync(kernel.shutdown_kernel)(now=True)
    cells = prepared.notebook.cells
    return {
        block: cell.outputs
        for block, cell in zip(prepared.block_indices, cells, strict=True)
        if block is not None
    }


def _cell_name(document: QmdDocument, prepared: PreparedNotebook, cell_index: int | None) -> str:
    if cell_index is None:
        return "the kernel, before any cell,"
    block_index = prepared.block_indices[cell_index]
    if block_index is None:
        return "the injected parameters cell"
    cell = document.blocks[block_index]
    assert isinstance(cell, CodeCell)
    if cell.label:
        return f"cell '{cell.label}' (line {cell.line})"
    number = sum(isinstance(block, CodeCell) for block in document.blocks[: block_index + 1])
    return f"code cell #{number} (line {cell.line})"


def _error_text(exc: Exception) -> str:
    if isinstance(exc, CellExecutionError):
        return f"{exc.ename}: {exc.evalue}\n{_ANSI_ESCAPE.sub('', exc.traceback)}"
    return str(exc)
