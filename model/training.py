"""Training: the loop, with no Qt and no printing (the CLI is ``model.train``).

The loop reports through an ``on_progress`` callback and checks ``should_stop``
between batches, so a GUI worker thread or the CLI can drive it alike.
Stroke data is rendered batch by batch by the same rasterizer the app uses,
each drawing with its own random distortion.
"""
from __future__ import annotations

import copy
import math
import numbers
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import Dataset, split_by_writer
from .evaluation import StopRequested, confusion_matrix, predict_log_probs
from .ink import Augment, RasterConfig
from .network import build_model, non_finite_weight


# The learning rates the CLI and the Retrain dialog offer: above 0.1 AdamW
# diverges within a few batches; below 1e-5 a run learns next to nothing.
LR_RANGE = (1e-5, 1e-1)
# Writer balance: 0 draws every sample alike, 1 every writer alike.
WRITER_BALANCE_RANGE = (0.0, 1.0)


class TrainingError(ValueError):
    """A training run cannot start (nothing to learn from, a setting out of
    range) or did not end well.  Nothing was changed: the caller's model is
    never trained in place."""


class TrainingDiverged(TrainingError):
    """The loss or the weights became NaN or infinite: the network learned
    nothing usable (a learning rate too high?), so there is nothing to save."""


@dataclass
class TrainConfig:
    epochs: int = 16
    batch_size: int = 128
    lr: float = 3e-3
    weight_decay: float = 0.05       # AdamW's decoupled decay; chosen on held-out labs (model card)
    label_smoothing: float = 0.05
    writer_balance: float = 0.5      # draw a writer's samples with weight n_w ** -this (0: uniform)
    val_fraction: float = 0.05       # of the writers, held out when no --val set is given
    clean_labels: bool = False       # drop labels that cross-validated models contradict
    clean_epochs: int = 2
    seed: int = 0
    arch: str = "letternet"
    batch_norm: bool = True          # train from scratch with BatchNorm, folded away at the end
    device: str = "cpu"              # "cpu", "cuda" or "auto"
    distill_weight: float = 0.5      # with a teacher: share of the loss that follows its soft labels
    distill_temperature: float = 2.0
    augment: Augment = field(default_factory=Augment)
    raster: RasterConfig = field(default_factory=RasterConfig)


@dataclass
class Progress:
    phase: str              # "train", or "clean 1/2" and "clean 2/2" for --clean-labels
    epoch: int              # 1-based
    epochs: int
    step: int               # batches done in this phase
    steps: int              # batches in this phase
    loss: float             # running mean of the training loss
    samples_per_s: float
    eta_s: float            # seconds left in this phase
    val_accuracy: float | None = None   # set on the last step of an epoch
    activity: str = ""      # work between batches now under way, e.g. "validating on 2,860 letters"


# What a checkpoint's val_data says when part of the training data validated:
# writers held out, or, from sets that name no writers, only letters.
HELD_OUT_WRITERS = "held-out training writers"
HELD_OUT_LETTERS = "held-out letters (a set without writer names cannot hold out new writers)"


@dataclass
class TrainResult:
    model: nn.Module
    history: list[dict]             # one row per epoch: loss, val_accuracy
    val_accuracy: float | None
    stopped: bool                   # True when should_stop() ended it early
    seconds: float
    train_size: int
    dropped_labels: int = 0
    val_confusion: np.ndarray | None = None   # the last validation's counts: row true letter, column reading


ProgressCallback = Callable[[Progress], None]


@dataclass
class TrainingMoment:
    """Where a run stands after ``batch`` of its ``batches`` batches (0: before the first)."""
    batch: int
    batches: int
    epoch: int                   # 1-based; 0 before the first batch
    loss: float | None           # running mean of this epoch's training loss
    val_accuracy: float | None   # set on the last batch of an epoch
    network: nn.Module           # what the run would hand back now (the average, BatchNorm unfolded): read only


# Called on the training thread after every batch, and once before the first:
# it must be quick (see model.timelapse for snapshots taken at a schedule).
BatchCallback = Callable[[TrainingMoment], None]


