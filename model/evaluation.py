"""Evaluation: how well a network reads a labelled data set (CLI: ``model.evaluate``)."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .data import Dataset
from .ink import Augment, RasterConfig, shift_each
from .network import CLASSES


class StopRequested(Exception):
    """``should_stop`` said yes between two batches of a long scoring."""


@dataclass(frozen=True)
class Views:
    """How many views of a drawing a reading averages (test-time augmentation).

    View 0 is the drawing itself; the other ``count - 1`` are copies distorted
    as in training (turned, sheared, stretched, resized, shifted, each stroke
    moved a little), drawn from a fixed seed, so a drawing always reads the
    same.  The reading is the mean of their probabilities.  On four held-out
    UNIPEN labs this read new writers 0.23 to 0.38 points better for each of
    four networks, on average over five seeds (docs/experiments.md; every
    drawing gets the same seed, so a seed is a choice of 7 fixed distortions,
    and seed 0 read best of the five there): a network that sees a letter a little
    rotated or shifted still reads it, and the average evens out a view it
    misjudges.  The activations the app shows are view 0's.
    """
    count: int = 8
    seed: int = 0
    augment: Augment = Augment(jitter_px=0.0, pen_scale=(1.0, 1.0))   # the shape, not the pen's noise

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise ValueError(f"views: a count of 1 or more, got {self.count!r}")

    def copies(self, images_of: Callable[..., torch.Tensor]) -> torch.Tensor:
        """The ``count - 1`` distorted views of ONE drawing, from
        ``images_of(count, augment, rng)``, a renderer of that many copies.
        Every drawing gets a fresh generator of the same seed, so its views
        are the same wherever it is read: on the pad, in a batch, in a file."""
        return images_of(self.count - 1, self.augment, np.random.default_rng(self.seed))


ONE_VIEW = Views(count=1)   # the network alone: training's validation, the pad while the pen moves
READ_VIEWS = Views()        # a finished drawing, as the app reads it and model.evaluate scores it


@torch.inference_mode()
def predict_log_probs(model: nn.Module, dataset: Dataset, raster: RasterConfig,
                      batch_size: int = 512, should_stop: Callable[[], bool] | None = None,
                      views: Views = ONE_VIEW, shifts: np.ndarray | None = None) -> np.ndarray:
    """(N, classes) log-probabilities for every sample, averaged over
    ``views`` (by default the sample alone, without augmentation).
    ``shifts``, (N, 2) whole pixels (dx, dy), moves each sample's rendered
    images, every view alike (``model.translation``).
    ``should_stop`` is asked between batches (a large set takes many
    seconds), and a yes raises :class:`StopRequested`."""
    model.eval()
    device = next(model.parameters()).device

    def log_probs(images: torch.Tensor) -> torch.Tensor:
        return model(images.unsqueeze(1).to(device, memory_format=torch.channels_last))[0].float()

    def moved(images: torch.Tensor, indices: np.ndarray, per_drawing: int = 1) -> torch.Tensor:
        return images if shifts is None else shift_each(images, np.repeat(shifts[indices], per_drawing, axis=0))

    out = []
    for start in range(0, len(dataset), batch_size):
        if should_stop is not None and should_stop():
            raise StopRequested
        indices = np.arange(start, min(start + batch_size, len(dataset)))
        read = log_probs(moved(dataset.images(indices, raster), indices))   # view 0: the drawings themselves
        if views.count > 1:
            # Rendered drawing by drawing (each from the same seed), read batch_size at a time.
            copies = torch.cat([views.copies(lambda n, augment, rng: dataset.images(np.full(n, i), raster, augment,
                                                                                    rng)) for i in indices])
            copies = moved(copies, indices, views.count - 1)
            copied = torch.cat([log_probs(part) for part in copies.split(batch_size)])
            every_view = torch.cat([read[:, None], copied.view(len(indices), views.count - 1, -1)], dim=1)
            read = torch.logsumexp(every_view, dim=1) - math.log(views.count)     # log of the mean probability
        out.append(read.cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, len(CLASSES)))


def score(log_probs: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy, top-3, per-class accuracy and the most frequent confusions."""
    n = len(labels)
    ranked = np.argsort(-log_probs, axis=1)
    top1 = ranked[:, 0] if n else np.zeros(0, dtype=int)
    hits = top1 == labels
    per_class = {CLASSES[c]: float(hits[labels == c].mean())
                 for c in range(len(CLASSES)) if (labels == c).any()}
    pairs = Counter((CLASSES[t], CLASSES[p]) for t, p in zip(labels[~hits], top1[~hits]))
    return {
        "n": int(n),
        "accuracy": float(hits.mean()) if n else 0.0,
        "top3": float((ranked[:, :3] == labels[:, None]).any(axis=1).mean()) if n else 0.0,
        "per_class": per_class,
        "confusions": [{"true": t, "predicted": p, "count": c} for (t, p), c in pairs.most_common(10)],
    }


def confusion_matrix(model: nn.Module, datasets: list[Dataset], raster: RasterConfig,
                     should_stop: Callable[[], bool] | None = None) -> np.ndarray:
    """(classes, classes) counts: row = true letter, column = the network's
    reading (one view: what training validates).  ``should_stop`` as in
    :func:`predict_log_probs`."""
    matrix = np.zeros((len(CLASSES), len(CLASSES)), dtype=np.int64)
    for dataset in datasets:
        predicted = predict_log_probs(model, dataset, raster, should_stop=should_stop).argmax(axis=1)
        np.add.at(matrix, (dataset.labels, predicted), 1)
    return matrix


def evaluate_network(model: nn.Module, dataset: Dataset, raster: RasterConfig, views: Views = ONE_VIEW) -> dict:
    return score(predict_log_probs(model, dataset, raster, views=views), dataset.labels)


def format_report(name: str, result: dict) -> str:
    views, shift = result.get("views", 1), result.get("shift", 0)
    lines = [f"{name}: {result['n']} samples" + (f", each read from {views} views" if views > 1 else "")
             + (f", each moved {shift} px" if shift else ""),
             f"  accuracy {result['accuracy']:.2%}   top-3 {result['top3']:.2%}",
             "  per class: " + " ".join(f"{c}:{a:.0%}" for c, a in result["per_class"].items()),
             "  most frequent confusions (true -> read as):"]
    lines += [f"    {c['true']} -> {c['predicted']}  x{c['count']}" for c in result["confusions"]]
    return "\n".join(lines)
