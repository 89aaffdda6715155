"""Benchmarks, printed as JSON: ``python -m model.bench [--json]``.

* ``predict_ms_1thread_median`` / ``_p90``: one prediction (render the ink,
  forward pass with every activation) on one thread, as the app does it;
* ``predict_ms_median``: the same on torch's default threads;
* ``forward_ms_1thread_median``: the network alone, without rendering;
* ``render_batch_256_ms_median``: rendering 256 drawings with augmentation;
* ``train_samples_per_s``: training throughput, rendering included;
* ``peak_rss_mb``: the process's peak resident memory.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch

from .checkpoint import CheckpointError
from .data import StrokeSet
from .ink import Augment, InkBatch, RasterConfig, render_batch
from .network import LetterNet
from .paths import SHIPPED_WEIGHTS
from .recognizer import Recognizer
from .training import Pool, TrainConfig, fit


def synthetic_inks(n: int, seed: int = 0) -> InkBatch:
    """Letter-sized scribbles (3 strokes of 20 points each) for timing only."""
    rng = np.random.default_rng(seed)
    inks = [[np.cumsum(rng.normal(0, 3, (20, 2)), axis=0) for _ in range(3)] for _ in range(n)]
    return InkBatch.from_inks(inks)


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
    torch.set_num_threads(default_threads)
    many = time_ms(lambda: recognizer.predict(ink), repeats)
    return {
        "predict_ms_1thread_median": float(np.median(one)),
        "predict_ms_1thread_p90": float(np.percentile(one, 90)),
        "predict_ms_median": float(np.median(many)),
        "forward_ms_1thread_median": float(np.median(forward)),
        "threads_default": default_threads,
    }


def bench_training(samples: int) -> dict:
    batch = synthetic_inks(samples)
    data = StrokeSet("synthetic", batch, np.arange(samples) % 26, np.zeros(samples).astype(str))
    render_ms = time_ms(lambda: render_batch(batch.subset(np.arange(min(256, samples))), RasterConfig(), Augment(),
                                             np.random.default_rng(0)), 10, warmup=2)
    config = TrainConfig(epochs=1)
    model = LetterNet()
    fit(model, Pool([data]), config, np.random.default_rng(0), [], "bench", None, lambda: False,
        epochs=1)  # warm-up: first calls allocate and pick kernels
    start = time.perf_counter()
    fit(model, Pool([data]), config, np.random.default_rng(0), [], "bench", None, lambda: False, epochs=1)
    seconds = time.perf_counter() - start
    steps = max(1, samples // config.batch_size)   # as fit() counts them
    return {"render_batch_256_ms_median": float(np.median(render_ms)),
            "train_samples_per_s": steps * min(samples, config.batch_size) / seconds}


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
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--train-samples", type=int, default=5120)
    args = parser.parse_args(argv)
    try:
        recognizer = Recognizer.load(args.weights)
    except CheckpointError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = {**bench_predict(recognizer, args.repeats), **bench_training(args.train_samples)}
    result["peak_rss_mb"] = peak_rss_mb()
    result["torch"] = torch.__version__
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32s} {value:.3f}" if isinstance(value, float) else f"{key:32s} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
