"""Data loaders: stroke/image .npz files and EMNIST IDX files, written here in tmp_path."""
import gzip
import re
import struct
import zipfile

import numpy as np
import pytest

from model import paths as model_paths
import model.data
from model import (DatasetError, ImageSet, RasterConfig, StrokeSet, find_datasets, load_dataset, load_many,
                   save_strokes)
from model.data import IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, load_emnist_idx, read_idx, split_by_writer

STROKES = [  # three drawings: 2 strokes, 1 stroke, 3 strokes (one a single point)
    [np.array([[0, 0], [0, 10]]), np.array([[0, 5], [5, 5], [5, 10]])],
    [np.array([[1, 1], [2, 3], [4, 4], [8, 2]])],
    [np.array([[3, 3]]), np.array([[0, 0], [9, 9]]), np.array([[9, 0], [0, 9]])],
]
LABELS = np.array([7, 0, 25])
WRITERS = np.array(["ann", "bob", "ann"])


def stroke_arrays():
    strokes = [np.asarray(s, dtype=np.float32) for ink in STROKES for s in ink]
    return {
        "points": np.concatenate(strokes),
        "stroke_offsets": np.concatenate([[0], np.cumsum([len(s) for s in strokes])]).astype(np.int64),
        "sample_offsets": np.concatenate([[0], np.cumsum([len(ink) for ink in STROKES])]).astype(np.int64),
        "labels": LABELS,
        "writer": WRITERS,
    }


def write_npz(path, **arrays):
    np.savez_compressed(path, **arrays)
    return path


def write_idx(path, array, magic, compress=True):
    array = np.asarray(array, dtype=np.uint8)
    raw = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape) + array.tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


def upright_images():
    """Two asymmetric images: a bright dot near the top right, and a bar along the left."""
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    images[0, 2, 20] = 255
    images[1, 5:25, 3] = 200
    return images


def write_emnist(folder, images, labels, compress=True):
    """Files as EMNIST ships them: images transposed, labels 1..26."""
    suffix = ".gz" if compress else ""
    images_path = folder / f"emnist-letters-test-images-idx3-ubyte{suffix}"
    labels_path = folder / f"emnist-letters-test-labels-idx1-ubyte{suffix}"
    write_idx(images_path, np.asarray(images).transpose(0, 2, 1), IDX_IMAGES_MAGIC, compress)
    write_idx(labels_path, labels, IDX_LABELS_MAGIC, compress)
    return images_path, labels_path


# ------------------------------------------------------------------------- .npz

def test_stroke_npz_round_trip(tmp_path):
    path = write_npz(tmp_path / "mine_strokes.npz", **stroke_arrays())
    data = load_dataset(path)
    assert isinstance(data, StrokeSet)
    assert data.name == "mine_strokes.npz" and len(data) == 3
    np.testing.assert_array_equal(data.labels, LABELS)
    assert data.labels.dtype == np.int64
    assert data.writers.tolist() == WRITERS.tolist()
    for i, ink in enumerate(STROKES):
        got = data.ink.ink(i)
        assert len(got) == len(ink)
        for a, b in zip(got, ink):
            np.testing.assert_array_equal(a, b)
    images = data.images(np.arange(3), RasterConfig())
    assert images.shape == (3, 28, 28) and images.max() > 0.5


