"""Checkpoints: round trip, atomic save, and refusing every kind of bad file."""
import datetime as dt
import os
import pickle
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch

import model
import model.checkpoint
from model import CLASSES, CheckpointError, LetterNet, RasterConfig, load_checkpoint, save_checkpoint

RASTER = RasterConfig(pen_radius=1.2, softness=0.5)
ROOT = Path(__file__).resolve().parent.parent
META = {"epochs": 3, "val_accuracy": 0.5, "history": [{"epoch": 1, "loss": 2.5}], "note": "tiny"}


@pytest.fixture
def net():
    torch.manual_seed(7)
    return LetterNet(input_mean=0.3, input_std=0.4)


@pytest.fixture
def saved(tmp_path, net):
    return save_checkpoint(tmp_path / "net.pt", net, raster=RASTER, meta=META)


def test_round_trip_keeps_weights_and_facts(saved, net):
    checkpoint = load_checkpoint(saved)
    loaded = checkpoint.model.state_dict()
    original = net.state_dict()
    assert loaded.keys() == original.keys()
    for key in original:
        assert torch.equal(loaded[key], original[key]), key
    assert not checkpoint.model.training
    assert checkpoint.arch == "letternet"
    assert checkpoint.raster == RASTER
    assert checkpoint.meta == META
    info = checkpoint.info
    assert "state_dict" not in info
    assert info["classes"] == list(CLASSES)
    assert info["input_mean"] == pytest.approx(0.3)
    assert info["input_std"] == pytest.approx(0.4)
    assert info["parameters"] == 137_178
    saved_at = dt.datetime.fromisoformat(info["saved_at"])
    assert saved_at.tzinfo is not None
    assert abs(dt.datetime.now(dt.timezone.utc) - saved_at) < dt.timedelta(minutes=5)
    x = torch.rand(2, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(checkpoint.model(x)[0], net.eval()(x)[0], rtol=0, atol=0)


def test_save_leaves_no_temporary_files(tmp_path, net):
    folder = tmp_path / "deep" / "er"
    save_checkpoint(folder / "a.pt", net)
    save_checkpoint(folder / "a.pt", net)   # overwriting, too
    assert sorted(p.name for p in folder.iterdir()) == ["a.pt"]


def test_failed_save_keeps_the_previous_file(tmp_path, net, monkeypatch, saved):
    before = saved.read_bytes()

    def crash(obj, f, *args, **kwargs):
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(model.checkpoint.torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(saved, LetterNet(), meta={"other": True})
    assert saved.read_bytes() == before
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]
    monkeypatch.undo()
    assert load_checkpoint(saved).meta == META


def rewrite(path, **changes):
    """Re-save a valid checkpoint's payload with some entries changed."""
    payload = torch.load(path, weights_only=True)
    for key, value in changes.items():
        if callable(value):
            value(payload)
        else:
            payload[key] = value
    torch.save(payload, path)


def wrong_shape(payload):
    payload["state_dict"]["stages.fc3.weight"] = torch.zeros(10, 128)


def missing_tensor(payload):
    del payload["state_dict"]["stages.conv2.bias"]


def nan_weights(payload):
    payload["state_dict"]["stages.fc1.weight"][0, 0] = float("nan")


def zero_some_weights(path):
    """Zero 256 bytes inside the largest tensor: finite numbers, a worse network."""
    with zipfile.ZipFile(path) as archive:
        entry = max(archive.infolist(), key=lambda info: info.file_size)
    data = bytearray(path.read_bytes())
    header = entry.header_offset
    start = header + 30 + int.from_bytes(data[header + 26:header + 28], "little") \
        + int.from_bytes(data[header + 28:header + 30], "little")        # past the local header
    middle = start + entry.file_size // 2
    assert data[middle:middle + 256] != bytes(256)
    data[middle:middle + 256] = bytes(256)
    path.write_bytes(bytes(data))


def replace_with_folder(path):
    path.unlink()
    path.mkdir()


@pytest.mark.parametrize("damage, message", [
    pytest.param(lambda p: p.write_bytes(b"\x00" + os.urandom(4095)), "not a checkpoint: those are zip archives",
                 id="random-bytes"),
    pytest.param(lambda p: p.write_bytes(b"PK\x03\x04" + os.urandom(4092)), "not a readable checkpoint",
                 id="random-bytes-in-a-zip-header"),
    pytest.param(lambda p: p.write_bytes(p.read_bytes()[:len(p.read_bytes()) // 2]),
                 "not a readable checkpoint", id="truncated"),
    pytest.param(lambda p: p.write_bytes(b""), "the file is empty", id="empty"),
    pytest.param(lambda p: p.unlink(), "no such file", id="missing"),
    pytest.param(lambda p: rewrite(p, _=wrong_shape), "do not fit", id="wrong-shape"),
    pytest.param(lambda p: rewrite(p, _=missing_tensor), "do not fit", id="missing-tensor"),
    pytest.param(lambda p: rewrite(p, classes=list("0123456789")), "other classes", id="other-classes"),
    pytest.param(lambda p: rewrite(p, arch="resnet"), "do not fit", id="unknown-arch"),
    pytest.param(lambda p: rewrite(p, version=99), "version 99", id="newer-version"),
    pytest.param(lambda p: torch.save({"weights": torch.zeros(3)}, p), "not a LetterLens checkpoint",
                 id="foreign-file"),
    # Each of these used to load, then fail on the first drawing or in the window's title.
    pytest.param(lambda p: rewrite(p, raster={"size": 64}), "cannot read 64x64 images, the 'raster' size",
                 id="raster-size-the-network-cannot-read"),
    pytest.param(lambda p: rewrite(p, raster={"size": 50_000}), "cannot read 50000x50000 images",
                 id="raster-size-refused-without-allocating-its-images"),
    pytest.param(lambda p: rewrite(p, raster={"size": "28"}), "bad 'raster' settings: 'size'", id="raster-size-text"),
    pytest.param(lambda p: rewrite(p, raster={"step": 0.0}), "bad 'raster' settings: 'step'", id="raster-step-0"),
    pytest.param(lambda p: rewrite(p, raster={"pen_radius": -5.0}), "'pen_radius'", id="raster-negative-pen"),
    pytest.param(lambda p: rewrite(p, raster={"colour": 1}), "bad 'raster' settings", id="raster-unknown-key"),
    pytest.param(lambda p: rewrite(p, raster=[28]), "'raster' must be a dict", id="raster-list"),
    pytest.param(lambda p: rewrite(p, _=lambda d: d.pop("raster")), "'raster' must be a dict .* got nothing",
                 id="raster-missing"),
    pytest.param(lambda p: rewrite(p, meta=[1, 2]), "'meta' must be a dict", id="meta-list"),
    pytest.param(lambda p: rewrite(p, meta={"val_accuracy": "high"}), "val_accuracy must be a number",
                 id="meta-accuracy-text"),
    pytest.param(lambda p: rewrite(p, _=nan_weights), "NaN or infinity", id="nan-weights"),
    pytest.param(replace_with_folder, "is a folder, not a file", id="folder"),
    pytest.param(zero_some_weights, "damaged: the bytes of 'archive/data/.*' do not match their checksum",
                 id="weights-zeroed"),
])
def test_bad_checkpoint_raises_readable_error(saved, damage, message):
    damage(saved)
    with pytest.raises(CheckpointError, match=message) as info:
        load_checkpoint(saved)
    text = str(info.value)
    assert text.startswith(f"{saved}: ")   # names the file, then says what is wrong
    assert "\n" not in text


def test_a_checkpoint_without_meta_or_with_any_raster_the_network_reads_loads(tmp_path, net):
    path = save_checkpoint(tmp_path / "net.pt", net, raster=RasterConfig(size=30, pen_radius=0.0))
    rewrite(path, _=lambda payload: payload.pop("meta"))
    checkpoint = load_checkpoint(path)
    assert checkpoint.raster.size == 30 and checkpoint.meta == {}


def test_corrupt_checkpoint_error_does_not_advise_unsafe_loading(saved):
    saved.write_bytes(os.urandom(4096))
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(saved)
    assert "weights_only" not in str(info.value)


def test_a_numpy_npz_opened_as_weights_is_named_for_what_it_is(tmp_path):
    path = tmp_path / "letter.npz"
    model.save_strokes(path, [[[[0.0, 0.0], [1.0, 2.0]]]], [0], ["me"])
    with pytest.raises(CheckpointError, match=r"a NumPy \.npz of arrays .*not a network's weights$") as info:
        load_checkpoint(path)
    assert "subdirectory" not in str(info.value)              # torch's words for it


class Payload:
    """Runs code when unpickled: makes a folder named ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


@pytest.mark.parametrize("writer", ["torch.save", "pickle.dump"])
def test_malicious_pickle_is_refused_without_running_it(tmp_path, writer):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    payload = {"format": model.checkpoint.FORMAT, "version": 1, "evil": Payload(marker)}
    with open(path, "wb") as f:
        torch.save(payload, f) if writer == "torch.save" else pickle.dump(payload, f, protocol=2)
    with pytest.raises(CheckpointError, match=re.escape(str(path))):
        load_checkpoint(path)
    assert not marker.exists(), "loading the checkpoint ran code from the file"
    # The file really is malicious: an unsafe load would have run it.
    if writer == "torch.save":
        torch.load(path, weights_only=False)
    else:
        pickle.loads(path.read_bytes())
    assert marker.is_dir()


# ----------------------------------------------- weights of the wrong kind (issue 27)

def as_dtype(dtype, names=None):
    def convert(payload):
        state = payload["state_dict"]
        for name in names or list(state):
            state[name] = state[name].to(dtype)
    return convert


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.uint8, torch.bool, torch.complex64])
def test_weights_that_are_not_floating_point_are_refused(saved, dtype):
    rewrite(saved, _=as_dtype(dtype))
    with pytest.raises(CheckpointError, match=f"are {str(dtype).removeprefix('torch.')}, not float32") as info:
        load_checkpoint(saved)
    assert str(info.value).startswith(f"{saved}: ")


def test_one_integer_tensor_among_float_ones_is_refused(saved):
    rewrite(saved, _=as_dtype(torch.int64, ["stages.fc3.bias"]))
    with pytest.raises(CheckpointError, match="'stages.fc3.bias' are int64"):
        load_checkpoint(saved)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_weights_of_another_floating_point_width_load(saved, net, dtype):
    rewrite(saved, _=as_dtype(dtype))
    loaded = load_checkpoint(saved).model.state_dict()
    assert all(t.dtype == torch.float32 for t in loaded.values())
    torch.testing.assert_close(loaded["stages.fc3.bias"], net.state_dict()["stages.fc3.bias"].to(dtype).float())


def beyond_float32(payload):
    payload["state_dict"]["stages.fc1.weight"] = payload["state_dict"]["stages.fc1.weight"].double()
    payload["state_dict"]["stages.fc1.weight"][3, 3] = 1e300


@pytest.mark.parametrize("damage", [
    pytest.param(beyond_float32, id="float64-beyond-float32"),
    pytest.param(lambda d: d["state_dict"]["stages.conv1.bias"].fill_(float("inf")), id="infinite-bias"),
    pytest.param(lambda d: d["state_dict"]["input_std"].fill_(float("inf")), id="infinite-input-std"),
])
def test_weights_holding_infinity_anywhere_are_refused(saved, damage):
    rewrite(saved, _=damage)
    with pytest.raises(CheckpointError, match="NaN or infinity"):
        load_checkpoint(saved)


def test_weights_that_are_not_tensors_are_refused(saved):
    rewrite(saved, _=lambda d: d["state_dict"].update({"stages.fc3.bias": [0.0] * 26}))
    with pytest.raises(CheckpointError, match="'stages.fc3.bias' must be a tensor, got a list"):
        load_checkpoint(saved)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_weights_are_never_written(saved, value):
    before = saved.read_bytes()
    diverged = LetterNet()
    with torch.no_grad():
        diverged.stages.fc1.weight[0, 0] = value
    with pytest.raises(CheckpointError, match="not saved: .*'stages.fc1.weight' holds NaN or infinity"):
        save_checkpoint(saved, diverged)
    assert saved.read_bytes() == before
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]


# ------------------------------------------------- full disks and killed saves (issue 27)

def run_python(code, **kwargs):
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, **kwargs)


def test_a_save_beyond_the_space_allowed_is_an_oserror_and_keeps_the_old_file(saved):
    """The file-size limit stands in for a full disk: the write fails in the kernel."""
    before = saved.read_bytes()
    done = run_python(f"""
import errno, resource, signal, torch
from model import LetterNet, save_checkpoint
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
try:
    save_checkpoint({str(saved)!r}, LetterNet())
except OSError as exc:
    print("OSError", errno.errorcode[exc.errno])
""")
    assert done.stdout.strip() == "OSError EFBIG", done.stderr      # not torch's RuntimeError
    assert saved.read_bytes() == before
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]


def test_a_save_killed_midway_leaves_no_orphan_after_the_next_save(saved, net):
    writer = subprocess.Popen([sys.executable, "-c", f"""
import os, time
from model import LetterNet, save_checkpoint
def hang(fd):
    print("writing", flush=True)
    time.sleep(120)
os.fsync = hang
save_checkpoint({str(saved)!r}, LetterNet())
"""], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
    finally:
        writer.kill()
        writer.wait()
    assert len(list(saved.parent.glob(f".{saved.name}.*.tmp"))) == 1     # the orphan
    old_build_orphan = saved.parent / f".{saved.name}.k2j4h1q9.tmp"      # a name without a process id
    old_build_orphan.write_bytes(b"half")
    save_checkpoint(saved, net)
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]


def test_a_save_in_progress_in_another_process_is_left_alone(saved, net):
    live = saved.parent / f".{saved.name}.{os.getppid()}.abcd1234.tmp"   # our parent runs
    live.write_bytes(b"being written")
    save_checkpoint(saved, net)
    assert live.exists()
