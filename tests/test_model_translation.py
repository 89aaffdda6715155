"""Moving the input by whole pixels, the flat network, and accuracy against
shift (Explain ▸ Why convolutions).  Tests with "translation" in their name
check the issue's claims: conv1 moves with the drawing, the flat network's
shape, and the curve recorded in the shipped checkpoints."""
import numpy as np
import pytest
import torch

import model
from model import (FLAT_WEIGHTS, SHIPPED_WEIGHTS, FlatNet, LetterNet, Recognizer, build_model, count_parameters,
                   load_checkpoint, render, save_checkpoint, shift_image)
from model.checkpoint import record_facts
from model.evaluation import predict_log_probs
from model.translation import DIRECTIONS, MAX_SHIFT, accuracy_by_shift, curve_facts, random_shifts, recorded_curve
from test_model_cli import write_strokes

SHIFTS = [(dx, dy) for dx in (-3, -1, 0, 2, 4) for dy in (-4, 0, 1, 3)]


def letter_k() -> np.ndarray:
    return render([np.array([[0.0, 0.0], [0.0, 2.0]]), np.array([[1.0, 0.6], [0.0, 1.3], [1.0, 2.0]])])


def test_shift_image_moves_pixels_and_blanks_what_comes_in():
    image = np.arange(1.0, 26.0).reshape(5, 5)
    moved = shift_image(image, 2, -1)               # 2 right, 1 up
    np.testing.assert_array_equal(moved[:4, 2:], image[1:, :3])
    assert not moved[:, :2].any() and not moved[4].any()
    np.testing.assert_array_equal(shift_image(image, 0, 0), image)
    assert not shift_image(image, 5, 0).any() and not shift_image(image, 0, -7).any()
    stack = torch.rand(3, 2, 6, 6)                   # torch, and any leading dimensions
    assert torch.equal(shift_image(stack, -1, 2)[..., 2:, :5], stack[..., :4, 1:])
    assert image[0, 0] == 1.0                        # the original is left alone


def test_translation_moves_conv1_maps_with_the_drawing_away_from_the_border():
    """conv1's map of a moved input is the moved map of the original: its
    kernels slide, so its features move with the drawing (to 1e-5)."""
    net = load_checkpoint(SHIPPED_WEIGHTS).model
    torch.manual_seed(0)
    for image in (letter_k(), torch.rand(28, 28).numpy()):
        with torch.no_grad():
            original = net(torch.from_numpy(image)[None])[1]["conv1"][0].numpy()
        for dx, dy in SHIFTS:
            with torch.no_grad():
                moved = net(torch.from_numpy(shift_image(image, dx, dy))[None])[1]["conv1"][0].numpy()
            expected = shift_image(original, dx, dy)
            # Away from the border: every map cell there reads pixels that stayed in the frame.
            inner = (slice(None), slice(max(dy, 0), 26 + min(dy, 0)), slice(max(dx, 0), 26 + min(dx, 0)))
            np.testing.assert_allclose(moved[inner], expected[inner], atol=1e-5, err_msg=f"shift {dx, dy}")
            assert moved[inner].size > 0


def test_translation_flat_network_shapes_and_parameter_count():
    net = FlatNet().eval()
    assert isinstance(build_model("flat"), FlatNet)
    assert count_parameters(net) == 784 * 128 + 128 + 128 * 64 + 64 + 64 * 26 + 26 == 110_426
    with torch.no_grad():
        log_probs, activations = net(torch.rand(3, 28, 28))
    shapes = {name: tuple(a.shape[1:]) for name, a in activations.items()}
    assert shapes == {"input": (1, 28, 28), "flatten": (784,), "fc1": (128,), "gelu1": (128,), "fc2": (64,),
                      "gelu2": (64,), "fc3": (26,), "log_softmax": (26,)}
    torch.testing.assert_close(log_probs.exp().sum(dim=1), torch.ones(3))
    assert torch.equal(activations["log_softmax"], log_probs)
    table = model.layer_table(net)
    assert [row["type"] for row in table][1:3] == ["Flatten", "Linear"]
    assert sum(row["parameters"] for row in table) == 110_426
    # The training recipe asks for BatchNorm after convolutions: the flat network has none to add or fold.
    trained = build_model("flat", batch_norm=True)
    assert count_parameters(trained) == 110_426 and trained.fold_batch_norm() is trained


def test_translation_shipped_flat_network_loads_and_is_never_the_default_reader():
    checkpoint = load_checkpoint(FLAT_WEIGHTS)
    assert checkpoint.arch == "flat" and isinstance(checkpoint.model, FlatNet)
    assert checkpoint.info["parameters"] == 110_426
    assert checkpoint.raster == load_checkpoint(SHIPPED_WEIGHTS).raster      # it reads the same pixels
    assert checkpoint.meta["epochs"] == 16 and checkpoint.meta["train_size"] == 87_483
    assert checkpoint.meta["val_data"] == {"chars74k_hnd_letters_strokes.npz": 2860}
    assert isinstance(Recognizer.load().model, LetterNet)
    with pytest.raises(model.CheckpointError, match="flatnet.pt: the 'flat' network is there to be compared"):
        Recognizer.load(FLAT_WEIGHTS)          # File ▸ Open refuses it, with the reason


def test_random_shifts_move_each_drawing_the_same_way_at_every_distance():
    directions = random_shifts(400, 1)
    assert {tuple(d) for d in directions} == {tuple(d) for d in DIRECTIONS}      # all four are used
    for pixels in range(MAX_SHIFT + 1):
        shifts = random_shifts(400, pixels)
        np.testing.assert_array_equal(shifts, directions * pixels)
        assert (np.abs(shifts).sum(axis=1) == pixels).all()                     # up, down, left or right
    np.testing.assert_array_equal(random_shifts(10, 3), random_shifts(10, 3))  # the same for every network
    assert (random_shifts(400, 1, seed=1) != directions).any()