def test_image_npz_round_trip(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    labels = np.array([0, 1, 2, 25])
    path = write_npz(tmp_path / "pics.npz", images=images, labels=labels, writer=np.array([1, 1, 2, 3]))
    data = load_dataset(path)
    assert isinstance(data, ImageSet)
    np.testing.assert_array_equal(data.pixels, images)
    np.testing.assert_array_equal(data.labels, labels)
    assert data.writers.tolist() == ["1", "1", "2", "3"]
    tensor = data.images(np.array([3, 0]), None)
    np.testing.assert_allclose(tensor.numpy(), images[[3, 0]] / 255.0, atol=1e-7)
    # Without a writer array, the whole file counts as one writer.
    data = load_dataset(write_npz(tmp_path / "anon.npz", images=images, labels=labels))
    assert set(data.writers) == {"anon"}


def corrupt_deflate_stream(path):
    """Break the deflate data of the archive's first member (invalid block type)."""
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.infolist()[0]
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
    raw[info.header_offset + 30 + name_len + extra_len] = 0xFF
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("damage", [
    pytest.param(lambda p: p.write_bytes(p.read_bytes()[:len(p.read_bytes()) // 2]), id="cut-in-half"),
    pytest.param(lambda p: p.write_bytes(b""), id="empty-file"),
    pytest.param(lambda p: p.write_bytes(b"PK\x03\x04" + bytes(100)), id="garbage-zip"),
    pytest.param(lambda p: p.write_bytes(np.random.default_rng(1).bytes(3000)), id="random-bytes"),
    pytest.param(corrupt_deflate_stream, id="broken-deflate-stream"),
])
def test_damaged_npz_raises_dataset_error_naming_the_file(tmp_path, damage):
    images = np.random.default_rng(0).integers(0, 256, (40, 28, 28), dtype=np.uint8)
    path = write_npz(tmp_path / "broken_letters.npz", images=images, labels=np.arange(40) % 26)
    damage(path)
    with pytest.raises(DatasetError, match=re.escape("broken_letters.npz")):
        load_dataset(path)


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"label,x,y\nk,1,2\n", "not an .npz file: those are zip archives"),     # a CSV saved as .npz
])
def test_a_file_that_is_no_archive_at_all_says_so(tmp_path, content, message):
    path = tmp_path / "letters.npz"
    path.write_bytes(content)
    with pytest.raises(DatasetError, match=message) as info:
        load_dataset(path)
    assert "pickle" not in str(info.value)         # numpy's own error speaks of pickled data


def test_an_unreadable_file_is_a_dataset_error_not_an_os_error(tmp_path, monkeypatch):
    path = write_npz(tmp_path / "letters.npz", images=np.zeros((2, 28, 28), np.uint8), labels=np.arange(2))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(model_paths, "open", refuse, raising=False)      # as a file another user owns
    with pytest.raises(DatasetError, match="letters.npz: cannot be read \\(Permission denied\\)"):
        load_dataset(path)


@pytest.mark.parametrize("change, message", [
    ({"stroke_offsets": lambda a: a[:-1]}, "stroke_offsets"),                       # ends too early
    ({"stroke_offsets": lambda a: a + 1}, "stroke_offsets"),                        # does not start at 0
    ({"sample_offsets": lambda a: a[[0, 2, 1, 3]]}, "sample_offsets"),              # goes down
    ({"sample_offsets": lambda a: np.append(a, a[-1] + 1)}, "sample_offsets"),      # past the end
    ({"points": lambda a: a[:, :1]}, "points"),
    ({"points": lambda a: np.where(np.arange(len(a))[:, None] == 3, np.nan, a)}, "NaN"),
    ({"labels": lambda a: a[:2]}, "labels"),
    ({"labels": lambda a: a + 1}, "0..25"),                                         # 25 becomes 26
    ({"labels": lambda a: a - 1}, "0..25"),                                         # 0 becomes -1
    ({"writer": lambda a: a[:2]}, "writer"),
    # Wrong types, which used to fail far from the file, or be cast silently.
    ({"points": lambda a: a.astype(str)}, "'points' must hold real numbers, got <U"),
    ({"points": lambda a: a + 1j}, "'points' must hold real numbers, got complex"),
    ({"stroke_offsets": lambda a: a + 0.5}, "'stroke_offsets' must hold integers, got float64"),
    ({"sample_offsets": lambda a: a.astype(float)}, "'sample_offsets' must hold integers"),
    ({"writer": lambda a: np.array("ann")}, "'writer' must be 3 ids, one per sample, got shape \\(\\)"),
    ({"writer": lambda a: np.stack([a, a], 1)}, "'writer' must be 3 ids"),
    # Finite, but past what stroke files store: framing them failed on the first drawing.
    ({"points": lambda a: np.where(np.arange(len(a))[:, None] == 3, 1e308, a.astype(float))}, "beyond"),
])
def test_inconsistent_stroke_file_raises_dataset_error(tmp_path, change, message):
    arrays = stroke_arrays()
    for key, edit in change.items():
        arrays[key] = edit(arrays[key])
    path = write_npz(tmp_path / "bad_strokes.npz", **arrays)
    with pytest.raises(DatasetError, match=message) as info:
        load_dataset(path)
    assert "bad_strokes.npz" in str(info.value)


def test_narrow_unsigned_offsets_and_integer_points_load(tmp_path):
    arrays = stroke_arrays()
    arrays.update(points=arrays["points"].astype(np.int16), stroke_offsets=arrays["stroke_offsets"].astype(np.uint8),
                  sample_offsets=arrays["sample_offsets"].astype(np.uint16))
    data = load_dataset(write_npz(tmp_path / "narrow_strokes.npz", **arrays))
    np.testing.assert_array_equal(data.ink.ink(2)[2], STROKES[2][2])
    assert data.ink.stroke_offsets.dtype == np.int64


def test_save_strokes_leaves_no_partial_file_when_it_fails(tmp_path, monkeypatch):
    target = tmp_path / "x_strokes.npz"
    target.mkdir()                     # a folder in the way: the final rename fails
    with pytest.raises(IsADirectoryError):
        save_strokes(target, STROKES, LABELS)
    good = save_strokes(tmp_path / "good_strokes.npz", STROKES, LABELS)
    before = good.read_bytes()

    def full_disk(handle, **arrays):
        handle.write(b"half an archive")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(model.data.np, "savez_compressed", full_disk)
    with pytest.raises(OSError, match="No space"):
        save_strokes(good, STROKES, LABELS)
    assert good.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good_strokes.npz", "x_strokes.npz"]


def test_stroke_file_with_an_empty_sample_is_refused(tmp_path):
    arrays = stroke_arrays()
    # Sample 1's single stroke now holds no points.
    arrays["stroke_offsets"][3] = arrays["stroke_offsets"][2]
    arrays["points"] = np.delete(arrays["points"], np.s_[5:9], axis=0)
    arrays["stroke_offsets"][4:] -= 4
    with pytest.raises(DatasetError, match="sample 1 has no ink"):
        load_dataset(write_npz(tmp_path / "hollow_strokes.npz", **arrays))


@pytest.mark.parametrize("name, content, message", [
    ("missing.npz", None, "no such file"),
    ("notes.txt", b"hello", "unknown format"),
    ("nothing.npz", {"other": np.zeros(3)}, "neither"),
    ("badshape.npz", {"images": np.zeros((2, 20, 20), np.uint8), "labels": np.zeros(2, int)}, "uint8"),
    ("nolabels.npz", {"images": np.zeros((2, 28, 28), np.uint8)}, "labels"),
    ("folder.npz", "a folder", "folder.npz: is a folder, not a file"),
])
def test_unusable_files_raise_dataset_error(tmp_path, name, content, message):
    path = tmp_path / name
    if content == "a folder":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        np.savez(path, **content)
    with pytest.raises(DatasetError, match=message):
        load_dataset(path)


# ---------------------------------------------------------------------- EMNIST IDX

@pytest.mark.parametrize("compress", [True, False], ids=["gz", "plain"])
def test_emnist_idx_labels_shift_and_images_come_back_upright(tmp_path, compress):
    images = upright_images()
    images_path, _ = write_emnist(tmp_path, images, [1, 26], compress)
    data = load_dataset(images_path)
    assert isinstance(data, ImageSet)
    assert data.labels.tolist() == [0, 25]
    np.testing.assert_array_equal(data.pixels, images)   # not the transposed file contents
    assert data.pixels[0, 2, 20] == 255 and data.pixels[0, 20, 2] == 0


def test_idx_reader_reads_what_was_written(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = write_idx(tmp_path / "x-images-idx3-ubyte.gz", array, IDX_IMAGES_MAGIC)
    np.testing.assert_array_equal(read_idx(path, IDX_IMAGES_MAGIC), array)


def test_truncated_idx_gz_names_the_file(tmp_path):
    images_path, _ = write_emnist(tmp_path, upright_images(), [1, 2])
    raw = images_path.read_bytes()
    images_path.write_bytes(raw[:-12])   # lose the end of the gzip stream
    with pytest.raises(DatasetError, match=re.escape(images_path.name)):
        load_dataset(images_path)


def test_idx_with_less_data_than_its_header_promises(tmp_path):
    path = tmp_path / "short-images-idx3-ubyte.gz"
    header = struct.pack(">IIII", IDX_IMAGES_MAGIC, 3, 28, 28)
    path.write_bytes(gzip.compress(header + bytes(2 * 28 * 28)))
    with pytest.raises(DatasetError, match="promises") as info:
        read_idx(path, IDX_IMAGES_MAGIC)
    assert path.name in str(info.value)


@pytest.mark.parametrize("which", ["images", "labels"])
def test_idx_with_wrong_magic(tmp_path, which):
    images_path, labels_path = write_emnist(tmp_path, upright_images(), [1, 2])
    if which == "images":   # a labels file under the images name
        write_idx(images_path, [1, 2], IDX_LABELS_MAGIC)
    else:
        write_idx(labels_path, upright_images(), IDX_IMAGES_MAGIC)
    with pytest.raises(DatasetError, match="bad magic number"):
        load_dataset(images_path)


@pytest.mark.parametrize("bad_label", [0, 27])
def test_emnist_labels_out_of_range(tmp_path, bad_label):
    images_path, _ = write_emnist(tmp_path, upright_images(), [5, bad_label])
    with pytest.raises(DatasetError, match="1..26"):
        load_dataset(images_path)


def test_emnist_label_count_mismatch_and_missing_labels_file(tmp_path):
    images_path, labels_path = write_emnist(tmp_path, upright_images(), [1, 2, 3])
    with pytest.raises(DatasetError, match="3 labels for 2 images"):
        load_emnist_idx(images_path)
    labels_path.unlink()
    with pytest.raises(DatasetError, match="labels file .* is missing"):
        load_dataset(images_path)


# --------------------------------------------------------------- finding and splitting

def test_find_datasets_prefers_strokes_over_images(tmp_path):
    for name in ["a.npz", "a_strokes.npz", "b.npz", "c_strokes.npz", "readme.txt",
                 "emnist-letters-test-images-idx3-ubyte.gz", "emnist-letters-test-labels-idx1-ubyte.gz"]:
        (tmp_path / name).write_bytes(b"")
    found = [p.name for p in find_datasets(tmp_path)]
    assert found == ["a_strokes.npz", "b.npz", "c_strokes.npz", "emnist-letters-test-images-idx3-ubyte.gz"]
    with pytest.raises(DatasetError, match="not a folder"):
        find_datasets(tmp_path / "a.npz")


def test_find_datasets_takes_suffixes_in_any_case_as_loading_does(tmp_path):
    for name in ["DATA.NPZ", "Pad.npz", "Pad_Strokes.NPZ", "notes.txt"]:
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in find_datasets(tmp_path)] == ["DATA.NPZ", "Pad_Strokes.NPZ"]


def test_find_datasets_takes_emnist_files_once_preferring_the_gz(tmp_path):
    for name in ["x-images-idx3-ubyte", "x-images-idx3-ubyte.gz", "y-images-idx3-ubyte"]:
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in find_datasets(tmp_path)] == ["x-images-idx3-ubyte.gz", "y-images-idx3-ubyte"]


