"""My samples: the SQLite store of the user's own drawings, its faults, and its command line."""
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from model import (CLASSES, DatasetError, SampleStore, SampleStoreError, StrokeSet, default_store_path, load_dataset,
                   save_strokes)
from model.samples import main as samples_main

CROSS = [np.array([[0.0, 0.0], [10.0, 10.5]]), np.array([[0.0, 10.0], [10.0, 0.0]])]
HOOK = [np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 1.0]])]


def scribble(rng, points=50):
    return [np.cumsum(rng.normal(0, 3, (points, 2)), axis=0)]


def same_ink(a, b):
    return len(a) == len(b) and all(np.allclose(x, y) for x, y in zip(a, b))


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LETTERLENS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def store(home):
    with SampleStore.open() as opened:
        yield opened


@pytest.fixture(scope="module")
def filled_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("filled") / "filled.sqlite"
    rng = np.random.default_rng(0)
    with SampleStore.open(path) as s:
        for i in range(200):
            s.add(scribble(rng), "abc"[i % 3])
    return path.read_bytes()


@pytest.fixture
def filled(tmp_path, filled_bytes):
    """A store file holding 200 scribbles (many pages), closed again."""
    path = tmp_path / "filled.sqlite"
    path.write_bytes(filled_bytes)
    return path


# ------------------------------------------------------------------ where

def test_the_default_file_is_in_letterlens_home(store, home):
    assert default_store_path() == home / "samples.sqlite"
    assert store.path == home / "samples.sqlite" and store.path.is_file()


