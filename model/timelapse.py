"""A training run's time-lapse: snapshots of the weights, to read a drawing
with the network as it was at any moment of the run.

Snapshots are taken on the training thread (``train_network``'s
``on_batch``), densely at the start, where learning is fastest, then about
every 1 % of the run (:func:`is_snapshot_batch`), and kept in memory within a
byte budget.  Each holds the network the run would save at that batch: the
moving average of the weights, with any BatchNorm folded away, in float32 so
that its readings are exact.  A :class:`LatestSnapshot` slot gives the app
the newest weights, copied at most every 250 ms, to watch a run live.
Reading happens wherever the reader lives (the app: its UI thread).
Files: ``model.timelapse_file``.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import torch
from torch import nn

from .checkpoint import Checkpoint
from .ink import RasterConfig
from .network import build_model
from .recognizer import Recognizer
from .training import BatchCallback, TrainingMoment

DEFAULT_BUDGET_BYTES = 100 * 2 ** 20   # about 180 snapshots of LetterNet's 0.55 MB
WATCH_INTERVAL_S = 0.25                # the app's rate for watching a run live
SNAPSHOTS_PER_RUN = 100                # after the dense start: about every 1 % of the run


# ------------------------------------------------------------------ schedule

def snapshot_interval(batches: int) -> int:
    """Batches between snapshots once the dense start is over: about 1 % of the run."""
    return max(1, -(-batches // SNAPSHOTS_PER_RUN))


def is_snapshot_batch(batch: int, batches: int) -> bool:
    """Whether a run of ``batches`` batches takes a snapshot after ``batch``
    of them (0: the weights it starts from).  Dense at the start, where
    learning is fastest: 0, 5, 10, 20, 50, 100, 200, 500... (while they come
    more often than the interval), then every :func:`snapshot_interval`
    batches, and the end of the run."""
    if not 0 <= batch <= batches:
        raise ValueError(f"batch {batch} is not within a run of {batches} batches")
    interval = snapshot_interval(batches)
    return batch in (0, batches) or batch % interval == 0 or (batch < interval and _one_two_five(batch))


def snapshot_batches(batches: int) -> list[int]:
    """Every batch a run of ``batches`` batches takes a snapshot after, in order."""
    interval = snapshot_interval(batches)
    log_steps = {m * 10 ** k for k in range(len(str(interval))) for m in (1, 2, 5)}
    candidates = {0, batches, *range(interval, batches + 1, interval), *log_steps}
    return sorted(b for b in candidates if b <= batches and is_snapshot_batch(b, batches))


def _one_two_five(batch: int) -> bool:
    """5, 10, 20, 50, 100, 200, 500...: evenly spaced on a log scale."""
    if batch < 5:
        return False
    while batch % 10 == 0:
        batch //= 10
    return batch in (1, 2, 5)


# ------------------------------------------------------------------ snapshots

def state_shapes(arch: str) -> dict[str, torch.Size]:
    """Each entry of the plain ``arch`` network's state dict, and its shape."""
    return {name: tensor.shape for name, tensor in build_model(arch).state_dict().items()}


def snapshot_bytes(arch: str) -> int:
    """The bytes of one snapshot of the ``arch`` network (float32)."""
    return 4 * sum(math.prod(shape) for shape in state_shapes(arch).values())


@dataclass(frozen=True, eq=False)   # by identity: == on dicts of tensors would raise
class Snapshot:
    """The network a run would save after ``batch`` batches, and how it stood."""
    batch: int
    epoch: int                    # 0: before the first batch
    loss: float | None            # running mean of the epoch's training loss (None at batch 0)
    val_accuracy: float | None    # on the last batch of an epoch
    state: dict[str, torch.Tensor]   # the plain network's state dict: float32, on the CPU, never changed

    @classmethod
    def of(cls, moment: TrainingMoment) -> "Snapshot":
        """A copy of ``moment``'s network, BatchNorm folded as training will
        fold it at the end (a few hundred microseconds for LetterNet)."""
        state = {name: tensor.to("cpu", torch.float32) for name, tensor in moment.network.plain_state_dict().items()}
        return cls(moment.batch, moment.epoch, moment.loss, moment.val_accuracy, state)

    @property
    def nbytes(self) -> int:
        return sum(tensor.numel() * tensor.element_size() for tensor in self.state.values())


class LatestSnapshot:
    """The newest snapshot of a run, for watching it live: the training
    thread offers one after every batch and a copy is taken at most every
    ``interval_s``; the app polls :meth:`latest` from its own thread."""

    def __init__(self, interval_s: float = WATCH_INTERVAL_S):
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._taken_at = -float("inf")

    def due(self) -> bool:
        return time.monotonic() - self._taken_at >= self.interval_s

    def put(self, snapshot: Snapshot) -> None:
        with self._lock:
            self._snapshot = snapshot
            self._taken_at = time.monotonic()

    def latest(self) -> Snapshot | None:
        with self._lock:
            return self._snapshot


