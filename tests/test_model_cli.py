"""The command lines: ``python -m model.evaluate``, ``model.train``, ``model.split``, ``model.bench``
and ``model.rastercheck``."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import model
from model import (CLASSES, LetterNet, RasterConfig, SampleStore, SampleStoreError, TrainConfig, load_checkpoint,
                   load_dataset, load_timelapse, save_checkpoint, save_strokes)
from model.evaluate import main as evaluate_main
from model.rastercheck import main as rastercheck_main
from model.split import main as split_main
from model.train import main as train_main

ROOT = Path(__file__).resolve().parent.parent


def write_strokes(path, n, seed=0):
    """``n`` small drawings (a bar, a ring or a Z) with labels l, o, z, as a stroke .npz."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, 24)
    shapes = [np.array([[0.0, 0.0], [0.0, 1.0]]),
              np.stack([np.cos(t), np.sin(t)], 1),
              np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])]
    kinds = np.arange(n) % 3
    strokes = [shapes[k] * rng.uniform(20, 80) + rng.normal(0, 1.0, shapes[k].shape) for k in kinds]
    np.savez_compressed(
        path,
        points=np.concatenate(strokes).astype(np.float32),
        stroke_offsets=np.concatenate([[0], np.cumsum([len(s) for s in strokes])]),
        sample_offsets=np.arange(n + 1),
        labels=np.array([11, 14, 25])[kinds],
        writer=np.array([f"w{i % 5}" for i in range(n)]),
    )
    return path


