"""Labelled handwriting: loading, checking and splitting data sets.

Three formats are read (see the data README for the first two):

* stroke ``.npz``: pen trajectories (``points``, ``stroke_offsets``,
  ``sample_offsets``, ``labels``), rendered by our own rasterizer;
* image ``.npz``: 28x28 uint8 images, white ink on black;
* EMNIST's official IDX files (``*-images-idx3-ubyte[.gz]`` with the matching
  ``*-labels-idx1-ubyte[.gz]``): labels 1..26, images stored transposed.

Every loader checks magic numbers, shapes and label ranges, and raises
:class:`DatasetError` naming the file and the problem.
"""
from __future__ import annotations

import gzip
import math
import os
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .ink import MAX_COORDINATE, MAX_RENDER_POINTS, Augment, InkBatch, RasterConfig, points_to_draw, render_batch
from .network import CLASSES
from .paths import file_problem, zip_problem

NUM_CLASSES = len(CLASSES)
IDX_IMAGES_MAGIC = 0x00000803   # unsigned bytes, 3 dimensions
IDX_LABELS_MAGIC = 0x00000801   # unsigned bytes, 1 dimension


# The most array bytes one data file may hold: fifteen times the largest
# EMNIST split as images.  A small file can claim any size in its headers,
# so each claim is checked against this and the file's own size first.
MAX_DATA_BYTES = 2 ** 31
# Deflate never unpacks more than about 1,032 bytes from one (zlib's figure).
MAX_DEFLATE_RATIO = 1032


class DatasetError(ValueError):
    """A data file is missing, truncated or not in the expected format."""


@dataclass
class StrokeSet:
    """Drawings kept as pen strokes; rendered on demand (with augmentation)."""
    name: str
    ink: InkBatch
    labels: np.ndarray
    writers: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, indices: np.ndarray) -> "StrokeSet":
        return StrokeSet(self.name, self.ink.subset(indices), self.labels[indices], self.writers[indices])

    def images(self, indices: np.ndarray, raster: RasterConfig, augment: Augment | None = None,
               rng: np.random.Generator | None = None) -> torch.Tensor:
        return render_batch(self.ink.subset(indices), raster, augment, rng)


@dataclass
class ImageSet:
    """Drawings known only as 28x28 images (white ink on black)."""
    name: str
    pixels: np.ndarray   # (N, 28, 28) uint8
    labels: np.ndarray
    writers: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, indices: np.ndarray) -> "ImageSet":
        return ImageSet(self.name, self.pixels[indices], self.labels[indices], self.writers[indices])

    def images(self, indices: np.ndarray, raster: RasterConfig, augment: Augment | None = None,
               rng: np.random.Generator | None = None) -> torch.Tensor:
        images = torch.from_numpy(self.pixels[indices]).float().div_(255.0)
        if augment is None:
            return images
        return _random_affine(images, augment, rng or np.random.default_rng())


Dataset = StrokeSet | ImageSet


def _random_affine(images: torch.Tensor, aug: Augment, rng: np.random.Generator) -> torch.Tensor:
    """The image-space counterpart of the stroke augmentation (no re-framing)."""
    n, size = len(images), images.shape[-1]
    theta = np.deg2rad(rng.uniform(-aug.rotate_deg, aug.rotate_deg, n))
    shear = rng.uniform(-aug.shear, aug.shear, n)
    scale = 1.0 + rng.uniform(-aug.scale, aug.scale / 3, n)
    shift = rng.uniform(-aug.shift_px, aug.shift_px, (n, 2)) * 2 / size
    cos, sin = np.cos(theta), np.sin(theta)
    # affine_grid maps output to input coordinates, so this is the inverse map.
    matrix = np.zeros((n, 2, 3))
    matrix[:, 0, 0], matrix[:, 0, 1] = cos / scale, (-sin + shear) / scale
    matrix[:, 1, 0], matrix[:, 1, 1] = sin / scale, cos / scale
    matrix[:, :, 2] = shift
    grid = F.affine_grid(torch.from_numpy(matrix).float(), (n, 1, size, size), align_corners=False)
    return F.grid_sample(images[:, None], grid, align_corners=False)[:, 0]


