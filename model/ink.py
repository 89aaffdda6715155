"""Ink and the one rasterizer that turns it into the network's 28x28 input.

A drawing ("ink") is a list of strokes; a stroke is an (k, 2) array of x, y
points with y pointing down, in any unit (tablet units, screen pixels...).

Many drawings are packed into an :class:`InkBatch`, the same flat layout as
the stroke ``.npz`` files: one ``points`` array plus offsets.  Training,
evaluation and the drawing pad all call :func:`render_batch` (the pad through
:func:`render`), so the network always sees pixels made by the same code.

Rendering is three steps, all vectorised over a whole batch:

1. frame: scale the bounding box (aspect kept) so its long side is
   ``long_side`` px and centre it in the frame (optionally after a random
   stroke-level distortion, for training);
2. densify: resample every segment at ``step`` px so no gap is wider than
   a fraction of a pixel, a chunk at a time so that memory stays bounded
   (a drawing that would take over ``MAX_RENDER_POINTS`` is refused);
3. splat: every dense point paints the pixels within the pen radius, with a
   linear anti-aliasing ramp, keeping the maximum (ink does not add up where
   strokes cross, as on paper).
"""
from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

import numpy as np
import torch

Stroke = np.ndarray
Ink = Sequence[Stroke]

# Stroke files and My samples store coordinates as float32: beyond its range
# nothing can be stored, and far below float64's limit framing cannot overflow.
MAX_COORDINATE = float(np.finfo(np.float32).max)
# Points one drawing may take to draw (its own and the resampled ones).  The
# longest UNIPEN letter takes 1,216; this many (about 10,000 crossings of the
# letter) take a fifth of a second, so a scribble costs time and memory within
# a fixed budget, or is refused in words.
MAX_RENDER_POINTS = 2 ** 19
# Dense points made at once: bounds the resampled path's memory whatever the ink.
_DENSIFY_CHUNK = 2 ** 16


@dataclass(frozen=True)
class RasterConfig:
    """How ink becomes pixels.  Stored in every checkpoint.

    The defaults were fitted so that our renders match the pre-rendered
    images shipped with the handwriting data (see ``python -m model.rastercheck``).
    """
    size: int = 28             # output is size x size
    long_side: float = 24.0    # px spanned by the ink skeleton's longer side
    pen_radius: float = 1.0    # px, half the pen width
    softness: float = 0.7      # px, half-width of the anti-aliasing ramp
    step: float = 0.5          # px between resampled points

    def __post_init__(self) -> None:
        """Refuse settings the rasterizer cannot draw with, so that a bad
        checkpoint fails as it loads instead of on its first drawing."""
        if isinstance(self.size, bool) or not isinstance(self.size, numbers.Integral) or self.size < 1:
            raise ValueError(f"'size' must be a whole number of pixels, at least 1, got {self.size!r}")
        # long_side, softness and step divide (framing scale, ramp, resampling); a pen may be 0 wide.
        for name in ("long_side", "pen_radius", "softness", "step"):
            value = getattr(self, name)
            least = "0 or more" if name == "pen_radius" else "more than 0"
            is_number = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
            if not is_number or value < 0 or (value == 0 and name != "pen_radius"):
                raise ValueError(f"'{name}' must be a number of pixels, {least}, got {value!r}")


@dataclass(frozen=True)
class Augment:
    """Random stroke-level distortions for training (all zero = none).

    Shape changes (rotation, shear, aspect) happen *before* framing, as a
    slanted or squat letter drawn on the pad would be framed; scale and shift
    happen after framing and imitate framing noise.  Each stroke is then moved
    on its own, because writers differ in where they put a letter's parts: on
    four held-out UNIPEN labs, 0.8 px read 0.4 points better than 0.2 px
    (docs/experiments.md).
    """
    rotate_deg: float = 8.0
    shear: float = 0.2
    aspect: float = 0.15        # log-uniform stretch of x against y, +- this
    scale: float = 0.08         # size factor in [1 - scale, 1 + scale/3]
    shift_px: float = 1.0
    stroke_shift_px: float = 0.8    # sd of each stroke's own shift: writers differ in where a t's bar sits
    jitter_px: float = 0.07         # sd of each point's own noise
    elastic_px: float = 0.0     # amplitude of a smooth random warp (off: it cost accuracy)
    pen_scale: tuple[float, float] = (0.8, 1.25)


