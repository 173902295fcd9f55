"""The built-in engine's Typst set-up from the front matter: the document's template partials
(Quarto's ``template-partials:``) inside this engine's own pandoc template, and the folders where
Typst finds its fonts (Quarto's ``font-paths:``), so that both engines set a report alike."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

# This engine's main Typst template, standing for Quarto's: it includes the document's partials.
_TYPST_TEMPLATE = Path(__file__).with_name("typst") / "template.typ"
_TYPST_PARTIALS = ("typst-template.typ", "typst-show.typ")


def typst_template_args(options: Mapping[str, Any], qmd_path: Path) -> list[str]:
    """``--template`` for a document with ``template-partials:``: this engine's template, copied
    into the partials' folder, where pandoc looks for the partials it includes. Without
    partials, pandoc's default template."""
    declared = options.get("template-partials") or []
    partials = [qmd_path.parent / name for name in declared]
    if not partials:
        return []
    folders = {path.parent for path in partials}
    names = sorted(path.name for path in partials)
    if len(folders) != 1 or names != sorted(_TYPST_PARTIALS):
        raise ValueError(
            f"{qmd_path.name}: template-partials must be {' and '.join(_TYPST_PARTIALS)}, in one "
            f"folder beside the document, got {declared}"
        )
    for path in partials:
        if not path.is_file():
            raise ValueError(f"{qmd_path.name}: template partial {path.name!r} not found")
    template = folders.pop() / "builtin-template.typ"
    template.write_text(_TYPST_TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    return [f"--template={template.relative_to(qmd_path.parent).as_posix()}"]


def font_paths(options: Mapping[str, Any], qmd_path: Path) -> list[Path]:
    """The ``font-paths:`` folders (beside the document), where Typst looks for fonts first."""
    declared = options.get("font-paths") or []
    folders = [
        qmd_path.parent / name for name in ([declared] if isinstance(declared, str) else declared)
    ]
    for folder in folders:
        if not folder.is_dir():
            raise ValueError(f"{qmd_path.name}: font folder {folder.name!r} not found")
    return folders