# --------------------------------------------------------------------- loading

def load_dataset(path: str | os.PathLike) -> Dataset:
    """Load one data set, choosing the reader by the file's name and content."""
    path = Path(path)
    if problem := file_problem(path):
        raise DatasetError(f"{path}: {problem}")
    if "idx3-ubyte" in path.name:
        return load_emnist_idx(path)
    if path.suffix.lower() != ".npz":
        raise DatasetError(f"{path}: unknown format (expected .npz or EMNIST IDX files)")
    arrays = _read_npz(path)
    if "points" in arrays:
        return _stroke_set(path, arrays)
    if "images" in arrays:
        return _image_set(path, arrays)
    raise DatasetError(f"{path}: has neither 'points' (strokes) nor 'images' arrays")


def find_datasets(folder: str | os.PathLike) -> list[Path]:
    """The data set files in a folder.  Where both ``X.npz`` and
    ``X_strokes.npz`` exist, only the strokes are used: they are the primary
    form, and rendering them ourselves matches the drawing pad."""
    folder = Path(folder)
    if not os.path.isdir(folder):       # os.path: False, not PermissionError, behind a folder that cannot be searched
        raise DatasetError(f"{folder}: not a folder")
    try:
        names = [p.name for p in folder.iterdir()]
    except OSError as exc:
        raise DatasetError(f"{folder}: cannot list its files ({exc.strerror or exc})") from exc
    # Suffixes in any case, as load_dataset takes them (DATA.NPZ, X_Strokes.npz).
    npz = sorted(folder / name for name in names if name.lower().endswith(".npz"))
    strokes = {p.name.lower().removesuffix("_strokes.npz") for p in npz if p.name.lower().endswith("_strokes.npz")}
    found = [p for p in npz if p.name.lower().endswith("_strokes.npz") or p.stem.lower() not in strokes]
    # EMNIST IDX files, gzipped as EMNIST ships them or not: one copy each, the .gz.
    idx = {name for name in names if "images-idx3-ubyte" in name}
    found += sorted(folder / name for name in idx if name + ".gz" not in idx)
    return found


def load_many(paths: list[str | os.PathLike]) -> list[Dataset]:
    """Load files, and every data set inside folders."""
    sets = []
    for path in map(Path, paths):
        files = find_datasets(path) if path.is_dir() else [path]
        if path.is_dir() and not files:
            raise DatasetError(f"{path}: no data sets found (.npz or EMNIST IDX files)")
        sets.extend(load_dataset(f) for f in files)
    return sets


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    if problem := zip_problem(path, "an .npz file"):
        raise DatasetError(f"{path}: {problem}")
    try:
        _check_npz_sizes(path)
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except DatasetError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as exc:
        raise DatasetError(f"{path}: cannot read the archive (truncated or corrupt?): {exc}") from exc


def _check_npz_sizes(path: Path) -> None:
    """Refuse, before anything is allocated, an archive whose entries claim
    more bytes than they can hold: numpy allocates what an array's header
    declares (a 1 KB file declaring 10^11 x 2 numbers asks for 1.6 TB)."""
    total = 0
    with zipfile.ZipFile(path) as archive:
        for entry in archive.infolist():
            if entry.compress_type == zipfile.ZIP_STORED:
                most = entry.compress_size
            else:
                most = entry.compress_size * MAX_DEFLATE_RATIO + 1024
            if entry.file_size > most:
                raise DatasetError(f"{path}: its entry {entry.filename!r} claims to unpack to {entry.file_size:,} "
                                   f"bytes from {entry.compress_size:,} (damaged, or a forged archive)")
            total += entry.file_size
            if total > MAX_DATA_BYTES:
                raise DatasetError(f"{path}: holds more than {MAX_DATA_BYTES / 2 ** 30:.0f} GiB of arrays, "
                                   f"more than LetterLens reads from one data file")
            if entry.filename.endswith(".npy"):
                with archive.open(entry) as member:
                    _check_declared_shape(path, entry, member)


