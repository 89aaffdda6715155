"""One step of learning on one drawing: the numbers behind Explain ▸ Backward.

The CNN primer ends with how gradients flow back through a convolution:

* the gradient of a kernel weight is the sum, over every output position,
  of the input value under that weight times the output's gradient there:

      dL/dw[o, i, ky, kx] = sum over (y, x) of input[i, y + ky, x + kx] * dL/dout[o, y, x]

  ("out" is the conv's own output, before pooling and GELU);
* the gradient of an input pixel sums the kernel weights that touched it,
  each times the output gradient where it touched it.

:func:`backward_pass` runs the network forward and back on one image with
autograd; :func:`weight_gradient_step` and :func:`input_gradient_step` redo
one gradient by hand from its pieces, to be checked against autograd.
:func:`sgd_step` applies one plain SGD step to a *copy* of the network.

Gradients are taken in eval mode (a BatchNorm uses its running statistics),
on the one view of the drawing the app reads, and never touch the model's
parameters or their ``.grad``.  Pure numpy/torch: no Qt here.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .explain import learned_kernels
from .network import CLASSES

DEFAULT_LEARNING_RATE = 0.01     # a step that visibly moves one drawing's reading without wrecking it


@dataclass(frozen=True)
class BackwardPass:
    """One forward and backward pass of one image with loss -log p(label)."""
    label: int
    loss: float                             # -log p(label)
    probabilities: np.ndarray               # (classes,) of this one view
    input_stages: dict[str, str]            # conv stage -> the stage it read ("input": the normalised image)
    conv_inputs: dict[str, np.ndarray]      # conv stage -> (C_in, H, W) what it read
    output_gradients: dict[str, np.ndarray]     # conv stage -> (C_out, H', W') dL/d(its output)
    weight_gradients: dict[str, np.ndarray]     # conv stage -> (C_out, C_in, kh, kw), by autograd
    weights: dict[str, np.ndarray]              # conv stage -> its weights, (C_out, C_in, kh, kw)
    input_gradients: dict[str, np.ndarray]      # conv stage -> (C_in, H, W) dL/d(what it read), by autograd

    @property
    def letter(self) -> str:
        return CLASSES[self.label] if self.label < len(CLASSES) else str(self.label)


@dataclass(frozen=True)
class WeightGradientStep:
    """dL/dw[out_channel, in_channel, ky, kx], by hand: the sum of products of
    the input values under that weight with the output gradients."""
    stage: str
    out_channel: int
    in_channel: int
    ky: int
    kx: int
    inputs: np.ndarray          # (H', W') input[in_channel, y + ky, x + kx] for every output position (y, x)
    output_gradient: np.ndarray     # (H', W') dL/dout[out_channel, y, x]
    products: np.ndarray        # inputs * output_gradient
    total: float                # products.sum(), in float64
    autograd: float             # the same gradient, as torch computed it

    @property
    def difference(self) -> float:
        return self.total - self.autograd


@dataclass(frozen=True)
class InputGradientStep:
    """dL/d(input[in_channel, row, col]) by hand: every kernel weight that
    touched that input value, times the output gradient where it did."""
    stage: str
    in_channel: int
    row: int
    col: int
    weights: np.ndarray         # (C_out, kh, kw) w[o, in_channel, ky, kx]
    output_gradient: np.ndarray     # (C_out, kh, kw) dL/dout[o, y, x] at the output the weight made there; 0 if none
    products: np.ndarray        # weights * output_gradient
    per_channel_sums: np.ndarray    # (C_out,)
    total: float
    autograd: float

    @property
    def difference(self) -> float:
        return self.total - self.autograd


@dataclass(frozen=True)
class SgdStep:
    """One SGD step on one drawing, taken by a copy of the network."""
    model: nn.Module            # the copy, after the step
    label: int
    learning_rate: float
    loss_before: float
    loss_after: float
    probabilities_before: np.ndarray
    probabilities_after: np.ndarray
    kernels_before: np.ndarray  # conv1's (32, 3, 3)
    kernels_after: np.ndarray


def conv_stages(model: nn.Module) -> list[str]:
    """The names of the model's convolutions, in order."""
    return [name for name, stage in model.stages.items() if isinstance(stage, nn.Conv2d)]


