"""Hold out whole contributors (labs) of a stroke set, to check a recipe on
writers from labs it never trained on, instead of on the test set.

    python -m model.split --strokes ../shared/data/unipen_letters_strokes.npz \\
        --hold-out tos imp aga syn --out runs/labs

writes ``rest_strokes.npz`` (train on it) and ``held_out_strokes.npz``
(evaluate on it) in ``--out``.  A writer id ``lab/WRITER_ID`` (UNIPEN's form)
belongs to its lab.  The files copy the data sample by sample: keep them in
``runs/``, which git ignores, and never commit them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from .data import DatasetError, StrokeSet, contributors, load_dataset, save_strokes, split_by_contributor
from .paths import write_error, write_problem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.split", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strokes", required=True, help="a stroke .npz with writer ids")
    parser.add_argument("--hold-out", nargs="+", required=True, metavar="LAB", help="contributors to hold out")
    parser.add_argument("--out", default="runs/labs", help="folder for the two files (default: runs/labs)")
    args = parser.parse_args(argv)
    try:
        dataset = load_dataset(args.strokes)
        if not isinstance(dataset, StrokeSet):
            raise DatasetError(f"{args.strokes}: holds images; the split keeps strokes")
        rest, held_out = split_by_contributor(dataset, args.hold_out)
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    parts = {Path(args.out) / "rest_strokes.npz": rest, Path(args.out) / "held_out_strokes.npz": held_out}
    if problem := next(filter(None, map(write_problem, parts)), None):   # before either file is written
        print(f"error: {problem}", file=sys.stderr)
        return 2
    for path, part in parts.items():
        try:
            save_strokes(path, part.ink, part.labels, part.writers)
        except OSError as exc:   # a full disk...
            print(f"error: {write_error(path, exc)}", file=sys.stderr)
            return 2
        print(f"{path}: {len(part):,} letters, {len(np.unique(part.writers))} writers "
              f"of {len(np.unique(contributors(part.writers)))} contributors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
