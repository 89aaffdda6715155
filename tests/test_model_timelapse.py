"""A run's time-lapse: the schedule, snapshots of a tiny run from scratch,
reading with them, the memory bound, and files saved and refused."""
import json
import zipfile

import numpy as np
import pytest
import torch

from model import (CheckpointError, LatestSnapshot, LetterNet, RasterConfig, Snapshot, StrokeSet, TimeLapse,
                   TimeLapseError, TrainConfig, is_snapshot_batch, load_timelapse, render, save_checkpoint,
                   save_strokes, save_timelapse, snapshot_batches, snapshot_taker, train_network)
from model.bench import synthetic_inks

TINY_RUN = TrainConfig(epochs=1, batch_size=8, seed=3)
A_BAR = [np.array([[0.0, 0.0], [0.0, 60.0], [2.0, 120.0]])]


# ------------------------------------------------------------------ schedule

def test_the_schedule_is_dense_at_the_start_then_every_percent_of_the_run():
    batches = snapshot_batches(10_000)
    assert batches[:9] == [0, 5, 10, 20, 50, 100, 200, 300, 400]
    assert batches[-1] == 10_000
    assert set(np.diff(batches[5:])) == {100}     # 1 % of the run
    long_run = snapshot_batches(250_000)
    assert long_run[:12] == [0, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 2500, 5000]
    assert len(long_run) <= 115


def test_a_short_run_takes_a_snapshot_after_every_batch_and_an_odd_length_ends_with_one():
    assert snapshot_batches(30) == list(range(31))
    assert snapshot_batches(1234)[-2:] == [13 * 94, 1234]   # every 13th, then the end
    assert is_snapshot_batch(1234, 1234) and not is_snapshot_batch(1233, 1234)


@pytest.mark.parametrize("batches", [0, 1, 7, 99, 100, 101, 999, 4321, 20_000])
def test_the_listed_schedule_is_every_batch_that_takes_a_snapshot(batches):
    assert snapshot_batches(batches) == [b for b in range(batches + 1) if is_snapshot_batch(b, batches)]


@pytest.mark.parametrize("batch, batches", [(-1, 10), (11, 10)])
def test_a_batch_outside_the_run_is_refused(batch, batches):
    with pytest.raises(ValueError, match=f"batch {batch} is not within a run of {batches}"):
        is_snapshot_batch(batch, batches)


# ------------------------------------------------------------------ a tiny run

def scribbles(n, seed=0):
    """Random scribbles labelled l, o and z: a few dozen to learn something from."""
    return StrokeSet("scribbles", synthetic_inks(n, seed), np.array([11, 14, 25] * n)[:n],
                     np.array([f"w{i % 6}" for i in range(n)]))