def test_load_many_reads_folders_and_files(tmp_path):
    write_npz(tmp_path / "x_strokes.npz", **stroke_arrays())
    write_npz(tmp_path / "x.npz", images=np.zeros((3, 28, 28), np.uint8), labels=LABELS)
    sets = load_many([tmp_path, tmp_path / "x.npz"])
    assert [(type(s), s.name) for s in sets] == [(StrokeSet, "x_strokes.npz"), (ImageSet, "x.npz")]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match="no data sets found"):
        load_many([empty])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.5])
def test_split_by_writer_puts_no_writer_on_both_sides(seed, fraction):
    writers = np.random.default_rng(seed).permutation(np.repeat([f"w{i}" for i in range(20)], 7))
    train, held = split_by_writer(writers, fraction, seed)
    assert len(train) and len(held)
    assert not set(writers[train]) & set(writers[held])
    np.testing.assert_array_equal(np.sort(np.concatenate([train, held])), np.arange(len(writers)))
    assert len(set(writers[held])) == round(20 * fraction)
    again = split_by_writer(writers, fraction, seed)
    np.testing.assert_array_equal(again[1], held)


def test_split_with_a_single_writer_falls_back_to_samples():
    train, held = split_by_writer(np.full(40, "only"), 0.25, seed=0)
    assert len(held) == 10 and len(train) == 30
    np.testing.assert_array_equal(np.sort(np.concatenate([train, held])), np.arange(40))


