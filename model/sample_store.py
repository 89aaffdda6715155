"""My samples: the user's own labelled drawings, kept in an SQLite database
(command line: ``python -m model.samples``).

The file lives in the user's data folder (see :func:`default_store_path`;
``LETTERLENS_HOME`` overrides it), so it survives restarts and updates.  One
row per drawing: the label, the creation time (UTC) and the strokes, packed
as little-endian float32 ``x, y`` points plus int32 stroke offsets (the
layout of the stroke ``.npz`` files, one drawing at a time).

Nothing here ever deletes or overwrites a file it cannot read: a damaged or
foreign file raises :class:`SampleStoreError`, and only an explicit
:meth:`SampleStore.open_fresh_beside` moves it aside (renamed, not removed).
Every write is one transaction, so a crash never leaves half a drawing.

The file is kept in SQLite's write-ahead log (WAL) mode, so that programs
reading it (the app, the command line) and one writing it do not wait for
each other; SQLite keeps ``samples.sqlite-wal`` and ``-shm`` beside it.
WAL needs the programs to share memory through ``-shm``, so they must run
on one machine: a store on a network folder is for one computer at a time.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import sqlite3
import sys
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from .data import DatasetError, StrokeSet, load_dataset, save_strokes
from .ink import Ink, InkBatch, real_coordinates, render
from .network import CLASSES
from .paths import write_error, write_problem

APP_DIR = "LetterLens"
FILE_NAME = "samples.sqlite"
HOME_ENV = "LETTERLENS_HOME"
SCHEMA_VERSION = 1                # PRAGMA user_version; bump with a migration
APPLICATION_ID = 0x4C4C5331       # PRAGMA application_id, "LLS1": marks the file as ours
# Seconds to wait for another program's write (the app and the CLI at once):
# a write holds the lock for milliseconds, but a busy disk can stretch that.
DEFAULT_TIMEOUT_S = 5
WRITER = "me"

SCHEMA = """
CREATE TABLE samples (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so undo can restore an id
    label    TEXT NOT NULL CHECK (length(label) = 1 AND label BETWEEN 'a' AND 'z'),
    created  TEXT NOT NULL,                      -- UTC, ISO 8601
    points   BLOB NOT NULL,                      -- float32 little-endian x, y pairs
    strokes  BLOB NOT NULL                       -- int32 little-endian offsets into points, from 0
)
"""

_SQLITE_HEADER = b"SQLite format 3\x00"     # the first bytes of every SQLite database
_POINT = np.dtype("<f4")
_OFFSET = np.dtype("<i4")


class SampleStoreError(Exception):
    """The samples database cannot be used.  ``reason`` says why:

    * ``"corrupt"``: not an SQLite file, or a damaged one;
    * ``"foreign"``: an SQLite database, but not a LetterLens samples file;
    * ``"newer"``: written by a newer LetterLens (update the app);
    * ``"locked"``: another program holds it (another LetterLens window?);
    * ``"missing"``: the file was moved or deleted while it was open;
    * ``"unavailable"``: cannot be opened or written (permissions, disk full...).

    For ``corrupt``, ``foreign`` and ``missing`` (:attr:`can_set_aside`), offer
    :meth:`SampleStore.open_fresh_beside`, which keeps the file under a new name.
    """

    def __init__(self, path: Path, reason: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.reason = reason

    @property
    def can_set_aside(self) -> bool:
        return self.reason in ("corrupt", "foreign", "missing")


@dataclass(frozen=True)
class SampleInfo:
    id: int
    label: str       # 'a'..'z'
    created: str     # UTC, ISO 8601


@dataclass(frozen=True, eq=False)
class Sample(SampleInfo):
    """A whole sample, as :meth:`SampleStore.delete` returns it for undo."""
    ink: list[np.ndarray]


# ------------------------------------------------------------------ locations

def home_from_environment() -> Path | None:
    """The folder ``$LETTERLENS_HOME`` names, or None when it is not set.
    Everything LetterLens keeps goes there when it is (My samples, the
    window's settings): a second profile, a test or a classroom machine."""
    value = os.environ.get(HOME_ENV)
    return Path(value).expanduser() if value else None


def default_home() -> Path:
    """The per-user data folder: ``$LETTERLENS_HOME`` if set, else the
    platform's convention (XDG on Linux, Application Support on macOS,
    %APPDATA% on Windows).  Computed without Qt."""
    if (chosen := home_from_environment()) is not None:
        return chosen
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming") / APP_DIR
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / APP_DIR
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / APP_DIR


def default_store_path() -> Path:
    return default_home() / FILE_NAME


# ---------------------------------------------------------------- validation

def normalise_label(label: str) -> str:
    """'A' or 'a' -> 'a'; anything but one Latin letter is a ValueError."""
    if isinstance(label, str) and not label.strip():
        raise ValueError("a label is one letter, a to z (either case), and none was given")
    if not isinstance(label, str) or len(label) != 1 or label.lower() not in CLASSES:
        raise ValueError(f"a label is one letter, a to z (either case), not {label!r}")
    return label.lower()


def clean_ink(ink: Ink) -> list[np.ndarray]:
    """The strokes as float32 (k, 2) arrays, empty strokes dropped.  Raises
    ValueError for ink the rasterizer would refuse (empty, NaN...) or that
    float32 cannot hold."""
    if isinstance(ink, np.ndarray) and ink.ndim == 2:
        raise ValueError("ink must be a list of strokes; wrap a single stroke as [stroke]")
    strokes = []
    for stroke in ink:
        stroke = real_coordinates(stroke)
        if stroke.ndim != 2 or stroke.shape[1] != 2:
            raise ValueError(f"a stroke must be a (k, 2) array of x, y points, got shape {stroke.shape}")
        if len(stroke):
            strokes.append(stroke)
    render(strokes)   # the rasterizer's own checks: empty drawing, NaN, unframeable
    with np.errstate(over="ignore"):
        strokes = [s.astype(np.float32) for s in strokes]
    if not all(np.isfinite(s).all() for s in strokes):
        raise ValueError("ink coordinates are too large to store")
    return strokes


def _pack(strokes: list[np.ndarray]) -> tuple[bytes, bytes]:
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in strokes])]).astype(_OFFSET)
    return np.concatenate(strokes).astype(_POINT).tobytes(), offsets.tobytes()