def _check_declared_shape(path: Path, entry: zipfile.ZipInfo, member) -> None:
    """An .npy entry's header must declare exactly the bytes the entry holds."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(member)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(member)
    name = entry.filename.removesuffix(".npy")
    if dtype.hasobject:
        raise DatasetError(f"{path}: the array {name!r} holds Python objects, which are never loaded")
    declared = math.prod(shape) * dtype.itemsize
    held = entry.file_size - member.tell()
    if declared != held:
        raise DatasetError(f"{path}: the array {name!r} declares shape {shape} of {dtype} ({declared:,} bytes), "
                           f"but the file holds {held:,} bytes for it (truncated, or a forged header)")


def _labels(path: Path, labels: np.ndarray, n: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise DatasetError(f"{path}: 'labels' must be {n} integers, got {labels.dtype} {labels.shape}")
    if n and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise DatasetError(f"{path}: labels must be 0..{NUM_CLASSES - 1} (a..z), "
                           f"found {labels.min()}..{labels.max()}")
    return labels.astype(np.int64)


def _writers(arrays: dict, n: int, path: Path) -> np.ndarray:
    writers = arrays.get("writer")
    if writers is None:
        return np.full(n, path.stem)  # unknown: the whole file counts as one writer
    if writers.ndim != 1 or len(writers) != n:
        raise DatasetError(f"{path}: 'writer' must be {n} ids, one per sample, got shape {writers.shape}")
    return writers.astype(str)


def _of_kind(path: Path, arrays: dict, key: str, kinds: str, what: str) -> np.ndarray:
    """``arrays[key]`` if its dtype is of numpy's ``kinds`` ("iu": integers...)."""
    if arrays[key].dtype.kind not in kinds:
        raise DatasetError(f"{path}: '{key}' must hold {what}, got {arrays[key].dtype}")
    return arrays[key]


