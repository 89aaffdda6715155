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
    for name, part in [("rest", rest), ("held_out", held_out)]:
        path = save_strokes(Path(args.out) / f"{name}_strokes.npz", part.ink, part.labels, part.writers)
        print(f"{path}: {len(part):,} letters, {len(np.unique(part.writers))} writers "
              f"of {len(np.unique(contributors(part.writers)))} contributors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
