"""Benchmarks, printed as JSON: ``python -m model.bench [--json]``.

* ``predict_ms_1thread_median`` / ``_p90``: one prediction (render the ink,
  forward pass with every activation) on one thread, as the app does it;
* ``predict_ms_median``: the same on torch's default threads;
* ``read_ms_1thread_median`` / ``_p90``: reading a finished drawing, from its
  8 views in one forward pass (``READ_VIEWS``), on one thread: the app does
  this once when the pen lifts, and the one-view prediction on every move;
* ``forward_ms_1thread_median``: the network alone, without rendering;
* ``render_batch_256_ms_median``: rendering 256 drawings with augmentation;
* ``train_samples_per_s``: training throughput, rendering included;
* ``train_samples_per_s_watched``: the same while snapshots are taken as the
  app takes them, for the time-lapse's schedule and every 250 ms to watch
  (the two are timed in turn, three times each, and each is the best of
  its three, so that a busy machine's bursts of load hardly enter their ratio);
* ``finetune_50_samples_s``: teaching the network (``--weights``) a new
  shape from 50 drawings, with replay (``personalize.finetune_on_samples``),
  from loading the replay set to the finished model; ``finetune_replay``
  names the replay set: UNIPEN from the shared data when it is there
  (``--replay``), else synthetic scribbles (the same work, for timing only);
* ``peak_rss_mb``: the process's peak resident memory.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from .checkpoint import CheckpointError, load_checkpoint
from .data import Dataset, DatasetError, StrokeSet, load_dataset
from .evaluation import READ_VIEWS
from .ink import Augment, InkBatch, RasterConfig, render_batch
from .network import CLASSES, LetterNet
from .paths import PROJECT_ROOT, SHIPPED_WEIGHTS
from .personalize import FinetuneConfig, finetune_on_samples
from .recognizer import Recognizer
from .runtime import positive, print_figures
from .timelapse import LatestSnapshot, TimeLapse, snapshot_taker
from .training import Pool, TrainConfig, fit


def synthetic_inks(n: int, seed: int = 0) -> InkBatch:
    """Letter-sized scribbles (3 strokes of 20 points each) for timing only."""
    rng = np.random.default_rng(seed)
    inks = [[np.cumsum(rng.normal(0, 3, (20, 2)), axis=0) for _ in range(3)] for _ in range(n)]
    return InkBatch.from_inks(inks)


def star_inks(n: int, seed: int = 0) -> InkBatch:
    """A five-pointed star drawn in one stroke, as a pad would record it,
    each copy a little different (corners, slant, width, size, place, tremor).
    No letter looks like it: the shipped network reads it as a, d or t."""
    rng = np.random.default_rng(seed)
    angles = np.pi / 2 + np.arange(6) * 4 * np.pi / 5
    corners = np.stack([np.cos(angles), -np.sin(angles)], 1)   # y down
    along = np.linspace(0, 1, 12)[:-1, None]                    # points per edge, as a pad samples
    inks = []
    for _ in range(n):
        v = corners + rng.normal(0, 0.06, corners.shape)
        theta = np.deg2rad(rng.uniform(-12, 12))
        rotate = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        v = v @ rotate.T * [rng.uniform(0.85, 1.15), 1.0]
        points = np.concatenate([a + along * (b - a) for a, b in zip(v[:-1], v[1:])] + [v[-1:]])
        points = points * rng.uniform(60, 200) + rng.uniform(0, 300, 2)
        inks.append([points + rng.normal(0, 0.5, points.shape)])
    return InkBatch.from_inks(inks)


def default_replay_path() -> Path:
    data = os.environ.get("LETTERLENS_DATA") or PROJECT_ROOT.parent / "shared" / "data"
    return Path(data) / "unipen_letters_strokes.npz"


def time_ms(fn, repeats: int, warmup: int = 20) -> np.ndarray:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return np.array(times)


def bench_predict(recognizer: Recognizer, repeats: int) -> dict:
    ink = synthetic_inks(1).ink(0)
    default_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    one = time_ms(lambda: recognizer.predict(ink), repeats)
    x = torch.from_numpy(recognizer.predict(ink).image)[None, None].contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        forward = time_ms(lambda: recognizer.model(x), repeats)
    read = time_ms(lambda: recognizer.predict(ink, READ_VIEWS), repeats)
    torch.set_num_threads(default_threads)
    many = time_ms(lambda: recognizer.predict(ink), repeats)
    return {
        "predict_ms_1thread_median": float(np.median(one)),
        "predict_ms_1thread_p90": float(np.percentile(one, 90)),
        "predict_ms_median": float(np.median(many)),
        "forward_ms_1thread_median": float(np.median(forward)),
        "read_ms_1thread_median": float(np.median(read)),
        "read_ms_1thread_p90": float(np.percentile(read, 90)),
        "threads_default": default_threads,
    }


def bench_training(samples: int) -> dict:
    batch = synthetic_inks(samples)
    data = StrokeSet("synthetic", batch, np.arange(samples) % 26, np.zeros(samples).astype(str))
    render_ms = time_ms(lambda: render_batch(batch.subset(np.arange(min(256, samples))), RasterConfig(), Augment(),
                                             np.random.default_rng(0)), 10, warmup=2)
    config = TrainConfig(epochs=1)
    model = LetterNet()

    def train(on_batch=None) -> float:
        start = time.perf_counter()
        fit(model, Pool([data]), config, np.random.default_rng(0), [], "bench", None, lambda: False,
            epochs=1, on_batch=on_batch)
        return time.perf_counter() - start

    train()   # warm-up: first calls allocate and pick kernels
    best = {"plain": math.inf, "watched": math.inf}
    for _ in range(3):
        for kind in ("plain", "watched"):
            on_batch = snapshot_taker(TimeLapse(), LatestSnapshot()) if kind == "watched" else None
            best[kind] = min(best[kind], train(on_batch))
    trained = max(1, samples // config.batch_size) * min(samples, config.batch_size)   # as fit() counts them
    return {"render_batch_256_ms_median": float(np.median(render_ms)),
            "train_samples_per_s": trained / best["plain"],
            "train_samples_per_s_watched": trained / best["watched"]}


def load_replay(path: Path) -> tuple[Dataset, float]:
    """The fine-tuning bench's replay set (synthetic when ``path`` is missing)
    and the seconds it took to load, part of the fine-tune's time.  Loaded
    before any bench runs, so that a bad file fails at once, not minutes in."""
    began = time.perf_counter()
    if path.exists():
        replay = load_dataset(path)
    else:
        n = 5120
        replay = StrokeSet("synthetic", synthetic_inks(n, seed=1), np.arange(n) % 26, np.full(n, "x"))
    return replay, time.perf_counter() - began


def bench_finetune(weights: str, replay_path: Path, loaded: tuple[Dataset, float] | None = None) -> dict:
    """Fine-tune on 50 stars labelled k, cold, as the app would.  ``loaded``:
    ``load_replay(replay_path)``, where the caller has called it already."""
    replay, load_s = loaded or load_replay(replay_path)
    samples = 50
    start = load_checkpoint(weights)
    mine = StrokeSet("stars", star_inks(samples), np.full(samples, CLASSES.index("k")),
                     np.full(samples, "me"))
    began = time.perf_counter()
    finetune_on_samples(start, mine, [replay], FinetuneConfig())
    return {"finetune_50_samples_s": time.perf_counter() - began + load_s, "finetune_replay": replay.name}


def peak_rss_mb() -> float | None:
    try:
        import resource  # POSIX only
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    parser.add_argument("--weights", default=str(SHIPPED_WEIGHTS))
    parser.add_argument("--repeats", type=positive(int), default=300)
    parser.add_argument("--train-samples", type=positive(int), default=5120)
    parser.add_argument("--replay", type=Path, default=default_replay_path(),
                        help="replay set for the fine-tuning bench (synthetic when missing)")
    args = parser.parse_args(argv)
    try:
        recognizer = Recognizer.load(args.weights)
        replay = load_replay(args.replay)
    except (CheckpointError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = {**bench_predict(recognizer, args.repeats), **bench_training(args.train_samples),
              **bench_finetune(args.weights, args.replay, replay)}
    result["peak_rss_mb"] = peak_rss_mb()
    result["torch"] = torch.__version__
    print_figures(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
