"""Where things live, and a first look at what a file is."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_WEIGHTS = PROJECT_ROOT / "weights" / "letternet.pt"
MODEL_CARD = SHIPPED_WEIGHTS.parent / "README.md"     # the shipped network's data, recipe, accuracy and limits


def zip_problem(path: str | os.PathLike, kind: str) -> str | None:
    """Why ``path`` cannot be a ``kind`` file, or None if it may be one.
    .npz files and PyTorch checkpoints are both zip archives.  A text file or
    an image given by mistake otherwise gets the parser's error about some
    other format (numpy's speaks of pickles), which tells a user nothing."""
    try:
        with open(path, "rb") as file:
            head = file.read(2)
    except OSError as exc:          # a folder, no permission, a vanished disk...
        return f"cannot be read ({exc.strerror or exc})"
    if not head:
        return "the file is empty"
    if head != b"PK":
        return f"not {kind}: those are zip archives, and this file is not one"
    return None