def _stroke_set(path: Path, arrays: dict) -> StrokeSet:
    for key in ("points", "stroke_offsets", "sample_offsets", "labels"):
        if key not in arrays:
            raise DatasetError(f"{path}: missing the '{key}' array")
    # A string or complex array would be cast (or fail) far from the file.
    points = _of_kind(path, arrays, "points", "iuf", "real numbers")
    strokes = _of_kind(path, arrays, "stroke_offsets", "iu", "integers").astype(np.int64)
    samples = _of_kind(path, arrays, "sample_offsets", "iu", "integers").astype(np.int64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise DatasetError(f"{path}: 'points' must be (P, 2), got {points.shape}")
    for key, offsets, end in (("stroke_offsets", strokes, len(points)),
                              ("sample_offsets", samples, len(strokes) - 1)):
        if offsets.ndim != 1 or len(offsets) < 1 or offsets[0] != 0 or offsets[-1] != end \
                or (np.diff(offsets) < 0).any():
            raise DatasetError(f"{path}: '{key}' must rise from 0 to {end} "
                               f"(the file is inconsistent or truncated)")
    if not np.isfinite(points).all():
        raise DatasetError(f"{path}: 'points' holds NaN or infinite coordinates")
    if np.abs(points).max(initial=0) > MAX_COORDINATE:
        raise DatasetError(f"{path}: 'points' holds coordinates beyond ±{MAX_COORDINATE:.3g} (float32's range, "
                           f"in which strokes are stored)")
    n = len(samples) - 1
    ink = InkBatch(points.astype(np.float64), strokes, samples)
    if n and (ink.point_counts() == 0).any():
        raise DatasetError(f"{path}: sample {int(np.argmin(ink.point_counts()))} has no ink")
    _check_drawable(path, ink)
    return StrokeSet(path.name, ink, _labels(path, arrays["labels"], n), _writers(arrays, n, path))


def _check_drawable(path: Path, ink: InkBatch) -> None:
    """Refuse now, naming the sample, a drawing the rasterizer would refuse
    in the middle of a run.  Half its limit: training's distortions (a
    rotation reframed, a stretch) can lengthen a path.  Only drawings of
    enough points to get there are measured: a segment spans at most the
    frame's diagonal, so ordinary files cost one pass over their counts."""
    limit, raster = MAX_RENDER_POINTS // 2, RasterConfig()
    most_per_point = 1 + math.ceil(raster.long_side * math.sqrt(2) / raster.step)
    suspects = np.flatnonzero(ink.point_counts() * most_per_point > limit)
    if not len(suspects):
        return
    try:
        needed = points_to_draw(ink.subset(suspects), raster)
    except ValueError as exc:
        raise DatasetError(f"{path}: {exc}") from exc
    if needed.max() > limit:
        raise DatasetError(f"{path}: sample {int(suspects[np.argmax(needed)])} is too long to draw: it takes "
                           f"{int(needed.max()):,} points, more than the {limit:,} LetterLens reads in a "
                           f"data set (a scribble crossing the letter thousands of times?)")


def _image_set(path: Path, arrays: dict) -> ImageSet:
    images = arrays["images"]
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise DatasetError(f"{path}: 'images' must be uint8 (N, 28, 28), got {images.dtype} {images.shape}")
    if "labels" not in arrays:
        raise DatasetError(f"{path}: missing the 'labels' array")
    n = len(images)
    return ImageSet(path.name, images, _labels(path, arrays["labels"], n), _writers(arrays, n, path))


def save_strokes(path: str | os.PathLike, inks: list | InkBatch, labels, writers=None) -> Path:
    """Write drawings (a list of inks, or an :class:`InkBatch`) as a stroke
    ``.npz`` (the format :func:`load_dataset` reads), atomically: a
    half-written file never replaces a good one."""
    path = Path(path)
    batch = inks if isinstance(inks, InkBatch) else InkBatch.from_inks(inks)
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (len(batch),) or (labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES)):
        raise ValueError(f"need one label 0..{NUM_CLASSES - 1} per drawing, got {labels.tolist()}")
    arrays = {"points": batch.points.astype(np.float32), "stroke_offsets": batch.stroke_offsets,
              "sample_offsets": batch.sample_offsets, "labels": labels}
    if writers is not None:
        arrays["writer"] = np.asarray(writers, dtype=str)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    handle = open(partial, "wb")   # a file object: np.savez would append ".npz"
    try:
        with handle:
            np.savez_compressed(handle, **arrays)
        os.replace(partial, path)
    except BaseException:   # a full disk, a folder at ``path``...: leave no half-written file behind
        partial.unlink(missing_ok=True)
        raise
    return path


# ------------------------------------------------------------------- EMNIST IDX

