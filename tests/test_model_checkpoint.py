"""Checkpoints: round trip, atomic save, and refusing every kind of bad file."""
import datetime as dt
import os
import pickle
import re
import zipfile

import pytest
import torch

import model
import model.checkpoint
from model import CLASSES, CheckpointError, LetterNet, RasterConfig, load_checkpoint, save_checkpoint

RASTER = RasterConfig(pen_radius=1.2, softness=0.5)
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
