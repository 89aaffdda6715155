"""My samples from the command line: where they are, how many, fixing labels, export and import.

    python -m model.samples [--db FILE] path|count|list|export [--force] FILE|import FILE
    python -m model.samples [--db FILE] relabel LETTER ID [ID...]|delete ID [ID...]

``export`` writes a stroke ``.npz`` (the format ``model.load_dataset`` reads),
replacing an existing file only with ``--force``;
``import`` adds a stroke ``.npz``'s drawings, skipping any already there.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .data import DatasetError
from .paths import write_error
from .runtime import end_quietly_when_the_reader_stops, interruptible
from .sample_store import SampleStore, SampleStoreError, default_store_path, export_path


@interruptible("the samples are as they were (each change is all or nothing)")
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.samples", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help=f"samples database (default: {default_store_path()})")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("path", help="print where the database is")
    commands.add_parser("count", help="samples in all, and per letter")
    commands.add_parser("list", help="one line per sample: id, label, created")
    relabel = commands.add_parser("relabel", help="give samples (ids from 'list') another letter")
    relabel.add_argument("letter")
    relabel.add_argument("ids", nargs="+", type=int)
    commands.add_parser("delete", help="remove samples (ids from 'list')").add_argument("ids", nargs="+", type=int)
    export = commands.add_parser("export", help="write all samples to a stroke .npz")
    export.add_argument("file")
    export.add_argument("--force", action="store_true", help="replace the file if it exists")
    commands.add_parser("import", help="add the drawings of a stroke .npz").add_argument("file")
    args = parser.parse_args(argv)
    path = Path(args.db) if args.db else default_store_path()
    if args.command == "path":
        print(path)
        return 0
    try:
        with SampleStore.open(path) as store:
            if args.command == "count":
                per_letter = " ".join(f"{c}:{n}" for c, n in store.counts_by_label().items() if n)
                print(f"{store.count()} samples" + (f"  ({per_letter})" if per_letter else ""))
            elif args.command == "list":
                for info in store.list():
                    print(f"{info.id}\t{info.label}\t{info.created}")
            elif args.command == "relabel":
                changed = store.relabel({sample_id: args.letter for sample_id in args.ids})
                print(f"relabelled {len(changed)} of {len(args.ids)} samples as '{args.letter.lower()}'",
                      file=sys.stderr)
            elif args.command == "delete":
                removed = store.delete(args.ids)
                print(f"deleted {len(removed)} of {len(args.ids)} samples", file=sys.stderr)
            elif args.command == "export":
                return _export(store, args.file, args.force)
            elif args.command == "import":
                added = len(store.import_(args.file))
                print(f"imported {added} new samples from {args.file} ({store.count()} in all)",
                      file=sys.stderr)
    except (SampleStoreError, DatasetError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _export(store: SampleStore, file: str, replace: bool) -> int:
    try:
        target = export_path(file)
        if target.exists() and not replace:
            print(f"error: {target} exists; pass --force to replace it", file=sys.stderr)
            return 2
        written = store.export(target)
    except OSError as exc:   # a folder, no permission, a full disk: one line, as for bad data
        print(f"error: {write_error(file, exc)}", file=sys.stderr)
        return 2
    print(f"exported {store.count()} samples to {written}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    end_quietly_when_the_reader_stops()
    raise SystemExit(main())
