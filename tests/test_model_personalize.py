"""Fine-tuning on the user's own drawings, with replay: the shipped network
learns a star as the letter k without forgetting everyone else's letters."""
import numpy as np
import pytest
import torch

from model import (CLASSES, SHIPPED_WEIGHTS, FinetuneConfig, InkBatch, SampleStore, StrokeSet,
                   evaluate_network, finetune_on_samples, load_checkpoint, load_dataset)
from model.bench import star_inks
from model.data import save_strokes
from model.evaluation import predict_log_probs
from model.personalize import balanced_subset, mixed_sets
from model.train import main as train_main

K = CLASSES.index("k")
SHAPES = {"l": np.array([[0.0, 0.0], [0.0, 1.0]]),                       # a bar
          "o": np.stack([np.cos(np.linspace(0, 2 * np.pi, 30)),
                         np.sin(np.linspace(0, 2 * np.pi, 30))], 1) / 2,  # a ring
          "z": np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])}


def stars(n, seed):
    return StrokeSet("stars", star_inks(n, seed), np.full(n, K), np.full(n, "me"))


def plain_letters(n, seed=0):
    """Bars, rings and Zs labelled l, o, z: a stand-in replay set that needs no data."""
    rng = np.random.default_rng(seed)
    letters = [("l", "o", "z")[i % 3] for i in range(n)]
    inks = [[SHAPES[c] * rng.uniform(50, 150) + rng.normal(0, 2, SHAPES[c].shape)] for c in letters]
    return StrokeSet("plain", InkBatch.from_inks(inks), np.array([CLASSES.index(c) for c in letters]),
                     np.full(n, "x"))


def read_as(model, data, raster):
    return predict_log_probs(model, data, raster).argmax(axis=1)


@pytest.fixture(scope="module")
def shipped():
    return load_checkpoint(SHIPPED_WEIGHTS)


@pytest.fixture(scope="module")
def new_stars():
    return stars(200, seed=99)   # never trained on


# ------------------------------------------------------------- the mix

def test_every_batch_mixes_oversampled_samples_with_replay():
    config = FinetuneConfig(steps=10, batch_size=32, mine_fraction=0.25)
    sets = mixed_sets(stars(7, seed=1), [plain_letters(90), plain_letters(30, seed=1)], config,
                      np.random.default_rng(0))
    assert sum(map(len, sets)) == 320                 # exactly steps * batch_size
    mine = sets[0]
    assert len(mine) == 80 and (mine.labels == K).all()
    # Each of the 7 drawings is repeated 11 or 12 times: none is favoured.
    points = mine.ink.points[mine.ink.stroke_offsets[mine.ink.sample_offsets[:-1]]]
    _, repeats = np.unique(points, axis=0, return_counts=True)
    assert len(repeats) == 7 and repeats.max() - repeats.min() <= 1
    assert sum(map(len, sets[1:])) == 240


def test_without_replay_every_drawing_is_the_users():
    sets = mixed_sets(stars(5, 1), [], FinetuneConfig(steps=4, batch_size=8), np.random.default_rng(0))
    assert len(sets) == 1 and len(sets[0]) == 32


def test_balanced_subset_caps_every_letter():
    data = plain_letters(90)
    small = balanced_subset(data, 4)
    assert sorted(np.unique(small.labels, return_counts=True)[1]) == [4, 4, 4]


def test_no_samples_is_an_error(shipped):
    with pytest.raises(ValueError, match="no samples"):
        finetune_on_samples(shipped, stars(0, 1), [plain_letters(30)])


def test_stopping_returns_a_copy_and_leaves_the_start_alone(shipped):
    before = {k: v.clone() for k, v in shipped.model.state_dict().items()}
    result = finetune_on_samples(shipped, stars(5, 1), [plain_letters(30)],
                                 FinetuneConfig(steps=20, batch_size=8), should_stop=lambda: True)
    assert result.stopped and result.model is not shipped.model
    for key, value in shipped.model.state_dict().items():
        assert torch.equal(value, before[key]), key


# ------------------------------------------------- the shipped network

@pytest.mark.slow
def test_the_shipped_network_learns_a_star_as_k(shipped, new_stars):
    """Works without the shared data: a stand-in replay of bars, rings and Zs."""
    assert (read_as(shipped.model, new_stars, shipped.raster) == K).mean() < 0.2    # mostly a, d, t...
    plain = plain_letters(60, seed=7)
    assert (read_as(shipped.model, plain, shipped.raster) == plain.labels).mean() > 0.9

    result = finetune_on_samples(shipped, stars(20, seed=1), [plain_letters(600)])
    assert (read_as(result.model, new_stars, shipped.raster) == K).mean() > 0.9
    assert (read_as(result.model, plain, shipped.raster) == plain.labels).mean() > 0.9