@dataclass
class InkBatch:
    """Many drawings packed flat (the layout of the stroke ``.npz`` files).

    Stroke ``j`` is ``points[stroke_offsets[j]:stroke_offsets[j + 1]]``;
    drawing ``i`` is strokes ``sample_offsets[i] .. sample_offsets[i + 1] - 1``.
    """
    points: np.ndarray
    stroke_offsets: np.ndarray
    sample_offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.sample_offsets) - 1

    @classmethod
    def from_inks(cls, inks: Sequence[Ink]) -> "InkBatch":
        if any(isinstance(ink, np.ndarray) and ink.ndim == 2 for ink in inks):
            # One (k, 2) array would be read as k one-point strokes: refuse the mix-up.
            raise ValueError("ink must be a list of strokes; wrap a single stroke as [stroke]")
        strokes = [_stroke(s) for ink in inks for s in ink]
        lengths = [len(s) for s in strokes]
        points = np.concatenate(strokes) if strokes else np.zeros((0, 2))
        return cls(points, _offsets(lengths), _offsets([len(ink) for ink in inks]))

    def ink(self, i: int) -> list[np.ndarray]:
        """Drawing ``i`` as a list of (k, 2) stroke arrays."""
        bounds = self.stroke_offsets[self.sample_offsets[i]:self.sample_offsets[i + 1] + 1]
        return [self.points[a:b] for a, b in zip(bounds[:-1], bounds[1:])]

    def subset(self, indices: np.ndarray) -> "InkBatch":
        """The drawings at ``indices``, packed anew (no Python loop per drawing)."""
        indices = np.asarray(indices, dtype=np.int64)
        strokes = concat_ranges(self.sample_offsets[indices], self.sample_offsets[indices + 1])
        points = concat_ranges(self.stroke_offsets[strokes], self.stroke_offsets[strokes + 1])
        stroke_counts = self.sample_offsets[indices + 1] - self.sample_offsets[indices]
        point_counts = self.stroke_offsets[strokes + 1] - self.stroke_offsets[strokes]
        return InkBatch(
            self.points[points],
            np.concatenate([[0], np.cumsum(point_counts)]),
            np.concatenate([[0], np.cumsum(stroke_counts)]),
        )

    def point_counts(self) -> np.ndarray:
        """Number of points in each drawing."""
        bounds = self.stroke_offsets[self.sample_offsets]
        return bounds[1:] - bounds[:-1]


def real_coordinates(values) -> np.ndarray:
    """``values`` as a float64 array, refusing what are not real numbers: a
    complex coordinate would lose its imaginary part, and a bool or a string
    ("1.5") would be read as a number nobody drew."""
    try:
        array = np.asarray(values)
    except ValueError as exc:     # ragged lists: numpy speaks of an "inhomogeneous shape"
        raise ValueError("ink coordinates must be an array of x, y points (the strokes' lists "
                         "are of different lengths?)") from exc
    if array.dtype.kind == "O" and all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                                       for v in array.flat):
        array = array.astype(np.float64)      # e.g. Fractions, or numbers kept as objects
    if array.dtype.kind not in "iuf":
        raise ValueError(f"ink coordinates must be real numbers, got {array.dtype} values")
    return array.astype(np.float64, copy=False)


def _stroke(stroke) -> np.ndarray:
    """One stroke as a float64 (k, 2) array.  A (4, 3) or (2, 2, 2) array is
    refused, not reshaped into points it never held; an empty one ([], (0, 2)) is kept."""
    stroke = real_coordinates(stroke)
    if stroke.size == 0:
        return stroke.reshape(0, 2)
    if stroke.ndim != 2 or stroke.shape[1] != 2:
        raise ValueError(f"a stroke must be a (k, 2) array of x, y points, got shape {stroke.shape}")
    return stroke


