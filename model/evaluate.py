"""Evaluation: how well a checkpoint reads a labelled data set.

    python -m model.evaluate --strokes FILE.npz [--weights FILE] [--json] [--errors]

renders every sample with the project's rasterizer, classifies it as the app
reads a finished drawing (from ``--views`` views of it, default 8; 1 reads
each drawing once, the network alone; image files default to 1, since their
views are resampled pixels, not redrawn strokes, and read worse: Chars74K's
images 97.06 % with 8, 97.48 % with 1), and prints a report (with ``--json``:
one JSON object with ``n``, ``accuracy``, ``top3``, ``per_class``,
``confusions``, ``views`` and ``shift``).  ``--shift N`` moves every
drawing's image N whole pixels up, down, left or right after framing, each
drawing in its own random direction, the same for every network
(``model.translation``): a CNN barely notices, a flat network does.  ``--errors`` adds every misread sample:
its number, counted from 1 as the app's File > Open drawing counts, its label
and its reading (in JSON: ``errors``).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import textwrap

import numpy as np

from .checkpoint import CheckpointError, load_checkpoint
from .data import DatasetError, StrokeSet, load_dataset
from .evaluation import READ_VIEWS, format_report, predict_log_probs, score
from .network import CLASSES
from .paths import SHIPPED_WEIGHTS
from .runtime import end_quietly_when_the_reader_stops, interruptible, positive
from .translation import random_shifts


def pixels(text: str) -> int:
    """An argparse ``type``: a whole number of pixels, 0 or more."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


@interruptible("nothing written")
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--strokes", help="stroke .npz file (rendered by our rasterizer)")
    source.add_argument("--images", help="image .npz or EMNIST images-idx3 file")
    parser.add_argument("--weights", default=str(SHIPPED_WEIGHTS), help="checkpoint (default: shipped)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--views", type=positive(int),
                        help=f"views of each drawing to average (default: {READ_VIEWS.count} for strokes, as the "
                             "app reads a finished drawing, 1 for images; 1: the drawing alone)")
    parser.add_argument("--shift", type=pixels, default=0, metavar="N",
                        help="move every drawing N pixels up, down, left or right (random, the same for "
                             "every network) before reading it (default: 0)")
    parser.add_argument("--errors", action="store_true",
                        help="also list every misread sample: number (from 1), label, reading")
    args = parser.parse_args(argv)
    try:
        checkpoint = load_checkpoint(args.weights)
        dataset = load_dataset(args.strokes or args.images)
    except (CheckpointError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if len(dataset) == 0:       # an accuracy of 0 would read as a result
        print(f"error: {args.strokes or args.images}: holds no samples to evaluate", file=sys.stderr)
        return 2
    count = args.views or (READ_VIEWS.count if isinstance(dataset, StrokeSet) else 1)
    views = dataclasses.replace(READ_VIEWS, count=count)
    log_probs = predict_log_probs(checkpoint.model, dataset, checkpoint.raster, views=views,
                                  shifts=random_shifts(len(dataset), args.shift))
    result = {**score(log_probs, dataset.labels), "views": views.count, "shift": args.shift}
    if args.errors:
        readings = log_probs.argmax(axis=1)
        result["errors"] = [{"number": int(i) + 1, "true": CLASSES[dataset.labels[i]],
                             "predicted": CLASSES[readings[i]]} for i in np.flatnonzero(readings != dataset.labels)]
    if args.json:
        print(json.dumps(result))
    else:
        print(format_report(dataset.name, result))
        if args.errors:
            print(f"misread ({len(result['errors'])}), as number:label->reading")
            print(textwrap.fill("  ".join(f"{e['number']}:{e['true']}->{e['predicted']}" for e in result["errors"]),
                                100, initial_indent="  ", subsequent_indent="  "))
    return 0


if __name__ == "__main__":
    end_quietly_when_the_reader_stops()
    raise SystemExit(main())
