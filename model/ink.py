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
   a fraction of a pixel;
3. splat: every dense point paints the pixels within the pen radius, with a
   linear anti-aliasing ramp, keeping the maximum (ink does not add up where
   strokes cross, as on paper).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

Stroke = np.ndarray
Ink = Sequence[Stroke]


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


@dataclass(frozen=True)
class Augment:
    """Random stroke-level distortions for training (all zero = none).

    Shape changes (rotation, shear, aspect) happen *before* framing, as a
    slanted or squat letter drawn on the pad would be framed; scale and shift
    happen after framing and imitate framing noise.
    """
    rotate_deg: float = 8.0
    shear: float = 0.2
    aspect: float = 0.15        # log-uniform stretch of x against y, +- this
    scale: float = 0.08         # size factor in [1 - scale, 1 + scale/3]
    shift_px: float = 1.0
    jitter_px: float = 0.2      # independent noise per stroke offset and point
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
        strokes = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for ink in inks for s in ink]
        lengths = [len(s) for s in strokes]
        points = np.concatenate(strokes) if strokes else np.zeros((0, 2))
        stroke_offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
        sample_offsets = np.concatenate([[0], np.cumsum([len(ink) for ink in inks], dtype=np.int64)])
        return cls(points, stroke_offsets, sample_offsets)

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
        return np.diff(self.stroke_offsets[self.sample_offsets])


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
    return render_batch(InkBatch.from_inks([ink]), config)[0].numpy()


def render_batch(batch: InkBatch, config: RasterConfig = RasterConfig(),
                 augment: Augment | None = None,
                 rng: np.random.Generator | None = None) -> torch.Tensor:
    """Drawings -> (N, size, size) float32 tensor in [0, 1].

    With ``augment``, each drawing gets its own random distortion from ``rng``.
    """
    n = len(batch)
    points = np.asarray(batch.points, dtype=np.float64)
    counts = batch.point_counts()
    _check(points, counts)
    if n == 0:
        return torch.zeros((0, config.size, config.size))
    if augment is not None and rng is None:
        rng = np.random.default_rng()

    owner = np.repeat(np.arange(n), counts)  # drawing index of every point
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
        points = _jitter(points, batch, augment.jitter_px, rng)
        pen_radius = pen_radius * rng.uniform(*augment.pen_scale, n)

    dense, dense_owner = _densify(points, owner, batch.stroke_offsets, config.step)
    return _splat(dense, dense_owner, n, pen_radius, config)


def _check(points: np.ndarray, counts: np.ndarray) -> None:
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"ink points must be an (n, 2) array, got shape {points.shape}")
    empty = np.flatnonzero(counts == 0)
    if len(empty):
        raise ValueError(f"drawing {empty[0]} is empty: there is no ink to read")
    if not np.isfinite(points).all():
        raise ValueError("ink has NaN or infinite coordinates")


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
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    low = np.minimum.reduceat(points, starts, axis=0)
    high = np.maximum.reduceat(points, starts, axis=0)
    with np.errstate(over="ignore"):
        extent = (high - low).max(axis=1)
    if not np.isfinite(extent).all():  # coordinates near the float limit
        raise ValueError("ink coordinates are too large to frame")
    # A dot (or ink too small to measure against its own coordinates) is
    # drawn as a dot at the centre instead of being blown up to noise.
    magnitude = np.abs(np.concatenate([low, high], axis=1)).max(axis=1)
    is_dot = extent <= 1e-9 * np.maximum(magnitude, 1.0)
    scale = np.where(is_dot, 0.0, config.long_side / np.where(is_dot, 1.0, extent))
    centre = (low + high) / 2
    return (points - centre[owner]) * scale[owner, None] + config.size / 2


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


def _jitter(points: np.ndarray, batch: InkBatch, jitter_px: float,
            rng: np.random.Generator) -> np.ndarray:
    """Move each stroke a little as a whole, and each point a little less."""
    stroke_of_point = np.repeat(np.arange(len(batch.stroke_offsets) - 1),
                                np.diff(batch.stroke_offsets))
    stroke_shift = rng.normal(0, jitter_px, (len(batch.stroke_offsets) - 1, 2))
    return points + stroke_shift[stroke_of_point] + rng.normal(0, jitter_px / 3, points.shape)


def _densify(points: np.ndarray, owner: np.ndarray, stroke_offsets: np.ndarray,
             step: float) -> tuple[np.ndarray, np.ndarray]:
    """Every original point, plus points every ``step`` px along each segment."""
    # A segment joins point j to j + 1 unless j ends its stroke.
    is_start = np.ones(len(points), dtype=bool)
    is_start[stroke_offsets[1:] - 1] = False
    seg = np.flatnonzero(is_start)
    a, b = points[seg], points[seg + 1]
    pieces = np.maximum(np.ceil(np.linalg.norm(b - a, axis=1) / step).astype(np.int64), 1)
    inner = pieces - 1  # new points strictly inside each segment
    seg_of = np.repeat(np.arange(len(seg)), inner)
    k = np.arange(int(inner.sum())) - np.repeat(np.cumsum(inner) - inner, inner) + 1
    t = (k / pieces[seg_of])[:, None]
    extra = a[seg_of] + t * (b[seg_of] - a[seg_of])
    return (np.concatenate([points, extra]),
            np.concatenate([owner, owner[seg[seg_of]]]))


def _splat(dense: np.ndarray, owner: np.ndarray, n: int, pen_radius: np.ndarray,
           config: RasterConfig) -> torch.Tensor:
    """Paint each point's disc into its drawing's image, keeping the maximum."""
    size = config.size
    # Pixel centres within `reach` of a point at x lie in columns
    # ceil(x - 0.5 - reach) .. that + floor(2 * reach): a small fixed window.
    reach = float(pen_radius.max() + config.softness)
    offsets = np.arange(int(np.floor(2 * reach)) + 1)
    xy = torch.from_numpy(dense.astype(np.float32))
    base = torch.ceil(xy - 0.5 - reach).to(torch.int64)
    dx, dy = torch.meshgrid(torch.from_numpy(offsets), torch.from_numpy(offsets), indexing="xy")
    px = base[:, 0:1] + dx.reshape(1, -1)                       # (P, window) pixel columns
    py = base[:, 1:2] + dy.reshape(1, -1)
    # Distance from the point to each pixel's centre.
    dist = torch.hypot(px + 0.5 - xy[:, 0:1], py + 0.5 - xy[:, 1:2])
    radius = torch.from_numpy(pen_radius.astype(np.float32))[torch.from_numpy(owner)][:, None]
    value = ((radius + config.softness - dist) / (2 * config.softness)).clamp_(0.0, 1.0)
    # Pixels off the frame go to one spare slot past the end, which is dropped:
    # cheaper than boolean masking on this hot path.
    outside = (px < 0) | (px >= size) | (py < 0) | (py >= size)
    spare = n * size * size
    flat = torch.from_numpy(owner)[:, None] * (size * size) + py * size + px
    flat.masked_fill_(outside, spare)
    images = torch.zeros(spare + 1)
    images.scatter_reduce_(0, flat.view(-1), value.view(-1), reduce="amax")
    images = images[:spare]
    return images.view(n, size, size)