def _offsets(lengths: Sequence[int]) -> np.ndarray:
    """``[0, l0, l0 + l1, ...]`` as int64, in three plain array calls: this
    runs on every stroke of the pad."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    offsets[1:] = lengths
    return offsets.cumsum(out=offsets)


def concat_ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, e) for s, e in zip(starts, ends)])``, vectorised."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    # Each element is its range's start plus its position within the range.
    range_of = np.repeat(np.arange(len(lengths)), lengths)
    first = np.cumsum(lengths) - lengths
    return starts[range_of] + np.arange(total) - first[range_of]


def render(ink: Ink, config: RasterConfig = RasterConfig()) -> np.ndarray:
    """One drawing -> (size, size) float32 image in [0, 1], white ink on black.

    Raises ``ValueError`` for an empty drawing or non-finite coordinates.
    """
    return render_batch(InkBatch.from_inks([ink]), config).numpy()[0]


def render_batch(batch: InkBatch, config: RasterConfig = RasterConfig(),
                 augment: Augment | None = None,
                 rng: np.random.Generator | None = None) -> torch.Tensor:
    """Drawings -> (N, size, size) float32 tensor in [0, 1].

    With ``augment``, each drawing gets its own random distortion from ``rng``.
    """
    n = len(batch)
    points = real_coordinates(batch.points)
    counts = batch.point_counts()
    _check(points, counts)
    if n == 0:
        return torch.zeros((0, config.size, config.size))
    if augment is not None and rng is None:
        rng = np.random.default_rng()

    owner = np.arange(n).repeat(counts)  # drawing index of every point
    pen_radius = np.full(n, config.pen_radius)

    if augment is not None:
        points = np.einsum("pij,pj->pi", _random_shape_matrices(n, augment, rng)[owner], points)
    points = _frame(points, owner, counts, config)
    if augment is not None:
        size = 1.0 + rng.uniform(-augment.scale, augment.scale / 3, n)
        shift = rng.uniform(-augment.shift_px, augment.shift_px, (n, 2))
        centre = config.size / 2
        points = (points - centre) * size[owner, None] + centre + shift[owner]
        if augment.elastic_px:
            points = _elastic(points, owner, augment.elastic_px, rng)
        points = _jitter(points, batch, augment.stroke_shift_px, augment.jitter_px, rng)
        pen_radius = pen_radius * rng.uniform(*augment.pen_scale, n)

    return _paint(_Path(points, owner, batch.stroke_offsets, config).chunks(), n, pen_radius, config)


def points_to_draw(batch: InkBatch, config: RasterConfig = RasterConfig()) -> np.ndarray:
    """How many points each drawing takes to draw, unaugmented (its own
    and the resampled ones): :func:`render_batch` refuses a drawing past
    ``MAX_RENDER_POINTS``.  Raises ValueError for ink it refuses anyway."""
    points, counts = real_coordinates(batch.points), batch.point_counts()
    _check(points, counts, limit=None)
    owner = np.arange(len(batch)).repeat(counts)
    path = _Path(_frame(points, owner, counts, config), owner, batch.stroke_offsets, config, limit=None)
    return np.bincount(owner, weights=path.inner + 1, minlength=len(batch)).astype(np.int64)


def _check(points: np.ndarray, counts: np.ndarray, limit: int | None = MAX_RENDER_POINTS) -> None:
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"ink points must be an (n, 2) array, got shape {points.shape}")
    if not counts.all():
        empty = np.flatnonzero(counts == 0)[0]
        raise ValueError(f"drawing {empty} is empty: there is no ink to read")
    if not np.isfinite(points).all():
        raise ValueError("ink has NaN or infinite coordinates")
    if np.abs(points).max(initial=0) > MAX_COORDINATE:
        raise ValueError(f"ink coordinates are too large to draw: beyond ±{MAX_COORDINATE:.3g} "
                         f"(float32's range, in which drawings are stored)")
    if limit is not None and len(counts) and counts.max() > limit:
        _refuse_long(int(np.argmax(counts)), int(counts.max()))


def _refuse_long(drawing: int, points: int) -> None:
    raise ValueError(f"drawing {drawing} is too long to read: drawn in the frame it takes {points:,} points, "
                     f"more than the {MAX_RENDER_POINTS:,} LetterLens draws (a scribble crossing the letter "
                     f"thousands of times?)")


def _random_shape_matrices(n: int, aug: Augment, rng: np.random.Generator) -> np.ndarray:
    """Per-drawing 2x2 matrices: rotation @ shear @ aspect stretch."""
    theta = np.deg2rad(rng.uniform(-aug.rotate_deg, aug.rotate_deg, n))
    shear = rng.uniform(-aug.shear, aug.shear, n)
    stretch = np.exp(rng.uniform(-aug.aspect, aug.aspect, n))
    cos, sin = np.cos(theta), np.sin(theta)
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    shear_m = np.zeros((n, 2, 2))
    shear_m[:, 0, 0] = stretch
    shear_m[:, 0, 1] = shear
    shear_m[:, 1, 1] = 1.0
    return rotation @ shear_m


def _frame(points: np.ndarray, owner: np.ndarray, counts: np.ndarray,
           config: RasterConfig) -> np.ndarray:
    """Scale each drawing's bounding box (aspect kept) and centre it."""
    scale, centre = _framing(points, counts, config)
    return (points - centre[owner]) * scale[owner, None] + config.size / 2


