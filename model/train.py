"""Train a network from the command line.

    python -m model.train --data DIR_OR_FILE [...] [--val FILE ...] [--epochs N] [--out FILE]

Stroke data is rendered batch by batch by the app's own rasterizer, each
drawing with its own random distortion.  Shows a progress bar with ETA and
writes a checkpoint with the facts of the run.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys

import torch

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .data import DatasetError, load_many
from .network import ARCHITECTURES
from .training import Progress, ProgressCallback, TrainConfig, clean_labels, train_network


def _progress_printer(stream=sys.stderr) -> ProgressCallback:
    def show(p: Progress) -> None:
        width = 30
        done = int(width * p.step / p.steps)
        val = f"  val {p.val_accuracy:.2%}" if p.val_accuracy is not None else ""
        stream.write(f"\r{p.phase} epoch {p.epoch}/{p.epochs} [{'#' * done}{'.' * (width - done)}] "
                     f"loss {p.loss:.3f}  {p.samples_per_s:,.0f}/s  ETA {_clock(p.eta_s)}{val}   ")
        if p.val_accuracy is not None or p.step == p.steps:
            stream.write("\n")
        stream.flush()
    return show


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = TrainConfig()
    parser.add_argument("--data", nargs="+", required=True, help="data set files or folders")
    parser.add_argument("--val", nargs="*", help="held-out sets (default: hold out some training writers)")
    parser.add_argument("--arch", default=defaults.arch, choices=sorted(ARCHITECTURES))
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--clean-labels", action="store_true", help=clean_labels.__doc__.split("\n")[0])
    parser.add_argument("--finetune", metavar="WEIGHTS", help="start from this checkpoint")
    parser.add_argument("--device", default=defaults.device, choices=["cpu", "cuda", "auto"])
    parser.add_argument("--threads", type=int, help="CPU threads (default: torch's choice)")
    parser.add_argument("--out", default="runs/letternet.pt", help="checkpoint to write")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    config = dataclasses.replace(defaults, arch=args.arch, epochs=args.epochs, batch_size=args.batch_size,
                                 lr=args.lr, seed=args.seed, clean_labels=args.clean_labels,
                                 device=args.device)
    try:
        train_sets = load_many(args.data)
        val_sets = load_many(args.val) if args.val else None
        start = load_checkpoint(args.finetune) if args.finetune else None
    except (DatasetError, CheckpointError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if start:
        config = dataclasses.replace(config, raster=start.raster, arch=start.arch)
    print(f"training on {', '.join(f'{s.name} ({len(s):,})' for s in train_sets)}", file=sys.stderr)
    try:
        result = train_network(train_sets, config, val_sets=val_sets, model=start and start.model,
                               on_progress=_progress_printer())
    except KeyboardInterrupt:
        print("\ninterrupted: nothing saved", file=sys.stderr)
        return 130
    meta = {
        "train_data": {s.name: len(s) for s in train_sets},
        "train_size": result.train_size,
        "dropped_labels": result.dropped_labels,
        "val_data": {s.name: len(s) for s in val_sets} if val_sets else "held-out training writers",
        "val_accuracy": result.val_accuracy,
        "history": result.history,
        "epochs": config.epochs,
        "seed": config.seed,
        "augment": dataclasses.asdict(config.augment),
        "wall_time_s": round(result.seconds, 1),
        "threads": torch.get_num_threads(),
        "finetuned_from": args.finetune,
        "torch": str(torch.__version__),
    }
    path = save_checkpoint(args.out, result.model, arch=config.arch, raster=config.raster, meta=meta)
    val = f", validation accuracy {result.val_accuracy:.2%}" if result.val_accuracy is not None else ""
    print(f"saved {path} after {_clock(result.seconds)}{val}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
