"""Teach a trained network someone's own handwriting ("My samples").

Fine-tuning on a handful of drawings alone would make the network forget
every other way of writing, so each batch mixes the user's samples
(oversampled, each seen many times under fresh random distortions) with a
random *replay* of the data the network was trained on.  A few hundred steps
at a small learning rate, no BatchNorm (the shipped network has it folded
away; the model is fine-tuned as it is).  The loop is ``train_network``'s.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from torch import nn

from .checkpoint import Checkpoint, load_checkpoint
from .data import Dataset, StrokeSet
from .ink import Augment, RasterConfig
from .training import BatchCallback, ProgressCallback, TrainConfig, TrainingError, TrainResult, train_network


@dataclass
class FinetuneConfig:
    """Tried on the shipped network, teaching it a star as k, e or s from 20
    drawings: with these settings the star was learnt (100 % of new drawings)
    and Chars74K accuracy moved by -0.35 to +0.18 points over three shipped
    networks (runs differ by about 0.15); without replay it fell by 1 to 19
    points (least for the current network, trained with more weight decay).
    Learning rates 3e-4..1e-3 and user shares 0.1..0.25 measured alike
    (falls of 0.1 to 0.45 points); these sit between."""
    steps: int = 150              # 5 to 9 s on 2 idle CPU cores
    batch_size: int = 64
    mine_fraction: float = 0.2    # of every batch, on average: the user's drawings
    lr: float = 5e-4              # peak of the one-cycle schedule (from scratch: 3e-3)
    weight_decay: float = 1e-4
    label_smoothing: float = 0.05
    seed: int = 0
    device: str = "cpu"
    augment: Augment = field(default_factory=Augment)

    def train_config(self, raster: RasterConfig) -> TrainConfig:
        # One "epoch" over a pool sized to exactly `steps` batches.
        return TrainConfig(epochs=1, batch_size=self.batch_size, lr=self.lr,
                           weight_decay=self.weight_decay, label_smoothing=self.label_smoothing,
                           seed=self.seed, batch_norm=False, device=self.device,
                           augment=self.augment, raster=raster,
                           writer_balance=0.0)   # the mix above sets each set's share exactly


def finetune_on_samples(start: Checkpoint | nn.Module | str | os.PathLike, my_samples: StrokeSet,
                        replay_sets: Sequence[Dataset] = (), config: FinetuneConfig = FinetuneConfig(), *,
                        val_sets: Sequence[Dataset] = (), raster: RasterConfig | None = None,
                        on_progress: ProgressCallback | None = None,
                        should_stop: Callable[[], bool] | None = None,
                        on_batch: BatchCallback | None = None) -> TrainResult:
    """Fine-tune a *copy* of ``start`` (a checkpoint, its path, or a model)
    on ``my_samples`` mixed with ``replay_sets`` (the base training data).

    Without replay the network drifts towards the user's few letters; it
    still works, but expect other letters to suffer.  ``raster`` defaults to
    the checkpoint's (a bare model: ``RasterConfig()``).  ``val_sets`` are
    scored once, at the end (``result.val_accuracy``).  Progress, stopping and
    ``on_batch`` work as in :func:`train_network`; a stopped run returns the model so far.
    """
    if len(my_samples) == 0:
        raise TrainingError("no samples of your own to learn from")
    if isinstance(start, (str, os.PathLike)):
        start = load_checkpoint(start)
    if isinstance(start, Checkpoint):
        raster, start = raster or start.raster, start.model
    rng = np.random.default_rng(config.seed)
    train_sets = mixed_sets(my_samples, replay_sets, config, rng)
    return train_network(train_sets, config.train_config(raster or RasterConfig()),
                         val_sets=list(val_sets), model=start,
                         on_progress=on_progress, should_stop=should_stop, on_batch=on_batch)


def mixed_sets(my_samples: StrokeSet, replay_sets: Sequence[Dataset], config: FinetuneConfig,
               rng: np.random.Generator) -> list[Dataset]:
    """Exactly ``steps * batch_size`` drawings: the user's, each repeated
    about equally often, and a random draw from the replay sets.  The
    training loop shuffles them together, so every batch is a mix."""
    total = config.steps * config.batch_size
    replay_size = sum(len(s) for s in replay_sets)
    mine = total if replay_size == 0 else max(1, round(total * config.mine_fraction))
    # Whole shuffled passes over the user's drawings, so none is favoured.
    passes = -(-mine // len(my_samples))
    order = np.concatenate([rng.permutation(len(my_samples)) for _ in range(passes)])[:mine]
    return [my_samples.subset(order), *replay_draw(replay_sets, total - mine, rng)]


def replay_draw(sets: Sequence[Dataset], n: int, rng: np.random.Generator) -> list[Dataset]:
    """``n`` drawings picked at random across ``sets`` (without repeats while
    there are enough), each set cut down to its picks."""
    sizes = np.array([len(s) for s in sets], dtype=np.int64)
    if n <= 0 or sizes.sum() == 0:
        return []
    picks = np.sort(rng.choice(int(sizes.sum()), n, replace=n > sizes.sum()))
    starts = np.concatenate([[0], np.cumsum(sizes)])
    drawn = []
    for dataset, first, end in zip(sets, starts[:-1], starts[1:]):
        mine = picks[(picks >= first) & (picks < end)] - first
        if len(mine):
            drawn.append(dataset.subset(mine))
    return drawn


def balanced_subset(dataset: Dataset, per_class: int, seed: int = 0) -> Dataset:
    """Up to ``per_class`` random drawings of every letter: a small replay
    set.  40 per letter of UNIPEN (1,040 drawings) kept Chars74K within
    0.1 to 0.8 points, about as well as all 87k, so a pack this size could
    ship with the weights for machines without the training data."""
    rng = np.random.default_rng(seed)
    picks = [rng.permutation(np.flatnonzero(dataset.labels == c))[:per_class]
             for c in np.unique(dataset.labels)]
    return dataset.subset(np.sort(np.concatenate([np.zeros(0, dtype=np.int64), *picks])))
