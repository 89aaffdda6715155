"""How well a network reads drawings moved by whole pixels (Explain ▸ Why convolutions).

Each drawing's image is moved after framing, up, down, left or right, its
direction drawn once from a fixed seed: every network and every distance
sees the same directions.  ``python -m model.evaluate --shift N`` reads one
distance; ``python -m model.shiftcurve`` reads 0 to 4 pixels and can record
the curve in a checkpoint's facts, where the Explain window reads it.
"""
from __future__ import annotations

import numpy as np
from torch import nn

from .data import Dataset
from .evaluation import ONE_VIEW, Views, predict_log_probs
from .ink import RasterConfig

MAX_SHIFT = 4                                   # pixels: the Explain tab's reach, and the curve's
DIRECTIONS = np.array([(0, -1), (0, 1), (-1, 0), (1, 0)])   # (dx, dy): up, down, left, right
SHIFT_SEED = 0
FACTS_KEY = "translation"                        # where a checkpoint's meta keeps the curve


def random_shifts(count: int, pixels: int, seed: int = SHIFT_SEED) -> np.ndarray:
    """(count, 2) moves (dx, dy) of ``pixels`` each, up, down, left or right at
    random.  Drawing i gets the same direction for every ``pixels`` and network."""
    return DIRECTIONS[np.random.default_rng(seed).integers(len(DIRECTIONS), size=count)] * int(pixels)


def accuracy_by_shift(model: nn.Module, dataset: Dataset, raster: RasterConfig,
                      max_shift: int = MAX_SHIFT, views: Views = ONE_VIEW) -> list[float]:
    """Accuracy on ``dataset`` with every drawing moved 0, 1, ... ``max_shift`` pixels."""
    curve = []
    for pixels in range(max_shift + 1):
        log_probs = predict_log_probs(model, dataset, raster, views=views,
                                      shifts=random_shifts(len(dataset), pixels))
        curve.append(float((log_probs.argmax(axis=1) == dataset.labels).mean()))
    return curve


def curve_facts(curve: list[float], dataset: Dataset, views: Views = ONE_VIEW) -> dict:
    """The curve as a checkpoint records it: what was read, and how."""
    return {FACTS_KEY: {"data": dataset.name, "n": len(dataset), "views": views.count, "seed": SHIFT_SEED,
                        "directions": "up, down, left or right", "accuracy_by_shift": curve}}


def recorded_curve(meta: dict) -> dict | None:
    """A checkpoint's recorded curve ({"data", "n", "accuracy_by_shift", ...}),
    or None when it has none, or one that is not a list of accuracies."""
    facts = meta.get(FACTS_KEY) if isinstance(meta, dict) else None
    curve = facts.get("accuracy_by_shift") if isinstance(facts, dict) else None
    if not isinstance(curve, list) or not curve or \
            not all(isinstance(a, (int, float)) and not isinstance(a, bool) and 0 <= a <= 1 for a in curve):
        return None
    return facts