@pytest.fixture(scope="module")
def tiny_run():
    """A from-scratch run (with BatchNorm, as the app's) of 6 batches, its
    time-lapse, and the weights it started from."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(TINY_RUN.seed)     # as train_network seeds before building the network
        initial = LetterNet(batch_norm=True)
        timelapse, watch = TimeLapse(), LatestSnapshot(interval_s=3600)
        result = train_network([scribbles(48)], TINY_RUN, val_sets=[scribbles(12, seed=1)],
                               on_batch=snapshot_taker(timelapse, watch))
    finally:
        torch.set_num_threads(threads)
    return result, timelapse, watch, initial


def test_a_tiny_run_from_scratch_yields_snapshots_whose_readings_differ(tiny_run):
    _, timelapse, _, _ = tiny_run
    assert [s.batch for s in timelapse.snapshots] == list(range(7))
    first = timelapse.reader_at(0).predict(A_BAR).probabilities
    last = timelapse.reader_at(-1).predict(A_BAR).probabilities
    assert np.abs(first - last).max() > 1e-3


def test_the_first_snapshot_of_a_run_from_scratch_is_its_random_start(tiny_run):
    _, timelapse, _, initial = tiny_run
    first = timelapse[0]
    assert (first.batch, first.epoch, first.loss, first.val_accuracy) == (0, 0, None, None)
    # BatchNorm folded: a fresh one scales by 1 / sqrt(1 + eps) and shifts by nothing.
    scale = torch.ones(32) / torch.sqrt(torch.ones(32) + 1e-5)
    expected = initial.stages["conv1"].weight.detach() * scale[:, None, None, None]
    assert torch.equal(first.state["stages.conv1.weight"], expected)
    assert 0.15 < float(expected.std()) < 0.25       # noise: uniform in ±1/3


def test_the_last_snapshot_is_the_network_the_run_returns(tiny_run):
    result, timelapse, _, _ = tiny_run
    last = timelapse[-1]
    assert (last.batch, last.epoch, last.val_accuracy) == (6, 1, result.val_accuracy)
    assert last.loss == pytest.approx(result.history[-1]["loss"])
    saved = result.model.state_dict()
    assert set(last.state) == set(saved)
    assert all(torch.equal(last.state[name], saved[name]) for name in saved)
    assert all(t.dtype == torch.float32 and t.device.type == "cpu" for t in last.state.values())


def test_a_snapshot_reads_a_drawing_as_its_weights_do(tiny_run):
    _, timelapse, _, _ = tiny_run
    for index in (0, 3, -1):
        snapshot = timelapse[index]
        reading = timelapse.reader_at(index).predict(A_BAR)
        direct = LetterNet().eval()
        direct.load_state_dict(snapshot.state)
        with torch.no_grad():
            log_probs, activations = direct(torch.from_numpy(render(A_BAR, RasterConfig()))[None])
        np.testing.assert_allclose(reading.probabilities, log_probs.exp()[0].numpy(), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(reading.activations["conv1"], activations["conv1"][0].numpy(),
                                   rtol=1e-5, atol=1e-6)


def test_the_watch_slot_holds_the_end_of_the_run_even_at_a_slow_rate(tiny_run):
    _, timelapse, watch, _ = tiny_run
    latest = watch.latest()
    assert latest.batch == 6
    assert all(torch.equal(latest.state[name], timelapse[-1].state[name]) for name in latest.state)


def test_the_watch_slot_takes_a_copy_at_most_at_its_rate():
    slow, eager = LatestSnapshot(interval_s=3600), LatestSnapshot(interval_s=0)
    assert slow.latest() is None and slow.due()
    snapshot = Snapshot(0, 0, None, None, LetterNet().state_dict())
    slow.put(snapshot)
    eager.put(snapshot)
    assert slow.latest() is snapshot and not slow.due()
    assert eager.due()


def test_a_fine_tune_starts_its_time_lapse_at_the_given_network():
    start = LetterNet()
    timelapse = TimeLapse()
    with_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train_network([scribbles(16)], TrainConfig(epochs=1, batch_size=8), val_sets=[], model=start,
                      on_batch=snapshot_taker(timelapse))
    finally:
        torch.set_num_threads(with_threads)
    assert [s.batch for s in timelapse.snapshots] == [0, 1, 2]
    assert all(torch.equal(timelapse[0].state[k], v) for k, v in start.state_dict().items())


# ------------------------------------------------------------------ memory bound

def fake_snapshot(batch):
    return Snapshot(batch, 1, 1.0, None, LetterNet().state_dict())


def test_the_memory_bound_holds_keeping_the_first_and_the_last():
    each = TimeLapse().snapshot_bytes
    timelapse = TimeLapse(budget_bytes=5 * each)
    for batch in range(40):
        timelapse.add(fake_snapshot(batch), 40)
        assert timelapse.nbytes <= 5 * each
    kept = [s.batch for s in timelapse.snapshots]
    assert kept == [0, 16, 32, 39]     # evenly: every 16th, and the newest


def test_a_budget_too_small_for_the_first_and_the_last_is_refused():
    each = TimeLapse().snapshot_bytes
    with pytest.raises(ValueError, match="cannot hold two snapshots"):
        TimeLapse(budget_bytes=2 * each - 1)


def test_snapshots_out_of_order_are_refused():
    timelapse = TimeLapse()
    timelapse.add(fake_snapshot(5))
    with pytest.raises(ValueError, match="snapshot of batch 5 comes after batch 5"):
        timelapse.add(fake_snapshot(5))
    assert len(timelapse) == 1


# ------------------------------------------------------------------ files

def test_a_saved_time_lapse_round_trips_exactly(tiny_run, tmp_path):
    _, timelapse, _, _ = tiny_run
    back = load_timelapse(save_timelapse(tmp_path / "run.npz", timelapse))
    assert (back.arch, back.raster, back.batches) == (timelapse.arch, timelapse.raster, 6)
    assert len(back) == len(timelapse)
    for saved, loaded in zip(timelapse.snapshots, back.snapshots):
        assert (loaded.batch, loaded.epoch, loaded.loss, loaded.val_accuracy) == \
               (saved.batch, saved.epoch, saved.loss, saved.val_accuracy)
        assert all(torch.equal(loaded.state[name], saved.state[name]) for name in saved.state)
    assert np.array_equal(back.reader_at(-1).predict(A_BAR).probabilities,
                          timelapse.reader_at(-1).predict(A_BAR).probabilities)


def test_saving_an_empty_time_lapse_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no snapshots"):
        save_timelapse(tmp_path / "empty.npz", TimeLapse())
    assert not (tmp_path / "empty.npz").exists()


@pytest.fixture
def saved(tiny_run, tmp_path):
    """A good time-lapse file, and its arrays to spoil."""
    path = save_timelapse(tmp_path / "good.npz", tiny_run[1])
    with np.load(path) as arrays:
        return path, dict(arrays)


def header_of(arrays):
    return json.loads(arrays["header"].tobytes())


def with_header(arrays, **changes):
    header = {**header_of(arrays), **changes}
    return {**arrays, "header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)}


def spoiled(arrays, name, change):
    copy = dict(arrays)
    copy[name] = change(copy[name].copy())
    return copy


def with_nan(array):
    array[-1, 0, 0, 0, 0] = np.nan
    return array


SPOILED_ARRAYS = {
    "nan": (lambda a: spoiled(a, "stages.conv1.weight", with_nan), "stages.conv1.weight holds NaN"),
    "float64": (lambda a: spoiled(a, "stages.fc3.bias", lambda x: x.astype(np.float64)),
                "stages.fc3.bias must be float32 of shape"),
    "wrong-shape": (lambda a: spoiled(a, "stages.fc3.bias", lambda x: x[:, :20]), "must be float32 of shape"),
    "missing-array": (lambda a: {k: v for k, v in a.items() if k != "stages.fc1.weight"},
                      "missing: stages.fc1.weight; unexpected: none"),
    "extra-array": (lambda a: {**a, "stages.norm1.weight": np.ones((7, 32), np.float32)},
                    "unexpected: stages.norm1.weight"),
    "object-array": (lambda a: {**a, "stages.fc3.bias": np.array([{"x": 1}] * 7, dtype=object)},
                     "not a readable time-lapse"),
    "zero-input-std": (lambda a: spoiled(a, "input_std", lambda x: x * 0), "input_std must be above 0"),
    "huge-count": (lambda a: with_header(a, batches=1000, snapshots=[
        {"batch": b, "epoch": 1, "loss": 1.0, "val_accuracy": None} for b in range(1000)]),
        "1,000 snapshots of 548,720 bytes each are more than a time-lapse keeps"),
    "huge-header": (lambda a: {**a, "header": np.zeros(2 ** 21, np.uint8)}, "its header claims 2,097,"),
    "count-off": (lambda a: with_header(a, snapshots=header_of(a)["snapshots"][:-1]), "must be float32 of shape"),
    "out-of-order": (lambda a: with_header(a, snapshots=header_of(a)["snapshots"][::-1]), "does not come after"),
    "beyond-the-run": (lambda a: with_header(a, batches=3), "is not within the run's 3"),
    "accuracy": (lambda a: with_header(a, snapshots=[{**s, "val_accuracy": 2} for s in header_of(a)["snapshots"]]),
                 "val_accuracy 2 is not a number in 0..1"),
    "loss": (lambda a: with_header(a, snapshots=[{**s, "loss": "low"} for s in header_of(a)["snapshots"]]),
             "loss 'low' is not a finite number"),
    "arch": (lambda a: with_header(a, arch="resnet"), "unknown architecture 'resnet'"),
    "raster": (lambda a: with_header(a, raster={"size": 28, "colour": "red"}), "bad 'raster' settings"),
    "version": (lambda a: with_header(a, version=9), "version 9 is not supported"),
    "classes": (lambda a: with_header(a, classes=list("abc")), "trained for other classes"),
    "header-not-json": (lambda a: {**a, "header": np.frombuffer(b"{nope", np.uint8)}, "its header is not JSON"),
    "header-not-text": (lambda a: {**a, "header": np.zeros(3, np.float32)}, "its header is not text"),
}


@pytest.mark.parametrize("spoil, message", SPOILED_ARRAYS.values(), ids=SPOILED_ARRAYS.keys())
def test_a_spoiled_time_lapse_gets_a_clear_error_naming_the_file(saved, tmp_path, spoil, message):
    _, arrays = saved
    path = tmp_path / "spoiled.npz"
    np.savez(path, **spoil(arrays))
    with pytest.raises(TimeLapseError, match=message) as caught:
        load_timelapse(path)
    assert str(caught.value).startswith(f"{path}: ")


def truncated(path):
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])


def flipped(path):
    """One byte of the weights changed: the zip's checksum no longer matches."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def a_checkpoint(path):
    save_checkpoint(path, LetterNet())


