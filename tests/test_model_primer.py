"""The CNN primer's worked examples, recomputed with torch.

Convolutions here are what the primer (and every deep-learning library)
calls convolution: cross-correlation, stride 1, no padding.  Two printed
values in the primer are wrong; the tests pin the corrected values *and*
check that the printed ones are indeed not what a convolution gives.
"""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from primer_examples import CROSS, DEAD_NEURON_TABLE, GELU_TABLE, LAPLACIAN, SEVEN, TOY, VERTICAL_EDGE


def conv(image, kernel, padding=0):
    """2-D cross-correlation of one image with one kernel, as nested lists in and out."""
    x = torch.tensor(image, dtype=torch.float64)[None, None]
    w = torch.tensor(kernel, dtype=torch.float64)[None, None]
    return F.conv2d(x, w, padding=padding)[0, 0]


def as_tensor(rows):
    return torch.tensor(rows, dtype=torch.float64)


def test_primer_laplacian_on_5x5_image():
    assert torch.equal(conv(TOY, LAPLACIAN), as_tensor([[-2, 3, 8], [1, -7, 0], [4, 6, -7]]))


def test_primer_cross_image_is_the_plus_shape():
    cross = as_tensor(CROSS)
    assert cross.shape == (7, 7)
    assert cross.sum() == 2 * 7 * 3 - 9   # two bars of 7x3 minus their 3x3 overlap
    assert torch.equal(cross, cross.T)    # the plus is symmetric


@pytest.mark.parametrize("kernel, expected", [
    pytest.param([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
                 [[3, 3, 0, -3, -3], [1, 1, 0, -1, -1], [0, 0, 0, 0, 0],
                  [1, 1, 0, -1, -1], [3, 3, 0, -3, -3]], id="sobel-x"),
    pytest.param([[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
                 [[3, 1, 0, 1, 3], [3, 1, 0, 1, 3], [0, 0, 0, 0, 0],
                  [-3, -1, 0, -1, -3], [-3, -1, 0, -1, -3]], id="sobel-y"),
    pytest.param([[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
                 [[-2, 2, 1, 2, -2], [2, 1, 1, 1, 2], [1, 1, 1, 1, 1],
                  [2, 1, 1, 1, 2], [-2, 2, 1, 2, -2]], id="sharpen"),
    pytest.param([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
                 [[-5, 2, 0, 2, -5], [2, 1, 0, 1, 2], [0, 0, 0, 0, 0],
                  [2, 1, 0, 1, 2], [-5, 2, 0, 2, -5]], id="corner"),
])
def test_primer_kernels_on_cross_image(kernel, expected):
    assert torch.equal(conv(CROSS, kernel), as_tensor(expected))


def test_primer_erratum_vertical_edge_on_seven():
    result = conv(SEVEN, VERTICAL_EDGE)
    assert torch.equal(result, as_tensor([[-2, 0, 2], [-3, -2, 2], [-3, -1, 2]]))
    printed = as_tensor([[2, 1, -1], [1, 0, -2], [0, -1, -2]])
    assert not torch.equal(result, printed)
    # The printed value is not even the true convolution (kernel flipped): that
    # would just negate the result.
    assert not torch.equal(-result, printed)


def test_primer_erratum_blur_on_cross():
    result = conv(CROSS, [[0.1] * 3] * 3)
    edge, middle = [0.5, 0.7, 0.9, 0.7, 0.5], [0.7, 0.8, 0.9, 0.8, 0.7]
    expected = as_tensor([edge, middle, [0.9] * 5, middle, edge])
    torch.testing.assert_close(result, expected, rtol=0, atol=1e-12)
    printed_first_row = as_tensor([0.6, 0.8, 1.0, 0.8, 0.6])
    assert not torch.allclose(result[0], printed_first_row, atol=0.05)


def test_primer_first_toy_top_left_value():
    toy = [[1, 2, 3, 0, 1],
           [0, 1, 2, 1, 0],
           [1, 0, 1, 2, 3],
           [0, 1, 1, 0, 2],
           [1, 2, 0, 1, 0]]
    result = conv(toy, VERTICAL_EDGE)
    assert result.shape == (3, 3)
    assert result[0, 0].item() == -4


def test_primer_max_pool_2x2():
    x = as_tensor([[1, 3, 2, 4], [5, 6, 1, 0], [2, 9, 7, 3], [4, 2, 8, 1]])[None, None]
    assert torch.equal(F.max_pool2d(x, 2)[0, 0], as_tensor([[6, 4], [9, 8]]))


@pytest.mark.parametrize("table", [GELU_TABLE, DEAD_NEURON_TABLE], ids=["gelu", "dead-neuron"])
def test_primer_gelu_tables(table):
    x = torch.tensor(list(table), dtype=torch.float64)
    gelu = F.gelu(x)
    # torch's default GELU is the exact one, x * Phi(x) with the normal CDF via erf.
    exact = [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in table]
    torch.testing.assert_close(gelu, torch.tensor(exact, dtype=torch.float64), rtol=0, atol=1e-12)
    # The primer prints 3 decimals.  Its -2.0, 2.0 and -2.5 entries are off by
    # up to one unit in the last place (exact: -0.0455, 1.9545, -0.0155), so
    # compare within one unit rather than half a unit.
    torch.testing.assert_close(gelu, torch.tensor(list(table.values()), dtype=torch.float64),
                               rtol=0, atol=1e-3 + 1e-9)


def test_primer_relu_kills_what_gelu_keeps():
    negatives = torch.tensor(list(DEAD_NEURON_TABLE) + [-2.0, -1.0, -0.5], dtype=torch.float64)
    assert torch.equal(F.relu(negatives), torch.zeros_like(negatives))
    gelu = F.gelu(negatives)
    assert (gelu < 0).all()          # still a (small) signal, and a gradient
    assert (gelu > -0.17).all()      # GELU's minimum is about -0.17


def primer_digit_net():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.MaxPool2d(2), nn.GELU(),
        nn.Conv2d(32, 64, 3), nn.MaxPool2d(2), nn.GELU(),
        nn.Flatten(), nn.Linear(1600, 128), nn.GELU(), nn.Linear(128, 10),
    )


def test_primer_digit_design_parameter_counts():
    net = primer_digit_net()
    counts = [sum(p.numel() for p in layer.parameters())
              for layer in net if isinstance(layer, (nn.Conv2d, nn.Linear))]
    assert counts == [320, 18_496, 204_928, 1_290]
    assert sum(p.numel() for p in net.parameters()) == 225_034


def test_primer_digit_design_shapes():
    net = primer_digit_net()
    x = torch.zeros(1, 1, 28, 28)
    sizes = [x.shape[-1]]
    with torch.no_grad():
        for layer in net:
            x = layer(x)
            if isinstance(layer, (nn.Conv2d, nn.MaxPool2d)):
                sizes.append(x.shape[-1])
            if isinstance(layer, nn.Flatten):
                assert x.shape == (1, 5 * 5 * 64) == (1, 1600)
    assert sizes == [28, 26, 13, 11, 5]   # the second pool rounds 11 / 2 down
    assert x.shape == (1, 10)


@pytest.mark.parametrize("padding", [0, 1])
def test_primer_spatial_size_formula(padding):
    n, k, stride = 28, 3, 1
    formula = (n - k + 2 * padding) // stride + 1
    out = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), padding=padding)
    assert out.shape[-2:] == (formula, formula)
    assert formula == {0: 26, 1: 28}[padding]