def test_a_folder_that_cannot_be_listed_is_a_dataset_error(tmp_path, monkeypatch):
    from pathlib import Path
    def refuse(self):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(Path, "iterdir", refuse)
    with pytest.raises(DatasetError, match="cannot list its files .Permission denied"):
        find_datasets(tmp_path)


def test_an_upper_case_npz_suffix_loads(tmp_path):
    path = save_strokes(tmp_path / "LETTERS.NPZ", [[np.array([[0.0, 0.0], [1.0, 2.0]])]], [3])
    assert len(load_dataset(path)) == 1


# ------------------------------------------------- files claiming huge arrays (issue 27)

@pytest.mark.parametrize("name, shape", [("points", (10 ** 11, 2)), ("labels", (10 ** 12,)),
                                         ("stroke_offsets", (2 ** 40,)), ("points", (3 * 10 ** 8, 2))])
@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED], ids=["deflated", "stored"])
def test_a_small_stroke_file_declaring_a_huge_array_is_refused_before_allocating(tmp_path, name, shape,
                                                                                 compression):
    from bad_files import write_npz_claiming
    path = write_npz_claiming(tmp_path / "huge_strokes.npz", stroke_arrays(), {name: shape}, compression)
    assert path.stat().st_size < 4096
    with pytest.raises(DatasetError, match=f"{re.escape(str(path))}: the array '{name}' declares shape") as info:
        load_dataset(path)
    assert "forged header" in str(info.value)