@pytest.mark.parametrize("platform, env, expected", [
    ("linux", {"XDG_DATA_HOME": "/xdg"}, Path("/xdg/LetterLens/samples.sqlite")),
    ("linux", {}, Path.home() / ".local/share/LetterLens/samples.sqlite"),
    ("darwin", {}, Path.home() / "Library/Application Support/LetterLens/samples.sqlite"),
    ("win32", {"APPDATA": "/appdata"}, Path("/appdata/LetterLens/samples.sqlite")),
])
def test_the_default_file_follows_platform_conventions(monkeypatch, platform, env, expected):
    for name in ("LETTERLENS_HOME", "XDG_DATA_HOME", "APPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)
    assert default_store_path() == expected


# -------------------------------------------------------------- samples

def test_add_list_delete_and_restore(store):
    first, second = store.add(CROSS, "X"), store.add(HOOK, "q")
    assert [(s.id, s.label) for s in store.list()] == [(first, "x"), (second, "q")]   # stored lower case
    assert store.count() == 2
    counts = store.counts_by_label()
    assert len(counts) == 26 and counts["x"] == counts["q"] == 1 and sum(counts.values()) == 2
    assert same_ink(store.ink(first), CROSS)
    assert store.list()[0].created.endswith("+00:00")   # UTC

    removed = store.delete([first, 999])   # unknown ids are ignored
    assert [s.id for s in removed] == [first] and store.count() == 1
    with pytest.raises(KeyError):
        store.ink(first)
    assert store.restore(removed) == 1
    assert store.restore(removed) == 0     # undoing twice changes nothing
    assert [s.id for s in store.list()] == [first, second]
    assert store.list()[0].created == removed[0].created
    assert same_ink(store.ink(first), CROSS)
    assert store.add(HOOK, "a") > second   # a deleted id is never handed out again



def test_as_dataset_can_hold_chosen_samples_in_id_order(store):
    ids = [store.add(HOOK, "a"), store.add(CROSS, "x"), store.add(HOOK, "b")]
    chosen = store.as_dataset(ids=[ids[2], ids[0]])
    assert [CLASSES[i] for i in chosen.labels] == ["a", "b"]
    assert len(store.as_dataset()) == 3


def test_relabel_returns_what_undoes_it(store):
    first, second = store.add(HOOK, "a"), store.add(HOOK, "b")
    old = store.relabel({first: "Q", second: "q", 999: "z"})      # 999 does not exist
    assert old == {first: "a", second: "b"}
    assert [(s.id, s.label) for s in store.list()] == [(first, "q"), (second, "q")]
    store.relabel(old)
    assert [s.label for s in store.list()] == ["a", "b"]
    with pytest.raises(ValueError, match="one letter"):
        store.relabel({first: "7"})
    assert store.list()[0].label == "a"                              # a refused change changes nothing

def test_samples_survive_a_restart(home):
    with SampleStore.open() as store:
        ids = [store.add(CROSS, "x"), store.add(HOOK, "h")]
        before = store.list()
    with SampleStore.open() as store:
        assert store.list() == before
        assert same_ink(store.ink(ids[1]), HOOK)


def test_as_dataset_is_a_stroke_set_written_by_me(store):
    store.add(CROSS, "x")
    store.add(HOOK, "b")
    data = store.as_dataset()
    assert isinstance(data, StrokeSet) and data.name == "my samples"
    assert data.labels.tolist() == [23, 1] and data.writers.tolist() == ["me", "me"]
    assert same_ink(data.ink.ink(0), CROSS)
    assert len(SampleStore.open(store.path.with_name("empty.sqlite")).as_dataset()) == 0


@pytest.mark.parametrize("label", ["ab", "", "1", "é", None, "ß"])
def test_a_bad_label_is_refused(store, label):
    with pytest.raises(ValueError, match="label"):
        store.add(CROSS, label)
    assert store.count() == 0


@pytest.mark.parametrize("ink", [
    [], [np.zeros((0, 2))], [np.array([[np.nan, 0.0], [1.0, 1.0]])], [np.zeros((3, 3))],
    np.zeros((3, 2)),                              # one stroke not wrapped in a list
    [np.array([[0.0, 0.0], [1e300, 1.0]])],        # beyond float32
])
def test_bad_ink_is_refused(store, ink):
    with pytest.raises(ValueError):
        store.add(ink, "a")
    assert store.count() == 0


def test_empty_strokes_are_dropped(store):
    sample = store.add([np.zeros((0, 2)), *HOOK], "h")
    assert same_ink(store.ink(sample), HOOK)


# ---------------------------------------------------------------- files

def test_export_import_round_trip_through_load_dataset(store, tmp_path):
    store.add(CROSS, "x")
    store.add(HOOK, "h")
    written = store.export(tmp_path / "mine")
    assert written == tmp_path / "mine.npz"
    data = load_dataset(written)
    assert isinstance(data, StrokeSet) and len(data) == 2
    assert data.labels.tolist() == [23, 7] and data.writers.tolist() == ["me", "me"]
    assert same_ink(data.ink.ink(0), CROSS)

    assert store.import_(written) == []    # already there: nothing added twice
    with SampleStore.open(tmp_path / "other.sqlite") as other:
        added = other.import_(written)
        assert [s.label for s in other.list()] == ["x", "h"] and added == [s.id for s in other.list()]
        assert same_ink(other.ink(other.list()[1].id), HOOK)


def test_import_refuses_images_and_broken_files(store, tmp_path):
    images = tmp_path / "images.npz"
    np.savez(images, images=np.zeros((2, 28, 28), np.uint8), labels=np.array([0, 1]))
    with pytest.raises(DatasetError, match="images"):
        store.import_(images)
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DatasetError, match="broken.npz"):
        store.import_(broken)
    assert store.count() == 0


# --------------------------------------------------------------- faults

