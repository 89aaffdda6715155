"""The reader the app uses: a loaded checkpoint that reads one drawing at a
time, with every activation, or many at once, for their letters only."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .checkpoint import Checkpoint, CheckpointError, load_checkpoint
from .data import Dataset
from .evaluation import ONE_VIEW, READ_VIEWS, Views, predict_log_probs
from .ink import Ink, InkBatch, render, render_batch
from .network import CLASSES, COMPARISON_ONLY, count_parameters
from .paths import SHIPPED_WEIGHTS
from .training import HELD_OUT_LETTERS


@dataclass
class Prediction:
    image: np.ndarray                    # (28, 28) network input in [0, 1]
    probabilities: np.ndarray            # (26,) sums to 1
    activations: dict[str, np.ndarray]   # stage name -> output for this drawing (view 0: the drawing itself)
    elapsed_ms: float                    # render + forward
    views: int = 1                       # how many views the probabilities average

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        order = np.argsort(-self.probabilities)[:k]
        return [(CLASSES[i], float(self.probabilities[i])) for i in order]


class Recognizer:
    def __init__(self, checkpoint: Checkpoint, source: str = ""):
        self.checkpoint = checkpoint
        self.source = source
        # Channels-last convolutions are markedly faster on the CPU.
        self.model = checkpoint.model.eval().to(memory_format=torch.channels_last)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "Recognizer":
        """The checkpoint at ``path`` (the shipped one by default).
        Raises :class:`CheckpointError` for an unusable file."""
        path = SHIPPED_WEIGHTS if path is None else path
        checkpoint = load_checkpoint(path)
        if checkpoint.arch in COMPARISON_ONLY:
            raise CheckpointError(f"{path}: the {checkpoint.arch!r} network is there to be compared with the CNN "
                                  f"(View ▸ Explain ▸ Why convolutions), not to read with: open a LetterNet file")
        return cls(checkpoint, str(path))

    def validated_on_training_writers(self) -> bool:
        """The recorded accuracy was measured on held-out letters of sets that
        name no writers: their writers trained too, so it is no figure for new ones."""
        return self.checkpoint.meta.get("val_data") == HELD_OUT_LETTERS

    def describe(self) -> str:
        parts = [self.checkpoint.arch, f"{count_parameters(self.model):,} parameters"]
        meta = self.checkpoint.meta
        if meta.get("val_accuracy") is not None:
            held_out = meta.get("val_data")
            if isinstance(held_out, dict):
                names = ", ".join(Path(name).stem.removesuffix("_strokes") for name in held_out)
            else:       # part of the training data: new writers, or only new letters where none are named
                names = "held-out letters" if self.validated_on_training_writers() else "held-out writers"
            # Two decimals: one would round 97.48 % up to a 97.5 % the file does not reach.
            # Training validates one view of each drawing; the app may read a finished one from more.
            parts.append(f"{meta['val_accuracy']:.2%} on {names} (one view)")
        return " · ".join(parts)

    @torch.inference_mode()
    def predict(self, ink: Ink, views: Views = ONE_VIEW) -> Prediction:
        """Read one drawing, from ``views`` of it in one forward pass (the
        activations are those of the drawing itself).  Raises ``ValueError``
        for empty or invalid ink."""
        started = time.perf_counter()
        image = render(ink, self.checkpoint.raster)
        x = torch.from_numpy(image)[None]
        if views.count > 1:
            x = torch.cat([x, views.copies(lambda n, augment, rng: render_batch(
                InkBatch.from_inks([ink] * n), self.checkpoint.raster, augment, rng))])
        return self._read(image, x, started)

    @torch.inference_mode()
    def read_image(self, image: np.ndarray) -> Prediction:
        """Read a (size, size) input image as it is, one view, with every
        activation: an image changed after rendering (moved by ``shift_image``)."""
        image = np.ascontiguousarray(image, dtype=np.float32)
        size = self.checkpoint.raster.size
        if image.shape != (size, size):
            raise ValueError(f"this network reads {size}x{size} images, not {'x'.join(map(str, image.shape))}")
        return self._read(image, torch.from_numpy(image)[None], time.perf_counter())

    def _read(self, image: np.ndarray, x: torch.Tensor, started: float) -> Prediction:
        """The Prediction for ``image`` from its views ``x`` (view 0: the image itself)."""
        views = len(x)
        log_probs, activations = self.model(x.unsqueeze(1).contiguous(memory_format=torch.channels_last))
        probabilities = log_probs.exp().numpy()
        # Index the numpy views, not the tensors: a numpy view costs a fraction
        # of a torch op, and there is one per activation.
        return Prediction(
            image=image,
            probabilities=probabilities[0] if views == 1 else probabilities.mean(axis=0),
            activations={name: a.numpy()[0] for name, a in activations.items()},  # views, no copies
            elapsed_ms=(time.perf_counter() - started) * 1000,
            views=views,
        )

    def read_letters(self, drawings: Dataset, indices, views: Views = READ_VIEWS) -> np.ndarray:
        """The letter (an index into CLASSES) that each drawing of
        ``drawings`` at ``indices`` reads as, in batches, as the app reads a
        finished drawing: for searching a data set.  On one thread, one view
        reads Chars74K's 2,860 letters in 0.7 s; :meth:`predict`, one at a
        time and with every activation, takes 3.6 s."""
        chosen = drawings.subset(np.asarray(indices, dtype=np.int64))
        return predict_log_probs(self.model, chosen, self.checkpoint.raster, batch_size=256,
                                 views=views).argmax(axis=1)

    def first_misread(self, drawings: Dataset, indices, views: Views = READ_VIEWS,
                      batch_size: int = 256) -> tuple[int, int] | None:
        """The first drawing of ``indices``, in their order, that reads as
        another letter than its label, and that reading; None if every one
        reads as labelled.  Reads a batch at a time and stops at the first
        batch with a misread, so a near one costs one batch."""
        indices = np.asarray(indices, dtype=np.int64)
        for start in range(0, len(indices), batch_size):
            batch = indices[start:start + batch_size]
            letters = self.read_letters(drawings, batch, views)
            wrong = np.flatnonzero(letters != drawings.labels[batch])
            if len(wrong):
                return int(batch[wrong[0]]), int(letters[wrong[0]])
        return None
