"""Temporary folders of the renders and of publication, and what killed runs left behind.

Renders work in the project's own temporary folder (``ProjectPaths.scratch_dir``), never in the
system's: one place to look at and to clean. Only the sockets of a render's Python kernel live
in the system's temporary folder (``kernel_folder``): a socket's path is limited to 107 bytes,
which a render folder under a deep project exceeds.

A folder's name carries the id of the process that made it, so a later render step can tell the
leftover of a killed run (its process is gone) from the folder of a render still running in
another run, which it must not touch.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCRATCH_PREFIX = "impact-render-"
KERNEL_PREFIX = "impact-kernel-"


@contextmanager
def render_scratch(root: Path) -> Iterator[Path]:
    """A private folder for one render under ``root``, removed when the render is done."""
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def kernel_folder() -> Iterator[Path]:
    """A private folder (mode 700) of the system's temporary folder for one kernel's sockets
    and connection file (which holds its key), removed when the kernel is done."""
    folder = Path(tempfile.mkdtemp(prefix=f"{KERNEL_PREFIX}{os.getpid()}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_leftovers(root: Path, prefix: str = SCRATCH_PREFIX) -> list[Path]:
    """Remove the folders ``<prefix><pid>-…`` under ``root`` whose process is gone (a killed
    run); return them. Folders of live processes stay."""
    if not root.is_dir():
        return []
    removed = []
    for folder in sorted(root.iterdir()):
        if not (folder.is_dir() and folder.name.startswith(prefix)):
            continue
        owner = owner_pid(folder.name[len(prefix) :])
        if owner is None or not process_alive(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def owner_pid(tail: str) -> int | None:
    """The process id at the start of ``tail`` (``"1234-abcd"``), if any."""
    match = re.match(r"(\d+)[.-]", tail)
    return int(match[1]) if match else None


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (signal 0 only checks)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