def frame_transform(ink: Ink, config: RasterConfig = RasterConfig()) -> tuple[float, np.ndarray]:
    """Where :func:`render` puts the ink: ``(scale, offset)`` such that a
    point ``xy`` of the ink lands at ``xy * scale + offset`` in the
    (size x size) input, in pixel units (pixel (row, col) covers
    col <= x < col + 1, row <= y < row + 1).  Computed by the renderer's own
    framing code (no augmentation).  Scale is 0 for a dot, drawn at the centre.

    Lets a 28x28 map (e.g. a saliency map) be laid back over the strokes.
    Raises ``ValueError`` for ink that :func:`render` refuses.
    """
    batch = InkBatch.from_inks([ink])
    points, counts = np.asarray(batch.points, dtype=np.float64), batch.point_counts()
    _check(points, counts)
    scale, centre = _framing(points, counts, config)
    return float(scale[0]), config.size / 2 - centre[0] * scale[0]


def _framing(points: np.ndarray, counts: np.ndarray,
             config: RasterConfig) -> tuple[np.ndarray, np.ndarray]:
    """Each drawing's framing: its scale (n,) and its bounding-box centre (n, 2)."""
    starts = counts.cumsum() - counts
    low = np.minimum.reduceat(points, starts, axis=0)
    high = np.maximum.reduceat(points, starts, axis=0)
    with np.errstate(over="ignore"):
        extent = (high - low).max(axis=1)
    if not np.isfinite(extent).all():  # coordinates near the float limit
        raise ValueError("ink coordinates are too large to frame")
    # A dot (or ink too small to measure against its own coordinates) is
    # drawn as a dot at the centre instead of being blown up to noise.
    magnitude = np.maximum(np.abs(low), np.abs(high)).max(axis=1)
    is_dot = extent <= 1e-9 * np.maximum(magnitude, 1.0)
    scale = np.where(is_dot, 0.0, config.long_side / np.where(is_dot, 1.0, extent))
    return scale, (low + high) / 2


def _elastic(points: np.ndarray, owner: np.ndarray, amplitude: float,
             rng: np.random.Generator, waves: int = 3) -> np.ndarray:
    """Displace points by a smooth random field: a sum of a few long plane
    waves (wavelengths of 10 to 40 px) per drawing.  Smooth fields bend loops
    and proportions the way different hands do, without tearing strokes."""
    n = int(owner.max()) + 1
    direction = rng.uniform(0, 2 * np.pi, (n, waves))
    frequency = rng.uniform(1 / 40, 1 / 10, (n, waves))
    wave_vector = 2 * np.pi * frequency[..., None] * np.stack([np.cos(direction), np.sin(direction)], -1)
    phase = rng.uniform(0, 2 * np.pi, (n, waves))
    push = rng.normal(0, amplitude / np.sqrt(waves), (n, waves, 2))
    angle = np.einsum("pkd,pd->pk", wave_vector[owner], points) + phase[owner]  # (P, waves)
    return points + np.einsum("pk,pkd->pd", np.sin(angle), push[owner])


def _jitter(points: np.ndarray, batch: InkBatch, stroke_shift_px: float, jitter_px: float,
            rng: np.random.Generator) -> np.ndarray:
    """Move each stroke as a whole, and each point a little."""
    stroke_of_point = np.repeat(np.arange(len(batch.stroke_offsets) - 1),
                                np.diff(batch.stroke_offsets))
    stroke_shift = rng.normal(0, stroke_shift_px, (len(batch.stroke_offsets) - 1, 2))
    return points + stroke_shift[stroke_of_point] + rng.normal(0, jitter_px, points.shape)