def corrupt_variants(good: bytes) -> dict[str, bytes]:
    garbage = np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    return {
        "not a database": b"these are not the samples you are looking for\n" * 100,
        "truncated": good[:len(good) // 2],
        "garbled page": good[:3 * 4096] + garbage + good[4 * 4096:],
    }


def test_a_file_deleted_while_open_is_named_as_such_and_can_be_replaced(filled):
    with SampleStore.open(filled) as store:
        filled.unlink()
        with pytest.raises(SampleStoreError) as caught:
            store.add(CROSS, "a")
    assert caught.value.reason == "missing" and caught.value.can_set_aside
    assert "moved or deleted" in str(caught.value)
    fresh, moved = SampleStore.open_fresh_beside(filled)
    with fresh:
        assert moved is None and fresh.count() == 0


@pytest.mark.parametrize("kind", ["not a database", "truncated", "garbled page"])
def test_a_corrupt_file_is_reported_and_never_touched(filled, kind):
    bad = corrupt_variants(filled.read_bytes())[kind]
    filled.write_bytes(bad)
    files_before = sorted(filled.parent.iterdir())
    with pytest.raises(SampleStoreError) as caught:
        SampleStore.open(filled)
    error = caught.value
    assert error.reason == "corrupt" and error.can_set_aside
    assert str(filled) in str(error) and "new collection" in str(error)
    assert filled.read_bytes() == bad                       # not a byte changed
    assert sorted(filled.parent.iterdir()) == files_before  # nothing created or removed


def test_open_fresh_beside_keeps_the_bad_file_under_a_new_name(filled):
    bad = b"garbage" * 1000
    filled.write_bytes(bad)
    store, moved = SampleStore.open_fresh_beside(filled)
    with store:
        assert store.count() == 0 and store.path == filled
    assert moved.name.startswith("filled.sqlite.corrupt-") and moved.read_bytes() == bad


def test_a_garbled_sample_is_reported_when_read(filled):
    with sqlite3.connect(filled) as raw:
        raw.execute("UPDATE samples SET points = x'010203' WHERE id = 5")
    with SampleStore.open(filled) as store:
        assert store.count() == 200
        with pytest.raises(SampleStoreError, match="sample 5 is garbled") as caught:
            store.as_dataset()
        assert caught.value.reason == "corrupt"


def test_another_programs_database_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.sqlite"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE notes (text TEXT)")
    before = path.read_bytes()
    with pytest.raises(SampleStoreError, match="not a LetterLens samples file") as caught:
        SampleStore.open(path)
    assert caught.value.reason == "foreign" and path.read_bytes() == before


def test_a_newer_format_asks_for_an_update(filled):
    with sqlite3.connect(filled) as raw:
        raw.execute("PRAGMA user_version = 99")
    with pytest.raises(SampleStoreError, match="newer LetterLens") as caught:
        SampleStore.open(filled)
    assert caught.value.reason == "newer" and not caught.value.can_set_aside