def test_a_small_image_file_declaring_a_huge_array_is_refused(tmp_path):
    from bad_files import write_npz_claiming
    arrays = {"images": np.zeros((2, 28, 28), np.uint8), "labels": np.array([0, 1])}
    path = write_npz_claiming(tmp_path / "huge.npz", arrays, {"images": (10 ** 10, 28, 28)})
    with pytest.raises(DatasetError, match="'images' declares shape"):
        load_dataset(path)


def test_an_array_declaring_fewer_bytes_than_it_holds_is_refused_too(tmp_path):
    from bad_files import write_npz_claiming
    path = write_npz_claiming(tmp_path / "short_strokes.npz", stroke_arrays(), {"labels": (2,)})
    with pytest.raises(DatasetError, match="'labels' declares shape \\(2,\\)"):
        load_dataset(path)


def test_a_file_of_more_arrays_than_loaders_read_is_refused_in_words(tmp_path, monkeypatch):
    monkeypatch.setattr(model.data, "MAX_DATA_BYTES", 1000)
    path = write_npz(tmp_path / "big_strokes.npz", **stroke_arrays(), extra=np.zeros(2000, np.uint8))
    with pytest.raises(DatasetError, match="more than LetterLens reads"):
        load_dataset(path)


def test_an_idx_header_declaring_more_than_the_limit_is_refused_before_reading(tmp_path):
    raw = struct.pack(">IIII", IDX_IMAGES_MAGIC, 10 ** 9, 28, 28) + bytes(100)
    path = tmp_path / "emnist-letters-train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(raw))
    with pytest.raises(DatasetError, match="declares shape \\(1000000000, 28, 28\\)"):
        read_idx(path, IDX_IMAGES_MAGIC)


def test_an_idx_file_longer_than_its_header_is_refused(tmp_path):
    path = write_idx(tmp_path / "x-labels-idx1-ubyte", np.arange(5), IDX_LABELS_MAGIC, compress=False)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(DatasetError, match="holds at least 6 data bytes, its header promises 5"):
        read_idx(path, IDX_LABELS_MAGIC)


def test_a_stroke_file_with_a_drawing_too_long_to_draw_is_refused_as_it_loads(tmp_path):
    from model.ink import MAX_RENDER_POINTS
    ordinary = [np.array([[0.0, 0.0], [5.0, 9.0], [9.0, 0.0]])]
    crossings = MAX_RENDER_POINTS // 40        # each crossing takes about 50 points: over half the limit
    y = np.random.default_rng(0).uniform(0, 100, crossings)
    scribble = [np.stack([np.where(np.arange(crossings) % 2 == 0, 0.0, 100.0), y], 1)]
    path = save_strokes(tmp_path / "scribbles_strokes.npz", [ordinary, scribble, ordinary], [0, 1, 2])
    with pytest.raises(DatasetError, match=f"{re.escape(str(path))}: sample 1 is too long to draw"):
        load_dataset(path)


def test_a_stroke_file_of_many_points_in_one_place_is_refused_as_it_loads(tmp_path):
    from model.ink import MAX_RENDER_POINTS
    path = save_strokes(tmp_path / "dots_strokes.npz", [[np.zeros((MAX_RENDER_POINTS + 1, 2))]], [0])
    with pytest.raises(DatasetError, match="sample 0 is too long to draw: it takes 524,289 points"):
        load_dataset(path)
