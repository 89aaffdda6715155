"""model.explain: the Explain panel's computations.

Tests with "primer" in their name redo the CNN primer's worked examples
through model.explain (corrected values where the primer's errata say so);
the rest check the step-through, activation statistics, architecture tables
and saliency against the shipped network reading real-looking drawings.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from model import (
    CLASSIC_KERNELS, KERNEL_LABELS, PRIMER_DEAD_NEURON_INPUTS, ConvStep,
    LetterNet, Recognizer, activation_curves, activation_histograms, apply_kernel,
    architecture_table, as_kernel, conv_step, count_parameters, dead_unit_report, dead_unit_stats,
    gelu, gelu_table, learned_kernels, max_pool, output_size, pool_step, primer_digit_net, primer_digit_table,
    relu, saliency,
)
from primer_examples import CROSS, DEAD_NEURON_TABLE, GELU_TABLE, SEVEN, TOY, VERTICAL_EDGE

# ---------------------------------------------------------------- primer data

FEATURE_MAP = [[1, 3, 2, 4], [5, 6, 1, 0], [2, 9, 7, 3], [4, 2, 8, 1]]


class OneConv(nn.Module):
    """A one-kernel network with LetterNet's layout (a ``stages`` dict), so a
    primer example can go through conv_step."""

    def __init__(self, kernel, bias=0.0, **conv_options):
        super().__init__()
        kernel = torch.tensor(kernel, dtype=torch.float64)
        conv = nn.Conv2d(1, 1, kernel.shape[-1], dtype=torch.float64, **conv_options)
        with torch.no_grad():
            conv.weight.copy_(kernel[None, None])
            conv.bias.fill_(bias)
        self.stages = nn.ModuleDict({"conv": conv})

    def activations(self, image):
        x = torch.tensor(image, dtype=torch.float64)[None]
        with torch.no_grad():
            return {"input": x.numpy(), "conv": self.stages["conv"](x[None])[0].numpy()}


# ---------------------------------------------------------------- primer: kernels

def test_primer_laplacian_on_5x5_image():
    result = apply_kernel(TOY, CLASSIC_KERNELS["laplacian"])
    np.testing.assert_array_equal(result, [[-2, 3, 8], [1, -7, 0], [4, 6, -7]])


# The patches and sums the primer works through one by one.
LAPLACIAN_WORKED = {
    (0, 0): ([[1, 1, 2], [3, 2, 1], [0, 1, 3]], -2),
    (0, 1): ([[1, 2, 4], [2, 1, 0], [1, 3, 2]], 3),
    (0, 2): ([[2, 4, 5], [1, 0, 1], [3, 2, 2]], 8),
    (1, 2): ([[1, 0, 1], [3, 2, 2], [1, 3, 1]], 0),
    (2, 0): ([[0, 1, 3], [1, 0, 1], [2, 1, 4]], 4),
    (2, 1): ([[1, 3, 2], [0, 1, 3], [1, 4, 1]], 6),
}


@pytest.mark.parametrize("position", list(LAPLACIAN_WORKED))
def test_primer_laplacian_worked_positions_via_conv_step(position):
    net = OneConv(CLASSIC_KERNELS["laplacian"])
    step = conv_step(net, net.activations(TOY), "conv", 0, *position)
    patch, total = LAPLACIAN_WORKED[position]
    np.testing.assert_array_equal(step.patch[0], patch)
    np.testing.assert_array_equal(step.products[0], np.multiply(patch, CLASSIC_KERNELS["laplacian"]))
    assert step.total == step.activation == total


@pytest.mark.parametrize("name, expected", [
    ("sobel_x", [[3, 3, 0, -3, -3], [1, 1, 0, -1, -1], [0, 0, 0, 0, 0],
                 [1, 1, 0, -1, -1], [3, 3, 0, -3, -3]]),
    ("sobel_y", [[3, 1, 0, 1, 3], [3, 1, 0, 1, 3], [0, 0, 0, 0, 0],
                 [-3, -1, 0, -1, -3], [-3, -1, 0, -1, -3]]),
    ("sharpen", [[-2, 2, 1, 2, -2], [2, 1, 1, 1, 2], [1, 1, 1, 1, 1],
                 [2, 1, 1, 1, 2], [-2, 2, 1, 2, -2]]),
    ("corner", [[-5, 2, 0, 2, -5], [2, 1, 0, 1, 2], [0, 0, 0, 0, 0],
                [2, 1, 0, 1, 2], [-5, 2, 0, 2, -5]]),
])
def test_primer_kernels_on_cross_image(name, expected):
    np.testing.assert_array_equal(apply_kernel(CROSS, CLASSIC_KERNELS[name]), expected)


def test_primer_erratum_blur_on_cross_corrected():
    edge, middle = [0.5, 0.7, 0.9, 0.7, 0.5], [0.7, 0.8, 0.9, 0.8, 0.7]
    result = apply_kernel(CROSS, CLASSIC_KERNELS["blur"])
    np.testing.assert_allclose(result, [edge, middle, [0.9] * 5, middle, edge], rtol=0, atol=1e-12)
    # The printed first row (0.6, 0.8, 1.0, ...) is not what the blur gives.
    assert not np.allclose(result[0], [0.6, 0.8, 1.0, 0.8, 0.6], atol=0.05)


def test_primer_erratum_vertical_edge_on_seven_corrected():
    feature_map = apply_kernel(SEVEN, VERTICAL_EDGE)
    np.testing.assert_array_equal(feature_map, [[-2, 0, 2], [-3, -2, 2], [-3, -1, 2]])
    assert not np.array_equal(feature_map, [[2, 1, -1], [1, 0, -2], [0, -1, -2]])   # as printed
    # The steps that follow it, corrected too: ReLU, then a 2x2 pool of a 3x3
    # map, which has a 2x2 result only when rounding up.
    after_relu = relu(feature_map)
    np.testing.assert_array_equal(after_relu, [[0, 0, 2], [0, 0, 2], [0, 0, 2]])
    np.testing.assert_array_equal(max_pool(after_relu, 2, ceil_mode=True), [[0, 2], [0, 2]])
    np.testing.assert_array_equal(max_pool(after_relu, 2), [[0]])


def test_primer_first_toy_products_and_sum_via_conv_step():
    toy = [[1, 2, 3, 0, 1], [0, 1, 2, 1, 0], [1, 0, 1, 2, 3], [0, 1, 1, 0, 2], [1, 2, 0, 1, 0]]
    net = OneConv(VERTICAL_EDGE)
    step = conv_step(net, net.activations(toy), "conv", 0, 0, 0)
    # "(1 + 0 - 3) + (0 + 0 - 2) + (1 + 0 - 1) = -4"
    np.testing.assert_array_equal(step.products[0], [[1, 0, -3], [0, 0, -2], [1, 0, -1]])
    np.testing.assert_array_equal(step.products[0].sum(axis=1), [-2, -2, 0])
    assert step.total == step.activation == -4
    assert apply_kernel(toy, VERTICAL_EDGE).shape == (3, 3)


# ---------------------------------------------------------------- primer: pooling

def test_primer_max_pool_4x4():
    np.testing.assert_array_equal(max_pool(FEATURE_MAP), [[6, 4], [9, 8]])


def test_primer_max_pool_winners_via_pool_step():
    fm = np.array(FEATURE_MAP, dtype=float)
    activations = {"map": fm[None], "pool": max_pool(fm)[None]}
    winners = {(0, 0): ((1, 1), 6), (0, 1): ((0, 3), 4), (1, 0): ((2, 1), 9), (1, 1): ((3, 2), 8)}
    for (row, col), (where, value) in winners.items():
        step = pool_step(activations, "pool", 0, row, col)
        assert (step.winner, step.winner_value, step.pooled) == (where, value, value)
        assert step.window.shape == (2, 2) and not step.partial


# ---------------------------------------------------------------- primer: GELU


@pytest.mark.parametrize("printed", [GELU_TABLE, DEAD_NEURON_TABLE], ids=["gelu", "dead-neuron"])
def test_primer_gelu_tables(printed):
    rows = gelu_table(list(printed))
    assert [row.x for row in rows] == list(printed)
    assert [row.relu for row in rows] == [max(x, 0.0) for x in printed]
    # The printed values are the tanh approximation, rounded: every one matches.
    assert [round(row.gelu_tanh, 3) for row in rows] == list(printed.values())
    # The exact GELU (LetterNet's) agrees to within one unit of the last digit.
    for row, value in zip(rows, printed.values()):
        assert abs(row.gelu - value) <= 1e-3 + 1e-12


def test_primer_gelu_table_exact_form_differs_in_last_digit_only_at_three_inputs():
    rows = gelu_table(list(GELU_TABLE) + list(PRIMER_DEAD_NEURON_INPUTS))
    printed = {**GELU_TABLE, **DEAD_NEURON_TABLE}
    differ = {row.x for row in rows if round(row.gelu, 3) != printed[row.x]}
    assert differ == {-2.0, 2.0, -2.5}       # exact: -0.0455, 1.9545, -0.0155


def test_primer_dead_neurons_relu_gradient_zero_gelu_keeps_signal():
    for row in gelu_table(PRIMER_DEAD_NEURON_INPUTS):
        assert row.relu == 0 and row.relu_grad == 0
        assert -0.17 < row.gelu < 0 and row.gelu_grad != 0


# ---------------------------------------------------------------- primer: architecture

def test_primer_digit_design_parameter_counts():
    counts = [row["parameters"] for row in primer_digit_table() if row["type"] in ("Conv2d", "Linear")]
    assert counts == [320, 18_496, 204_928, 1_290]
    assert sum(row["parameters"] for row in primer_digit_table()) == 225_034
    assert count_parameters(primer_digit_net()) == 225_034      # a real, initialised build
    formulas = [row["formula"] for row in primer_digit_table() if row["formula"]]
    assert formulas == ["3x3x1x32 + 32", "3x3x32x64 + 64", "1600x128 + 128", "128x10 + 10"]


def test_primer_digit_design_shapes():
    shapes = {row["name"]: row["output_shape"] for row in primer_digit_table()}
    assert [shapes[name][-1] for name in ("input", "conv1", "pool1", "conv2", "pool2")] == [28, 26, 13, 11, 5]
    assert shapes["flatten"] == (1600,) and shapes["softmax"] == (10,)
    with torch.no_grad():
        assert primer_digit_net()(torch.zeros(1, 1, 28, 28)).shape == (1, 10)


def test_primer_letternet_parameters_and_rounding_up_pools():
    table = architecture_table(LetterNet())
    assert sum(row["parameters"] for row in table) == 137_178
    shapes = {row["name"]: row["output_shape"] for row in table}
    assert shapes["conv2"] == (64, 11, 11) and shapes["pool2"] == (64, 6, 6)     # 11 -> 6
    assert shapes["conv3"] == (128, 4, 4) and shapes["pool3"] == (128, 2, 2)     # 4 -> 2
    assert shapes["flatten"] == (512,)
    assert output_size(11, 2, stride=2, rounding="ceil") == 6
    assert output_size(11, 2, stride=2, rounding="floor") == 5


@pytest.mark.parametrize("padding, expected", [(0, 26), (1, 28)])
def test_primer_spatial_size_formula(padding, expected):
    assert output_size(28, 3, padding=padding) == expected
    assert apply_kernel(np.zeros((28, 28)), CLASSIC_KERNELS["blur"], padding=padding).shape == (expected,) * 2


# ---------------------------------------------------------------- the shipped network

def letter_k():
    return [np.array([[0, 0], [0, 12]], dtype=float),
            np.array([[6, 3], [0, 8], [6, 12]], dtype=float)]


def letter_e():
    """A cursive 'e': a bar, then a loop that opens to the right."""
    t = np.linspace(0.15, 1.85, 60) * np.pi
    loop = np.stack([5 + 5 * np.cos(t), 5 - 5 * np.sin(t)], axis=1)
    return [np.vstack([[[0.0, 5.0], [10.0, 5.0]], loop])]


@pytest.fixture(scope="module")
def recognizer():
    return Recognizer.load()


@pytest.fixture(scope="module", params=[letter_k, letter_e], ids=["k", "e"])
def prediction(request, recognizer):
    return recognizer.predict(request.param())


@pytest.mark.parametrize("stage", ["conv1", "conv2", "conv3"])
def test_conv_step_recomputes_the_network_value(recognizer, prediction, stage):
    rng = np.random.default_rng(0)
    channels, height, width = prediction.activations[stage].shape
    for _ in range(40):
        c, r, col = rng.integers(channels), rng.integers(height), rng.integers(width)
        step = conv_step(recognizer.model, prediction.activations, stage, int(c), int(r), int(col))
        assert abs(step.total - step.activation) < 1e-5
        assert step.activation == prediction.activations[stage][c, r, col]


def test_conv_step_parts_add_up(recognizer, prediction):
    step = conv_step(recognizer.model, prediction.activations, "conv2", channel=7, row=4, col=5)
    assert isinstance(step, ConvStep) and step.input_stage == "gelu1"
    assert step.patch.shape == step.kernel.shape == step.products.shape == (32, 3, 3)
    np.testing.assert_array_equal(step.patch, prediction.activations["gelu1"][:, 4:7, 5:8])
    np.testing.assert_array_equal(step.kernel, recognizer.model.stages["conv2"].weight[7].detach().double())
    np.testing.assert_allclose(step.per_channel_sums, step.products.sum(axis=(1, 2)))
    assert step.total == pytest.approx(step.per_channel_sums.sum() + step.bias)
    magnitudes = np.abs(step.per_channel_sums[step.top_channels])
    assert sorted(step.top_channels) == list(range(32)) and (np.diff(magnitudes) <= 0).all()
    assert step.top(3) == [(int(c), float(step.per_channel_sums[c])) for c in step.top_channels[:3]]
    assert not step.in_padding.any()


def test_conv1_step_reads_the_normalised_image(recognizer, prediction):
    step = conv_step(recognizer.model, prediction.activations, "conv1", channel=3, row=10, col=12)
    assert step.input_stage == "input" and step.patch.shape == (1, 3, 3)
    model = recognizer.model
    normalised = (prediction.image - model.input_mean.item()) / model.input_std.item()
    np.testing.assert_allclose(step.patch[0], normalised[10:13, 12:15], atol=1e-6)


def test_conv_step_takes_the_model_own_activation_dict(recognizer):
    image = torch.from_numpy(recognizer.predict(letter_k()).image)
    with torch.no_grad():
        _, activations = recognizer.model(image[None])        # torch tensors, batch of one
    step = conv_step(recognizer.model, activations, "conv3", channel=100, row=3, col=0)
    assert abs(step.total - step.activation) < 1e-5


def test_conv_step_with_padding_and_stride():
    rng = np.random.default_rng(1)
    image, kernel = rng.normal(size=(6, 7)), rng.normal(size=(3, 3))
    net = OneConv(kernel, bias=0.25, padding=1, stride=2)
    activations = net.activations(image)
    corner = conv_step(net, activations, "conv", 0, 0, 0)
    np.testing.assert_array_equal(corner.in_padding, [[1, 1, 1], [1, 0, 0], [1, 0, 0]])
    np.testing.assert_array_equal(corner.patch[0][corner.in_padding], 0)
    for row in range(activations["conv"].shape[1]):
        for col in range(activations["conv"].shape[2]):
            step = conv_step(net, activations, "conv", 0, row, col)
            assert step.total == pytest.approx(step.activation, abs=1e-12)


def test_conv_step_refuses_bad_requests(recognizer, prediction):
    with pytest.raises(ValueError, match="not a convolution"):
        conv_step(recognizer.model, prediction.activations, "pool1")
    with pytest.raises(IndexError, match="row 11"):
        conv_step(recognizer.model, prediction.activations, "conv2", 0, 11, 0)
    with pytest.raises(IndexError, match="channel -1"):
        conv_step(recognizer.model, prediction.activations, "conv2", -1, 0, 0)


@pytest.mark.parametrize("stage, input_stage", [("pool1", "conv1"), ("pool2", "conv2"), ("pool3", "conv3")])
def test_pool_step_winner_is_the_pooled_value(prediction, stage, input_stage):
    pooled = prediction.activations[stage]
    for c in range(0, pooled.shape[0], 5):
        for r in range(pooled.shape[1]):
            for col in range(pooled.shape[2]):
                step = pool_step(prediction.activations, stage, c, r, col)
                assert step.input_stage == input_stage
                assert step.winner_value == step.pooled == pooled[c, r, col] == step.window.max()
                assert prediction.activations[input_stage][(c, *step.winner)] == step.winner_value


def test_pool_step_partial_window_where_pooling_rounds_up(prediction):
    # pool2 pools conv2's 11x11 into 6x6: the last row and column of windows
    # hold only what is left of the map.
    step = pool_step(prediction.activations, "pool2", 0, 5, 5)
    assert step.partial and step.window.shape == (1, 1) and step.origin == (10, 10)
    assert pool_step(prediction.activations, "pool2", 0, 5, 2).window.shape == (1, 2)
    assert not pool_step(prediction.activations, "pool2", 0, 4, 4).partial


def test_pool_step_refuses_a_wrong_window_size(prediction):
    with pytest.raises(ValueError, match="3x3 max-pool"):
        pool_step(prediction.activations, "pool1", size=3)


@pytest.mark.parametrize("shape", [(4, 4), (11, 11), (5, 8), (3, 26, 26), (2, 3)])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_max_pool_matches_torch(shape, ceil_mode):
    x = np.random.default_rng(2).normal(size=shape)
    expected = F.max_pool2d(torch.from_numpy(x)[None] if x.ndim == 2 else torch.from_numpy(x), 2,
                            ceil_mode=ceil_mode)
    expected = expected[0] if x.ndim == 2 else expected
    np.testing.assert_array_equal(max_pool(x, 2, ceil_mode=ceil_mode), expected.numpy())


# ---------------------------------------------------------------- kernels

def test_classic_kernels_are_read_only_3x3_with_labels():
    assert set(CLASSIC_KERNELS) == set(KERNEL_LABELS) == {
        "sobel_x", "sobel_y", "blur", "sharpen", "corner", "laplacian"}
    for kernel in CLASSIC_KERNELS.values():
        assert kernel.shape == (3, 3) and not kernel.flags.writeable


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_apply_kernel_is_torch_conv2d(padding):
    rng = np.random.default_rng(3)
    image, kernel = rng.random((28, 28)), rng.normal(size=(3, 2))
    expected = F.conv2d(torch.from_numpy(image)[None, None], torch.from_numpy(kernel)[None, None],
                        padding=padding)[0, 0].numpy()
    np.testing.assert_allclose(apply_kernel(image, kernel, padding), expected, rtol=0, atol=1e-12)


def test_apply_kernel_refuses_a_kernel_that_does_not_fit():
    with pytest.raises(ValueError, match="does not fit"):
        apply_kernel(np.zeros((2, 5)), CLASSIC_KERNELS["blur"])


def test_as_kernel_validates_the_custom_kernel():
    np.testing.assert_array_equal(as_kernel([[0, 0, 0], [0, 1, 0], [0, 0, 0]])[1], [0, 1, 0])
    for bad in ([[1, 2], [3, 4]], [[0] * 3, [0] * 3, [0, float("nan"), 0]], [["a"] * 3] * 3):
        with pytest.raises(ValueError):
            as_kernel(bad)


def test_learned_kernels_make_the_conv1_maps(recognizer, prediction):
    kernels = learned_kernels(recognizer.model)
    assert kernels.shape == (32, 3, 3)
    bias = recognizer.model.stages["conv1"].bias.detach().numpy()
    for k in (0, 13, 31):
        rebuilt = apply_kernel(prediction.activations["input"][0], kernels[k]) + bias[k]
        np.testing.assert_allclose(rebuilt, prediction.activations["conv1"][k], atol=1e-5)


# ---------------------------------------------------------------- activations

def test_gelu_and_relu_match_torch():
    x = np.linspace(-6, 6, 1001)
    t = torch.from_numpy(x)
    np.testing.assert_allclose(gelu(x), F.gelu(t).numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(gelu(x, "tanh"), F.gelu(t, approximate="tanh").numpy(), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(relu(x), F.relu(t).numpy())
    with pytest.raises(ValueError):
        gelu(x, "sigmoid")


def test_activation_curves():
    curves = activation_curves()
    assert curves["x"][0] == -3 and curves["x"][-1] == 3 and len(curves["x"]) == 601
    assert curves["relu"].min() == 0 and -0.17 < curves["gelu"].min() < -0.16


def test_dead_unit_stats_counts_exact_zeros():
    stats = dead_unit_stats(np.array([-1.0, 0.0, 2.0, -6.0, -0.1], dtype=np.float32))
    # ReLU zeroes all four values <= 0; GELU only 0 and -6 (in float32 Phi(-6) is exactly 0).
    assert stats["n"] == 5 and stats["negative"] == 3
    assert (stats["relu_zero"], stats["gelu_zero"], stats["kept_by_gelu"]) == (4, 2, 2)
    assert stats["relu_fraction"] == 0.8 and stats["gelu_fraction"] == 0.4
    assert dead_unit_stats(np.array([-6.0]))["gelu_zero"] == 0       # not in float64


def test_dead_unit_report_matches_the_network_gelu_outputs(prediction):
    report = dead_unit_report(prediction.activations)
    assert list(report) == ["gelu1", "gelu2", "gelu3", "gelu4", "gelu5"]
    assert report["gelu1"]["input_stage"] == "pool1" and report["gelu4"]["input_stage"] == "fc1"
    for name, stats in report.items():
        output = prediction.activations[name]
        assert stats["n"] == output.size
        assert stats["gelu_zero"] == int((output == 0).sum())
        assert stats["relu_zero"] == int((prediction.activations[stats["input_stage"]] <= 0).sum())
    assert report["gelu1"]["relu_zero"] > report["gelu1"]["gelu_zero"]


def test_activation_histograms_share_edges(prediction):
    values = prediction.activations["pool1"]
    hist = activation_histograms(values, bins=30)
    assert len(hist["edges"]) == 31
    for name in ("before", "relu", "gelu"):
        assert hist[name].sum() == values.size


# ---------------------------------------------------------------- output size

@pytest.mark.parametrize("args, expected", [
    ((28, 3), 26), ((28, 3, 1), 28), ((13, 3), 11), ((28, 2, 0, 2), 14), ((5, 5), 1),
])
def test_output_size_exact(args, expected):
    assert output_size(*args) == expected


@pytest.mark.parametrize("kwargs, match", [
    (dict(input=11, kernel=2, stride=2), "not a whole number"),
    (dict(input=2, kernel=3), "does not fit"),
    (dict(input=28, kernel=0), "kernel"),
    (dict(input=28, kernel=3, stride=0), "stride"),
    (dict(input=28, kernel=3, padding=-1), "padding"),
    (dict(input=28.0, kernel=3), "input"),
    (dict(input=28, kernel=3, rounding="up"), "rounding"),
])
def test_output_size_refuses(kwargs, match):
    with pytest.raises(ValueError, match=match):
        output_size(**kwargs)


def test_output_size_floor_and_ceil_match_torch_pooling():
    for n in range(1, 16):
        for k in range(1, 5):
            for stride in range(1, 4):
                for padding in range(0, k // 2 + 1):
                    if n + 2 * padding < k:
                        continue
                    x = torch.zeros(1, 1, n, n)
                    for ceil_mode in (False, True):
                        out = F.max_pool2d(x, k, stride, padding, ceil_mode=ceil_mode).shape[-1]
                        rounding = "ceil" if ceil_mode else "floor"
                        assert output_size(n, k, padding, stride, rounding) == out, (n, k, stride, padding)


# ---------------------------------------------------------------- saliency

def test_saliency_shape_range_and_model_untouched(recognizer, prediction):
    model = recognizer.model
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    grad_enabled = torch.is_grad_enabled()
    result = saliency(model, prediction.image)
    assert result.shape == (28, 28) and result.dtype == np.float32
    assert result.min() >= 0 and result.max() == 1
    for name, p in model.named_parameters():
        assert torch.equal(p, before[name]) and p.grad is None and p.requires_grad
    assert torch.is_grad_enabled() == grad_enabled and not model.training


def test_saliency_works_inside_inference_mode(recognizer, prediction):
    expected = saliency(recognizer.model, prediction.image)
    with torch.inference_mode():
        image = torch.from_numpy(prediction.image).clone()     # an inference tensor
        inside = saliency(recognizer.model, image)
    np.testing.assert_array_equal(inside, expected)


def test_saliency_targets_and_class_choice(recognizer, prediction):
    top = int(np.argmax(prediction.probabilities))
    other = (top + 1) % 26
    default = saliency(recognizer.model, prediction.image)
    np.testing.assert_array_equal(saliency(recognizer.model, prediction.image, class_index=top), default)
    assert not np.array_equal(saliency(recognizer.model, prediction.image, class_index=other), default)
    by_log_prob = saliency(recognizer.model, prediction.image, target="log_prob")
    assert by_log_prob.shape == (28, 28) and by_log_prob.max() == 1
    with pytest.raises(ValueError, match="eval mode"):
        saliency(LetterNet(), prediction.image)