def _unpack(points: bytes, strokes: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """(points (P, 2), offsets) or None when the blobs do not fit together."""
    if len(points) % (2 * _POINT.itemsize) or len(strokes) % _OFFSET.itemsize:
        return None
    xy = np.frombuffer(points, dtype=_POINT).reshape(-1, 2)
    offsets = np.frombuffer(strokes, dtype=_OFFSET).astype(np.int64)
    if len(offsets) < 2 or offsets[0] != 0 or offsets[-1] != len(xy) or (np.diff(offsets) < 0).any():
        return None
    return xy, offsets


def _schema_facts(db: sqlite3.Connection) -> tuple[int, int, int]:
    """(user_version, application_id, number of schema objects): all 0 in a new file.
    One statement, so one snapshot: read one by one, a store another program
    was creating meanwhile could read as version 0, id 0 and one table, foreign."""
    return db.execute("SELECT (SELECT user_version FROM pragma_user_version), "
                      "(SELECT application_id FROM pragma_application_id), "
                      "(SELECT count(*) FROM sqlite_master)").fetchone()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------- store

class SampleStore:
    """The user's labelled drawings.  Safe to share between threads."""

    def __init__(self, path: Path, connection: sqlite3.Connection):
        self.path = path
        self._db = connection
        self._lock = threading.RLock()
        self._file: tuple[int, int] | None = None     # the file opened (device, inode), to tell when it is gone
        # A store dropped without close() still closes its connection, then lets the file go (see _watch).
        self._release = weakref.finalize(self, _release, connection, None)
        with _watched_lock:
            _open_stores.add(self)

    # ------------------------------------------------------------- opening

    @classmethod
    def open(cls, path: str | os.PathLike | None = None, *, timeout: float = DEFAULT_TIMEOUT_S) -> "SampleStore":
        """Open (creating if need be) the store at ``path`` (default:
        :func:`default_store_path`).  ``timeout``: seconds to wait for a lock
        held by another program before giving up with ``reason="locked"``."""
        path = Path(path) if path is not None else default_store_path()
        if os.path.isdir(path):     # os.path: no PermissionError from a folder that cannot be searched
            raise SampleStoreError(path, "unavailable", "is a folder, not a samples database file")
        # A new file must be creatable (sqlite would say "unable to open", or
        # later "readonly", which reads like a file that went missing).
        problem = None if os.path.exists(path) else write_problem(path)
        if problem is None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                problem = write_error(path, exc)
        if problem is not None:     # the error names the file already
            raise SampleStoreError(path, "unavailable", f"{problem.removeprefix(f'cannot write {path}: ')}; "
                                   f"LetterLens keeps your samples there ({HOME_ENV} chooses another folder)")
        try:
            return cls._open(path, path, timeout)
        except SampleStoreError as exc:
            # A WAL store is read through its -shm file, which SQLite cannot
            # make in a folder it may not write.  With no log waiting to be
            # applied the file alone holds every sample: read it as it is.
            if (getattr(exc.__cause__, "sqlite_errorname", "") not in ("SQLITE_READONLY_DIRECTORY", "SQLITE_CANTOPEN")
                    or os.path.exists(f"{path}-wal") or os.access(path.parent, os.W_OK | os.X_OK)):
                raise
            return cls._open(path, f"{path.absolute().as_uri()}?mode=ro&immutable=1", timeout)

    @classmethod
    def _open(cls, path: Path, address: str | Path, timeout: float) -> "SampleStore":
        try:
            # Autocommit mode: transactions are opened explicitly (BEGIN IMMEDIATE).
            connection = sqlite3.connect(address, timeout=timeout, isolation_level=None,
                                         check_same_thread=False, uri=isinstance(address, str))
        except sqlite3.Error as exc:
            raise _translate(path, exc) from exc
        store = cls(path, connection)
        try:
            store._prepare()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open_fresh_beside(cls, path: str | os.PathLike | None = None, *,
                          timeout: float = DEFAULT_TIMEOUT_S) -> tuple["SampleStore", Path | None]:
        """Only on the user's explicit request: rename an unusable file to
        ``samples.sqlite.corrupt-<UTC time>`` (never deleted, so nothing in it
        is lost) and open a new, empty store in its place.  Returns the store
        and where the old file went (None if there was no file).  Meant for
        errors whose ``can_set_aside`` is true: a locked file is in use, and
        moving it would split the samples between two files."""
        path = Path(path) if path is not None else default_store_path()
        # A store of this program still open on the old file would, once
        # closed, delete the -wal and -shm at this name: the new store's.
        with _watched_lock:
            open_stores = list(_open_stores)
        for store in open_stores:
            if os.path.abspath(store.path) == os.path.abspath(path):
                store.close()
        moved = None
        if path.exists():
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
            moved = path.with_name(f"{path.name}.corrupt-{stamp}")
            try:
                path.rename(moved)
                for suffix in ("-journal", "-wal", "-shm"):    # they belong with their database
                    journal = path.with_name(path.name + suffix)
                    if journal.exists():
                        journal.rename(moved.with_name(moved.name + suffix))
            except OSError as exc:
                raise SampleStoreError(path, "unavailable", f"cannot move it aside: {exc}") from exc
        return cls.open(path, timeout=timeout), moved

    def _prepare(self) -> None:
        """Create the schema in a new file; refuse files that are not ours.
        A store already made is only read here: opening takes no write lock,
        so several programs open it at once without waiting on each other."""
        with self._query() as db:
            version, app_id, tables = _schema_facts(db)
        created = False
        if (version, app_id, tables) == (0, 0, 0):
            with self._transaction() as db:
                version, app_id, tables = _schema_facts(db)   # another program may have made it meanwhile
                if (version, app_id, tables) == (0, 0, 0):
                    db.execute(SCHEMA)
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    version, app_id, created = SCHEMA_VERSION, APPLICATION_ID, True
        if app_id != APPLICATION_ID:
            raise SampleStoreError(self.path, "foreign",
                                   "is an SQLite database, but not a LetterLens samples file; "
                                   "it was left as it is. Choose another file, or start a new "
                                   "collection (the file is kept under a new name)")
        if version > SCHEMA_VERSION:
            raise SampleStoreError(self.path, "newer",
                                   f"was written by a newer LetterLens (format {version}, this one "
                                   f"reads {SCHEMA_VERSION}); update LetterLens to use these samples")
        with self._query() as db:
            problems = [row[0] for row in db.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise _corrupt(self.path, problems[0])
        self._use_write_ahead_log(wait=created)
        self._file = _watch(self.path)
        self._release.detach()
        self._release = weakref.finalize(self, _release, self._db, self._file)

    def _use_write_ahead_log(self, wait: bool) -> None:
        """The mode is kept in the file and every connection follows it, so a
        store is switched once: a new one just after its schema is made, an
        older one when opened.  Switching takes an exclusive lock; for an
        older store it is only tried (opening waits for no other program)
        and where it cannot be done (another program using the file, a
        read-only file) the store works on with its rollback journal."""
        with self._lock:
            timeout = self._db.execute("PRAGMA busy_timeout").fetchone()[0]
            try:
                if self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    if not wait:
                        self._db.execute("PRAGMA busy_timeout = 0")
                    self._db.execute("PRAGMA journal_mode = WAL").fetchone()
            except sqlite3.Error:
                pass
            finally:
                self._db.execute(f"PRAGMA busy_timeout = {timeout}")

    # ------------------------------------------------------------- plumbing

    @contextmanager
    def _query(self) -> Iterator[sqlite3.Connection]:
        """Statements outside a transaction (reads), errors translated."""
        with self._lock:
            self._check_open()
            self._check_same_file()
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise _translate(self.path, exc) from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is saved, or none of it.
        IMMEDIATE takes the write lock up front, so a busy file fails at once
        (after the timeout) instead of halfway through."""
        with self._lock:
            self._check_open()
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._check_same_file()
                    yield self._db
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise _translate(self.path, exc) from exc

    def _check_same_file(self) -> None:
        """In WAL mode SQLite goes on using a database file that was deleted,
        moved away or overwritten (writing into its log, where nothing would
        find the samples, and reading its cached pages): check that the file
        is still there and still a database."""
        if self._file is None:
            return
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            raise _missing(self.path) from None
        except OSError:
            return              # unreadable now: SQLite's own error will say why
        if (found.st_dev, found.st_ino) != self._file:
            raise _missing(self.path)
        if _header(self._file) not in (None, _SQLITE_HEADER):
            raise _corrupt(self.path, "its first bytes were overwritten")

    def _check_open(self) -> None:
        if self._db is None:
            raise SampleStoreError(self.path, "unavailable", "the samples store is closed")

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._release()             # the connection, then the file
                self._db = None
                self._file = None
            with _watched_lock:
                _open_stores.discard(self)

    def __enter__(self) -> "SampleStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ samples

    def add(self, ink: Ink, label: str) -> int:
        """Store one drawing; returns its id.  ValueError for a bad label or ink."""
        label = normalise_label(label)
        points, strokes = _pack(clean_ink(ink))
        with self._transaction() as db:
            cursor = db.execute("INSERT INTO samples (label, created, points, strokes) VALUES (?, ?, ?, ?)",
                                (label, _now(), points, strokes))
            return int(cursor.lastrowid)

    def delete(self, ids: Iterable[int]) -> list[Sample]:
        """Remove samples (unknown ids are ignored); returns them, whole, so
        that :meth:`restore` can undo the deletion."""
        ids = [int(i) for i in ids]
        with self._transaction() as db:
            removed = self._samples(db, ids)
            db.executemany("DELETE FROM samples WHERE id = ?", [(s.id,) for s in removed])
        return removed

    def relabel(self, labels: dict[int, str]) -> dict[int, str]:
        """Give samples new labels ({id: letter}; unknown ids are ignored).
        Returns the labels they had, in the same form, so that passing the
        result back undoes the change."""
        new = {int(i): normalise_label(label) for i, label in labels.items()}
        with self._transaction() as db:
            old = {i: row[0] for i in new for row in db.execute("SELECT label FROM samples WHERE id = ?", (i,))}
            db.executemany("UPDATE samples SET label = ? WHERE id = ?", [(new[i], i) for i in old])
        return old

    def restore(self, samples: Iterable[Sample]) -> int:
        """Put deleted samples back, with their ids and times; returns how
        many came back (ids already present are left alone)."""
        rows = [(s.id, normalise_label(s.label), s.created, *_pack(clean_ink(s.ink))) for s in samples]
        with self._transaction() as db:
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO samples (id, label, created, points, strokes) "
                           "VALUES (?, ?, ?, ?, ?)", rows)
            return db.total_changes - before

    def list(self) -> list[SampleInfo]:
        with self._query() as db:
            rows = db.execute("SELECT id, label, created FROM samples ORDER BY id").fetchall()
        return [SampleInfo(*row) for row in rows]

    def ink(self, sample_id: int) -> list[np.ndarray]:
        """The strokes of one sample (float32 (k, 2) arrays).  KeyError if absent."""
        with self._query() as db:
            found = self._samples(db, [int(sample_id)])
        if not found:
            raise KeyError(f"no sample with id {sample_id}")
        return found[0].ink

    def count(self) -> int:
        with self._query() as db:
            return db.execute("SELECT count(*) FROM samples").fetchone()[0]

    def counts_by_label(self) -> dict[str, int]:
        """Samples per letter, every letter a..z included (0 when none)."""
        with self._query() as db:
            counts = dict(db.execute("SELECT label, count(*) FROM samples GROUP BY label"))
        return {c: counts.get(c, 0) for c in CLASSES}

    def _samples(self, db: sqlite3.Connection, ids: Sequence[int] | None) -> list[Sample]:
        """Whole samples by id (all of them for None), in id order."""
        query = "SELECT id, label, created, points, strokes FROM samples"
        if ids is None:
            rows = db.execute(query + " ORDER BY id").fetchall()
        else:
            rows = sorted(row for i in ids for row in db.execute(query + " WHERE id = ?", (i,)))
        samples = []
        for sample_id, label, created, points, strokes in rows:
            unpacked = _unpack(points, strokes)
            if unpacked is None or label not in CLASSES:
                raise _corrupt(self.path, f"sample {sample_id} is garbled")
            xy, offsets = unpacked
            ink = [xy[a:b].copy() for a, b in zip(offsets[:-1], offsets[1:])]
            samples.append(Sample(sample_id, label, created, ink))
        return samples

    # ----------------------------------------------------- data sets, files

    def as_dataset(self, name: str = "my samples", ids: Sequence[int] | None = None) -> StrokeSet:
        """All samples (or those with ``ids``, in id order) as a
        :class:`StrokeSet` (writer ``"me"``), for training or reading in bulk."""
        with self._query() as db:
            samples = self._samples(db, None if ids is None else [int(i) for i in ids])
        return _to_stroke_set(name, samples)

    def export(self, path: str | os.PathLike) -> Path:
        """Write every sample to a stroke ``.npz`` (the project's format, read
        by :func:`model.load_dataset`), atomically.  ``.npz`` is appended to a
        name without it (:func:`export_path`).  Returns the path written."""
        path = export_path(path)
        data = self.as_dataset()
        inks = [data.ink.ink(i) for i in range(len(data))]
        return save_strokes(path, inks, data.labels, data.writers)

    def import_(self, path: str | os.PathLike) -> list[int]:
        """Add the drawings of a stroke ``.npz``; returns the ids of the new ones.
        Drawings already in the store (same label and strokes) are skipped, so
        importing a file twice adds nothing.  All or nothing: one transaction.
        Raises DatasetError for an unreadable or image-only file."""
        data = load_dataset(path)   # checks offsets, labels and NaNs, naming the file
        if not isinstance(data, StrokeSet):
            raise DatasetError(f"{path}: holds images, not pen strokes; only stroke files can be imported")
        now = _now()
        rows = []
        for i in range(len(data)):
            strokes = [s for s in data.ink.ink(i) if len(s)]
            packed = _pack(strokes)
            if not np.isfinite(np.frombuffer(packed[0], dtype=_POINT)).all():
                raise DatasetError(f"{path}: sample {i} has coordinates too large to store")
            rows.append((CLASSES[data.labels[i]], now, *packed))
        with self._transaction() as db:
            known = set(db.execute("SELECT label, points, strokes FROM samples"))
            added = []
            for row in rows:
                if row[:1] + row[2:] not in known:
                    known.add(row[:1] + row[2:])
                    # One by one for the ids (executemany gives none), so Undo takes back just these.
                    added.append(db.execute("INSERT INTO samples (label, created, points, strokes) "
                                            "VALUES (?, ?, ?, ?)", row).lastrowid)
        return added


def export_path(path: str | os.PathLike) -> Path:
    """The file :meth:`SampleStore.export` writes for ``path``: ``.npz``
    appended to a name without it.  A folder is refused (IsADirectoryError),
    not turned into a file beside it."""
    path = Path(path)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, f"it is a folder; name a file in it, such as "
                                f"{path / 'my_samples_strokes.npz'}", str(path))
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def _to_stroke_set(name: str, samples: list[Sample]) -> StrokeSet:
    batch = InkBatch.from_inks([s.ink for s in samples])
    labels = np.array([CLASSES.index(s.label) for s in samples], dtype=np.int64)
    return StrokeSet(name, batch, labels, np.full(len(samples), WRITER))


# ------------------------------------------------------- watching the file

_open_stores: "weakref.WeakSet[SampleStore]" = weakref.WeakSet()

# One read-only descriptor per database file in this program, shared by the
# stores open on it and closed after the last of them.  On POSIX, closing any
# descriptor of a file drops every lock this process holds on it, SQLite's
# included; a WAL store that lost its shared lock has its log deleted under
# it by the next program that closes the file, and the adds of the two sides
# then overwrite each other.  So the file is never opened and closed per read.
_watched: dict[tuple[int, int], list[int]] = {}     # (device, inode) -> [descriptor, stores using it]
_watched_lock = threading.Lock()


def _watch(path: Path) -> tuple[int, int] | None:
    """Start watching the file at ``path``; returns its (device, inode)."""
    with _watched_lock:
        try:
            found = os.stat(path)
        except OSError:
            return None
        key = (found.st_dev, found.st_ino)
        if key in _watched:
            _watched[key][1] += 1
            return key
        try:
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError:
            return None
        opened = os.fstat(descriptor)
        if (opened.st_dev, opened.st_ino) != key:
            return None     # replaced this instant: nothing watched, and the descriptor kept (see above)
        _watched[key] = [descriptor, 1]
        return key


def _release(connection: sqlite3.Connection, key: tuple[int, int] | None) -> None:
    """Close a store's connection, then stop watching its file: in that order,
    so that SQLite's locks are never dropped while its connection is open."""
    connection.close()
    _unwatch(key)


def _unwatch(key: tuple[int, int] | None) -> None:
    with _watched_lock:
        if key in _watched:
            _watched[key][1] -= 1
            if not _watched[key][1]:
                os.close(_watched.pop(key)[0])


def _header(key: tuple[int, int]) -> bytes | None:
    """The first bytes of the watched file, or None when they cannot be read."""
    with _watched_lock:
        if key not in _watched:
            return None
        descriptor = _watched[key][0]
        try:
            if hasattr(os, "pread"):
                return os.pread(descriptor, len(_SQLITE_HEADER), 0)
            os.lseek(descriptor, 0, os.SEEK_SET)
            return os.read(descriptor, len(_SQLITE_HEADER))
        except OSError:
            return None


# -------------------------------------------------------------------- errors

def _corrupt(path: Path, detail: str) -> SampleStoreError:
    return SampleStoreError(path, "corrupt",
                            f"the samples database is damaged or not a database ({detail}); it was "
                            f"left as it is. Restore it from a backup, or start a new collection "
                            f"(the damaged file is kept under a new name)")


def _missing(path: Path) -> SampleStoreError:
    return SampleStoreError(path, "missing", "the samples database was moved or deleted while LetterLens "
                            "was using it; put it back, or start a new collection")


def _translate(path: Path, exc: sqlite3.Error) -> SampleStoreError:
    """sqlite3's exception -> our error with the file name and what to do."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if not path.exists():       # sqlite then says "attempt to write a readonly database"
        return _missing(path)
    folder_shut = not os.access(path.parent, os.W_OK | os.X_OK)
    if name == "SQLITE_READONLY_DIRECTORY" or (name == "SQLITE_CANTOPEN" and folder_shut):
        return SampleStoreError(path, "unavailable", f"cannot use the samples database: no permission to write "
                                f"in {path.parent}, where SQLite keeps its working files beside it")
    if name.startswith("SQLITE_READONLY"):
        return SampleStoreError(path, "unavailable", "the samples database is read-only (no permission to "
                                "write it or its folder): the samples can be read, not changed")
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or "not a database" in text or "malformed" in text:
        return _corrupt(path, text)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return SampleStoreError(path, "locked",
                                "the samples database is in use by another program (another "
                                "LetterLens window?); close it and try again")
    return SampleStoreError(path, "unavailable", f"cannot use the samples database: {text}")
