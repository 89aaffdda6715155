"""Does our rasterizer draw what the data's own renderer drew?

    python -m model.rastercheck --strokes X_strokes.npz --images X.npz [--search]

Renders every drawing of the stroke file with the project's rasterizer and
compares it with the matching pre-rendered image: mean absolute pixel error
and ink ratio.  ``--search`` tries nearby pen widths, softness and sizes and
lists the best fits; that is how ``RasterConfig``'s defaults were chosen.
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys

import numpy as np

from .data import DatasetError, ImageSet, StrokeSet, load_dataset
from .ink import RasterConfig


def compare(strokes: StrokeSet, images: ImageSet, raster: RasterConfig) -> dict:
    ours = strokes.images(np.arange(len(strokes)), raster).numpy()
    theirs = images.pixels.astype(np.float32) / 255
    return {"mean_abs_error": float(np.abs(ours - theirs).mean()),
            "ink_ratio": float(ours.mean() / theirs.mean())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.rastercheck", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strokes", required=True)
    parser.add_argument("--images", required=True)
    parser.add_argument("--search", action="store_true")
    args = parser.parse_args(argv)
    try:
        strokes, images = load_dataset(args.strokes), load_dataset(args.images)
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not (isinstance(strokes, StrokeSet) and isinstance(images, ImageSet)
            and np.array_equal(strokes.labels, images.labels)):
        print("error: need a stroke file and the image file of the same samples", file=sys.stderr)
        return 2
    if not images.pixels.any():   # the ink ratio divides by their ink: NaN or Infinity, not JSON
        problem = "the images hold no ink" if len(images) else "no samples"
        print(f"error: {args.images}: {problem} to compare with", file=sys.stderr)
        return 2
    default = RasterConfig()
    result = {"default": {**dataclasses.asdict(default), **compare(strokes, images, default)}}
    if args.search:
        trials = [dataclasses.replace(default, long_side=ls, pen_radius=r, softness=s)
                  for ls, r, s in itertools.product([23, 24, 25], [0.8, 0.9, 1.0, 1.1, 1.2],
                                                    [0.5, 0.7, 0.9])]
        scored = sorted(({**dataclasses.asdict(t), **compare(strokes, images, t)} for t in trials),
                        key=lambda row: row["mean_abs_error"])
        result["best"] = scored[:5]
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
