"""Evaluation: how well a checkpoint reads a labelled data set.

    python -m model.evaluate --strokes FILE.npz [--weights FILE] [--json]

renders every sample with the project's rasterizer, classifies it, and prints
a report (with ``--json``: one JSON object with ``n``, ``accuracy``, ``top3``,
``per_class`` and ``confusions``).
"""
from __future__ import annotations

import argparse
import json
import sys

from .checkpoint import CheckpointError, load_checkpoint
from .data import DatasetError, load_dataset
from .evaluation import evaluate_network, format_report
from .paths import SHIPPED_WEIGHTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--strokes", help="stroke .npz file (rendered by our rasterizer)")
    source.add_argument("--images", help="image .npz or EMNIST images-idx3 file")
    parser.add_argument("--weights", default=str(SHIPPED_WEIGHTS), help="checkpoint (default: shipped)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        checkpoint = load_checkpoint(args.weights)
        dataset = load_dataset(args.strokes or args.images)
    except (CheckpointError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = evaluate_network(checkpoint.model, dataset, checkpoint.raster)
    print(json.dumps(result) if args.json else format_report(dataset.name, result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