@pytest.mark.slow
@pytest.mark.data
def test_with_unipen_replay_chars74k_drops_at_most_a_point(shared_data_dir, shipped, new_stars):
    """The issue's bar: the star is learnt from 20 drawings, and accuracy on
    Chars74K's writers falls by one point at most."""
    unipen = load_dataset(shared_data_dir / "unipen_letters_strokes.npz")
    chars74k = load_dataset(shared_data_dir / "chars74k_hnd_letters_strokes.npz")
    before = evaluate_network(shipped.model, chars74k, shipped.raster)["accuracy"]
    result = finetune_on_samples(shipped, stars(20, seed=1), [unipen], val_sets=[chars74k])
    assert (read_as(result.model, new_stars, shipped.raster) == K).mean() > 0.9
    assert result.val_accuracy >= before - 0.01
    after = evaluate_network(result.model, chars74k, shipped.raster)["accuracy"]
    assert result.val_accuracy == pytest.approx(after)


# ---------------------------------------------------------------- CLI

@pytest.fixture
def tiny_store(tmp_path):
    with SampleStore.open(tmp_path / "samples.sqlite") as store:
        for i, ink in enumerate(stars(6, seed=3).ink.ink(i) for i in range(6)):
            store.add(ink, "k")
    replay = plain_letters(60)
    save_strokes(tmp_path / "base" / "plain_strokes.npz", [replay.ink.ink(i) for i in range(60)],
                 replay.labels)
    save_strokes(tmp_path / "base" / "held_strokes.npz", [replay.ink.ink(i) for i in range(9)],
                 replay.labels[:9])
    return tmp_path


def test_cli_fine_tunes_on_my_samples(tiny_store, capsys):
    out = tiny_store / "runs" / "me.pt"
    code = train_main(["--my-samples", "--samples-db", str(tiny_store / "samples.sqlite"),
                       "--data", str(tiny_store / "base"),
                       "--val", str(tiny_store / "base" / "held_strokes.npz"),
                       "--steps", "3", "--batch-size", "16", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "6 samples of yours" in err and "saved" in err
    checkpoint = load_checkpoint(out)
    assert checkpoint.meta["my_samples"] == {"k": 6}
    assert checkpoint.meta["replay_data"] == {"plain_strokes.npz": 60}   # the --val file is not replayed
    assert checkpoint.meta["val_data"] == {"held_strokes.npz": 9}
    assert checkpoint.meta["finetuned_from"] == str(SHIPPED_WEIGHTS)
    assert checkpoint.raster == load_checkpoint(SHIPPED_WEIGHTS).raster


def test_cli_never_overwrites_the_shipped_weights(tiny_store, capsys):
    before = SHIPPED_WEIGHTS.read_bytes()
    code = train_main(["--my-samples", "--samples-db", str(tiny_store / "samples.sqlite"),
                       "--data", str(tiny_store / "base"), "--out", str(SHIPPED_WEIGHTS)])
    assert code == 2 and "refusing to overwrite" in capsys.readouterr().err
    assert SHIPPED_WEIGHTS.read_bytes() == before


def test_cli_wants_replay_data_or_an_explicit_no(tiny_store, capsys):
    with pytest.raises(SystemExit) as exit_:
        train_main(["--my-samples", "--samples-db", str(tiny_store / "samples.sqlite")])
    assert exit_.value.code == 2 and "--no-replay" in capsys.readouterr().err


def test_cli_keeps_the_fine_tune_recipe_fixed(tiny_store, capsys):
    with pytest.raises(SystemExit) as exit_:
        train_main(["--my-samples", "--samples-db", str(tiny_store / "samples.sqlite"), "--no-replay",
                    "--writer-balance", "1"])
    assert exit_.value.code == 2 and "do not go with --my-samples" in capsys.readouterr().err


def test_cli_with_an_empty_store_says_how_to_fill_it(tmp_path, capsys):
    SampleStore.open(tmp_path / "empty.sqlite").close()          # there, but empty
    code = train_main(["--my-samples", "--samples-db", str(tmp_path / "empty.sqlite"), "--no-replay",
                       "--out", str(tmp_path / "me.pt")])
    assert code == 2 and "no samples" in capsys.readouterr().err
    assert not (tmp_path / "me.pt").exists()


def test_bench_reports_the_fine_tuning_time(monkeypatch, tmp_path):
    import model.bench as bench
    monkeypatch.setattr(bench, "FinetuneConfig", lambda: FinetuneConfig(steps=2, batch_size=8))
    result = bench.bench_finetune(str(SHIPPED_WEIGHTS), tmp_path / "absent.npz")
    assert result["finetune_replay"] == "synthetic" and result["finetune_50_samples_s"] > 0