class _Path:
    """The drawings' strokes resampled: every original point, plus points
    every ``step`` px along each segment, made a chunk at a time
    (:meth:`chunks`) so that memory stays bounded however long the path."""

    def __init__(self, points: np.ndarray, owner: np.ndarray, stroke_offsets: np.ndarray,
                 config: RasterConfig, limit: int | None = MAX_RENDER_POINTS):
        # Point j starts a segment to j + 1 unless j ends its stroke.  Every
        # consecutive pair is measured (no gather) and stroke ends get no points.
        self.xy = np.ascontiguousarray(points.T)                    # (2, n): long rows for numpy's loops
        self.d = self.xy[:, 1:] - self.xy[:, :-1]
        length = np.sqrt(self.d[0] * self.d[0] + self.d[1] * self.d[1])   # np.linalg.norm's sum, bit for bit
        self.pieces = np.ones(len(points), dtype=np.int64)
        self.pieces[:-1] = np.maximum(np.ceil(length / config.step), 1)
        self.inner = self.pieces - 1  # new points strictly inside each segment
        self.inner[stroke_offsets[1:] - 1] = 0
        self.owner = owner
        self.total = len(points) + int(self.inner.sum())   # points to draw, in all
        if limit is not None:
            self._check_length(limit)

    def _check_length(self, limit: int) -> None:
        """Refuse a drawing that takes more than ``limit`` points to draw."""
        if self.total <= limit:     # no drawing can: the common case, at no cost
            return
        per_drawing = np.bincount(self.owner, weights=self.inner + 1)
        if per_drawing.max() > limit:
            _refuse_long(int(np.argmax(per_drawing)), int(per_drawing.max()))

    def chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(points, drawing index of each) a run of segments at a time; the
        points as a (2, P) float32 array, x row then y row (the layout
        :func:`_splat` wants).  Ordinary drawings come in one chunk."""
        if self.total <= _DENSIFY_CHUNK:
            yield self._densify(0, len(self.owner))
            return
        made = np.cumsum(self.inner + 1)
        cuts = np.searchsorted(made, np.arange(_DENSIFY_CHUNK, self.total, _DENSIFY_CHUNK))
        bounds = [0, *np.unique(cuts).tolist(), len(made)]
        for a, b in zip(bounds[:-1], bounds[1:]):
            if b > a:
                yield self._densify(a, b)

    def _densify(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Points ``a`` .. ``b - 1`` and the points inside the segments they start."""
        inner = self.inner[a:b]
        seg_of = np.arange(a, b).repeat(inner)
        k = np.arange(1, len(seg_of) + 1) - (inner.cumsum() - inner).repeat(inner)
        # a + t * d, gathered with take (far faster than fancy indexing on axis 1)
        # and computed in place: a training batch makes megabytes of these.
        extra = self.d.take(seg_of, axis=1)
        extra *= k / self.pieces[seg_of]
        extra += self.xy.take(seg_of, axis=1)
        # Computed in float64, stored as the float32 the splat works in.
        dense = np.empty((2, b - a + len(seg_of)), dtype=np.float32)
        dense[:, :b - a] = self.xy[:, a:b]
        dense[:, b - a:] = extra
        return dense, np.concatenate([self.owner[a:b], self.owner[seg_of]])


# Points per pass of _splat: a pass's temporaries (about 300 bytes a point)
# stay small enough to be reused, where megabytes fresh from the OS on every
# call cost more than the arithmetic.  8k measured fastest of 4k to 32k.
_SPLAT_CHUNK = 8192


def _splat(dense: np.ndarray, owner: np.ndarray, n: int, pen_radius: np.ndarray,
           config: RasterConfig) -> torch.Tensor:
    """Paint each point's disc into its drawing's image (``dense`` is (2, P):
    x row, y row); see :func:`_paint`."""
    return _paint([(dense, owner)], n, pen_radius, config)