class Pool:
    """Several data sets seen as one index space, for mixed batches."""

    def __init__(self, sets: list[Dataset]):
        self.sets = [s for s in sets if len(s)]
        none = [np.zeros(0, dtype=np.int64)]  # so that no sets at all is an empty pool
        self.owner = np.concatenate(none + [np.full(len(s), i) for i, s in enumerate(self.sets)])
        self.local = np.concatenate(none + [np.arange(len(s)) for s in self.sets])
        self.labels = np.concatenate(none + [s.labels for s in self.sets])

    def epoch_order(self, writer_balance: float, rng: np.random.Generator) -> np.ndarray:
        """The samples of one epoch, in order.  With ``writer_balance`` > 0,
        drawn with replacement so that prolific writers weigh less: in UNIPEN,
        a tenth of the writers wrote 44 % of the letters.  Where that changes
        nothing (one writer per set, or equal counts), each sample comes once."""
        weights = self.writer_weights(writer_balance) if writer_balance else None
        if weights is None or np.ptp(weights) <= 1e-9 * weights.max():
            return rng.permutation(len(self))
        return rng.choice(len(self), len(self), p=weights)

    def writer_weights(self, power: float) -> np.ndarray:
        """Each sample's chance of being drawn: within a data set, a writer's
        samples weigh ``count ** -power``, and every set keeps its share of
        the pool.  So the balance never shifts weight between sets: a file
        without writer ids, or the user's own drawings (one writer), count
        as much as they would without it."""
        weights = np.empty(len(self))
        for i, s in enumerate(self.sets):
            _, writer_index, per_writer = np.unique(s.writers, return_inverse=True, return_counts=True)
            mine = per_writer[writer_index] ** -float(power)
            weights[self.owner == i] = mine * (len(s) / mine.sum())
        return weights / weights.sum()

    def __len__(self) -> int:
        return len(self.labels)

    def batch(self, indices: np.ndarray, raster: RasterConfig, augment: Augment | None,
              rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        images, labels = [], []
        for i, dataset in enumerate(self.sets):
            mine = indices[self.owner[indices] == i]
            if len(mine):
                images.append(dataset.images(self.local[mine], raster, augment, rng))
                labels.append(self.labels[mine])
        return torch.cat(images), torch.from_numpy(np.concatenate(labels))


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def input_stats(pool: Pool, raster: RasterConfig, rng: np.random.Generator) -> tuple[float, float]:
    """Mean and std of the rendered training images (on a sample of them)."""
    sample = rng.choice(len(pool), min(len(pool), 2000), replace=False)
    images, _ = pool.batch(sample, raster, None, rng)
    return float(images.mean()), float(images.std().clamp_min(1e-3))


def train_network(train_sets: list[Dataset], config: TrainConfig = TrainConfig(), *,
                  val_sets: list[Dataset] | None = None, model: nn.Module | None = None,
                  teacher: nn.Module | None = None,
                  on_progress: ProgressCallback | None = None,
                  should_stop: Callable[[], bool] | None = None,
                  on_batch: BatchCallback | None = None) -> TrainResult:
    """Train from scratch, or fine-tune a *copy* of ``model`` (the caller's
    model is never changed, so a cancelled run leaves it as it was).
    Without ``val_sets``, a writer-disjoint part of the training data validates.
    With a ``teacher`` (a trained network), part of the loss follows its soft
    labels, which soften UNIPEN's noisy labels (knowledge distillation).
    ``on_batch`` sees the network the run would save, batch by batch."""
    started = time.perf_counter()
    check_config(config)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    should_stop = should_stop or (lambda: False)
    if val_sets is None:
        train_sets, val_sets = hold_out_writers(train_sets, config.val_fraction, config.seed)
    dropped = 0
    if config.clean_labels:
        train_sets, dropped = clean_labels(train_sets, config, on_progress, should_stop)
    pool = Pool(train_sets)
    if len(pool) == 0:
        raise TrainingError("no training samples: the data sets given hold no drawings")
    fresh = model is None
    if fresh:
        mean, std = input_stats(pool, config.raster, rng)
        model = build_model(config.arch, input_mean=mean, input_std=std, batch_norm=config.batch_norm)
    else:
        model = copy.deepcopy(model)
    history, stopped, val_confusion = fit(model, pool, config, rng, val_sets, "train", on_progress,
                                          should_stop, teacher=teacher, on_batch=on_batch)
    if fresh and config.batch_norm:
        model = model.fold_batch_norm()   # the plain network: same function, fewer stages
    if not stopped:   # a stopped run hands back what it has; a diverged one stopped at its first NaN
        check_finite(model)
    val_accuracy = history[-1]["val_accuracy"] if history else None
    return TrainResult(model.cpu().eval(), history, val_accuracy, stopped,
                       time.perf_counter() - started, len(pool), dropped, val_confusion)


def check_config(config: TrainConfig) -> None:
    """Refuse settings that cannot train: NaN weights (``writer_balance``)
    would fail deep in numpy, a NaN learning rate would quietly ruin the run."""
    for name in ("lr", "writer_balance", "weight_decay", "label_smoothing"):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise TrainingError(f"{name} must be a number, got {value!r}")
    if config.lr <= 0:
        raise TrainingError(f"lr must be more than 0, got {config.lr!r}")
    low, high = WRITER_BALANCE_RANGE
    if not low <= config.writer_balance <= high:
        raise TrainingError(f"writer_balance must be from {low:g} to {high:g}, got {config.writer_balance!r}")
    for name in ("epochs", "batch_size"):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise TrainingError(f"{name} must be a whole number, at least 1, got {value!r}")


def check_finite(model: nn.Module) -> None:
    """Raise :class:`TrainingDiverged` if any weight is NaN or infinite."""
    if name := non_finite_weight(model.state_dict()):
        raise TrainingDiverged(f"training diverged: the network's {name!r} became NaN or infinite "
                               f"(is the learning rate too high?)")


def run_record(config: TrainConfig, result: TrainResult, train_sets: list[Dataset],
               val_sets: list[Dataset] | None) -> dict:
    """What a checkpoint records about the run that made it: the data, the
    recipe and the outcome.  The CLI and the app's retrain add their own keys."""
    return {
        "train_data": {s.name: len(s) for s in train_sets},
        "train_size": result.train_size,
        "dropped_labels": result.dropped_labels,
        "val_data": {s.name: len(s) for s in val_sets} if val_sets else held_out_from(train_sets),
        "val_accuracy": result.val_accuracy,
        "history": result.history,
        "epochs": config.epochs,
        "seed": config.seed,
        "writer_balance": config.writer_balance,
        "optimizer": {name: getattr(config, name)
                      for name in ("batch_size", "lr", "weight_decay", "label_smoothing")},
        "augment": asdict(config.augment),
        "wall_time_s": round(result.seconds, 1),
        "threads": torch.get_num_threads(),
        "torch": str(torch.__version__),
    }


def held_out_from(train_sets: list[Dataset]) -> str:
    """What validated a run given no validation sets: held-out writers, or
    only letters where a set names fewer than two writers (split_by_writer
    then splits by letter, and those letters' writers are in training too)."""
    by_letter = any(len(np.unique(s.writers)) < 2 for s in train_sets)
    return HELD_OUT_LETTERS if by_letter else HELD_OUT_WRITERS


def fit(model: nn.Module, pool: Pool, config: TrainConfig, rng: np.random.Generator,
        val_sets: list[Dataset], phase: str, on_progress: ProgressCallback | None,
        should_stop: Callable[[], bool], epochs: int | None = None,
        teacher: nn.Module | None = None,
        on_batch: BatchCallback | None = None) -> tuple[list[dict], bool, np.ndarray | None]:
    """The loop itself: AdamW with a one-cycle learning rate, channels-last
    tensors (much faster convolutions on the CPU), mixed batches from the pool.
    Returns the history, whether it stopped early, and the last validation's
    confusion matrix."""
    epochs = epochs or config.epochs
    device = pick_device(config.device)
    model.to(device, memory_format=torch.channels_last).train()
    steps_per_epoch = max(1, len(pool) // config.batch_size)   # drop the ragged last batch
    total = steps_per_epoch * epochs
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, config.lr, total_steps=total, pct_start=0.15)
    if teacher is not None:
        teacher = copy.deepcopy(teacher).to(device, memory_format=torch.channels_last).eval()
    average = copy.deepcopy(model)   # EMA of the weights: what we validate and return
    history, step, phase_start, confusion = [], 0, time.perf_counter(), None
    stopped = False
    val_size = sum(map(len, val_sets))
    if on_batch:
        on_batch(TrainingMoment(0, total, 0, None, None, average))

    def report(b: int, val_accuracy: float | None = None, activity: str = "") -> None:
        elapsed = time.perf_counter() - phase_start
        on_progress(Progress(phase, epoch, epochs, step, total, loss_sum / (b + 1),
                             step * config.batch_size / elapsed, elapsed / step * (total - step),
                             val_accuracy, activity))

    for epoch in range(1, epochs + 1):
        if stopped:
            break
        order, loss_sum = pool.epoch_order(config.writer_balance, rng), 0.0
        for b in range(steps_per_epoch):
            if should_stop():
                stopped = True
                break
            images, labels = pool.batch(order[b * config.batch_size:(b + 1) * config.batch_size],
                                        config.raster, config.augment, rng)
            images = images.unsqueeze(1).to(device, memory_format=torch.channels_last)
            log_probs, _ = model(images)
            loss = F.cross_entropy(log_probs, labels.to(device), label_smoothing=config.label_smoothing)
            if teacher is not None:
                loss = _distill(loss, log_probs, teacher, images, config)
            if not math.isfinite(loss_value := loss.item()):
                raise TrainingDiverged(f"training diverged in epoch {epoch}, batch {b + 1}: the loss became "
                                       f"{loss_value} (is the learning rate, {config.lr:g}, too high?)")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            step += 1
            _update_average(average, model, step)
            loss_sum += loss_value
            last = b == steps_per_epoch - 1
            val_accuracy = None
            if last:
                if on_progress and val_size:     # a large set takes a while: say why the bar waits
                    report(b, activity=f"validating on {val_size:,} letters")
                try:
                    confusion = _validate(average, val_sets, config.raster, should_stop)
                except StopRequested:          # a large validation set: a stop need not wait for it
                    stopped = True
                    break
                val_accuracy = None if confusion is None else float(np.trace(confusion) / confusion.sum())
                history.append({"epoch": epoch, "loss": loss_sum / steps_per_epoch, "val_accuracy": val_accuracy})
                model.train()
            if on_progress and (last or step % 10 == 0):
                report(b, val_accuracy)
            if on_batch:
                on_batch(TrainingMoment(step, total, epoch, loss_sum / (b + 1), val_accuracy, average))
    model.load_state_dict(average.state_dict())   # hand back the averaged weights
    model.eval()
    return history, stopped, confusion


def _distill(label_loss: torch.Tensor, log_probs: torch.Tensor, teacher: nn.Module, images: torch.Tensor,
             config: TrainConfig) -> torch.Tensor:
    """Mix the label loss with the KL divergence from the teacher's softened
    output (Hinton et al. 2015; the T² keeps the gradients' scale)."""
    t = config.distill_temperature
    with torch.no_grad():
        target = F.log_softmax(teacher(images)[0] / t, dim=1)
    soft = F.kl_div(F.log_softmax(log_probs / t, dim=1), target, log_target=True, reduction="batchmean")
    return (1 - config.distill_weight) * label_loss + config.distill_weight * t * t * soft


@torch.no_grad()
def _update_average(average: nn.Module, model: nn.Module, step: int, decay: float = 0.999) -> None:
    """Exponential moving average of the weights: smooths out the last noisy
    steps for free.  The decay ramps up so short fine-tunes average few steps."""
    decay = min(decay, (1 + step) / (10 + step))
    for mean, current in zip(average.parameters(), model.parameters()):
        mean.lerp_(current, 1 - decay)
    for kept, current in zip(average.buffers(), model.buffers()):  # BatchNorm statistics
        if kept.is_floating_point():
            kept.lerp_(current, 1 - decay)
        else:
            kept.copy_(current)


def _validate(model: nn.Module, val_sets: list[Dataset], raster: RasterConfig,
              should_stop: Callable[[], bool]) -> np.ndarray | None:
    """The validation sets' confusion matrix (None without any): its trace
    gives the accuracy, and the last one is the run's result, not read again."""
    if not val_sets or not sum(map(len, val_sets)):
        return None
    return confusion_matrix(model, val_sets, raster, should_stop=should_stop)


def hold_out_writers(sets: list[Dataset], fraction: float, seed: int) -> tuple[list[Dataset], list[Dataset]]:
    """Each set split in two by writer: (the rest, ``fraction`` of its writers)."""
    train_sets, val_sets = [], []
    for s in sets:
        keep, held = split_by_writer(s.writers, fraction, seed)
        train_sets.append(s.subset(keep))
        val_sets.append(s.subset(held))
    return train_sets, val_sets


def clean_labels(sets: list[Dataset], config: TrainConfig, on_progress: ProgressCallback | None,
                 should_stop: Callable[[], bool]) -> tuple[list[Dataset], int]:
    """Drop samples whose label a model that never saw them confidently
    contradicts (2-fold, writer-disjoint cross-validation)."""
    cleaned, dropped = [], 0
    for s in sets:
        fold_a, fold_b = split_by_writer(s.writers, 0.5, config.seed + 1)
        suspect = np.zeros(len(s), dtype=bool)
        for fold, (train_idx, judge_idx) in enumerate(((fold_a, fold_b), (fold_b, fold_a)), 1):
            rng = np.random.default_rng(config.seed)
            pool = Pool([s.subset(train_idx)])
            mean, std = input_stats(pool, config.raster, rng)
            judge_model = build_model(config.arch, input_mean=mean, input_std=std,
                                      batch_norm=config.batch_norm)
            _, stopped, _ = fit(judge_model, pool, config, rng, [], f"clean {fold}/2", on_progress, should_stop,
                                epochs=config.clean_epochs)
            if stopped:
                return sets, 0
            probs = np.exp(predict_log_probs(judge_model, s.subset(judge_idx), config.raster))
            own = probs[np.arange(len(judge_idx)), s.labels[judge_idx]]
            suspect[judge_idx] = (own < 0.02) & (probs.max(axis=1) > 0.9)
        dropped += int(suspect.sum())
        cleaned.append(s.subset(np.flatnonzero(~suspect)))
    return cleaned, dropped
