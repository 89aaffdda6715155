"""Training on tiny synthetic data: the loss falls, stopping and progress work, seeds repeat."""
import dataclasses
import math

import numpy as np
import pytest
import torch

from model import (ImageSet, InkBatch, LetterNet, Progress, StopRequested, StrokeSet, TrainConfig, confusion_matrix,
                   render_batch, train_network)

SHAPE_LABELS = (11, 14, 25)   # l (a vertical bar), o (a ring), z (a zigzag)


def shape_strokes(kind, rng):
    """One jittered drawing of a vertical bar, a ring or a Z, in 'tablet units'."""
    size = rng.uniform(50, 150)
    if kind == 0:
        t = np.linspace(0, 1, rng.integers(5, 20))
        points = np.stack([np.zeros_like(t), t], 1)
    elif kind == 1:
        t = np.linspace(0, 2 * np.pi, rng.integers(20, 40))
        points = np.stack([np.cos(t), np.sin(t)], 1) / 2
    else:
        points = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=float)
    points = points * size + rng.normal(0, 0.03 * size, points.shape) + rng.uniform(-500, 500, 2)
    return [points]


def synthetic_shapes(n, seed=0, writers=30):
    rng = np.random.default_rng(seed)
    kinds = np.arange(n) % 3
    ink = InkBatch.from_inks([shape_strokes(k, rng) for k in kinds])
    labels = np.array(SHAPE_LABELS)[kinds]
    return StrokeSet("shapes", ink, labels, np.array([f"w{i % writers}" for i in range(n)]))


TINY = TrainConfig(epochs=3, batch_size=32, lr=3e-3, seed=5, val_fraction=0.2)


@pytest.fixture
def one_thread():
    """Single-threaded torch: deterministic kernels, and gentle on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tiny_run():
    """One short training run shared by several tests (with its progress reports)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        reports = []
        result = train_network([synthetic_shapes(600)], TINY, on_progress=reports.append)
    finally:
        torch.set_num_threads(threads)
    return result, reports


def test_tiny_run_learns(tiny_run):
    result, _ = tiny_run
    assert not result.stopped
    assert len(result.history) == TINY.epochs
    assert [row["epoch"] for row in result.history] == [1, 2, 3]
    assert result.history[-1]["loss"] < result.history[0]["loss"]
    assert result.val_accuracy == result.history[-1]["val_accuracy"]
    assert result.val_accuracy > 0.6, "three very different shapes: chance is 1/3"
    assert result.train_size == 480   # 6 of the 30 writers held out for validation
    assert not result.model.training


def test_progress_reports_are_sane(tiny_run):
    _, reports = tiny_run
    assert reports and all(isinstance(p, Progress) for p in reports)
    steps = (480 // TINY.batch_size) * TINY.epochs
    for p in reports:
        assert p.phase == "train"
        assert p.steps == steps and 1 <= p.step <= p.steps
        assert 1 <= p.epoch <= p.epochs == TINY.epochs
        assert p.eta_s >= 0 and p.samples_per_s > 0 and math.isfinite(p.loss)
    assert [p.step for p in reports] == sorted(p.step for p in reports)
    assert reports[-1].step == steps and reports[-1].eta_s == 0
    with_val = [p for p in reports if p.val_accuracy is not None]
    assert [p.epoch for p in with_val] == [1, 2, 3]   # one report per epoch carries validation
    # Before each validation, one report says it is under way: the bar waits for it.
    busy = [p for p in reports if p.activity]
    assert [p.activity for p in busy] == ["validating on 120 letters"] * 3
    assert [reports[reports.index(p) + 1].val_accuracy is not None for p in busy] == [True] * 3


def test_same_seed_gives_identical_weights(tiny_run, one_thread):
    first, _ = tiny_run
    second = train_network([synthetic_shapes(600)], TINY)
    a, b = first.model.state_dict(), second.model.state_dict()
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), f"{key} differs between two runs with the same seed"
    assert first.history == second.history