def read_idx(path: str | os.PathLike, magic: int) -> np.ndarray:
    """Read an IDX file (gzipped or not) of unsigned bytes: the header first,
    then exactly the bytes it declares, checked against MAX_DATA_BYTES."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4 or int.from_bytes(head, "big") != magic:
                found = int.from_bytes(head, "big") if len(head) == 4 else None
                raise DatasetError(f"{path}: bad magic number {found if found is None else hex(found)}, "
                                   f"expected {hex(magic)}")
            ndim = magic & 0xFF
            dims = f.read(4 * ndim)
            if len(dims) < 4 * ndim:
                raise DatasetError(f"{path}: truncated header")
            shape = tuple(int.from_bytes(dims[4 * i: 4 * i + 4], "big") for i in range(ndim))
            expected = math.prod(shape)
            if expected > MAX_DATA_BYTES:
                raise DatasetError(f"{path}: its header declares shape {shape} ({expected:,} bytes), more "
                                   f"than the {MAX_DATA_BYTES / 2 ** 30:.0f} GiB LetterLens reads from one file")
            raw = f.read(expected + 1)     # one more: a file longer than its header says is refused too
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise DatasetError(f"{path}: cannot read (truncated or not gzip?): {exc}") from exc
    if len(raw) != expected:
        more = "at least " if len(raw) > expected else ""
        raise DatasetError(f"{path}: holds {more}{len(raw)} data bytes, its header promises "
                           f"{expected} for shape {shape} (truncated?)")
    return np.frombuffer(raw, dtype=np.uint8).reshape(shape)


def load_emnist_idx(images_path: str | os.PathLike,
                    labels_path: str | os.PathLike | None = None) -> ImageSet:
    """EMNIST letters: labels 1..26 become 0..25, images are transposed back."""
    images_path = Path(images_path)
    if labels_path is None:
        labels_path = images_path.with_name(images_path.name.replace("images-idx3", "labels-idx1"))
    labels_path = Path(labels_path)
    if not labels_path.is_file():
        raise DatasetError(f"{images_path}: its labels file {labels_path.name} is missing")
    images = read_idx(images_path, IDX_IMAGES_MAGIC)
    labels = read_idx(labels_path, IDX_LABELS_MAGIC).astype(np.int64)
    if images.shape[1:] != (28, 28):
        raise DatasetError(f"{images_path}: images must be 28x28, got {images.shape[1:]}")
    if len(labels) != len(images):
        raise DatasetError(f"{labels_path}: {len(labels)} labels for {len(images)} images")
    if len(labels) and (labels.min() < 1 or labels.max() > NUM_CLASSES):
        raise DatasetError(f"{labels_path}: EMNIST letters labels must be 1..26, found "
                           f"{labels.min()}..{labels.max()} (is this another EMNIST split?)")
    # EMNIST stores each image transposed (column-major); flip it upright.
    pixels = np.ascontiguousarray(images.transpose(0, 2, 1))
    return ImageSet(images_path.name, pixels, labels - 1, np.full(len(labels), images_path.name))


# --------------------------------------------------------------------- splitting

def split_by_writer(writers: np.ndarray, fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out) with about ``fraction`` of the writers held
    out, so validation measures how the network reads *new* people."""
    unique = np.unique(writers)
    rng = np.random.default_rng(seed)
    if fraction <= 0:
        return np.arange(len(writers)), np.zeros(0, dtype=np.int64)
    if len(unique) < 2:  # one writer (or unknown): fall back to a sample split
        order = rng.permutation(len(writers))
        cut = int(round(len(writers) * fraction))
        return np.sort(order[cut:]), np.sort(order[:cut])
    held = rng.choice(unique, max(1, int(round(len(unique) * fraction))), replace=False)
    is_held = np.isin(writers, held)
    return np.flatnonzero(~is_held), np.flatnonzero(is_held)


def contributors(writers: np.ndarray) -> np.ndarray:
    """Each writer's contributor: the part of its id before "/" (UNIPEN's
    ``lab/WRITER_ID``), or the whole id where there is none."""
    return np.array([str(w).split("/", 1)[0] for w in writers])


def split_by_contributor(dataset: Dataset, held_out: Sequence[str]) -> tuple[Dataset, Dataset]:
    """(the rest, the held-out contributors' samples).  Holding out whole labs
    is stricter than holding out writers: some ids cover many people, and a
    lab's writers share its letterforms and its tablets."""
    labs = contributors(dataset.writers)
    missing = sorted(set(held_out) - set(labs))
    if missing:
        raise DatasetError(f"{dataset.name}: no contributor named {', '.join(missing)} "
                           f"(it has {', '.join(np.unique(labs))})")
    is_held = np.isin(labs, list(held_out))
    return dataset.subset(np.flatnonzero(~is_held)), dataset.subset(np.flatnonzero(is_held))