def run_module(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    torch.manual_seed(0)
    weights = save_checkpoint(folder / "untrained.pt", LetterNet(), meta={"note": "untrained"})
    return {"strokes": write_strokes(folder / "tiny_strokes.npz", 20), "weights": weights, "folder": folder}


def test_evaluate_json_prints_one_object(files):
    done = run_module("model.evaluate", "--strokes", files["strokes"], "--weights", files["weights"], "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)   # fails on anything but exactly one JSON document
    assert isinstance(result, dict)
    assert result["views"] == model.READ_VIEWS.count      # as the app reads a finished drawing
    alone = json.loads(run_module("model.evaluate", "--strokes", files["strokes"], "--weights", files["weights"],
                                  "--json", "--views", "1").stdout)
    assert alone["views"] == 1 and set(alone) == set(result)
    assert result["n"] == 20
    assert 0 <= result["accuracy"] <= result["top3"] <= 1
    assert set(result["per_class"]) == {"l", "o", "z"}
    assert all(isinstance(v, float) and 0 <= v <= 1 for v in result["per_class"].values())
    for confusion in result["confusions"]:
        assert confusion["true"] in CLASSES and confusion["predicted"] in CLASSES


def test_translation_shift_in_evaluate_json(files, capsys):
    """--shift N moves every drawing N pixels; the JSON says so, and reads what
    the Explain tab's curve reads at N (same directions, one view)."""
    args = ["--strokes", str(files["strokes"]), "--weights", str(files["weights"]), "--json", "--views", "1"]
    assert evaluate_main(args) == 0
    assert json.loads(capsys.readouterr().out)["shift"] == 0
    assert evaluate_main([*args, "--shift", "3"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["shift"] == 3 and result["n"] == 20 and result["views"] == 1
    checkpoint, dataset = load_checkpoint(files["weights"]), load_dataset(files["strokes"])
    assert result["accuracy"] == model.accuracy_by_shift(checkpoint.model, dataset, checkpoint.raster)[3]
    assert evaluate_main(args[:4] + ["--shift", "2"]) == 0           # as the app reads: 8 views, each moved
    assert "each moved 2 px" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        evaluate_main([*args, "--shift", "-1"])
    assert "--shift: must be 0 or more, got -1" in capsys.readouterr().err


def test_evaluate_reads_image_files_once_each_by_default(files, tmp_path, capsys):
    """Views of an image file are resampled pixels, not redrawn strokes: one view, unless asked."""
    images = tmp_path / "tiny_images.npz"
    np.savez_compressed(images, images=np.zeros((6, 28, 28), np.uint8) + np.eye(28, dtype=np.uint8) * 255,
                        labels=np.arange(6))
    assert evaluate_main(["--images", str(images), "--weights", str(files["weights"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["views"] == 1
    assert evaluate_main(["--images", str(images), "--weights", str(files["weights"]), "--json", "--views", "3"]) == 0
    assert json.loads(capsys.readouterr().out)["views"] == 3


def test_evaluate_report_mentions_confusions(files, capsys):
    assert evaluate_main(["--strokes", str(files["strokes"]), "--weights", str(files["weights"])]) == 0
    report = capsys.readouterr().out
    assert report.startswith("tiny_strokes.npz: 20 samples")
    assert "accuracy" in report and "top-3" in report
    assert "confusions" in report


def test_evaluate_lists_the_misread_samples_by_number(files, capsys):
    args = ["--strokes", str(files["strokes"]), "--weights", str(files["weights"]), "--errors"]
    assert evaluate_main([*args, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    labels = load_dataset(files["strokes"]).labels
    assert len(result["errors"]) == round(result["n"] * (1 - result["accuracy"]))
    for error in result["errors"]:       # numbered from 1, as File > Open drawing counts
        assert error["true"] == CLASSES[labels[error["number"] - 1]] != error["predicted"]
    assert evaluate_main(args) == 0
    assert f"misread ({len(result['errors'])})" in capsys.readouterr().out


def test_evaluate_refuses_corrupt_weights_with_exit_code_2(files, tmp_path, capsys):
    # In-process: main()'s return value is the exit code (`raise SystemExit(main())`).
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"this is not a checkpoint" * 50)
    assert evaluate_main(["--strokes", str(files["strokes"]), "--weights", str(corrupt), "--json"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error:") and "corrupt.pt" in err
    assert out == ""


def test_evaluate_refuses_missing_data_with_exit_code_2(files, tmp_path, capsys):
    missing = tmp_path / "nothing_strokes.npz"
    assert evaluate_main(["--strokes", str(missing), "--weights", str(files["weights"])]) == 2
    assert "nothing_strokes.npz" in capsys.readouterr().err


def test_evaluate_says_a_folder_given_as_weights_is_a_folder(files, tmp_path, capsys):
    assert evaluate_main(["--strokes", str(files["strokes"]), "--weights", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path}: is a folder, not a file\n"


@pytest.mark.slow
def test_train_cli_writes_a_loadable_checkpoint(files):
    data = write_strokes(files["folder"] / "train_strokes.npz", 60, seed=1)
    out = files["folder"] / "trained" / "tiny.pt"
    done = run_module("model.train", "--data", data, "--epochs", "1", "--batch-size", "16",
                      "--threads", "1", "--out", out)
    assert done.returncode == 0, done.stderr
    assert "saved" in done.stderr and "tiny.pt" in done.stderr
    checkpoint = load_checkpoint(out)
    assert checkpoint.arch == "letternet"
    assert checkpoint.meta["epochs"] == 1
    assert checkpoint.meta["train_data"] == {"train_strokes.npz": 60}
    assert len(checkpoint.meta["history"]) == 1
    assert checkpoint.meta["train_size"] < 60   # some writers were held out to validate
    assert checkpoint.meta["optimizer"]["batch_size"] == 16   # the recipe is on record
    assert checkpoint.meta["optimizer"]["weight_decay"] == TrainConfig().weight_decay


def test_train_refuses_a_teacher_that_reads_other_images(files, capsys):
    data = write_strokes(files["folder"] / "teach_strokes.npz", 30, seed=2)
    teacher = save_checkpoint(files["folder"] / "thick_pen.pt", LetterNet(), arch="letternet",
                              raster=RasterConfig(pen_radius=2.0), meta={})
    out = files["folder"] / "student.pt"
    assert train_main(["--data", str(data), "--teacher", str(teacher), "--out", str(out)]) == 2
    assert "thick_pen.pt reads images drawn with" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("out, message", [
    ("a_folder", "cannot write {tmp}/a_folder: it is a folder"),
    ("a_file/net.pt", "cannot write {tmp}/a_file/net.pt: {tmp}/a_file is not a folder"),
], ids=["a-folder", "under-a-file"])
def test_train_refuses_an_unwritable_out_before_training(files, tmp_path, capsys, out, message):
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "a_file").write_text("")
    code = train_main(["--data", str(files["strokes"]), "--epochs", "1", "--out", str(tmp_path / out)])
    err = capsys.readouterr().err
    assert code == 2 and err == f"error: {message.format(tmp=tmp_path)}\n"   # one line, and no training first


def test_an_out_behind_a_folder_that_cannot_be_searched_is_refused_in_words(files, tmp_path, capsys, monkeypatch):
    """Python 3.11's Path.is_dir raises PermissionError behind a folder the
    user may not search; the check is there to say why in one line instead."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real_stat = os.stat

    def stat(path, *args, **kwargs):   # what a non-root user meets behind `chmod 0 locked`
        if os.fspath(path).startswith(f"{locked}{os.sep}"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "access", lambda path, mode, **kwargs: os.fspath(path) != str(locked))
    out = locked / "sub" / "net.pt"
    assert train_main(["--data", str(files["strokes"]), "--epochs", "1", "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"error: cannot write {out}: no permission to write in {locked}\n"
    with pytest.raises(SampleStoreError, match="no permission to write in"):
        SampleStore.open(locked / "sub" / "samples.sqlite")


@pytest.mark.parametrize("option, value", [("--epochs", "0"), ("--steps", "0"), ("--threads", "-1"),
                                           ("--batch-size", "-5"), ("--batch-size", "0"), ("--lr", "0"),
                                           ("--lr", "nan")])
def test_train_refuses_numbers_that_are_not_positive(files, capsys, option, value):
    with pytest.raises(SystemExit) as exit_:
        train_main(["--data", str(files["strokes"]), option, value])
    assert exit_.value.code == 2
    assert f"argument {option}: must be more than 0, got {value}" in capsys.readouterr().err


def test_split_holds_out_whole_contributors(tmp_path, capsys):
    writers = ["lab1/a", "lab1/b", "lab2/a", "lab3/x", "lab2/c", "solo"]
    inks = [[np.array([[0.0, 0.0], [i + 1.0, 5.0]])] for i in range(len(writers))]
    source = save_strokes(tmp_path / "labs_strokes.npz", inks, np.arange(len(writers)), writers)
    assert split_main(["--strokes", str(source), "--hold-out", "lab2", "lab3", "--out", str(tmp_path / "out")]) == 0
    rest = load_dataset(tmp_path / "out" / "rest_strokes.npz")
    held = load_dataset(tmp_path / "out" / "held_out_strokes.npz")
    assert list(held.writers) == ["lab2/a", "lab3/x", "lab2/c"] and list(held.labels) == [2, 3, 4]
    assert list(rest.writers) == ["lab1/a", "lab1/b", "solo"] and list(rest.labels) == [0, 1, 5]
    np.testing.assert_array_equal(held.ink.ink(1)[0], inks[3][0])   # the strokes travel with their labels
    assert "3 letters, 3 writers of 2 contributors" in capsys.readouterr().out

    assert split_main(["--strokes", str(source), "--hold-out", "lab9", "--out", str(tmp_path / "x")]) == 2
    assert "no contributor named lab9 (it has lab1, lab2, lab3, solo)" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("blocker", ["held_out_strokes.npz", None], ids=["one-file-a-folder", "out-a-file"])
def test_split_refuses_an_unwritable_out_in_one_line(tmp_path, capsys, blocker):
    source = save_strokes(tmp_path / "labs_strokes.npz", [[np.array([[0.0, 0.0], [1.0, 5.0]])]] * 2, [0, 1],
                          ["lab1/a", "lab2/b"])
    out = tmp_path / "out"
    if blocker:
        (out / blocker).mkdir(parents=True)
    else:
        out.write_text("")
    assert split_main(["--strokes", str(source), "--hold-out", "lab2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write ") and err.count("\n") == 1
    assert not (out / "rest_strokes.npz").exists() and "Traceback" not in err   # nothing half done


def test_bench_checks_the_replay_file_before_benchmarking(files, tmp_path, capsys, monkeypatch):
    import model.bench as bench
    monkeypatch.setattr(bench, "bench_predict", lambda *a: pytest.fail("benchmarked before reading --replay"))
    broken = tmp_path / "replay_strokes.npz"
    broken.write_bytes(b"PK\x03\x04" + bytes(100))
    assert bench.main(["--weights", str(files["weights"]), "--replay", str(broken)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"error: {broken}: cannot read the archive") and err.count("\n") == 1


@pytest.mark.parametrize("n, message", [(3, "the images hold no ink"), (0, "no samples")])
def test_rastercheck_refuses_sets_with_no_ink_to_compare(tmp_path, capsys, n, message):
    strokes = save_strokes(tmp_path / "x_strokes.npz", [[np.array([[0.0, 0.0], [1.0, 5.0]])]] * n, [0] * n)
    images = tmp_path / "x.npz"
    np.savez(images, images=np.zeros((n, 28, 28), np.uint8), labels=np.zeros(n, np.int64))
    assert rastercheck_main(["--strokes", str(strokes), "--images", str(images)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"error: {images}: {message} to compare with\n"   # not NaN or Infinity in JSON


@pytest.mark.slow
def test_bench_json_reports_positive_numbers(files):
    # A bound for a hang, not a timing: on a busy machine the bench alone took over 120 s.
    done = run_module("model.bench", "--json", "--repeats", "5", "--train-samples", "256",
                      "--weights", files["weights"], timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for key in ("predict_ms_1thread_median", "predict_ms_1thread_p90", "predict_ms_median",
                "read_ms_1thread_median", "read_ms_1thread_p90", "train_samples_per_s",
                "train_samples_per_s_watched", "peak_rss_mb"):
        value = result[key]
        assert isinstance(value, (int, float)) and not isinstance(value, bool), key
        assert value > 0, key
    assert result["predict_ms_1thread_p90"] >= result["predict_ms_1thread_median"]


def test_bench_training_with_fewer_samples_than_a_batch():
    from model.bench import bench_training
    result = bench_training(100)
    assert result["train_samples_per_s"] > 0


def test_cli_modules_do_not_shadow_the_package_functions():
    """`python -m model.train` / `model.evaluate` are modules; importing them
    must not replace the package's training and evaluation functions."""
    import model
    import model.evaluate  # noqa: F401
    import model.train  # noqa: F401
    assert callable(model.train_network) and callable(model.evaluate_network)


def test_nothing_to_read_is_an_error_not_a_result(tmp_path, capsys):
    empty = save_strokes(tmp_path / "empty_strokes.npz", [], [])
    assert evaluate_main(["--strokes", str(empty), "--json"]) == 2
    assert "holds no samples" in capsys.readouterr().err
    typo = tmp_path / "typo.sqlite"
    assert train_main(["--my-samples", "--samples-db", str(typo), "--no-replay", "--out", str(tmp_path / "me.pt")]) == 2
    assert "no such samples database" in capsys.readouterr().err and not typo.exists()   # none created


# ------------------------------------------------------------ faults that lose nothing (issue 27)

def test_evaluate_refuses_a_small_file_claiming_a_huge_array_in_words(files, tmp_path, capsys):
    from bad_files import huge_points_file
    path = huge_points_file(tmp_path / "huge_strokes.npz")
    assert evaluate_main(["--strokes", str(path), "--weights", str(files["weights"])]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: the array 'points' declares shape (100000000000, 2)")


def test_train_refuses_a_small_file_claiming_a_huge_array_in_words(tmp_path, capsys):
    from bad_files import huge_points_file
    path = huge_points_file(tmp_path / "huge_strokes.npz")
    assert train_main(["--data", str(path), "--out", str(tmp_path / "out.pt")]) == 2
    assert "declares shape (100000000000, 2)" in capsys.readouterr().err
    assert not (tmp_path / "out.pt").exists()


def test_a_diverging_run_keeps_the_good_checkpoint_and_exits_non_zero(files, tmp_path, capsys, monkeypatch):
    import functools
    import model.train
    good = save_checkpoint(tmp_path / "good.pt", LetterNet(), meta={"note": "good"})
    before = good.read_bytes()
    monkeypatch.setattr(model.train, "TrainConfig", functools.partial(TrainConfig, lr=1e6))   # any run gone NaN
    code = train_main(["--data", str(files["strokes"]), "--epochs", "3", "--batch-size", "4", "--out", str(good)])
    err = capsys.readouterr().err
    assert code == 1 and "training diverged" in err and f"nothing saved, {good} is unchanged" in err
    assert "saved " + str(good) not in err and "Traceback" not in err
    assert good.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["good.pt"]


@pytest.mark.parametrize("value, message", [("1e6", "must be from 1e-05 to 0.1, got 1e6"),
                                            ("0.5", "must be from 1e-05 to 0.1, got 0.5"),
                                            ("1e-9", "must be from 1e-05 to 0.1, got 1e-9")])
def test_train_takes_a_learning_rate_in_the_dialogs_range(files, capsys, value, message):
    with pytest.raises(SystemExit) as exit_:
        train_main(["--data", str(files["strokes"]), "--lr", value])
    assert exit_.value.code == 2 and f"argument --lr: {message}" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "2"])
def test_train_refuses_a_writer_balance_out_of_range(files, capsys, value):
    with pytest.raises(SystemExit) as exit_:
        train_main(["--data", str(files["strokes"]), "--writer-balance", value])
    assert exit_.value.code == 2
    assert "argument --writer-balance: must be" in capsys.readouterr().err


def test_train_on_zero_samples_says_so(tmp_path, capsys):
    empty = save_strokes(tmp_path / "empty_strokes.npz", [], [])
    assert train_main(["--data", str(empty), "--out", str(tmp_path / "out.pt")]) == 2
    assert capsys.readouterr().err == f"error: no training samples in {empty}\n"
    assert not (tmp_path / "out.pt").exists()


def test_train_refuses_an_empty_validation_file_instead_of_skipping_validation(files, tmp_path, capsys):
    empty = save_strokes(tmp_path / "empty_strokes.npz", [], [])
    code = train_main(["--data", str(files["strokes"]), "--val", str(empty), "--epochs", "1",
                       "--out", str(tmp_path / "out.pt")])
    assert code == 2 and f"--val {empty}: holds no samples to validate on" in capsys.readouterr().err
    assert not (tmp_path / "out.pt").exists()


@pytest.mark.parametrize("tool, loader, argv", [
    ("model.train", "load_many", ["--data", "{strokes}", "--out", "{tmp}/out.pt"]),
    ("model.evaluate", "load_dataset", ["--strokes", "{strokes}", "--weights", "{weights}"]),
])
def test_ctrl_c_while_loading_data_ends_in_one_line(files, tmp_path, capsys, monkeypatch, tool, loader, argv):
    import importlib
    module = importlib.import_module(tool)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, loader, interrupted)
    argv = [a.format(strokes=files["strokes"], weights=files["weights"], tmp=tmp_path) for a in argv]
    assert module.main(argv) == 130
    assert capsys.readouterr().err.startswith("\ninterrupted")
    assert not (tmp_path / "out.pt").exists()


def test_a_full_disk_at_save_keeps_the_trained_network_elsewhere_and_says_where(files, tmp_path, capsys,
                                                                                monkeypatch):
    import errno
    import model.checkpoint
    out = save_checkpoint(tmp_path / "full" / "out.pt", LetterNet(), meta={"note": "old"})
    fsync = os.fsync

    def full_disk(fd):
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(out.parent)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fsync(fd)

    monkeypatch.setattr(model.checkpoint.os, "fsync", full_disk)
    code = train_main(["--data", str(files["strokes"]), "--epochs", "1", "--batch-size", "8", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert f"cannot write {out}: the disk is full" in err
    kept = Path(err.split("is kept in ")[1].split(" instead")[0])
    assert kept.parent == model.sample_store.default_home() / "runs"
    assert load_checkpoint(kept).meta["epochs"] == 1           # the trained network, whole
    assert load_checkpoint(out).meta == {"note": "old"}         # the old file, untouched
    assert [p.name for p in out.parent.iterdir()] == ["out.pt"]


@pytest.fixture
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_train_writes_the_runs_time_lapse(files, tmp_path, capsys, one_torch_thread):
    data = write_strokes(tmp_path / "lapse_strokes.npz", 40, seed=3)
    out, lapse = tmp_path / "net.pt", tmp_path / "run" / "lapse.npz"
    assert train_main(["--data", str(data), "--epochs", "1", "--batch-size", "8", "--out", str(out),
                       "--timelapse", str(lapse)]) == 0
    assert f"saved the time-lapse {lapse}" in capsys.readouterr().err
    timelapse, saved = load_timelapse(lapse), load_checkpoint(out).model.state_dict()
    assert [s.batch for s in timelapse.snapshots] == list(range(timelapse.batches + 1))
    assert timelapse.batches >= 2
    assert all(torch.equal(timelapse[-1].state[name], saved[name]) for name in saved)


def test_fine_tuning_on_my_samples_writes_its_time_lapse_from_the_start_weights(files, tmp_path, capsys,
                                                                                 one_torch_thread):
    database, lapse = tmp_path / "samples.sqlite", tmp_path / "lapse.npz"
    with SampleStore.open(database) as store:
        for i in range(4):
            store.add([np.array([[0.0, 0.0], [3.0 * i, 50.0]])], "l")
    assert train_main(["--my-samples", "--samples-db", str(database), "--no-replay", "--steps", "3",
                       "--batch-size", "4", "--finetune", str(files["weights"]), "--out", str(tmp_path / "me.pt"),
                       "--timelapse", str(lapse)]) == 0
    timelapse, start = load_timelapse(lapse), load_checkpoint(files["weights"]).model.state_dict()
    assert [s.batch for s in timelapse.snapshots] == [0, 1, 2, 3]
    assert all(torch.equal(timelapse[0].state[name], start[name]) for name in start)


def test_train_refuses_an_unwritable_time_lapse_before_training(files, tmp_path, capsys):
    (tmp_path / "a_folder").mkdir()
    out = tmp_path / "net.pt"
    code = train_main(["--data", str(files["strokes"]), "--out", str(out), "--timelapse", str(tmp_path / "a_folder")])
    assert code == 2 and capsys.readouterr().err == f"error: cannot write {tmp_path}/a_folder: it is a folder\n"
    assert not out.exists()
