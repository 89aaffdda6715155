"""The networks: Bert Hubert's letters CNN ("Hello Deep Learning"), in PyTorch,
and the flat network of the chapters before convolutions, kept to compare.

    input 1x28x28
    conv 3x3 1->32   -> 32x26x26, max-pool 2 -> 32x13x13, GELU
    conv 3x3 32->64  -> 64x11x11, max-pool 2 (rounding up) -> 64x6x6, GELU
    conv 3x3 64->128 -> 128x4x4,  max-pool 2 -> 128x2x2, GELU
    flatten 512 -> linear 64, GELU -> linear 128, GELU -> linear 26 -> log-softmax

137,178 parameters.  One forward pass returns the log-probabilities *and*
every intermediate activation by name, so the app shows what the network
computed rather than recomputing it.
"""
from __future__ import annotations

import string
from typing import Callable

import numpy as np
import torch
from torch import nn

CLASSES = tuple(string.ascii_lowercase)   # label 0 = 'a' ... 25 = 'z', case folded

# Hubert's input normalisation; a trained checkpoint stores its own.
DEFAULT_INPUT_MEAN = 0.172575
DEFAULT_INPUT_STD = 0.25


class StagedNet(nn.Module):
    """A network run as named stages in order (``self.stages``), whose forward
    pass returns every stage's output by name as well as the log-probabilities."""

    def __init__(self, input_mean: float, input_std: float):
        super().__init__()
        # Buffers, not parameters: saved with the weights, never trained.
        self.register_buffer("input_mean", torch.tensor(float(input_mean)))
        self.register_buffer("input_std", torch.tensor(float(input_std)))

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """images: (N, 28, 28) or (N, 1, 28, 28) in [0, 1], white ink on black.

        Returns (log_probs (N, classes), {stage name: its output}).
        """
        if images.dim() == 3:
            images = images.unsqueeze(1)
        x = (images - self.input_mean) / self.input_std
        activations = {"input": x}
        for name, stage in self.stages.items():
            x = stage(x)
            activations[name] = x
        return x, activations


class LetterNet(StagedNet):
    """Three conv blocks (conv, max-pool, GELU) and three linear layers."""

    def __init__(self, input_mean: float = DEFAULT_INPUT_MEAN, input_std: float = DEFAULT_INPUT_STD,
                 num_classes: int = len(CLASSES), batch_norm: bool = False):
        super().__init__(input_mean, input_std)
        # Named stages, in order; their outputs are the activations the app shows.
        stages = {
            "conv1": nn.Conv2d(1, 32, 3),
            "pool1": nn.MaxPool2d(2, ceil_mode=True),
            "gelu1": nn.GELU(),
            "conv2": nn.Conv2d(32, 64, 3),
            "pool2": nn.MaxPool2d(2, ceil_mode=True),   # 11 -> 6: rounds up
            "gelu2": nn.GELU(),
            "conv3": nn.Conv2d(64, 128, 3),
            "pool3": nn.MaxPool2d(2, ceil_mode=True),
            "gelu3": nn.GELU(),
            "flatten": nn.Flatten(),
            "fc1": nn.Linear(512, 64),
            "gelu4": nn.GELU(),
            "fc2": nn.Linear(64, 128),
            "gelu5": nn.GELU(),
            "fc3": nn.Linear(128, num_classes),
            "log_softmax": nn.LogSoftmax(dim=1),
        }
        if batch_norm:
            # Training aid only: a BatchNorm after each conv speeds up and
            # steadies training; fold_batch_norm() removes it again.
            with_norm = {}
            for name, stage in stages.items():
                with_norm[name] = stage
                if isinstance(stage, nn.Conv2d):
                    with_norm["norm" + name.removeprefix("conv")] = nn.BatchNorm2d(stage.out_channels)
            stages = with_norm
        self.stages = nn.ModuleDict(stages)

    def fold_batch_norm(self) -> "LetterNet":
        """The plain network computing the same function (in eval mode): each
        BatchNorm's scale and shift folded into the conv before it."""
        plain = LetterNet(float(self.input_mean), float(self.input_std), self.stages["fc3"].out_features)
        plain.load_state_dict(self.plain_state_dict())
        return plain.eval()

    @torch.no_grad()
    def plain_state_dict(self) -> dict[str, torch.Tensor]:
        """The weights of :meth:`fold_batch_norm`'s network, as new tensors
        (never views of this network's): what training would hand back now.
        Without BatchNorm, a copy of this network's own.  Computed in NumPy,
        on one thread: a snapshot taken on a busy machine's training thread
        must not wait for torch's worker threads (tens of ms each time)."""
        state = {name: tensor.detach().cpu().numpy() for name, tensor in self.state_dict().items()}
        plain = {"input_mean": state["input_mean"], "input_std": state["input_std"]}
        for name, stage in self.stages.items():
            if not isinstance(stage, (nn.Conv2d, nn.Linear)):
                continue
            weight, bias = state[f"stages.{name}.weight"], state[f"stages.{name}.bias"]
            norm_name = "norm" + name.removeprefix("conv")
            if isinstance(stage, nn.Conv2d) and norm_name in self.stages:
                norm = f"stages.{norm_name}"
                scale = state[f"{norm}.weight"] / np.sqrt(state[f"{norm}.running_var"]
                                                          + np.float32(self.stages[norm_name].eps))
                weight = weight * scale[:, None, None, None]
                bias = (bias - state[f"{norm}.running_mean"]) * scale + state[f"{norm}.bias"]
            plain[f"stages.{name}.weight"], plain[f"stages.{name}.bias"] = weight, bias
        return {name: torch.from_numpy(np.array(array, order="C")) for name, array in plain.items()}


