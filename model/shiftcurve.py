"""Accuracy against shift: each network reads a set with every drawing moved
0 to 4 whole pixels (``model.translation``), one view each.

    python -m model.shiftcurve --strokes FILE [--weights FILE ...] [--record]

prints one JSON line per network.  ``--record`` stores the curve in each
checkpoint's facts, where Explain ▸ Why convolutions reads it: measured once,
not on every start of the app.  Point N of the curve is what
``python -m model.evaluate --shift N --views 1`` reads.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .checkpoint import CheckpointError, load_checkpoint, record_facts
from .data import DatasetError, load_dataset
from .paths import FLAT_WEIGHTS, SHIPPED_WEIGHTS
from .runtime import end_quietly_when_the_reader_stops
from .translation import accuracy_by_shift, curve_facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.shiftcurve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strokes", required=True, help="stroke .npz file (rendered by our rasterizer)")
    parser.add_argument("--weights", nargs="+", default=[str(SHIPPED_WEIGHTS), str(FLAT_WEIGHTS)],
                        help="checkpoints (default: the shipped CNN and flat network)")
    parser.add_argument("--record", action="store_true", help="store each curve in its checkpoint's facts")
    args = parser.parse_args(argv)
    try:
        dataset = load_dataset(args.strokes)
        checkpoints = [load_checkpoint(path) for path in args.weights]
    except (CheckpointError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if len(dataset) == 0:
        print(f"error: {args.strokes}: holds no samples to read", file=sys.stderr)
        return 2
    for path, checkpoint in zip(args.weights, checkpoints):
        curve = accuracy_by_shift(checkpoint.model, dataset, checkpoint.raster)
        print(json.dumps({"weights": Path(path).name, "data": dataset.name, "n": len(dataset),
                          "accuracy_by_shift": curve}))
        if args.record:
            record_facts(path, curve_facts(curve, dataset))
    return 0


if __name__ == "__main__":
    end_quietly_when_the_reader_stops()
    raise SystemExit(main())