def a_stroke_file(path):
    save_strokes(path, [A_BAR], [11])


SPOILED_FILES = {
    "truncated": (truncated, "not a readable time-lapse \\(corrupt or truncated\\?\\)"),
    "flipped-byte": (flipped, "not a readable time-lapse \\(corrupt or truncated\\?\\)"),
    "empty": (lambda p: p.write_bytes(b""), "the file is empty"),
    "text": (lambda p: p.write_text("hello"), "not a time-lapse"),
    "checkpoint": (a_checkpoint, "not a LetterLens time-lapse \\(it has no header\\)"),
    "strokes": (a_stroke_file, "not a LetterLens time-lapse \\(it has no header\\)"),
    "folder": (lambda p: (p.unlink(), p.mkdir()), "is a folder"),
}


@pytest.mark.parametrize("spoil, message", SPOILED_FILES.values(), ids=SPOILED_FILES.keys())
def test_a_corrupt_or_foreign_file_gets_a_clear_error_naming_it(saved, spoil, message):
    path, _ = saved
    spoil(path)
    with pytest.raises(TimeLapseError, match=message) as caught:
        load_timelapse(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_a_time_lapse_error_is_a_checkpoint_error_so_the_app_reports_it_alike(tmp_path):
    with pytest.raises(CheckpointError, match="no such file"):
        load_timelapse(tmp_path / "missing.npz")


def test_a_time_lapse_file_holds_no_pickle(saved):
    path, _ = saved
    with zipfile.ZipFile(path) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    with np.load(path, allow_pickle=False) as arrays:
        assert {arrays[name].dtype for name in arrays.files} == {np.dtype(np.uint8), np.dtype(np.float32)}