class FlatNet(StagedNet):
    """The fully connected network of "Hello Deep Learning" before convolutions:

        input 1x28x28, flatten 784 -> linear 128, GELU -> linear 64, GELU -> linear 26 -> log-softmax

    110,426 parameters.  Every weight of fc1 belongs to one pixel, so a drawing
    moved by a few pixels meets other weights; it is shipped only to show that
    beside LetterNet, never as the reader."""

    def __init__(self, input_mean: float = DEFAULT_INPUT_MEAN, input_std: float = DEFAULT_INPUT_STD,
                 num_classes: int = len(CLASSES), batch_norm: bool = False, size: int = 28):
        # batch_norm: the recipe puts one after each conv; this network has none.
        super().__init__(input_mean, input_std)
        self.stages = nn.ModuleDict({
            "flatten": nn.Flatten(),
            "fc1": nn.Linear(size * size, 128),
            "gelu1": nn.GELU(),
            "fc2": nn.Linear(128, 64),
            "gelu2": nn.GELU(),
            "fc3": nn.Linear(64, num_classes),
            "log_softmax": nn.LogSoftmax(dim=1),
        })

    def fold_batch_norm(self) -> "FlatNet":
        """Itself: no conv, so training added no BatchNorm to fold."""
        return self.eval()


# Checkpoints name their architecture; new ones register here.  (A 1.5x wider
# variant was tried and read new writers no better: on held-out UNIPEN labs
# 95.91% and 95.92% over two seeds, against 95.88% and 95.95%; docs/experiments.md.)
ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {"letternet": LetterNet, "flat": FlatNet}
COMPARISON_ONLY = frozenset({"flat"})     # never the app's reader (Recognizer.load refuses them)


def build_model(arch: str = "letternet", **kwargs) -> nn.Module:
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[arch](**kwargs)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def layer_table(model: nn.Module, size: int = 28) -> list[dict]:
    """Each stage's type, output shape and parameter count, found by running
    one blank image through the model (so it is true for any architecture)."""
    with torch.no_grad():
        _, activations = model(torch.zeros(1, size, size))
    stages = dict(model.stages.items())
    table = []
    for name, out in activations.items():
        stage = stages.get(name)
        table.append({
            "name": name,
            "type": type(stage).__name__ if stage is not None else "Input",
            "output_shape": tuple(out.shape[1:]),
            "parameters": count_parameters(stage) if stage is not None else 0,
        })
    return table


def non_finite_weight(state: dict) -> str | None:
    """The name of the first floating-point tensor of a state dict holding
    NaN or infinity (a diverged run's, or damaged weights), or None."""
    return next((name for name, tensor in state.items()
                 if tensor.is_floating_point() and not torch.isfinite(tensor).all()), None)
