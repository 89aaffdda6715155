"""Train a network from the command line.

    python -m model.train --data DIR_OR_FILE [...] [--val FILE ...] [--epochs N] [--out FILE]
    python -m model.train --my-samples [--samples-db FILE] [--finetune WEIGHTS]
                          --data BASE_DATA [--val FILE ...] [--out FILE]

Stroke data is rendered batch by batch by the app's own rasterizer, each
drawing with its own random distortion.  Shows a progress bar with ETA and
writes a checkpoint with the facts of the run.

With --my-samples, the network (default: the shipped one) is fine-tuned on
your own drawings (``python -m model.samples``), mixed with a replay of
--data, its training data, so that it does not forget everyone else's
letters.  Files also given as --val are left out of the replay.  Without
--data, pass --no-replay to accept that other letters will suffer.  The
result goes to runs/ (never onto the shipped weights).

With --timelapse FILE, the run's time-lapse goes to FILE too: snapshots of
the weights from the first batch to the last, which the app can scrub through.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .data import DatasetError, find_datasets, load_many
from .network import ARCHITECTURES, CLASSES
from .paths import SHIPPED_WEIGHTS, write_error, write_problem
from .personalize import FinetuneConfig, finetune_on_samples
from .runtime import interruptible, number_in, positive
from .sample_store import SampleStore, SampleStoreError, default_home, default_store_path
from .timelapse import TimeLapse, snapshot_taker
from .timelapse_file import save_timelapse
from .training import (LR_RANGE, WRITER_BALANCE_RANGE, Progress, ProgressCallback, TrainConfig, TrainingDiverged,
                       TrainingError, TrainResult, run_record, train_network)


def _progress_printer(stream=sys.stderr) -> ProgressCallback:
    def show(p: Progress) -> None:
        width = 30
        if p.activity:
            stream.write(f"\r{p.phase} epoch {p.epoch}/{p.epochs}: {p.activity}…".ljust(100))
            stream.flush()
            return
        done = int(width * p.step / p.steps)
        val = f"  val {p.val_accuracy:.2%}" if p.val_accuracy is not None else ""
        stream.write(f"\r{p.phase} epoch {p.epoch}/{p.epochs} [{'#' * done}{'.' * (width - done)}] "
                     f"loss {p.loss:.3f}  {p.samples_per_s:,.0f}/s  ETA {_clock(p.eta_s)}{val}".ljust(100))
        if p.val_accuracy is not None or p.step == p.steps:
            stream.write("\n")
        stream.flush()
    return show


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


@interruptible("nothing saved")
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = TrainConfig()
    parser.add_argument("--data", nargs="+", help="data set files or folders (with --my-samples: "
                                                   "the replay set, e.g. the base training data)")
    parser.add_argument("--val", nargs="*", help="held-out sets (default: hold out some training writers)")
    parser.add_argument("--arch", default=defaults.arch, choices=sorted(ARCHITECTURES),
                        help="letternet: the CNN the app reads with (default); flat: the fully connected "
                             "network Explain ▸ Why convolutions compares it with")
    parser.add_argument("--epochs", type=positive(int), default=defaults.epochs)
    parser.add_argument("--batch-size", type=positive(int), help=f"default: {defaults.batch_size}; "
                                                        f"with --my-samples {FinetuneConfig.batch_size}")
    parser.add_argument("--lr", type=positive(float, LR_RANGE),
                        help=f"peak learning rate, {LR_RANGE[0]:g} to {LR_RANGE[1]:g} (default: {defaults.lr}; "
                             f"with --my-samples {FinetuneConfig.lr})")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--writer-balance", type=number_in(WRITER_BALANCE_RANGE), metavar="P",
                        help="weigh each writer's samples by count ** -P, so prolific writers count less: "
                             f"0 every sample alike, 1 every writer alike (default: {defaults.writer_balance})")
    parser.add_argument("--clean-labels", action="store_true",
                        help="drop samples whose label a model that never saw them confidently contradicts "
                             "(2-fold, writer-disjoint cross-validation)")
    parser.add_argument("--finetune", metavar="WEIGHTS", help="start from this checkpoint")
    parser.add_argument("--teacher", metavar="WEIGHTS",
                        help="distil from this trained network: half the loss follows its soft labels")
    parser.add_argument("--device", default=defaults.device, choices=["cpu", "cuda", "auto"])
    parser.add_argument("--threads", type=positive(int), help="CPU threads (default: torch's choice)")
    parser.add_argument("--out", help="checkpoint to write (default: runs/ARCH.pt, e.g. runs/letternet.pt; "
                                      "with --my-samples runs/letternet-me.pt)")
    parser.add_argument("--timelapse", metavar="FILE", type=Path,
                        help="also write the run's time-lapse (snapshots of the weights) to FILE")
    mine = parser.add_argument_group("fine-tuning on your own drawings")
    mine.add_argument("--my-samples", action="store_true",
                      help="fine-tune on the samples database, replaying --data")
    mine.add_argument("--samples-db", metavar="FILE", help=f"default: {default_store_path()}")
    mine.add_argument("--steps", type=positive(int), default=FinetuneConfig.steps, help="fine-tuning batches")
    mine.add_argument("--no-replay", action="store_true",
                      help="fine-tune on your samples alone (other letters will suffer)")
    args = parser.parse_args(argv)
    if args.no_replay and (args.data or not args.my_samples):
        parser.error("--no-replay goes with --my-samples, instead of --data")
    if not args.data and not args.no_replay:
        parser.error("--data is required (with --my-samples: the replay set, or pass --no-replay)")
    # Each architecture its own default file: a flat run must not overwrite a LetterNet run.
    args.out = Path(args.out or ("runs/letternet-me.pt" if args.my_samples else f"runs/{args.arch}.pt"))
    # Now, not after the whole run.
    if problem := write_problem(args.out) or (args.timelapse and write_problem(args.timelapse)):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    if args.my_samples:
        if args.writer_balance is not None or args.teacher:
            # The fine-tune's mix of your drawings and the replay is a fixed, measured recipe.
            parser.error("--writer-balance and --teacher train from scratch; they do not go with --my-samples")
        return _finetune_on_my_samples(args)
    if args.writer_balance is None:
        args.writer_balance = defaults.writer_balance
    config = dataclasses.replace(defaults, arch=args.arch, epochs=args.epochs,
                                 batch_size=_given(args.batch_size, defaults.batch_size),
                                 lr=_given(args.lr, defaults.lr),
                                 seed=args.seed, clean_labels=args.clean_labels, device=args.device,
                                 writer_balance=args.writer_balance)
    try:
        train_sets = load_many(args.data)
        val_sets = load_many(args.val) if args.val else None
        start = load_checkpoint(args.finetune) if args.finetune else None
        teacher = load_checkpoint(args.teacher) if args.teacher else None
    except (DatasetError, CheckpointError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if problem := _empty_data_problem(args, train_sets, val_sets):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if start:
        config = dataclasses.replace(config, raster=start.raster, arch=start.arch)
    if teacher and teacher.raster != config.raster:
        # The teacher reads the student's images: drawn any other way, its answers mislead.
        print(f"error: {args.teacher} reads images drawn with {teacher.raster}, "
              f"but this run draws them with {config.raster}", file=sys.stderr)
        return 2
    print(f"training on {', '.join(f'{s.name} ({len(s):,})' for s in train_sets)}", file=sys.stderr)
    try:
        timelapse = TimeLapse(config.arch, config.raster)
        result = train_network(train_sets, config, val_sets=val_sets, model=start and start.model,
                               teacher=teacher and teacher.model, on_progress=_progress_printer(),
                               on_batch=snapshot_taker(timelapse) if args.timelapse else None)
    except TrainingError as exc:
        return _failed(exc, args.out)
    meta = {**run_record(config, result, train_sets, val_sets),
            "finetuned_from": args.finetune, "teacher": args.teacher}
    return (_save_run(args.out, result, arch=config.arch, raster=config.raster, meta=meta)
            or _save_timelapse(args.timelapse, timelapse))


def _finetune_on_my_samples(args: argparse.Namespace) -> int:
    out = args.out
    if out.resolve() == SHIPPED_WEIGHTS.resolve():
        # A network fitted to one person's hand must never replace the shipped one.
        print(f"error: refusing to overwrite the shipped weights {SHIPPED_WEIGHTS}; choose another --out",
              file=sys.stderr)
        return 2
    start_path = args.finetune or SHIPPED_WEIGHTS
    if args.samples_db and not Path(args.samples_db).is_file():    # a typo must not create an empty database
        print(f"error: {args.samples_db}: no such samples database (the app's is {default_store_path()})",
              file=sys.stderr)
        return 2
    try:
        with SampleStore.open(args.samples_db) as store:
            mine = store.as_dataset()
        val_sets = load_many(args.val) if args.val else []
        replay_sets = load_many(_replay_files(args.data or [], args.val or []))
        start = load_checkpoint(start_path)
    except (DatasetError, CheckpointError, SampleStoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if problem := _empty_data_problem(args, None, val_sets):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if not len(mine):
        print(f"error: no samples in {args.samples_db or default_store_path()}: draw some in the app, "
              f"or import a stroke file (python -m model.samples import FILE)", file=sys.stderr)
        return 2
    config = FinetuneConfig(steps=args.steps, batch_size=_given(args.batch_size, FinetuneConfig.batch_size),
                            lr=_given(args.lr, FinetuneConfig.lr), seed=args.seed, device=args.device)
    replayed = ", ".join(f"{s.name} ({len(s):,})" for s in replay_sets) or "nothing (--no-replay)"
    print(f"fine-tuning {start_path} on {len(mine)} samples of yours, replaying {replayed}", file=sys.stderr)
    try:
        timelapse = TimeLapse(start.arch, start.raster)
        result = finetune_on_samples(start, mine, replay_sets, config, val_sets=val_sets,
                                     on_progress=_progress_printer(),
                                     on_batch=snapshot_taker(timelapse) if args.timelapse else None)
    except TrainingError as exc:
        return _failed(exc, out)
    # The run's record as every training writes it (train_data: the replay
    # sets), then what a fine-tune adds; no held-out writers stand in for --val.
    meta = {
        **run_record(config.train_config(start.raster), result, replay_sets, val_sets),
        "finetuned_from": str(start_path),
        "my_samples": {CLASSES[c]: int(n) for c, n in zip(*np.unique(mine.labels, return_counts=True))},
        "replay_data": {s.name: len(s) for s in replay_sets},
        "val_data": {s.name: len(s) for s in val_sets} if val_sets else None,
        "finetune": {k: v for k, v in dataclasses.asdict(config).items() if k != "augment"},
    }
    return (_save_run(out, result, arch=start.arch, raster=start.raster, meta=meta)
            or _save_timelapse(args.timelapse, timelapse))


def _empty_data_problem(args: argparse.Namespace, train_sets: list | None, val_sets: list | None) -> str | None:
    """Why the data given cannot train or validate, or None.  An empty --val
    file would otherwise leave the run unvalidated without a word."""
    if train_sets is not None and not sum(map(len, train_sets)):
        return f"no training samples in {', '.join(args.data)}"
    if args.val and not sum(map(len, val_sets or [])):
        return (f"--val {', '.join(args.val)}: holds no samples to validate on "
                f"(without --val, some training writers are held out instead)")
    return None


def _failed(exc: TrainingError, out: Path) -> int:
    """A run that could not train (2) or diverged (1): nothing is written."""
    kept = f"{out} is unchanged" if out.exists() else f"{out} was not written"
    print(f"error: {exc}; nothing saved, {kept}", file=sys.stderr)
    return 1 if isinstance(exc, TrainingDiverged) else 2


def _save_run(out: Path, result: TrainResult, **checkpoint) -> int:
    """Write the trained network to ``out``; where that fails (a full disk...),
    to another place, named, so that the run is not lost."""
    try:
        path = save_checkpoint(out, result.model, **checkpoint)
    except OSError as exc:
        return _save_elsewhere(out, write_error(out, exc), result, checkpoint)
    val = f", validation accuracy {result.val_accuracy:.2%}" if result.val_accuracy is not None else ""
    print(f"saved {path} after {_clock(result.seconds)}{val}", file=sys.stderr)
    return 0


def _save_timelapse(path: Path | None, timelapse: TimeLapse) -> int:
    """Write the run's time-lapse where --timelapse asked (after the checkpoint,
    which a failure here leaves saved); the exit status."""
    if path is None:
        return 0
    try:
        save_timelapse(path, timelapse)
    except (OSError, ValueError) as exc:
        print(f"error: the time-lapse was not saved: {exc}", file=sys.stderr)
        return 1
    print(f"saved the time-lapse {path}: {len(timelapse)} snapshots of batches 0 to "
          f"{timelapse[-1].batch}", file=sys.stderr)
    return 0


def _save_elsewhere(out: Path, problem: str, result: TrainResult, checkpoint: dict) -> int:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    tried = []
    for folder in (default_home() / "runs", Path(tempfile.gettempdir())):
        place = folder / f"{out.stem}-{stamp}{out.suffix}"
        if folder.absolute() == out.absolute().parent:
            continue
        try:
            kept = save_checkpoint(place, result.model, **checkpoint)
        except OSError:
            tried.append(str(folder))
            continue
        print(f"error: {problem}. The trained network is kept in {kept} instead: move it where you want it",
              file=sys.stderr)
        return 1
    print(f"error: {problem}, nor in {' or '.join(tried)}: the trained network could not be saved",
          file=sys.stderr)
    return 1


def _given(value, default):
    """An option's value, or ``default`` when it was not given (``or`` would
    also replace a given 0)."""
    return default if value is None else value


def _replay_files(data: list[str], val: list[str]) -> list[Path]:
    """The --data files, folders expanded, less any file also given as --val
    (replaying the validation set would flatter the score)."""
    held_out = {Path(v).resolve() for v in val}
    files = []
    for path in map(Path, data):
        found = find_datasets(path) if path.is_dir() else [path]
        if path.is_dir() and not found:
            raise DatasetError(f"{path}: no data sets found (.npz or EMNIST IDX files)")
        files += [f for f in found if f.resolve() not in held_out]
    return files


if __name__ == "__main__":
    raise SystemExit(main())