def _image_batch(model: nn.Module, image) -> torch.Tensor:
    device = next(model.parameters()).device
    x = torch.tensor(np.asarray(image, dtype=np.float32), device=device)
    if x.dim() != 2:
        raise ValueError(f"backward takes one (height, width) image, not shape {tuple(x.shape)}")
    return x[None, None]


def _check_label(label: int, classes: int) -> int:
    if not isinstance(label, (int, np.integer)) or isinstance(label, bool) or not 0 <= label < classes:
        raise ValueError(f"the label must be a class index 0..{classes - 1}, not {label!r}")
    return int(label)


def _forward_and_loss(model: nn.Module, image, label: int | None):
    """log-probabilities, activations, the label (default: the reading) and the loss, with autograd on."""
    x = _image_batch(model, image).requires_grad_(True)
    log_probs, activations = model(x)
    label = int(log_probs[0].argmax()) if label is None else _check_label(label, log_probs.shape[1])
    return log_probs, activations, label, -log_probs[0, label]


def backward_pass(model: nn.Module, image, label: int | None = None) -> BackwardPass:
    """Read ``image`` (28x28 in [0, 1], as ``model.render`` makes it) and take
    the gradient of -log p(``label``) (default: the letter it reads as) with
    respect to every conv's weights, output and input.

    The model must be in eval mode; it is left untouched (``autograd.grad``,
    no ``.grad`` written).  Works inside ``inference_mode`` or ``no_grad``.
    """
    if model.training:
        raise ValueError("backward_pass needs the model in eval mode (no batch statistics)")
    stages = conv_stages(model)
    names = list(model.stages)
    with torch.inference_mode(False), torch.enable_grad():
        log_probs, activations, label, loss = _forward_and_loss(model, image, label)
        sources = {s: names[names.index(s) - 1] if names.index(s) else "input" for s in stages}
        reads = [activations[sources[s]] for s in stages]
        outputs = [activations[s] for s in stages]
        weights = [model.stages[s].weight for s in stages]
        gradients = torch.autograd.grad(loss, [*weights, *outputs, *reads])
    count = len(stages)
    weight_grads, output_grads, input_grads = gradients[:count], gradients[count:2 * count], gradients[2 * count:]
    return BackwardPass(
        label=label, loss=float(loss.detach()),
        probabilities=log_probs.detach()[0].exp().cpu().numpy(),
        input_stages=sources, conv_inputs=_by_stage(stages, reads, batch=True),
        output_gradients=_by_stage(stages, output_grads, batch=True),
        weight_gradients=_by_stage(stages, weight_grads), weights=_by_stage(stages, weights),
        input_gradients=_by_stage(stages, input_grads, batch=True),
    )


def _by_stage(stages: list[str], tensors, batch: bool = False) -> dict[str, np.ndarray]:
    """Stage name -> a numpy copy of its tensor; ``batch``: of its one image's part."""
    return {stage: (t.detach()[0] if batch else t.detach()).cpu().numpy().copy() for stage, t in zip(stages, tensors)}


def _check_index(stage: str, what: str, index: int, size: int) -> None:
    if not isinstance(index, (int, np.integer)) or not 0 <= index < size:
        raise IndexError(f"{stage}: {what} {index} is outside 0..{size - 1}")


def _stage_of(backward: BackwardPass, stage: str) -> None:
    if stage not in backward.weights:
        raise KeyError(f"no convolution named {stage!r}; have {', '.join(backward.weights)}")


