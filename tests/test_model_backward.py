"""model.backward: one step of learning on one drawing.

Tests with "backward" in their name redo gradients by hand, as the primer's
last lesson does, and check them against autograd within 1e-5.
"""
import copy

import numpy as np
import pytest
import torch

import model
from model import backward_pass, input_gradient_step, sgd_step, weight_gradient_step

X_STROKES = [np.stack([np.linspace(0, 1, 20), np.linspace(0, 1.2, 20)], 1),
             np.stack([np.linspace(1, 0, 20), np.linspace(0, 1.2, 20)], 1)]


@pytest.fixture(scope="module")
def drawing(recognizer):
    """An x as the app reads it: one view, rendered by the checkpoint's raster."""
    return recognizer.predict(X_STROKES).image


@pytest.fixture(scope="module")
def wrong_label_pass(recognizer, drawing):
    """Labelled 'h' (it reads as 'x'): a large loss, so large gradients to check."""
    return backward_pass(recognizer.model, drawing, model.CLASSES.index("h"))


def largest_weights(gradients: np.ndarray, count: int) -> list[tuple[int, ...]]:
    order = np.argsort(-np.abs(gradients).ravel())[:count]
    return [tuple(int(i) for i in np.unravel_index(k, gradients.shape)) for k in order]


@pytest.mark.parametrize("stage", ["conv1", "conv2", "conv3"])
def test_backward_hand_sum_of_a_weight_gradient_equals_autograd(wrong_label_pass, stage):
    backward = wrong_label_pass
    gradients = backward.weight_gradients[stage]
    assert np.abs(gradients).max() > 1e-3          # a real gradient, not zeros agreeing with zeros
    picks = largest_weights(gradients, 3) + [tuple(s - 1 for s in gradients.shape), (0, 0, 1, 2)]
    for o, i, ky, kx in picks:
        step = weight_gradient_step(backward, stage, o, i, ky, kx)
        assert abs(step.total - float(gradients[o, i, ky, kx])) <= 1e-5, (stage, o, i, ky, kx)
        assert step.autograd == pytest.approx(float(gradients[o, i, ky, kx]))
        # the pieces: input under the weight at each output position, times that position's gradient
        height, width = step.output_gradient.shape
        np.testing.assert_array_equal(step.inputs, backward.conv_inputs[stage][i, ky:ky + height, kx:kx + width])
        np.testing.assert_allclose(step.products, step.inputs * step.output_gradient)
        assert step.total == pytest.approx(step.products.sum())


def test_backward_gradients_are_those_of_torch_with_the_loss_minus_log_p(recognizer, drawing, wrong_label_pass):
    net = copy.deepcopy(recognizer.model)
    log_probs, _ = net(torch.from_numpy(drawing)[None, None])
    loss = -log_probs[0, model.CLASSES.index("h")]
    loss.backward()
    assert wrong_label_pass.loss == pytest.approx(float(loss.detach()), abs=1e-5)
    assert wrong_label_pass.loss == pytest.approx(-np.log(wrong_label_pass.probabilities[wrong_label_pass.label]),
                                                  abs=1e-5)
    for stage in ("conv1", "conv2", "conv3"):
        np.testing.assert_allclose(wrong_label_pass.weight_gradients[stage], net.stages[stage].weight.grad.numpy(),
                                   atol=1e-6)
    # the conv's output is its pre-activation output: conv1's own (32, 26, 26), not pool1's
    assert wrong_label_pass.output_gradients["conv1"].shape == (32, 26, 26)
    assert wrong_label_pass.conv_inputs["conv2"].shape == (32, 13, 13)
    assert wrong_label_pass.input_stages == {"conv1": "input", "conv2": "gelu1", "conv3": "gelu2"}


def test_backward_label_defaults_to_the_reading(recognizer, drawing):
    backward = backward_pass(recognizer.model, drawing)
    assert backward.letter == "x"
    assert backward.label == int(np.argmax(recognizer.predict(X_STROKES).probabilities))
    assert backward.loss == pytest.approx(-np.log(backward.probabilities.max()), abs=1e-5)


@pytest.mark.parametrize("stage, channel, row, col", [("conv1", 0, 10, 13), ("conv2", 5, 6, 6), ("conv3", 9, 2, 3),
                                                       ("conv1", 0, 0, 27)])
def test_backward_hand_sum_of_an_input_gradient_equals_autograd(wrong_label_pass, stage, channel, row, col):
    step = input_gradient_step(wrong_label_pass, stage, channel, row, col)
    assert abs(step.total - step.autograd) <= 1e-5
    assert step.autograd == pytest.approx(float(wrong_label_pass.input_gradients[stage][channel, row, col]))
    if (row, col) == (0, 27):       # a corner: only one kernel cell ever touched it
        assert np.count_nonzero(step.output_gradient.any(axis=0)) == 1


def test_backward_leaves_the_model_and_its_grads_untouched(recognizer, drawing):
    before = {name: value.clone() for name, value in recognizer.model.state_dict().items()}
    backward_pass(recognizer.model, drawing, 3)
    with torch.inference_mode():      # the app reads under inference mode; backward still works there
        backward_pass(recognizer.model, drawing, 4)
    for name, value in recognizer.model.state_dict().items():
        assert torch.equal(value, before[name]), name
    assert all(p.grad is None for p in recognizer.model.parameters())


def test_backward_sgd_step_changes_only_the_copy_and_raises_the_labels_probability(recognizer, drawing):
    before = {name: value.clone() for name, value in recognizer.model.state_dict().items()}
    label = model.CLASSES.index("y")
    step = sgd_step(recognizer.model, drawing, label, 0.01)
    assert step.model is not recognizer.model
    for name, value in recognizer.model.state_dict().items():
        assert torch.equal(value, before[name]), name
    assert all(p.grad is None for p in recognizer.model.parameters())
    np.testing.assert_array_equal(step.kernels_before, model.learned_kernels(recognizer.model))
    # one step downhill: the copy's weights moved by -lr * gradient, and the label gained
    gradient = backward_pass(recognizer.model, drawing, label).weight_gradients["conv1"][:, 0]
    np.testing.assert_allclose(step.kernels_after - step.kernels_before, -0.01 * gradient, atol=1e-6)
    assert step.probabilities_after[label] > step.probabilities_before[label]
    assert step.loss_after < step.loss_before
    with torch.no_grad():
        log_probs, _ = step.model(torch.from_numpy(drawing)[None, None])
    np.testing.assert_allclose(step.probabilities_after, log_probs[0].exp().numpy(), atol=1e-6)


def test_backward_refuses_bad_input_clearly(recognizer, drawing):
    with pytest.raises(ValueError, match="label"):
        backward_pass(recognizer.model, drawing, 26)
    with pytest.raises(ValueError, match="one .* image"):
        backward_pass(recognizer.model, np.zeros((2, 28, 28)))
    with pytest.raises(ValueError, match="step size"):
        sgd_step(recognizer.model, drawing, 0, -1.0)
    backward = backward_pass(recognizer.model, drawing)
    with pytest.raises(IndexError, match="conv2: input channel 32 is outside 0..31"):
        weight_gradient_step(backward, "conv2", 0, 32, 0, 0)
    with pytest.raises(KeyError, match="fc1"):
        weight_gradient_step(backward, "fc1", 0, 0, 0, 0)
    training = copy.deepcopy(recognizer.model).train()
    with pytest.raises(ValueError, match="eval mode"):
        backward_pass(training, drawing)