class TimeLapse:
    """A run's snapshots, in batch order, within ``budget_bytes``.  When a
    new one would go over, every other one is dropped, and from then on only
    every other one added is kept, so those kept stay evenly spread over the
    snapshots taken; the first and the newest are always kept.  Snapshots are
    added on the training thread and read on another: a lock guards them."""

    def __init__(self, arch: str = "letternet", raster: RasterConfig = RasterConfig(),
                 budget_bytes: int = DEFAULT_BUDGET_BYTES, batches: int = 0):
        self.arch = arch
        self.raster = raster
        self.budget_bytes = budget_bytes
        self.batches = batches           # the run's length, once known
        self.snapshot_bytes = snapshot_bytes(arch)
        if budget_bytes < 2 * self.snapshot_bytes:
            raise ValueError(f"a time-lapse budget of {budget_bytes:,} bytes cannot hold two snapshots "
                             f"of {self.snapshot_bytes:,} bytes (the first and the last)")
        self._kept: list[tuple[int, Snapshot]] = []   # (order added, snapshot): every stride-th one
        self._newest: tuple[int, Snapshot] | None = None  # the newest, when not one of those
        self._added, self._stride = 0, 1
        self._snapshots: list[Snapshot] = []          # what is shown: the kept ones and the newest
        self._lock = threading.Lock()
        self._network: nn.Module | None = None   # one module, reloaded for each reading

    def wants(self, moment: TrainingMoment) -> bool:
        return is_snapshot_batch(moment.batch, moment.batches)

    def add(self, snapshot: Snapshot, batches: int | None = None) -> None:
        """Append ``snapshot`` (the newest of the run), thinning to the budget."""
        with self._lock:
            if self._snapshots and snapshot.batch <= self._snapshots[-1].batch:
                raise ValueError(f"snapshot of batch {snapshot.batch} comes after batch "
                                 f"{self._snapshots[-1].batch}: snapshots are added in order")
            if batches is not None:
                self.batches = batches
            entry, self._added = (self._added, snapshot), self._added + 1
            if entry[0] % self._stride == 0:
                self._kept.append(entry)
                self._newest = None
            else:
                self._newest = entry
            self._snapshots = self._shown()
            while self._nbytes() > self.budget_bytes and len(self._kept) > 1:
                self._stride *= 2
                self._kept = [(order, kept) for order, kept in self._kept if order % self._stride == 0]
                self._newest = None if self._kept[-1][0] == entry[0] else entry
                self._snapshots = self._shown()

    def _shown(self) -> list[Snapshot]:
        return [kept for _, kept in self._kept] + ([self._newest[1]] if self._newest else [])

    def _nbytes(self) -> int:
        return sum(s.nbytes for s in self._snapshots)

    @property
    def nbytes(self) -> int:
        """The bytes of weights kept: at most ``budget_bytes``."""
        with self._lock:
            return self._nbytes()

    @property
    def snapshots(self) -> list[Snapshot]:
        """The snapshots now kept (a list of its own: the run may add more)."""
        with self._lock:
            return list(self._snapshots)

    def __len__(self) -> int:
        with self._lock:
            return len(self._snapshots)

    def __getitem__(self, index: int) -> Snapshot:
        with self._lock:
            return self._snapshots[index]

    def network_of(self, snapshot: Snapshot) -> nn.Module:
        """The network with ``snapshot``'s weights, in eval mode.  One module
        serves every call: what an earlier call returned now reads with these
        weights too.  For the thread that reads, never the training one."""
        if self._network is None:
            self._network = build_model(self.arch).eval()
        self._network.load_state_dict(snapshot.state)
        return self._network

    def network_at(self, index: int) -> nn.Module:
        return self.network_of(self[index])

    def reader_of(self, snapshot: Snapshot) -> Recognizer:
        """A reader of drawings by ``snapshot``'s weights, as the app reads with
        the model in use (the same one module as :meth:`network_of`)."""
        checkpoint = Checkpoint(self.network_of(snapshot), self.arch, self.raster,
                                {"meta": {"timelapse_batch": snapshot.batch}})
        return Recognizer(checkpoint, f"the training model at batch {snapshot.batch}")

    def reader_at(self, index: int) -> Recognizer:
        return self.reader_of(self[index])


def snapshot_taker(timelapse: TimeLapse | None = None, watch: LatestSnapshot | None = None) -> BatchCallback:
    """``train_network``'s ``on_batch``: snapshots for ``timelapse`` at its
    schedule and for ``watch`` at its rate, one copy serving both."""
    def take(moment: TrainingMoment) -> None:
        for_timelapse = timelapse is not None and timelapse.wants(moment)
        for_watch = watch is not None and (watch.due() or moment.batch == moment.batches)
        if not (for_timelapse or for_watch):
            return
        snapshot = Snapshot.of(moment)
        if for_timelapse:
            timelapse.add(snapshot, moment.batches)
        if for_watch:
            watch.put(snapshot)
    return take