def test_should_stop_ends_training_early(one_thread):
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 4

    result = train_network([synthetic_shapes(300)], dataclasses.replace(TINY, epochs=50), should_stop=should_stop)
    assert result.stopped
    assert len(calls) == 5                 # checked before every batch, stopped at once
    assert result.history == [] and result.val_accuracy is None
    assert not result.model.training


def test_a_stop_during_a_long_validation_does_not_wait_for_it(one_thread):
    """A large validation set takes many seconds to score: stopping (Cancel,
    or quitting the app) is heard between its batches too."""
    train, big_val = synthetic_shapes(64), synthetic_shapes(2048, seed=1)
    scoring = {"batches": 0}

    def should_stop():      # False while training; True once the validation has begun
        scoring["batches"] += not torch.is_grad_enabled()
        return scoring["batches"] > 1

    one_epoch = dataclasses.replace(TINY, epochs=1, batch_size=64)
    result = train_network([train], one_epoch, val_sets=[big_val], should_stop=should_stop)
    assert result.stopped and result.history == []
    with pytest.raises(StopRequested):
        confusion_matrix(result.model, [big_val], one_epoch.raster, should_stop=lambda: True)


def test_image_set_trains_with_image_augmentation(one_thread):
    shapes = synthetic_shapes(192)
    pixels = (render_batch(shapes.ink).numpy() * 255).round().astype(np.uint8)
    images = ImageSet("shape-images", pixels, shapes.labels, shapes.writers)
    augmented = images.images(np.arange(8), None, TINY.augment, np.random.default_rng(0))
    assert augmented.shape == (8, 28, 28) and 0 <= augmented.min() and augmented.max() <= 1
    assert not torch.allclose(augmented, images.images(np.arange(8), None), atol=1e-3)
    result = train_network([images], dataclasses.replace(TINY, epochs=2), val_sets=[images.subset(np.arange(30))])
    assert len(result.history) == 2 and not result.stopped
    assert result.history[-1]["loss"] < result.history[0]["loss"]
    assert 0 <= result.val_accuracy <= 1


def test_training_without_samples_is_refused():
    empty = synthetic_shapes(3).subset(np.array([], dtype=np.int64))
    with pytest.raises(ValueError, match="no training samples"):
        train_network([empty], TINY, val_sets=[])


def test_fine_tuning_leaves_the_callers_model_untouched():
    start = LetterNet()
    before = {k: v.clone() for k, v in start.state_dict().items()}
    result = train_network([synthetic_shapes(120)], dataclasses.replace(TINY, epochs=1), model=start,
                           val_sets=[])
    assert result.model is not start
    assert all(torch.equal(before[k], v) for k, v in start.state_dict().items())
    assert any(not torch.equal(before[k], v) for k, v in result.model.state_dict().items())


def test_distilling_from_a_teacher_learns_its_answers(tiny_run, one_thread):
    # Every label here says 'a'.  With the whole loss on the teacher's soft
    # labels, the student still learns the three shapes, from the teacher
    # alone; the teacher itself is never changed.
    teacher = tiny_run[0].model
    before = {k: v.clone() for k, v in teacher.state_dict().items()}
    shapes = synthetic_shapes(600, seed=1)
    shapes = StrokeSet("all-a", shapes.ink, np.zeros_like(shapes.labels), shapes.writers)
    config = dataclasses.replace(TINY, distill_weight=1.0)
    student = train_network([shapes], config, val_sets=[], teacher=teacher).model
    images = render_batch(shapes.ink.subset(np.arange(90)), config.raster)
    with torch.no_grad():
        agree = (student(images)[0].argmax(1) == teacher(images)[0].argmax(1)).float().mean()
    assert agree > 0.8
    assert all(torch.equal(before[k], v) for k, v in teacher.state_dict().items())


def test_writer_balance_lets_a_prolific_writer_count_less():
    from model.training import Pool
    shapes = synthetic_shapes(100)
    writers = np.array(["prolific"] * 90 + ["rare"] * 10)
    pool = Pool([StrokeSet("two writers", shapes.ink, shapes.labels, writers)])
    rng = np.random.default_rng(0)
    assert sorted(pool.epoch_order(0.0, rng)) == list(range(100))     # plain: each sample once
    order = np.concatenate([pool.epoch_order(1.0, rng) for _ in range(20)])
    rare_share = np.mean(order >= 90)
    assert len(order) == 2000 and 0.4 < rare_share < 0.6               # 1 / count: writers weigh alike


