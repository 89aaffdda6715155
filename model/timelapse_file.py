"""Time-lapse files: a run's snapshots, saved and read back safely.

A time-lapse file is a NumPy ``.npz`` of plain arrays, read with
``allow_pickle=False``, so opening one never runs code:

* ``header``: uint8, UTF-8 JSON: format, version, architecture, classes,
  rasterizer settings, the run's length in batches, and each snapshot's
  batch, epoch, loss and validation accuracy;
* one float32 array per entry of the network's state dict, under its name,
  the snapshots stacked: shape ``(snapshots, *entry's shape)``.

Everything is checked on loading, and the sizes each array claims before it
is read, so a damaged or foreign file gets a :class:`TimeLapseError` naming
it, never a half-read time-lapse or a memory blow-up.
"""
from __future__ import annotations

import dataclasses
import json
import math
import numbers
import os
import zipfile
from pathlib import Path

import numpy as np
import torch

from .checkpoint import CheckpointError, raster_from_settings
from .ink import RasterConfig
from .network import ARCHITECTURES, CLASSES
from .paths import file_problem, write_atomically, zip_problem
from .timelapse import DEFAULT_BUDGET_BYTES, Snapshot, TimeLapse, snapshot_bytes, state_shapes

FORMAT = "letterlens-timelapse"
VERSION = 1
MAX_HEADER_BYTES = 2 ** 20      # a header of 200 snapshots takes about 20 kB
NPY_HEADER_BYTES = 4096         # room for an array's .npy header beside its data
SNAPSHOT_FIELDS = ("batch", "epoch", "loss", "val_accuracy")


class TimeLapseError(CheckpointError):
    """A time-lapse file is missing, corrupt, truncated or for another network."""


def save_timelapse(path: str | os.PathLike, timelapse: TimeLapse) -> Path:
    """Write ``timelapse`` to ``path`` atomically.  Raises ``ValueError`` for
    one that no file could hold: no snapshots, or weights that are not finite."""
    snapshots = timelapse.snapshots
    if not snapshots:
        raise ValueError("the time-lapse has no snapshots to save")
    for snapshot in snapshots:
        if not all(torch.isfinite(tensor).all() for tensor in snapshot.state.values()):
            raise ValueError(f"the snapshot of batch {snapshot.batch} has NaN or infinite weights "
                             f"(the run diverged)")
    header = {
        "format": FORMAT, "version": VERSION, "arch": timelapse.arch, "classes": list(CLASSES),
        "raster": dataclasses.asdict(timelapse.raster), "batches": timelapse.batches,
        "snapshots": [{field: getattr(s, field) for field in SNAPSHOT_FIELDS} for s in snapshots],
    }
    arrays = {name: np.stack([s.state[name].contiguous().numpy() for s in snapshots])
              for name in snapshots[0].state}
    arrays["header"] = np.frombuffer(json.dumps(header, allow_nan=False).encode(), dtype=np.uint8)
    return write_atomically(path, lambda file: np.savez(file, **arrays))


