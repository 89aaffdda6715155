"""Evaluation: how well a network reads a labelled data set (CLI: ``model.evaluate``)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from .data import Dataset
from .ink import RasterConfig
from .network import CLASSES


class StopRequested(Exception):
    """``should_stop`` said yes between two batches of a long scoring."""


@torch.inference_mode()
def predict_log_probs(model: nn.Module, dataset: Dataset, raster: RasterConfig,
                      batch_size: int = 512, should_stop: Callable[[], bool] | None = None) -> np.ndarray:
    """(N, classes) log-probabilities for every sample, rendered without
    augmentation.  ``should_stop`` is asked between batches (a large set
    takes many seconds), and a yes raises :class:`StopRequested`."""
    model.eval()
    out = []
    for start in range(0, len(dataset), batch_size):
        if should_stop is not None and should_stop():
            raise StopRequested
        indices = np.arange(start, min(start + batch_size, len(dataset)))
        images = dataset.images(indices, raster).unsqueeze(1)
        images = images.to(next(model.parameters()).device, memory_format=torch.channels_last)
        out.append(model(images)[0].float().cpu().numpy())
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
    reading.  ``should_stop`` as in :func:`predict_log_probs`."""
    matrix = np.zeros((len(CLASSES), len(CLASSES)), dtype=np.int64)
    for dataset in datasets:
        predicted = predict_log_probs(model, dataset, raster, should_stop=should_stop).argmax(axis=1)
        np.add.at(matrix, (dataset.labels, predicted), 1)
    return matrix


def evaluate_network(model: nn.Module, dataset: Dataset, raster: RasterConfig) -> dict:
    return score(predict_log_probs(model, dataset, raster), dataset.labels)


def format_report(name: str, result: dict) -> str:
    lines = [f"{name}: {result['n']} samples",
             f"  accuracy {result['accuracy']:.2%}   top-3 {result['top3']:.2%}",
             "  per class: " + " ".join(f"{c}:{a:.0%}" for c, a in result["per_class"].items()),
             "  most frequent confusions (true -> read as):"]
    lines += [f"    {c['true']} -> {c['predicted']}  x{c['count']}" for c in result["confusions"]]
    return "\n".join(lines)