def test_read_image_reads_a_moved_drawing_as_the_network_does():
    recognizer = Recognizer.load()
    ink = [np.array([[0.0, 0.0], [1.0, 1.2]]), np.array([[1.0, 0.0], [0.0, 1.2]])]
    centred = recognizer.read_image(recognizer.predict(ink).image)
    np.testing.assert_allclose(centred.probabilities, recognizer.predict(ink).probabilities, atol=1e-6)
    moved = recognizer.read_image(shift_image(centred.image, 3, -2))
    np.testing.assert_array_equal(moved.image, shift_image(centred.image, 3, -2))
    assert moved.activations["conv1"].shape == (32, 26, 26) and moved.views == 1
    with pytest.raises(ValueError, match="28x28"):
        recognizer.read_image(np.zeros((27, 28)))


def test_predict_log_probs_moves_every_view_of_each_drawing(tmp_path):
    dataset = model.load_dataset(write_strokes(tmp_path / "tiny_strokes.npz", 9))
    net = load_checkpoint(SHIPPED_WEIGHTS).model
    raster = model.RasterConfig()
    shifts = random_shifts(len(dataset), 3)
    moved = predict_log_probs(net, dataset, raster, shifts=shifts)
    with torch.no_grad():
        images = dataset.images(np.arange(len(dataset)), raster)
        expected = torch.stack([net(shift_image(image, *shift)[None])[0][0] for image, shift in zip(images, shifts)])
    np.testing.assert_allclose(moved, expected.numpy(), atol=1e-5)
    np.testing.assert_allclose(predict_log_probs(net, dataset, raster, shifts=0 * shifts),
                               predict_log_probs(net, dataset, raster), atol=1e-6)
    views = model.READ_VIEWS
    assert not np.allclose(predict_log_probs(net, dataset, raster, views=views, shifts=shifts),
                           predict_log_probs(net, dataset, raster, views=views), atol=1e-3)


def test_record_facts_adds_to_meta_and_keeps_the_weights(tmp_path):
    torch.manual_seed(0)
    path = save_checkpoint(tmp_path / "flat.pt", FlatNet(), arch="flat", meta={"val_accuracy": 0.5})
    before = load_checkpoint(path)
    record_facts(path, {"translation": {"accuracy_by_shift": [0.5, 0.4]}})
    after = load_checkpoint(path)
    assert after.meta == {"val_accuracy": 0.5, "translation": {"accuracy_by_shift": [0.5, 0.4]}}
    assert after.info["saved_at"] == before.info["saved_at"]
    for name, tensor in before.model.state_dict().items():
        assert torch.equal(after.model.state_dict()[name], tensor), name
    (tmp_path / "notes.txt").write_text("not weights")
    with pytest.raises(model.CheckpointError, match="notes.txt"):
        record_facts(tmp_path / "notes.txt", {"translation": {}})
    assert (tmp_path / "notes.txt").read_text() == "not weights"


def test_recorded_curve_refuses_what_is_not_a_list_of_accuracies():
    good = {"translation": {"data": "set.npz", "accuracy_by_shift": [0.9, 0.8]}}
    assert recorded_curve(good)["accuracy_by_shift"] == [0.9, 0.8]
    for meta in ({}, {"translation": None}, {"translation": {"accuracy_by_shift": []}},
                 {"translation": {"accuracy_by_shift": [0.9, "x"]}}, {"translation": {"accuracy_by_shift": [1.5]}},
                 {"translation": {"accuracy_by_shift": [True]}}, None):
        assert recorded_curve(meta) is None, meta


def test_translation_curves_shipped_in_both_checkpoints_are_what_they_read():
    """The Explain tab draws these figures: both networks, 0 to 4 px, on Chars74K,
    and the CNN loses less than the flat network at every distance."""
    curves = {}
    for path in (SHIPPED_WEIGHTS, FLAT_WEIGHTS):
        facts = recorded_curve(load_checkpoint(path).meta)
        assert facts is not None, path
        assert facts["data"] == "chars74k_hnd_letters_strokes.npz" and facts["n"] == 2860 and facts["views"] == 1
        assert len(facts["accuracy_by_shift"]) == MAX_SHIFT + 1
        curves[path] = facts["accuracy_by_shift"]
    cnn, flat = curves[SHIPPED_WEIGHTS], curves[FLAT_WEIGHTS]
    assert cnn[0] == load_checkpoint(SHIPPED_WEIGHTS).meta["val_accuracy"]   # unmoved: training's validation
    assert flat[0] == load_checkpoint(FLAT_WEIGHTS).meta["val_accuracy"]
    assert all(c > f for c, f in zip(cnn, flat))
    assert cnn[0] - cnn[-1] < flat[0] - flat[-1]


@pytest.mark.data
@pytest.mark.slow
def test_translation_curves_shipped_in_both_checkpoints_are_measured_on_chars74k(shared_data_dir):
    dataset = model.load_dataset(shared_data_dir / "chars74k_hnd_letters_strokes.npz")
    for path in (SHIPPED_WEIGHTS, FLAT_WEIGHTS):
        checkpoint = load_checkpoint(path)
        curve = accuracy_by_shift(checkpoint.model, dataset, checkpoint.raster)
        assert recorded_curve(checkpoint.meta) == curve_facts(curve, dataset)["translation"], path
