"""Process-wide settings and output shared by the command-line tools."""
import argparse
import functools
import json
import math
import platform
import signal
import sys
from typing import Callable

import numpy as np
import torch


def set_cpu_threads(threads: int) -> None:
    """Use ``threads`` CPU threads for torch operations.

    The desktop app uses one: a letter is too small to split across threads,
    and when a background retrain shares the CPU, torch's multi-threaded
    kernels stall (spinning workers wait for a busy core) and the pad stutters.
    """
    torch.set_num_threads(max(1, int(threads)))


def end_quietly_when_the_reader_stops() -> None:
    """``python -m model.samples list | head`` closes the pipe early: end
    as other Unix tools do, instead of with a BrokenPipeError traceback.
    For the tools' ``__main__`` only, never for a process that imports us."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def positive(kind: type, span: tuple[float, float] | None = None) -> Callable[[str], int | float]:
    """An argparse ``type``: a number of ``kind`` above 0 (and within
    ``span``, where given).  Zero epochs or a negative batch size would
    otherwise fail late, or quietly do nothing."""
    def parse(text: str):
        value = kind(text)   # a ValueError: argparse says "invalid int value: 'x'"
        if not (math.isfinite(value) and value > 0):
            raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
        return _within(value, text, span)
    parse.__name__ = kind.__name__
    return parse


def number_in(span: tuple[float, float]) -> Callable[[str], float]:
    """An argparse ``type``: a number from ``span[0]`` to ``span[1]``."""
    def parse(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a number from {span[0]:g} to {span[1]:g}, got {text}")
        return _within(value, text, span)
    parse.__name__ = "float"
    return parse


def _within(value, text: str, span: tuple[float, float] | None):
    if span is not None and not span[0] <= value <= span[1]:
        raise argparse.ArgumentTypeError(f"must be from {span[0]:g} to {span[1]:g}, got {text}")
    return value


def interruptible(kept: str) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """A tool's ``main`` that a Ctrl+C (while loading data, training, saving...)
    ends with one line saying what was kept, and exit status 130, as shells
    report an interrupt, instead of a KeyboardInterrupt traceback."""
    def wrap(main: Callable[..., int]) -> Callable[..., int]:
        @functools.wraps(main)
        def run(*args, **kwargs) -> int:
            try:
                return main(*args, **kwargs)
            except KeyboardInterrupt:
                print(f"\ninterrupted: {kept}", file=sys.stderr)
                return 130
        return run
    return wrap


def library_versions() -> dict[str, str]:
    """What this process computes with, for bug reports and benchmark figures."""
    return {"Python": platform.python_version(), "PyTorch": torch.__version__, "NumPy": np.__version__}


def print_figures(result: dict, as_json: bool) -> None:
    """A benchmark's figures: one JSON object, or aligned lines for people."""
    if as_json:
        print(json.dumps(result))
        return
    width = max(map(len, result), default=0)
    for key, value in result.items():
        print(f"{key:{width}s}  {value:.3f}" if isinstance(value, float) else f"{key:{width}s}  {value}")
