"""Checkpoints: weights plus the facts needed to use and trust them.

A checkpoint is a plain ``torch.save`` dict of tensors, strings and numbers, so
it loads with ``weights_only=True``: opening a file never runs its code.
Saving writes a temporary file beside the target and renames it, so a crash
or a full disk never leaves a half-written checkpoint under the real name.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import glob
import io
import json
import numbers
import os
import pickle
import zipfile
from pathlib import Path

import torch
from torch import nn

from .ink import RasterConfig
from .network import CLASSES, build_model, count_parameters, non_finite_weight
from .paths import file_problem, write_atomically, zip_problem

FORMAT = "letterlens-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt, truncated or for another network."""


def save_checkpoint(path: str | os.PathLike, model: nn.Module, *, arch: str = "letternet",
                    raster: RasterConfig = RasterConfig(), meta: dict | None = None) -> Path:
    """Write ``model`` to ``path`` atomically.  ``meta`` holds the training
    facts (data, size, accuracy...); architecture, classes, normalisation and
    date are added here so no caller can forget them."""
    path = Path(path)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    if broken := non_finite_weight(state):
        # A diverged run's weights: the loader would refuse the file, so never write it.
        raise CheckpointError(f"{path}: not saved: the network's {broken!r} holds NaN or infinity "
                              f"(a training run that diverged?)")
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "arch": arch,
        "classes": list(CLASSES),
        "raster": dataclasses.asdict(raster),
        "input_mean": float(state["input_mean"]),
        "input_std": float(state["input_std"]),
        "parameters": count_parameters(model),
        "saved_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        # JSON-plain metadata loads under weights_only and shows anywhere.
        "meta": json.loads(json.dumps(meta or {})),
        "state_dict": state,
    }
    return _write_atomically(path, payload)


def record_facts(path: str | os.PathLike, facts: dict) -> Path:
    """Add ``facts`` to the checkpoint's meta (a measurement made after
    training), keeping its weights and every other entry as they were."""
    path = Path(path)
    load_checkpoint(path)           # refuse, with its reason, a file that is no usable checkpoint
    payload = torch.load(path, map_location="cpu", weights_only=True)
    payload["meta"] = {**payload["meta"], **json.loads(json.dumps(facts))}
    return _write_atomically(path, payload)


def _write_atomically(path: Path, payload: dict) -> Path:
    """Write a temporary file beside ``path`` and rename it over ``path``."""
    # Serialised in memory and written by Python: a full disk is then an
    # OSError that says so, not torch's "enforce fail at inline_container.cc".
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    _remove_orphans(path)
    return write_atomically(path, lambda file: file.write(buffer.getbuffer()))


def _remove_orphans(path: Path) -> None:
    """Delete the temporary files of earlier saves of ``path`` whose process
    is gone (killed mid-save: ``.<name>.<pid>.<random>.tmp``), and those of
    builds that wrote no process id.  Another process's save in progress is
    left alone."""
    for orphan in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        owner = orphan.name[len(path.name) + 2:].split(".")[0]
        if owner.isdigit() and _is_running(int(owner)):
            continue
        try:
            orphan.unlink()
        except OSError:         # on Windows, a file still open; or it went meanwhile
            pass


def _is_running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":         # os.kill would end it there; the file, still open, refuses deletion instead
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:             # another user's process: alive
        return True
    return True