def load_timelapse(path: str | os.PathLike, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> TimeLapse:
    """Read a time-lapse file, raising :class:`TimeLapseError` with the file
    name and a plain reason for anything unusable, including more snapshots
    than ``budget_bytes`` may keep."""
    path = Path(path)
    if problem := file_problem(path) or zip_problem(path, "a time-lapse"):
        raise TimeLapseError(f"{path}: {problem}")
    try:
        with zipfile.ZipFile(path) as archive, np.load(path, allow_pickle=False) as arrays:
            sizes = {info.filename.removesuffix(".npy"): info.file_size for info in archive.infolist()}
            header, raster = _header(path, sizes, arrays)
            _check_fits_budget(path, header, budget_bytes)
            weights = _weights(path, sizes, arrays, header)
    except TimeLapseError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
        raise TimeLapseError(f"{path}: not a readable time-lapse (corrupt or truncated?): "
                             f"{_first_line(exc)}") from exc
    timelapse = TimeLapse(header["arch"], raster, budget_bytes, header["batches"])
    for i, facts in enumerate(header["snapshots"]):
        state = {name: torch.from_numpy(np.array(stacked[i])) for name, stacked in weights.items()}   # copies
        timelapse.add(Snapshot(**facts, state=state))
    return timelapse


def _header(path: Path, sizes: dict[str, int], arrays) -> tuple[dict, RasterConfig]:
    """The checked header, its size before it is read, then every field; and
    the rasterizer settings it names."""
    if "header" not in sizes:
        raise TimeLapseError(f"{path}: not a LetterLens time-lapse (it has no header)")
    if sizes["header"] > MAX_HEADER_BYTES:
        raise TimeLapseError(f"{path}: its header claims {sizes['header']:,} bytes, "
                             f"more than a time-lapse's ({MAX_HEADER_BYTES:,} at most)")
    raw = arrays["header"]
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise TimeLapseError(f"{path}: its header is not text (a {raw.dtype} array of shape {raw.shape})")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except ValueError as exc:     # bad UTF-8 or bad JSON
        raise TimeLapseError(f"{path}: its header is not JSON: {_first_line(exc)}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TimeLapseError(f"{path}: not a LetterLens time-lapse")
    if header.get("version") != VERSION:
        raise TimeLapseError(f"{path}: time-lapse version {header.get('version')!r} is not supported "
                             f"(this build reads version {VERSION})")
    if header.get("classes") != list(CLASSES):
        raise TimeLapseError(f"{path}: the network was trained for other classes")
    if header.get("arch") not in ARCHITECTURES:
        raise TimeLapseError(f"{path}: unknown architecture {header.get('arch')!r}")
    if not _is_count(header.get("batches")):
        raise TimeLapseError(f"{path}: 'batches' must be a count, got {header.get('batches')!r}")
    _check_snapshot_facts(path, header.get("snapshots"), header["batches"])
    return header, raster_from_settings(path, header.get("raster"), TimeLapseError)


def _check_snapshot_facts(path: Path, snapshots, batches: int) -> None:
    """Each snapshot's facts: in batch order, within the run, numbers that show."""
    if not isinstance(snapshots, list) or not snapshots:
        raise TimeLapseError(f"{path}: 'snapshots' must be a list of at least one snapshot")
    previous = None
    for i, facts in enumerate(snapshots):
        where = f"{path}: snapshot {i}"
        if not isinstance(facts, dict) or sorted(facts) != sorted(SNAPSHOT_FIELDS):
            raise TimeLapseError(f"{where} must have exactly {', '.join(SNAPSHOT_FIELDS)}")
        if not (_is_count(facts["batch"]) and facts["batch"] <= batches):
            raise TimeLapseError(f"{where}: batch {facts['batch']!r} is not within the run's {batches}")
        if previous is not None and facts["batch"] <= previous["batch"]:
            raise TimeLapseError(f"{where}: batch {facts['batch']} does not come after {previous['batch']}")
        if not _is_count(facts["epoch"]) or (previous is not None and facts["epoch"] < previous["epoch"]):
            raise TimeLapseError(f"{where}: epoch {facts['epoch']!r} is not a count in order")
        if not _is_number_or_none(facts["loss"], 0, math.inf):
            raise TimeLapseError(f"{where}: loss {facts['loss']!r} is not a finite number")
        if not _is_number_or_none(facts["val_accuracy"], 0, 1):
            raise TimeLapseError(f"{where}: val_accuracy {facts['val_accuracy']!r} is not a number in 0..1")
        previous = facts


def _check_fits_budget(path: Path, header: dict, budget_bytes: int) -> None:
    """Refuse a file claiming more snapshots than memory may keep, before any is read."""
    count, each = len(header["snapshots"]), snapshot_bytes(header["arch"])
    if count * each > budget_bytes:
        raise TimeLapseError(f"{path}: {count:,} snapshots of {each:,} bytes each are more than "
                             f"a time-lapse keeps ({budget_bytes / 2 ** 20:.1f} MB)")


def _weights(path: Path, sizes: dict[str, int], arrays, header: dict) -> dict[str, np.ndarray]:
    """Every weight array, checked against the architecture: names, the bytes
    each claims (before it is read), dtype, shape, finite values."""
    count = len(header["snapshots"])
    expected = {name: (count, *shape) for name, shape in state_shapes(header["arch"]).items()}
    names = set(sizes) - {"header"}
    if names != set(expected):
        missing, extra = sorted(set(expected) - names), sorted(names - set(expected))
        raise TimeLapseError(f"{path}: its arrays do not fit the {header['arch']!r} network "
                             f"(missing: {', '.join(missing) or 'none'}; unexpected: {', '.join(extra) or 'none'})")
    weights = {}
    for name, shape in expected.items():
        if sizes[name] > math.prod(shape) * 4 + NPY_HEADER_BYTES:
            raise TimeLapseError(f"{path}: {name} claims {sizes[name]:,} bytes, more than "
                                 f"{count} snapshots of it hold")
        array = arrays[name]
        if array.dtype != np.float32 or array.shape != shape:
            raise TimeLapseError(f"{path}: {name} must be float32 of shape {shape}, "
                                 f"got {array.dtype} of shape {array.shape}")
        if not np.isfinite(array).all():
            raise TimeLapseError(f"{path}: {name} holds NaN or infinity (damaged weights?)")
        weights[name] = array
    if (weights["input_std"] <= 0).any():
        raise TimeLapseError(f"{path}: input_std must be above 0 in every snapshot")
    return weights


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number_or_none(value, low: float, high: float) -> bool:
    if value is None:
        return True
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value) and low <= value <= high)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
