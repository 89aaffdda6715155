"""The numbers behind the app's "View > Explain" panel: the CNN primer's ideas,
computed on the current drawing and on the network that read it.

Five parts, in the panel's order:

1. kernel playground: the primer's classic 3x3 kernels applied to the input,
   beside the network's own learned conv1 kernels;
2. step-through: how one value of a conv or max-pool feature map was made;
3. activation functions: ReLU against GELU, and how many units each silences;
4. architecture: layer tables, and the spatial-size formula;
5. saliency: which input pixels the winning class is most sensitive to.

"Convolution" here means what the primer's worked examples and torch's
``Conv2d`` compute: cross-correlation (the kernel is not flipped), stride 1,
no padding unless asked.  Section references ("primer section 3") are to
the project's CNN primer notes (its numbered SECTION headings).

``activations`` arguments accept either ``Prediction.activations`` (stage
name -> (C, H, W) numpy array) or the model's own output dict (torch
tensors with a batch of one).  Pure numpy/torch: no Qt here.
"""
from __future__ import annotations

import functools
import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from numpy.lib.stride_tricks import sliding_window_view
from torch import nn

from .network import count_parameters


# --------------------------------------------------------------------------
# 1. Kernel playground
# --------------------------------------------------------------------------

def _frozen(rows) -> np.ndarray:
    kernel = np.array(rows, dtype=np.float64)
    kernel.setflags(write=False)   # shared module constants: nobody edits them in place
    return kernel