@dataclasses.dataclass
class Checkpoint:
    model: nn.Module
    arch: str
    raster: RasterConfig
    info: dict  # everything in the file except the weights

    @property
    def meta(self) -> dict:
        return self.info.get("meta", {})


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint, raising :class:`CheckpointError` with the file name
    and a plain reason for anything unusable."""
    path = Path(path)
    if problem := file_problem(path) or zip_problem(path, "a checkpoint"):
        raise CheckpointError(f"{path}: {problem}")
    try:
        # mmap: a huge foreign file is checked without first being read whole into memory.
        payload = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except pickle.UnpicklingError as exc:
        # Not torch's text: it suggests loading unsafely, which we never do.
        raise CheckpointError(f"{path}: not a readable checkpoint (corrupt, or it holds objects "
                              f"other than weights, which are never loaded)") from exc
    except Exception as exc:  # torch raises many types for a damaged file
        if _is_npz(path):     # torch's words for it would be about zip subdirectories
            raise CheckpointError(f"{path}: a NumPy .npz of arrays (handwriting, or a saved drawing?), "
                                  f"not a network's weights") from exc
        raise CheckpointError(f"{path}: not a readable checkpoint (corrupt or truncated?): "
                              f"{_first_line(exc)}") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a LetterLens checkpoint")
    if entry := _damaged_entry(path):
        raise CheckpointError(f"{path}: damaged: the bytes of {entry!r} do not match their checksum "
                              f"(a bad copy or download?)")
    if payload.get("version") != VERSION:
        raise CheckpointError(f"{path}: checkpoint version {payload.get('version')} is not "
                              f"supported (this build reads version {VERSION})")
    if list(payload.get("classes", [])) != list(CLASSES):
        raise CheckpointError(f"{path}: the network was trained for other classes "
                              f"({''.join(map(str, payload.get('classes', [])))!r})")
    raster = raster_from_settings(path, payload.get("raster"))
    _check_meta(path, payload.get("meta", {}))
    try:
        model = build_model(payload["arch"])
        _check_types(path, payload["state_dict"], model.state_dict())
        model.load_state_dict(payload["state_dict"], strict=True)
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{path}: weights do not fit the {payload.get('arch')!r} "
                              f"network: {_first_line(exc)}") from exc
    if broken := non_finite_weight(model.state_dict()):   # also a float64 beyond float32's range, now infinite
        raise CheckpointError(f"{path}: the network's {broken!r} holds NaN or infinity (damaged weights, "
                              f"or a training run that diverged?)")
    model.eval()
    _check_reads(path, model, payload["arch"], raster.size)
    info = {k: v for k, v in payload.items() if k != "state_dict"}
    return Checkpoint(model=model, arch=payload["arch"], raster=raster, info=info)


def _check_types(path: Path, state, expected: dict) -> None:
    """Every tensor of the same kind as the network's own: load_state_dict
    would cast integer weights silently (a network reading every letter as
    'a'), and a complex one would lose its imaginary part.  Float16 or
    float64 weights are floating point, and load as float32."""
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: 'state_dict' must be a dict of tensors, got {_kind(state)}")
    for name, tensor in state.items():
        if name not in expected:
            continue            # load_state_dict names unexpected keys itself
        if not isinstance(tensor, torch.Tensor):
            raise CheckpointError(f"{path}: weights {name!r} must be a tensor, got {_kind(tensor)}")
        want = expected[name]
        if tensor.is_floating_point() != want.is_floating_point() or tensor.is_complex() \
                or (tensor.dtype == torch.bool) != (want.dtype == torch.bool):
            raise CheckpointError(f"{path}: weights {name!r} are {str(tensor.dtype).removeprefix('torch.')}, "
                                  f"not {str(want.dtype).removeprefix('torch.')} numbers like the network's "
                                  f"(damaged or converted weights?)")


def _is_npz(path: Path) -> bool:
    """A zip archive of .npy files only, as numpy.savez writes them."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return False
    return bool(names) and all(name.endswith(".npy") and "/" not in name for name in names)


def _damaged_entry(path: Path) -> str | None:
    """The first entry of the checkpoint's zip archive whose bytes fail their
    CRC-32, or None.  torch.load does not check them, and damage that leaves
    the numbers finite (a run of zeros, say) would otherwise load as a
    quietly worse network.  Checked after the format is known, so a huge
    foreign file is never read whole; for our 0.5 MB file it takes 1 ms."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        return f"its archive ({_first_line(exc)})"


def raster_from_settings(path: Path, settings, error: type[CheckpointError] = CheckpointError) -> RasterConfig:
    """A file's rasterizer settings, checked by RasterConfig itself; ``error`` names the kind of file."""
    if not isinstance(settings, dict):
        raise error(f"{path}: 'raster' must be a dict of rasterizer settings, got {_kind(settings)}")
    try:
        return RasterConfig(**settings)
    except (TypeError, ValueError) as exc:   # TypeError: a setting this build does not know
        raise error(f"{path}: bad 'raster' settings: {_first_line(exc)}") from exc


def _check_meta(path: Path, meta) -> None:
    """``meta`` is shown by every window (Recognizer.describe formats val_accuracy
    as a percentage): refuse what would break that later, far from the file."""
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: 'meta' must be a dict of training facts, got {_kind(meta)}")
    accuracy = meta.get("val_accuracy")
    if accuracy is not None and (isinstance(accuracy, bool) or not isinstance(accuracy, numbers.Real)):
        raise CheckpointError(f"{path}: 'meta' val_accuracy must be a number, got {accuracy!r}")


# Rasters up to this size are tried on the network itself (a few MB of
# activations); larger ones on the meta device first, which needs no memory
# whatever size the file claims, but imports sympy and torch._dynamo (about
# two seconds): too slow for every start of the app.
REAL_TRIAL_MAX_SIZE = 512


def _check_reads(path: Path, model: nn.Module, arch: str, size: int) -> None:
    """Refuse a network that cannot read its own raster's images, or reads a
    blank one as NaN (damaged weights, a zero input_std)."""
    with torch.no_grad():
        try:
            if size > REAL_TRIAL_MAX_SIZE:
                with torch.device("meta"):
                    build_model(arch)(torch.zeros(1, size, size))
            log_probs = model(torch.zeros(1, size, size))[0]
        except RuntimeError as exc:
            raise CheckpointError(f"{path}: the {arch!r} network cannot read {size}x{size} images, "
                                  f"the 'raster' size") from exc
        if not torch.isfinite(log_probs).all():
            raise CheckpointError(f"{path}: the network computes NaN or infinity (damaged weights?)")


def _kind(value) -> str:
    return "nothing" if value is None else f"a {type(value).__name__}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