def test_a_locked_database_gives_a_clear_error_then_works_again(filled):
    with SampleStore.open(filled, timeout=0.1) as store:
        other = sqlite3.connect(filled, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")     # another program holds the file
        try:
            started = time.perf_counter()
            with pytest.raises(SampleStoreError, match="in use by another program") as caught:
                store.add(CROSS, "x")
            assert caught.value.reason == "locked"
            assert time.perf_counter() - started < 5   # a short wait, not a hang
            # Opening only reads a current store: another program writing does not keep it shut.
            with SampleStore.open(filled, timeout=0.1) as reader:
                assert reader.count() == 200
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert store.count() == 200          # the failed write left no trace
        store.add(CROSS, "x")
        assert store.count() == 201


def test_a_store_in_a_folder_that_cannot_be_written_is_read_and_says_why_it_cannot_change(tmp_path):
    path = tmp_path / "shut" / "samples.sqlite"
    with SampleStore.open(path) as store:
        store.add(CROSS, "x")
    before = path.read_bytes()
    path.parent.chmod(0o555)        # SQLite cannot make the -shm file it reads a WAL store with
    try:
        if os.access(path.parent, os.W_OK):
            pytest.skip("folder permissions do not bind this user")
        with SampleStore.open(path) as store:
            assert store.count() == 1 and same_ink(store.ink(1), CROSS)
            with pytest.raises(SampleStoreError, match="read-only") as caught:
                store.add(HOOK, "h")
            assert caught.value.reason == "unavailable"
    finally:
        path.parent.chmod(0o755)
    assert path.read_bytes() == before and os.listdir(path.parent) == ["samples.sqlite"]


def test_a_folder_is_not_a_database(tmp_path):
    with pytest.raises(SampleStoreError, match="folder"):
        SampleStore.open(tmp_path)


def test_a_closed_store_says_so(store):
    store.close()
    with pytest.raises(SampleStoreError, match="closed"):
        store.count()


# ------------------------------------------------------------------ CLI

def test_command_line_count_list_export_import(tmp_path, capsys):
    db, other = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    with SampleStore.open(db) as store:
        store.add(CROSS, "x")
        store.add(HOOK, "x")
    assert samples_main(["--db", str(db), "count"]) == 0
    assert capsys.readouterr().out.strip() == "2 samples  (x:2)"
    assert samples_main(["--db", str(db), "list"]) == 0
    assert [line.split("\t")[:2] for line in capsys.readouterr().out.splitlines()] == [["1", "x"], ["2", "x"]]
    assert samples_main(["--db", str(db), "export", str(tmp_path / "out.npz")]) == 0
    assert samples_main(["--db", str(other), "import", str(tmp_path / "out.npz")]) == 0
    assert "imported 2 new samples" in capsys.readouterr().err
    assert samples_main(["--db", str(other), "import", str(tmp_path / "missing.npz")]) == 2
    assert capsys.readouterr().err.startswith("error:")
    assert samples_main(["--db", str(db), "relabel", "K", "2", "9"]) == 0        # 9 does not exist
    assert "relabelled 1 of 2" in capsys.readouterr().err
    assert samples_main(["--db", str(db), "relabel", "kk", "1"]) == 2
    assert "one letter" in capsys.readouterr().err
    assert samples_main(["--db", str(db), "delete", "1"]) == 0
    with SampleStore.open(db) as store:
        assert [(info.id, info.label) for info in store.list()] == [(2, "k")]
    (tmp_path / "junk.sqlite").write_bytes(b"junk" * 100)
    assert samples_main(["--db", str(tmp_path / "junk.sqlite"), "count"]) == 2
    assert "damaged" in capsys.readouterr().err


@pytest.mark.parametrize("target, message", [
    ("taken.npz", "cannot write {tmp}/taken.npz: it is a folder"),
    ("a_file/out.npz", "cannot write {tmp}/a_file/out.npz: {tmp}/a_file is not a folder"),
], ids=["a-folder", "under-a-file"])
def test_command_line_export_to_an_unwritable_place_says_so_in_one_line(tmp_path, capsys, target, message):
    db = tmp_path / "a.sqlite"
    with SampleStore.open(db) as store:
        store.add(CROSS, "x")
    (tmp_path / "taken.npz").mkdir()
    (tmp_path / "a_file").write_text("")
    assert samples_main(["--db", str(db), "export", str(tmp_path / target)]) == 2
    assert capsys.readouterr().err == f"error: {message.format(tmp=tmp_path)}\n"
    assert not list(tmp_path.glob("*.partial"))


def test_python_dash_m_runs_cleanly(tmp_path):
    """The store lives in model.sample_store, so running model.samples as a
    script does not re-run a module the package already imported."""
    command = [sys.executable, "-m", "model.samples", "--db", str(tmp_path / "s.sqlite"), "count"]
    done = subprocess.run(command, cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0 samples" and "Warning" not in done.stderr


def test_listing_into_a_reader_that_stops_early_ends_without_a_traceback(tmp_path):
    db, many = tmp_path / "many.sqlite", tmp_path / "many_strokes.npz"
    inks = [[np.array([[0.0, 0.0], [1.0, float(i)]])] for i in range(4000)]     # more than a pipe holds
    save_strokes(many, inks, np.zeros(len(inks), np.int64))
    with SampleStore.open(db) as store:
        assert len(store.import_(many)) == 4000
    tool = subprocess.Popen([sys.executable, "-m", "model.samples", "--db", str(db), "list"],
                            cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert tool.stdout.readline().startswith("1\ta\t")                   # as `| head -1` reads
    tool.stdout.close()
    _, errors = tool.communicate(timeout=60)
    assert "Traceback" not in errors and "BrokenPipe" not in errors


def test_a_data_folder_that_is_a_file_is_named_with_the_way_out(tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("not a folder")
    monkeypatch.setenv("LETTERLENS_HOME", str(tmp_path / "afile"))
    with pytest.raises(SampleStoreError) as caught:
        SampleStore.open()
    assert "is not a folder" in str(caught.value) and "LETTERLENS_HOME" in str(caught.value)
    assert (tmp_path / "afile").read_text() == "not a folder"                  # untouched


@pytest.mark.parametrize("stroke", [np.array([[0.0, 0.0], [3.0, 4.0j]]), np.array([["1", "2"], ["3", "4"]]),
                                    np.array([[True, False], [False, True]])], ids=["complex", "strings", "bool"])
def test_ink_that_is_not_real_numbers_is_refused_not_stored_changed(store, stroke):
    with pytest.raises(ValueError, match="real numbers"):
        store.add([stroke], "a")
    assert store.count() == 0


def test_command_line_import_of_a_small_file_claiming_a_huge_array_says_so(tmp_path, capsys):
    from bad_files import huge_points_file
    path = huge_points_file(tmp_path / "huge_strokes.npz")
    assert samples_main(["--db", str(tmp_path / "a.sqlite"), "import", str(path)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {path}: the array 'points' declares shape")
    with SampleStore.open(tmp_path / "a.sqlite") as store:
        assert store.count() == 0


# --------------------------------------------------- several programs at once (issue 27)

WRITER_PROGRAM = """
import sys, time
from pathlib import Path
import numpy as np
from model import SampleStore
path, go, adds, each_alone = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
Path(sys.argv[2] + "-" + sys.argv[5]).touch()          # ready
while not go.exists():
    time.sleep(0.001)
store = SampleStore.open(path)          # the default lock timeout, as the app and the CLI use
for i in range(adds):
    if each_alone:                      # as the command line does: open, add, close
        store.close()
        store = SampleStore.open(path)
    print(store.add([np.array([[0.0, 0.0], [float(i), 10.0 + i]])], "abcdefghij"[i % 10]))
store.close()
"""


@pytest.mark.parametrize("existing", [False, True], ids=["new-store", "existing-store"])
def test_every_add_from_several_programs_at_once_is_stored(tmp_path, existing):
    path, go = tmp_path / "samples.sqlite", tmp_path / "go"
    if existing:
        SampleStore.open(path).close()
    writers, adds = 6, 40
    # Half keep the store open (the app), half open it for each add (the command line).
    programs = [subprocess.Popen([sys.executable, "-c", WRITER_PROGRAM, str(path), str(go), str(adds), str(k % 2),
                                  str(k)], cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for k in range(writers)]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("go-*"))) < writers and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()
    outcomes = [program.communicate(timeout=300) for program in programs]
    assert all(program.returncode == 0 for program in programs), [err[-300:] for _, err in outcomes]
    said = [int(line) for out, _ in outcomes for line in out.split()]
    assert len(said) == writers * adds
    with SampleStore.open(path) as store:
        assert sorted(info.id for info in store.list()) == sorted(said) == list(range(1, writers * adds + 1))


OPEN_ADD_CLOSE_PROGRAM = """
import sys
import numpy as np
from model import SampleStore
with SampleStore.open(sys.argv[1]) as store:    # as the command line's count does
    store.count()
for i in range(5):                              # and five runs of its add
    with SampleStore.open(sys.argv[1]) as store:
        print(store.add([np.array([[0.0, 0.0], [1.0, 2.0 + i]])], "o"))
"""


def test_adds_of_a_program_that_comes_and_goes_while_the_app_keeps_the_store_open_are_all_kept(tmp_path):
    # The sequence that lost adds in WAL mode when the app dropped its lock on
    # the file: the other program's first close deleted the log the app was
    # using, its adds went to a new log, and the app, trusting its cached
    # pages, handed out the same ids again and wrote over them.
    path = tmp_path / "samples.sqlite"
    with SampleStore.open(path) as app:
        said = [app.add(CROSS, "x")]
        other = subprocess.run([sys.executable, "-c", OPEN_ADD_CLOSE_PROGRAM, str(path)], capture_output=True,
                               text=True, cwd=Path(__file__).resolve().parent.parent, timeout=120)
        assert other.returncode == 0, other.stderr[-300:]
        said += [int(line) for line in other.stdout.split()]
        said += [app.add(HOOK, "h") for _ in range(5)]
        assert app.count() == 11
    with SampleStore.open(path) as store:
        assert sorted(info.id for info in store.list()) == sorted(said) == list(range(1, 12))


def test_opening_a_current_store_takes_no_write_lock(tmp_path):
    path = tmp_path / "samples.sqlite"
    SampleStore.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")                 # another program in the middle of writing
    try:
        with SampleStore.open(path, timeout=0.1) as store:
            assert store.count() == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_the_store_waits_several_seconds_for_another_programs_write(tmp_path):
    from model.sample_store import DEFAULT_TIMEOUT_S
    assert DEFAULT_TIMEOUT_S >= 5
    with SampleStore.open(tmp_path / "samples.sqlite") as store:
        assert store._db.execute("PRAGMA busy_timeout").fetchone()[0] == DEFAULT_TIMEOUT_S * 1000


def test_the_store_is_in_wal_mode_and_an_old_one_is_switched_to_it(tmp_path):
    new, old = tmp_path / "new.sqlite", tmp_path / "old.sqlite"
    with SampleStore.open(new) as store:
        store.add(CROSS, "x")
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with SampleStore.open(old) as store:
        store.add(HOOK, "h")
        store._db.execute("PRAGMA journal_mode = DELETE")        # as LetterLens kept it before
    with SampleStore.open(old) as store:
        assert store.count() == 1
    for path in (new, old):
        with sqlite3.connect(path) as raw:                            # any other program's connection too
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_command_line_export_to_a_folder_says_so_and_writes_nothing_beside_it(tmp_path, capsys):
    db, folder = tmp_path / "a.sqlite", tmp_path / "exports"
    with SampleStore.open(db) as store:
        store.add(CROSS, "x")
    folder.mkdir()
    (tmp_path / "exports.npz").write_bytes(b"someone's file")
    assert samples_main(["--db", str(db), "export", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: cannot write {folder}: it is a folder\n"
    assert (tmp_path / "exports.npz").read_bytes() == b"someone's file" and not list(folder.iterdir())


@pytest.mark.parametrize("name", ["out.npz", "out"])
def test_command_line_export_replaces_a_file_only_when_told(tmp_path, capsys, name):
    db, out = tmp_path / "a.sqlite", tmp_path / "out.npz"
    with SampleStore.open(db) as store:
        store.add(CROSS, "x")
    out.write_bytes(b"keep me")
    assert samples_main(["--db", str(db), "export", str(tmp_path / name)]) == 2
    assert capsys.readouterr().err == f"error: {out} exists; pass --force to replace it\n"
    assert out.read_bytes() == b"keep me"
    assert samples_main(["--db", str(db), "export", "--force", str(tmp_path / name)]) == 0
    assert len(load_dataset(out)) == 1


def test_exporting_to_a_folder_through_the_api_is_an_oserror(store, tmp_path):
    store.add(CROSS, "x")
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        store.export(tmp_path)
    assert not (tmp_path.parent / f"{tmp_path.name}.npz").exists()


def test_ctrl_c_during_an_import_ends_in_one_line_and_adds_nothing(tmp_path, capsys, monkeypatch):
    import model.sample_store
    source = save_strokes(tmp_path / "in_strokes.npz", [CROSS, HOOK], [0, 1])

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(model.sample_store, "load_dataset", interrupted)
    assert samples_main(["--db", str(tmp_path / "a.sqlite"), "import", str(source)]) == 130
    assert capsys.readouterr().err.startswith("\ninterrupted: the samples are as they were")
    with SampleStore.open(tmp_path / "a.sqlite") as store:
        assert store.count() == 0


def test_a_store_another_program_creates_meanwhile_is_never_read_half_made(tmp_path):
    # Opening reads the file's version, id and tables; read one by one, a
    # store created between two of those reads looked foreign (version 0,
    # id 0, one table) and another program refused it.
    from model.sample_store import APPLICATION_ID, SCHEMA, SCHEMA_VERSION, _schema_facts
    path = tmp_path / "samples.sqlite"
    reader, creator = sqlite3.connect(path, isolation_level=None), sqlite3.connect(path, isolation_level=None)

    class Fetched:
        def __init__(self, row):
            self.row = row

        def fetchone(self):
            return self.row

    class CreatedAfterTheFirstRead:
        created = False

        def execute(self, sql):
            row = reader.execute(sql).fetchone()        # read, and its snapshot let go
            if not self.created:
                self.created = True
                creator.executescript(f"BEGIN; {SCHEMA}; PRAGMA application_id = {APPLICATION_ID}; "
                                      f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            return Fetched(row)

    try:
        facts = _schema_facts(CreatedAfterTheFirstRead())
    finally:
        reader.close()
        creator.close()
    assert facts == (0, 0, 0) or facts[:2] == (SCHEMA_VERSION, APPLICATION_ID)    # all before, or all after


def test_a_store_dropped_without_closing_lets_its_file_go(tmp_path):
    import gc
    from model import sample_store
    store = SampleStore.open(tmp_path / "samples.sqlite")
    key = store._file
    assert key in sample_store._watched
    del store
    gc.collect()
    assert key not in sample_store._watched       # no descriptor left open, no stale key for a reused inode