def weight_gradient_step(backward: BackwardPass, stage: str, out_channel: int, in_channel: int,
                         ky: int, kx: int) -> WeightGradientStep:
    """dL/dw[out_channel, in_channel, ky, kx] of ``stage`` by hand: the input
    window the weight slid over (input[in_channel, y + ky, x + kx] for each
    output position), times the output gradient there, summed in float64.

    For stride 1 and no padding, as LetterNet's convs are: the window then
    is the output's size, shifted by (ky, kx).
    """
    _stage_of(backward, stage)
    out_channels, in_channels, kh, kw = backward.weights[stage].shape
    for what, index, size in (("output channel", out_channel, out_channels), ("input channel", in_channel,
                              in_channels), ("kernel row", ky, kh), ("kernel column", kx, kw)):
        _check_index(stage, what, index, size)
    output_gradient = backward.output_gradients[stage][out_channel].astype(np.float64)
    height, width = output_gradient.shape
    source = backward.conv_inputs[stage][in_channel].astype(np.float64)
    if source.shape != (height + kh - 1, width + kw - 1):
        raise ValueError(f"{stage}: only stride-1 convolutions without padding are explained")
    inputs = source[ky:ky + height, kx:kx + width]
    products = inputs * output_gradient
    return WeightGradientStep(
        stage=stage, out_channel=out_channel, in_channel=in_channel, ky=ky, kx=kx,
        inputs=inputs, output_gradient=output_gradient,
        products=products, total=float(products.sum()),
        autograd=float(backward.weight_gradients[stage][out_channel, in_channel, ky, kx]),
    )


def input_gradient_step(backward: BackwardPass, stage: str, in_channel: int, row: int, col: int) -> InputGradientStep:
    """dL/d(what ``stage`` read)[in_channel, row, col] by hand: for every output
    channel o and kernel cell (ky, kx), the weight w[o, in_channel, ky, kx]
    touched this value when it made output (row - ky, col - kx); the
    gradient is the sum of those weights times those outputs' gradients."""
    _stage_of(backward, stage)
    out_channels, in_channels, kh, kw = backward.weights[stage].shape
    _, height, width = backward.conv_inputs[stage].shape
    for what, index, size in (("input channel", in_channel, in_channels), ("row", row, height),
                              ("column", col, width)):
        _check_index(stage, what, index, size)
    output = backward.output_gradients[stage].astype(np.float64)
    out_rows = row - np.arange(kh)
    out_cols = col - np.arange(kw)
    touched = ((out_rows >= 0) & (out_rows < output.shape[1]))[:, None] & \
        ((out_cols >= 0) & (out_cols < output.shape[2]))[None, :]
    gathered = output[:, np.clip(out_rows, 0, output.shape[1] - 1)[:, None],
                      np.clip(out_cols, 0, output.shape[2] - 1)[None, :]]
    output_gradient = np.where(touched, gathered, 0.0)
    weights = backward.weights[stage][:, in_channel].astype(np.float64)
    products = weights * output_gradient
    per_channel_sums = products.sum(axis=(1, 2))
    return InputGradientStep(
        stage=stage, in_channel=in_channel, row=row, col=col, weights=weights,
        output_gradient=output_gradient, products=products, per_channel_sums=per_channel_sums,
        total=float(per_channel_sums.sum()),
        autograd=float(backward.input_gradients[stage][in_channel, row, col]),
    )


def sgd_step(model: nn.Module, image, label: int, learning_rate: float = DEFAULT_LEARNING_RATE) -> SgdStep:
    """One plain SGD step, w <- w - learning_rate * dL/dw for every parameter,
    on a deep copy of ``model``: the model passed in is never changed.
    Loss -log p(``label``) of ``image``, in eval mode, as :func:`backward_pass`."""
    if not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"the step size must be a positive number, not {learning_rate!r}")
    if model.training:
        raise ValueError("sgd_step needs the model in eval mode (no batch statistics)")
    learner = copy.deepcopy(model)
    parameters = [p for p in learner.parameters() if p.requires_grad]
    with torch.inference_mode(False), torch.enable_grad():
        log_probs, _, label, loss = _forward_and_loss(learner, image, label)
        gradients = torch.autograd.grad(loss, parameters)
    kernels_before = learned_kernels(learner)
    with torch.no_grad():
        for parameter, gradient in zip(parameters, gradients):
            parameter.sub_(learning_rate * gradient)
        log_probs_after, _ = learner(_image_batch(learner, image))
    return SgdStep(
        model=learner, label=label, learning_rate=float(learning_rate),
        loss_before=float(loss.detach()), loss_after=float(-log_probs_after[0, label]),
        probabilities_before=log_probs.detach()[0].exp().cpu().numpy(),
        probabilities_after=log_probs_after[0].exp().cpu().numpy(),
        kernels_before=kernels_before, kernels_after=learned_kernels(learner),
    )
