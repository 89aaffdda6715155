"""Where things live, and a first look at what a file is."""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_WEIGHTS = PROJECT_ROOT / "weights" / "letternet.pt"
# A fully connected network, never the reader: Explain compares the CNN with it.
FLAT_WEIGHTS = SHIPPED_WEIGHTS.parent / "flatnet.pt"
MODEL_CARD = SHIPPED_WEIGHTS.parent / "README.md"     # the shipped network's data, recipe, accuracy and limits


def file_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` is no file to read, or None if it is one."""
    if os.path.isdir(path):
        return "is a folder, not a file"
    return None if os.path.isfile(path) else "no such file"


def write_problem(path: str | os.PathLike) -> str | None:
    """Why no file can be written at ``path`` (missing folders made first, as
    the savers do), or None if one may be: checked before a long run, not after."""
    # os.path's tests, unlike Path's on Python 3.11, answer False instead of
    # raising PermissionError where a folder on the way cannot be searched.
    path = Path(path)
    if os.path.isdir(path):
        return f"cannot write {path}: it is a folder"
    # The nearest folder that exists is where the first new entry would go.
    folder = next(p for p in path.absolute().parents if os.path.exists(p))
    if not os.path.isdir(folder):
        return f"cannot write {path}: {folder} is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write {path}: no permission to write in {folder}"
    return None


# A write that fails for want of room, in words.
_NO_ROOM = {errno.ENOSPC: "the disk is full", getattr(errno, "EDQUOT", errno.ENOSPC): "the disk quota is used up",
            errno.EFBIG: "the file is larger than this disk or this process may write"}


def write_error(path: str | os.PathLike, exc: OSError) -> str:
    """One line for a failed write of ``path``: why, in our words where we can
    tell (mkdir's "File exists" for a file in the way tells a user little)."""
    if exc.errno in _NO_ROOM:
        return f"cannot write {path}: {_NO_ROOM[exc.errno]} ({exc.strerror or exc})"
    return write_problem(path) or f"cannot write {path}: {exc.strerror or exc}"


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


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Write ``path`` by ``write(file)`` into a temporary file beside it, then
    rename that: a crash or a full disk never leaves a half-written file
    under the real name, nor replaces a good one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The process id in the name: a later save can tell a killed save's leftover from a live one.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp, 0o644)   # mkstemp makes it owner-only; these files are no secret
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