def _paint(chunks: Iterable[tuple[np.ndarray, np.ndarray]], n: int, pen_radius: np.ndarray,
           config: RasterConfig) -> torch.Tensor:
    """Paint each point of ``chunks`` ((2, P) points, x row then y row, and
    the drawing of each) into its drawing's image, keeping the maximum.
    A pixel's value falls with its
    distance to the nearest point of its drawing (one pen radius per
    drawing), so the maximum is the value at the *smallest* distance: points
    scatter squared distances with a minimum, and only the images are turned
    into ink.  Plain numpy for every batch size; the pad's one drawing is a
    single pass.
    """
    size = config.size
    # Pixel centres within `reach` of a point at x lie in columns
    # ceil(x - 0.5 - reach) .. that + floor(2 * reach): a small fixed window.
    reach = float(pen_radius.max() + config.softness)
    window = _window(math.floor(2 * reach) + 1, size)
    nearest = np.full(n * window.padded ** 2, np.inf, dtype=np.float32)   # squared distances
    for dense, owner in chunks:
        for start in range(0, dense.shape[1], _SPLAT_CHUNK):
            part = slice(start, start + _SPLAT_CHUNK)
            _scatter_nearest(nearest, dense[:, part], owner[part], reach, window)
    inside = slice(window.span, window.span + size)
    dist = np.sqrt(nearest.reshape(n, window.padded, window.padded)[:, inside, inside])
    # Linear anti-aliasing ramp of half-width `softness` around the pen's edge.
    edge = (pen_radius.astype(np.float32) + np.float32(config.softness))[:, None, None]
    value = (edge - dist) / np.float32(2 * config.softness)
    return torch.from_numpy(np.minimum(np.maximum(value, 0.0, out=value), 1.0, out=value))


@dataclass(frozen=True)
class _Window:
    """A point's pixel window, ``span`` px square, in images of ``size`` px
    with a border ``span`` px wide all round (``padded`` px square): windows
    reaching off the frame land in the border, cropped at the end (cheaper
    than masking)."""
    span: int
    size: int
    padded: int
    offsets: np.ndarray    # (span, 1): 0 .. span - 1
    centres: np.ndarray    # (span, 1) float32: offsets + 0.5
    row_starts: np.ndarray  # (span, 1): offsets * padded


@functools.lru_cache(maxsize=16)
def _window(span: int, size: int) -> _Window:
    padded = size + 2 * span
    offsets = np.arange(span)[:, None]
    arrays = offsets, (offsets + 0.5).astype(np.float32), offsets * padded
    for array in arrays:
        array.flags.writeable = False   # shared by every call
    return _Window(span, size, padded, *arrays)


def _scatter_nearest(nearest: np.ndarray, dense: np.ndarray, owner: np.ndarray,
                     reach: float, window: _Window) -> None:
    """Lower each pixel of ``nearest`` (flat, bordered images) to the squared
    distance from its centre to the nearest of these points."""
    xy = dense.astype(np.float32)                                       # a contiguous copy
    first = np.ceil(xy - 0.5 - reach)                                   # (2, P) first column / row
    # A window wholly off the frame is pulled into the border.
    np.minimum(np.maximum(first, -window.span, out=first), window.size, out=first)
    # (axis, window, point): the long point axis innermost keeps numpy's loops long.
    gap = first[:, None, :] + window.centres                            # pixel centres
    gap -= xy[:, None, :]
    gap *= gap
    first = first.astype(np.int64) + window.span
    rows = (owner * window.padded + first[1]) * window.padded + window.row_starts   # (window, P)
    cols = first[0] + window.offsets
    np.minimum.at(nearest, (rows[:, None, :] + cols[None, :, :]).reshape(-1),
                  (gap[1][:, None, :] + gap[0][None, :, :]).reshape(-1))


def shift_image(images, dx: int, dy: int):
    """``images`` (..., H, W), numpy or torch, moved ``dx`` whole pixels right
    and ``dy`` down after framing: what leaves the frame is lost, what comes
    in is blank.  The network's input itself moves (Explain ▸ Why convolutions)."""
    dx, dy = int(dx), int(dy)
    height, width = images.shape[-2:]
    moved = np.zeros_like(images) if isinstance(images, np.ndarray) else torch.zeros_like(images)
    if abs(dx) < width and abs(dy) < height:
        moved[..., max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)] = \
            images[..., max(-dy, 0):height + min(-dy, 0), max(-dx, 0):width + min(-dx, 0)]
    return moved


def shift_each(images: torch.Tensor, shifts: np.ndarray) -> torch.Tensor:
    """(N, H, W) images, image i moved by ``shifts[i]`` = (dx, dy) whole pixels."""
    shifts = np.asarray(shifts, dtype=np.int64).reshape(len(images), 2)
    moved = torch.empty_like(images)
    for dx, dy in np.unique(shifts, axis=0):        # a few distinct moves: one slice each
        which = torch.from_numpy(np.flatnonzero((shifts == (dx, dy)).all(axis=1)))
        moved[which] = shift_image(images[which], dx, dy)
    return moved