def test_writer_balance_never_shifts_weight_between_data_sets():
    # A file without writer ids (or the user's own drawings) is one "writer":
    # balancing works inside each set and leaves every set its share.
    from model.training import Pool
    many = synthetic_shapes(90, writers=30)
    one = synthetic_shapes(30, seed=3)
    one = StrokeSet("one writer", one.ink, one.labels, np.full(30, "me"))
    pool = Pool([many, one])
    weights = pool.writer_weights(0.5)
    assert weights[90:].sum() == pytest.approx(30 / 120)
    rng = np.random.default_rng(0)
    assert sorted(Pool([one]).epoch_order(0.5, rng)) == list(range(30))  # nothing to balance: each once


def test_a_run_that_held_out_letters_of_a_set_without_writers_does_not_claim_new_writers(tiny_run):
    """The CLI's checkpoints and the app's retrain say the same: a set naming
    fewer than two writers is split by letter, so its letters' writers trained."""
    from model import HELD_OUT_LETTERS, run_record
    from model.training import HELD_OUT_WRITERS
    many, one = synthetic_shapes(30), synthetic_shapes(30, writers=1)
    record = lambda sets: run_record(TINY, tiny_run[0], sets, None)["val_data"]   # noqa: E731
    assert record([many]) == HELD_OUT_WRITERS
    assert record([one]) == HELD_OUT_LETTERS and record([many, one]) == HELD_OUT_LETTERS
    assert run_record(TINY, tiny_run[0], [one], [many])["val_data"] == {"shapes": 30}   # a set was named


# ------------------------------------------------------- runs that diverge (issue 27)

def test_a_run_whose_loss_becomes_nan_stops_with_a_clear_error(one_thread):
    from model import TrainingDiverged
    with pytest.raises(TrainingDiverged, match="diverged in epoch 1, batch .*the loss became nan"):
        train_network([synthetic_shapes(120)], dataclasses.replace(TINY, epochs=1, lr=1e6), val_sets=[])


def test_fine_tuning_a_network_with_an_infinite_weight_diverges_and_leaves_it_untouched(one_thread):
    from model import TrainingDiverged
    start = LetterNet()
    with torch.no_grad():
        start.stages.fc3.bias[3] = float("inf")
    before = {k: v.clone() for k, v in start.state_dict().items()}
    with pytest.raises(TrainingDiverged):
        train_network([synthetic_shapes(64)], dataclasses.replace(TINY, epochs=1), model=start, val_sets=[])
    assert all(torch.equal(before[k], v) for k, v in start.state_dict().items())


def test_a_run_whose_weights_end_non_finite_is_refused(one_thread, monkeypatch):
    """However the weights got there: here the last step's update is poisoned."""
    from model import TrainingDiverged
    import model.training
    poisoned = model.training._update_average

    def poison(average, current, step):
        poisoned(average, current, step)
        with torch.no_grad():
            next(average.parameters()).view(-1)[0] = float("nan")

    monkeypatch.setattr(model.training, "_update_average", poison)
    with pytest.raises(TrainingDiverged, match="became NaN or infinite"):
        train_network([synthetic_shapes(64)], dataclasses.replace(TINY, epochs=1), val_sets=[])


@pytest.mark.parametrize("change, message", [
    ({"writer_balance": float("nan")}, "writer_balance must be a number"),
    ({"writer_balance": 2.0}, "writer_balance must be from 0 to 1"),
    ({"lr": float("inf")}, "lr must be a number"),
    ({"lr": -1e-3}, "lr must be more than 0"),
    ({"epochs": 0}, "epochs must be a whole number"),
    ({"batch_size": 2.5}, "batch_size must be a whole number"),
])
def test_settings_that_cannot_train_are_refused_before_any_work(change, message):
    from model import TrainingError
    with pytest.raises(TrainingError, match=message):
        train_network([synthetic_shapes(30)], dataclasses.replace(TINY, **change), val_sets=[])