# The primer's kernels, values exactly as printed there.
CLASSIC_KERNELS: dict[str, np.ndarray] = {
    "sobel_x": _frozen([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),       # section 3.1
    "sobel_y": _frozen([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),       # section 3.2
    "blur": _frozen([[0.1] * 3] * 3),                               # section 3.3 (0.1, not 1/9)
    "sharpen": _frozen([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),      # section 3.4
    "corner": _frozen([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),   # section 3.5
    "laplacian": _frozen([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),       # "convolution matrix computation"
}

KERNEL_LABELS: dict[str, str] = {
    "sobel_x": "Sobel x (vertical edges)",
    "sobel_y": "Sobel y (horizontal edges)",
    "blur": "Blur",
    "sharpen": "Sharpen",
    "corner": "Corner",
    "laplacian": "Laplacian",
}


def as_kernel(values, size: int = 3) -> np.ndarray:
    """``values`` (e.g. the custom kernel's edited cells) as a size x size float
    array; ValueError if it is not that shape or not all finite numbers."""
    try:
        kernel = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"a kernel must be numbers: {error}") from None
    if kernel.shape != (size, size):
        raise ValueError(f"a kernel must be {size}x{size}, not {'x'.join(map(str, kernel.shape))}")
    if not np.isfinite(kernel).all():
        raise ValueError("a kernel must hold finite numbers")
    return kernel


def apply_kernel(image, kernel, padding: int = 0) -> np.ndarray:
    """Slide ``kernel`` over ``image``: at each position, multiply element-wise
    and sum (cross-correlation, as ``F.conv2d`` and the primer's examples).

    ``padding`` zeros are added on every side first (as ``Conv2d`` pads), so a
    3x3 kernel gives 26x26 from 28x28 at padding 0 (like conv1's maps) and
    28x28 at padding 1.  Computed in float64.
    """
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("apply_kernel takes a 2-D image and a 2-D kernel")
    for axis in (0, 1):   # a clear message if the kernel does not fit
        output_size(image.shape[axis], kernel.shape[axis], padding)
    windows = sliding_window_view(np.pad(image, padding), kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, kernel)


def learned_kernels(model: nn.Module) -> np.ndarray:
    """The network's own conv1 kernels, (32, 3, 3): what it learned to look
    for in place of the hand-made kernels above.  Their maps are
    ``activations["conv1"]`` (they see the normalised input, plus a bias)."""
    weight = model.stages["conv1"].weight.detach()
    if weight.shape[1] != 1:
        raise ValueError("conv1 must read a single input channel")
    return weight[:, 0].cpu().numpy().copy()


# --------------------------------------------------------------------------
# 2. Step-through: one conv value, one max-pool value
# --------------------------------------------------------------------------

def _as_map(activations: Mapping, name: str) -> np.ndarray:
    """One stage's output as a (C, H, W) numpy array, whichever dict it came from."""
    if name not in activations:
        raise KeyError(f"no activation named {name!r}; have {', '.join(activations)}")
    value = activations[name]
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    value = np.asarray(value)
    if value.ndim == 4:
        if value.shape[0] != 1:
            raise ValueError(f"{name}: step-through explains one drawing, got a batch of {value.shape[0]}")
        value = value[0]
    if value.ndim != 3:
        raise ValueError(f"{name} is not a (channels, height, width) feature map")
    return value


def _check_position(stage: str, shape: tuple[int, ...], channel: int, row: int, col: int) -> None:
    # Negative indices would silently wrap around in numpy: refuse them.
    for what, index, size in zip(("channel", "row", "col"), (channel, row, col), shape):
        if not 0 <= index < size:
            raise IndexError(f"{stage}: {what} {index} is outside 0..{size - 1}")


def _previous_stage(names: Sequence[str], stage: str) -> str:
    """The stage whose output ``stage`` reads ("input" before the first)."""
    if stage not in names:
        raise KeyError(f"no stage named {stage!r}")
    index = list(names).index(stage)
    return names[index - 1] if index else "input"


@dataclass(frozen=True)
class ConvStep:
    """How the conv output at (channel, row, col) was made."""
    stage: str
    channel: int
    row: int
    col: int
    input_stage: str                # whose output the kernel read ("input": the normalised image)
    patch: np.ndarray               # (C_in, kh, kw) input under the kernel, 0 where it lies on padding
    in_padding: np.ndarray          # (kh, kw) True where the window lies on padding, off the input
    kernel: np.ndarray              # (C_in, kh, kw) this output channel's weights
    products: np.ndarray            # patch * kernel, element-wise
    per_channel_sums: np.ndarray    # (C_in,) products summed over each input channel's window
    top_channels: np.ndarray        # input channels, largest |per-channel sum| first
    bias: float
    total: float                    # per_channel_sums.sum() + bias
    activation: float               # the value the network computed there; equals total

    def top(self, k: int = 5) -> list[tuple[int, float]]:
        """The k largest contributions as (input channel, its sum)."""
        return [(int(c), float(self.per_channel_sums[c])) for c in self.top_channels[:k]]


def _padding(conv: nn.Conv2d) -> tuple[int, int]:
    if conv.padding == "valid":
        return 0, 0
    if conv.padding == "same":   # torch puts the odd extra on the far side
        return tuple((d * (k - 1)) // 2 for d, k in zip(conv.dilation, conv.kernel_size))
    return conv.padding


def _window(conv: nn.Conv2d, source: np.ndarray, row: int, col: int) -> tuple[np.ndarray, np.ndarray]:
    """The input values under the kernel for output (row, col), and where the
    window lies on (zero) padding rather than on the input."""
    _, height, width = source.shape
    (kh, kw), (sh, sw), (dh, dw) = conv.kernel_size, conv.stride, conv.dilation
    pad_h, pad_w = _padding(conv)
    rows = row * sh - pad_h + np.arange(kh) * dh
    cols = col * sw - pad_w + np.arange(kw) * dw
    inside = ((rows >= 0) & (rows < height))[:, None] & ((cols >= 0) & (cols < width))[None, :]
    values = source[:, np.clip(rows, 0, height - 1)[:, None], np.clip(cols, 0, width - 1)[None, :]]
    return np.where(inside, values, 0.0), ~inside


def conv_step(model: nn.Module, activations: Mapping, stage: str = "conv2",
              channel: int = 0, row: int = 0, col: int = 0) -> ConvStep:
    """Recompute one conv output value by hand, as the primer's "Convolutional
    Layers" and "Multiple Input / Output Channels" do it: for every input
    channel, the patch times the kernel, summed; then the sum over channels
    plus the bias.  For conv1 the patch comes from
    ``activations["input"]``, the normalised image the network convolves.

    Sums are taken in float64 over the network's float32 values; ``total``
    matches the network's own result to float32 rounding (about 1e-6).
    """
    conv = model.stages[stage]
    if not isinstance(conv, nn.Conv2d):
        raise ValueError(f"{stage} is a {type(conv).__name__}, not a convolution")
    if conv.groups != 1 or conv.padding_mode != "zeros":
        raise ValueError(f"{stage}: only plain convolutions (groups=1, zero padding) are explained")
    output = _as_map(activations, stage)
    _check_position(stage, output.shape, channel, row, col)
    input_stage = _previous_stage(list(model.stages), stage)
    patch, in_padding = _window(conv, _as_map(activations, input_stage).astype(np.float64), row, col)
    kernel = conv.weight.detach()[channel].cpu().double().numpy()
    bias = float(conv.bias.detach()[channel]) if conv.bias is not None else 0.0
    products = patch * kernel
    per_channel_sums = products.sum(axis=(1, 2))
    return ConvStep(
        stage=stage, channel=channel, row=row, col=col, input_stage=input_stage,
        patch=patch, in_padding=in_padding, kernel=kernel, products=products,
        per_channel_sums=per_channel_sums,
        top_channels=np.argsort(-np.abs(per_channel_sums), kind="stable"),
        bias=bias, total=float(per_channel_sums.sum() + bias),
        activation=float(output[channel, row, col]),
    )


@dataclass(frozen=True)
class PoolStep:
    """Which input value won the max-pool window behind (channel, row, col)."""
    stage: str
    channel: int
    row: int
    col: int
    input_stage: str
    window: np.ndarray          # the values pooled; smaller than size x size at a rounded-up edge
    origin: tuple[int, int]     # the window's top-left (row, col) in the input map
    partial: bool               # the window was cut by the edge (pooling "rounding up", ceil_mode)
    winner: tuple[int, int]     # (row, col) of the maximum, in the input map
    winner_value: float
    pooled: float               # the network's pooled value: equals winner_value


def pool_step(activations: Mapping, stage: str = "pool1", channel: int = 0, row: int = 0,
              col: int = 0, size: int = 2, input_stage: str | None = None) -> PoolStep:
    """Show which value won one ``size`` x ``size`` max-pool window (stride =
    size, non-overlapping, as in the network and the primer's max-pooling example).

    The pooled map is read from ``activations[stage]``, the pooled input from
    the stage before it in ``activations`` (override with ``input_stage``).
    Pools that round up (``ceil_mode``: 11 -> 6 in LetterNet's pool2) have
    partial windows along the far edges; those are reported as such.
    """
    names = list(activations)
    input_stage = input_stage or _previous_stage(names, stage)
    source, pooled = _as_map(activations, input_stage), _as_map(activations, stage)
    _check_pool_shape(stage, source.shape, pooled.shape, size)
    _check_position(stage, pooled.shape, channel, row, col)
    top, left = row * size, col * size
    window = np.array(source[channel, top:top + size, left:left + size])
    r, c = np.unravel_index(np.argmax(window), window.shape)   # first maximum, as torch keeps
    return PoolStep(
        stage=stage, channel=channel, row=row, col=col, input_stage=input_stage,
        window=window, origin=(top, left), partial=window.shape != (size, size),
        winner=(top + int(r), left + int(c)), winner_value=float(window[r, c]),
        pooled=float(pooled[channel, row, col]),
    )


def _check_pool_shape(stage: str, source_shape, pooled_shape, size: int) -> None:
    channels, height, width = source_shape
    fits = [(channels, output_size(height, size, stride=size, rounding=rounding),
             output_size(width, size, stride=size, rounding=rounding)) for rounding in ("floor", "ceil")]
    if tuple(pooled_shape) not in fits:
        raise ValueError(f"{stage} {tuple(pooled_shape)} is not a {size}x{size} max-pool "
                         f"of its input {tuple(source_shape)}")


def max_pool(feature_map, size: int = 2, ceil_mode: bool = False) -> np.ndarray:
    """Non-overlapping ``size`` x ``size`` max-pooling over the last two axes
    (the primer's example: 4x4 -> 2x2).  ``ceil_mode`` keeps the partial windows at
    the far edges (rounding up, as LetterNet's pools do) instead of dropping them."""
    x = np.asarray(feature_map)
    rounding = "ceil" if ceil_mode else "floor"
    out_h = output_size(x.shape[-2], size, stride=size, rounding=rounding)
    out_w = output_size(x.shape[-1], size, stride=size, rounding=rounding)
    out = np.empty(x.shape[:-2] + (out_h, out_w), dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            out[..., i, j] = x[..., i * size:(i + 1) * size, j * size:(j + 1) * size].max(axis=(-2, -1))
    return out


# --------------------------------------------------------------------------
# 3. Activation functions: ReLU against GELU (primer section 5)
# --------------------------------------------------------------------------

def relu(x) -> np.ndarray:
    """max(0, x): every negative input becomes exactly 0, with gradient 0."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2 (numpy has no erf; torch's is the one nn.GELU uses)."""
    return 0.5 * (1 + torch.special.erf(torch.as_tensor(x / math.sqrt(2))).numpy())


def gelu(x, approximate: str = "none") -> np.ndarray:
    """GELU(x) = x * Phi(x), Phi the standard normal CDF, Phi(x) = (1 + erf(x / sqrt 2)) / 2.

    That exact form is torch's ``nn.GELU()`` default and what LetterNet uses.
    ``approximate="tanh"`` gives the older tanh fit, which is what the
    primer's GELU tables were printed from (see :func:`gelu_table`).
    """
    x = np.asarray(x, dtype=np.float64)
    if approximate == "none":
        return x * _normal_cdf(x)
    if approximate == "tanh":
        t = torch.as_tensor(x)
        return (0.5 * t * (1 + torch.tanh(math.sqrt(2 / math.pi) * (t + 0.044715 * t ** 3)))).numpy()
    raise ValueError(f"approximate must be 'none' or 'tanh', not {approximate!r}")


def activation_curves(low: float = -3.0, high: float = 3.0, points: int = 601) -> dict[str, np.ndarray]:
    """x, ReLU(x) and GELU(x) for plotting (the primer's range is -3 to 3)."""
    xs = np.linspace(low, high, points)
    return {"x": xs, "relu": relu(xs), "gelu": gelu(xs)}


class GeluRow(NamedTuple):
    x: float
    relu: float
    gelu: float          # exact (erf) form, as the network computes it
    gelu_tanh: float     # tanh approximation, the one the primer's tables show
    relu_grad: float     # 0 for every x <= 0: the "dead neuron"
    gelu_grad: float     # Phi(x) + x * phi(x): small but not zero for negative x


# The inputs of the primer's two tables (section 5).
PRIMER_GELU_INPUTS = (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0)
PRIMER_DEAD_NEURON_INPUTS = (-2.5, -1.8, -0.3, -0.1)


def gelu_table(xs: Sequence[float] = PRIMER_GELU_INPUTS) -> list[GeluRow]:
    """The primer's ReLU/GELU comparison tables (section 5), one row per x,
    unrounded.  Rounded to 3 decimals, the ``gelu_tanh`` column is exactly
    what the primer prints; the exact ``gelu`` differs in the last digit at
    x = -2.5, -2 and 2."""
    xs = np.asarray(xs, dtype=np.float64)
    pdf = np.exp(-xs ** 2 / 2) / math.sqrt(2 * math.pi)
    columns = (xs, relu(xs), gelu(xs), gelu(xs, approximate="tanh"),
               (xs > 0).astype(np.float64), _normal_cdf(xs) + xs * pdf)
    return [GeluRow(*map(float, row)) for row in zip(*columns)]


def dead_unit_stats(pre_activation) -> dict[str, float]:
    """How many units ReLU would silence (output exactly 0) against how many
    GELU does, for the values fed to an activation stage.

    GELU is computed by torch in the values' own dtype, so for the network's
    float32 activations its zeros are exactly the zeros the network's GELU
    stage produced: where the input is 0, and below about -5.54, where
    erf(x / sqrt 2) rounds to -1 in float32 and Phi(x) becomes exactly 0.
    """
    values = pre_activation.detach().cpu() if isinstance(pre_activation, torch.Tensor) \
        else torch.as_tensor(np.asarray(pre_activation))
    with torch.no_grad():
        gelu_out = F.gelu(values)
    n = values.numel()
    relu_zero, gelu_zero = int((values <= 0).sum()), int((gelu_out == 0).sum())
    return {
        "n": n,
        "negative": int((values < 0).sum()),
        "relu_zero": relu_zero,
        "gelu_zero": gelu_zero,
        "kept_by_gelu": relu_zero - gelu_zero,    # silenced by ReLU, still signalling under GELU
        "relu_fraction": relu_zero / n if n else 0.0,
        "gelu_fraction": gelu_zero / n if n else 0.0,
    }


def dead_unit_report(activations: Mapping) -> dict[str, dict]:
    """:func:`dead_unit_stats` for every GELU stage of one drawing, keyed by the
    GELU stage; the pre-activation is the stage before it (pool1 for gelu1,
    fc1 for gelu4), named in each entry as ``input_stage``."""
    names = list(activations)
    report = {}
    for name in names:
        if name.startswith("gelu"):
            source = _previous_stage(names, name)
            value = activations[source]
            report[name] = {"input_stage": source, **dead_unit_stats(value)}
    return report


def activation_histograms(pre_activation, bins: int = 40) -> dict[str, np.ndarray]:
    """Histograms of the values before the activation and after ReLU and GELU,
    on shared bin edges so the three can be drawn on one axis."""
    before = np.asarray(pre_activation.detach().cpu() if isinstance(pre_activation, torch.Tensor)
                        else pre_activation, dtype=np.float64).ravel()
    after = {"relu": relu(before), "gelu": gelu(before)}
    low = min(before.min(initial=0.0), after["gelu"].min(initial=0.0))
    high = max(before.max(initial=0.0), 0.0)
    edges = np.histogram_bin_edges(before, bins=bins, range=(low, high if high > low else low + 1))
    counts = {name: np.histogram(values, bins=edges)[0] for name, values in after.items()}
    return {"edges": edges, "before": np.histogram(before, bins=edges)[0], **counts}


# --------------------------------------------------------------------------
# 4. Architecture
# --------------------------------------------------------------------------

def output_size(input: int, kernel: int, padding: int = 0, stride: int = 1,
                rounding: str = "exact") -> int:
    """Spatial size after a conv or pool (primer section 4):

        (input - kernel + 2 * padding) / stride + 1

    ``rounding`` says what to do when stride does not divide evenly:
    "exact" (default) raises ValueError, as the formula has no answer;
    "floor" is torch's default (the last, partial window is dropped: 11 -> 5);
    "ceil" is ``ceil_mode=True`` (it is kept: 11 -> 6), with torch's rule that
    the last window must start inside the input or its left padding.
    Raises ValueError too when the kernel does not fit at all (torch's
    ceil_mode would still give one all-partial window there; not here).
    """
    for name, value, least in (("input", input, 1), ("kernel", kernel, 1),
                               ("padding", padding, 0), ("stride", stride, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < least:
            raise ValueError(f"{name} must be a whole number >= {least}, not {value!r}")
    span = input - kernel + 2 * padding
    if span < 0:
        raise ValueError(f"a {kernel}-wide kernel does not fit in {input} + 2 x {padding} padding: "
                         f"the output size would be {span / stride + 1:g}")
    if rounding == "exact":
        if span % stride:
            raise ValueError(f"({input} - {kernel} + 2 x {padding}) / {stride} + 1 = "
                             f"{span / stride + 1:g} is not a whole number "
                             f"(rounding='floor' is torch's default, 'ceil' its ceil_mode)")
        return span // stride + 1
    if rounding == "floor":
        return span // stride + 1
    if rounding == "ceil":
        size = -(-span // stride) + 1
        if (size - 1) * stride >= input + padding:
            size -= 1
        return size
    raise ValueError(f"rounding must be 'exact', 'floor' or 'ceil', not {rounding!r}")


def _describe(stage: nn.Module) -> tuple[str, str]:
    """A layer's settings and its parameter count as the primer writes it
    ("3x3x1x32 + 32"), for the table."""
    if isinstance(stage, nn.Conv2d):
        (kh, kw), c_in, c_out = stage.kernel_size, stage.in_channels, stage.out_channels
        extra = "" if stage.padding in ((0, 0), "valid") else f", padding {stage.padding}"
        extra += "" if stage.stride == (1, 1) else f", stride {stage.stride}"
        return f"{kh}x{kw} kernels, {c_in}->{c_out} channels{extra}", f"{kh}x{kw}x{c_in}x{c_out} + {c_out}"
    if isinstance(stage, nn.MaxPool2d):
        rounds = ", rounds up" if stage.ceil_mode else ""
        return f"{stage.kernel_size}x{stage.kernel_size} max, stride {stage.stride}{rounds}", ""
    if isinstance(stage, nn.Linear):
        return f"{stage.in_features}->{stage.out_features}", \
            f"{stage.in_features}x{stage.out_features} + {stage.out_features}"
    return "", ""


def architecture_table(model: nn.Module, size: int = 28) -> list[dict]:
    """One row per stage: name, type, output_shape (C, H, W or features),
    parameters, detail, formula; the first row is the input.

    Shapes come from running one blank image through the stages, so the table
    is true for any model with a ``stages`` dict (or an ``nn.Sequential``),
    even one on the meta device (no memory, shapes only).
    """
    stages = model.stages.items() if hasattr(model, "stages") else model.named_children()
    device = next(model.parameters()).device
    x = torch.zeros(1, 1, size, size, device=device)
    rows = [{"name": "input", "type": "Input", "output_shape": (1, size, size),
             "parameters": 0, "detail": "", "formula": ""}]
    with torch.no_grad():
        for name, stage in stages:
            x = stage(x)
            detail, formula = _describe(stage)
            rows.append({"name": name, "type": type(stage).__name__, "output_shape": tuple(x.shape[1:]),
                         "parameters": count_parameters(stage), "detail": detail, "formula": formula})
    return rows


def primer_digit_net(device: str | torch.device | None = None) -> nn.Sequential:
    """The primer's digit classifier (section 6), as designed there: two conv
    blocks (conv, ReLU, pool rounding down), FC 128, 10 classes, softmax."""
    with torch.device(device or "cpu"):
        return nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(1, 32, 3)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(32, 64, 3)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()), ("fc1", nn.Linear(1600, 128)), ("relu3", nn.ReLU()),
            ("fc2", nn.Linear(128, 10)), ("softmax", nn.Softmax(dim=1)),
        ]))


@functools.cache
def primer_digit_table() -> list[dict]:
    """The primer's digit classifier as an :func:`architecture_table`
    (parameters 320, 18,496, 204,928 and 1,290: 225,034 in all).  Built
    on the meta device, so no weights are initialised and torch's random
    state is left alone; computed on first use, not at import, because a
    meta-device forward pass loads torch._dynamo (about a second).  Shared
    between callers: read it, don't change it."""
    return architecture_table(primer_digit_net("meta"))


# --------------------------------------------------------------------------
# 5. Saliency
# --------------------------------------------------------------------------

def _logit_stage(model: nn.Module) -> str:
    names = list(model.stages)
    if not isinstance(model.stages[names[-1]], nn.LogSoftmax):
        raise ValueError("saliency expects the model to end in a log-softmax stage")
    return names[-2]


def saliency(model: nn.Module, image, class_index: int | None = None,
             target: str = "logit") -> np.ndarray:
    """|d score / d pixel| over the (28, 28) input image, scaled to [0, 1]:
    the pixels where a small change of ink would most change the class.

    The score is the chosen class's (default: the top class's) *logit*, the
    value fed to log-softmax.  Its log-probability (``target="log_prob"``)
    also works but saturates: for a confident reading (p near 1, the usual
    case) its gradient shrinks towards 0 and what survives the scaling is
    mostly the pull of the runner-up classes.

    One forward and one backward pass.  The model is left as it was: the
    gradient is taken with ``torch.autograd.grad`` for a copy of the image
    only, so no parameter's ``.grad`` is touched.  Works when called from
    inside ``torch.inference_mode()`` or ``no_grad()``.  The model must be in
    eval mode (a training-mode BatchNorm would update its statistics).
    """
    if model.training:
        raise ValueError("saliency needs the model in eval mode")
    if target not in ("logit", "log_prob"):
        raise ValueError(f"target must be 'logit' or 'log_prob', not {target!r}")
    device = next(model.parameters()).device
    # Inference tensors cannot join autograd; a copy made outside inference mode can.
    with torch.inference_mode(False), torch.enable_grad():
        if isinstance(image, torch.Tensor):
            x = image.detach().to(device=device, dtype=torch.float32).clone()
        else:
            x = torch.tensor(np.asarray(image, dtype=np.float32), device=device)
        x = x.reshape(1, 1, *x.shape[-2:]).requires_grad_(True)
        log_probs, activations = model(x)
        index = int(log_probs[0].argmax()) if class_index is None else int(class_index)
        scores = activations[_logit_stage(model)] if target == "logit" else log_probs
        (gradient,) = torch.autograd.grad(scores[0, index], x)
    magnitude = gradient[0, 0].abs().cpu().numpy()
    peak = magnitude.max()
    return magnitude / peak if peak > 0 else magnitude
