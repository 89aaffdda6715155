"""The saliency overlay: where on the pad the ink pushed the network towards its letter."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QTransform

import model

FLOOR = 0.12          # saliency below this share of the peak is left untinted
MAX_ALPHA = 215
# Raw pixel gradients are speckled (neighbouring pixels often differ 5-fold);
# a light binomial blur shows the regions they point at.
SMOOTHING = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16


def smoothed(saliency: np.ndarray) -> np.ndarray:
    """The saliency map lightly blurred (same size), rescaled to a peak of 1."""
    blurred = model.apply_kernel(saliency, SMOOTHING, padding=1)
    peak = blurred.max()
    return blurred / peak if peak > 0 else blurred


def heat_rgba(saliency: np.ndarray) -> np.ndarray:
    """(H, W) saliency in [0, 1] -> (H, W, 4) uint8, warm and translucent:
    pale yellow where weak, deep red where strong; alpha grows with it."""
    s = np.clip((np.asarray(saliency, np.float64) - FLOOR) / (1.0 - FLOOR), 0.0, 1.0)
    rgba = np.empty(s.shape + (4,), np.uint8)
    rgba[..., 0] = 255
    rgba[..., 1] = np.round(215 - 175 * s)
    rgba[..., 2] = np.round(60 * (1 - s))
    rgba[..., 3] = np.round(MAX_ALPHA * s ** 0.7)
    return rgba


def saliency_overlay(recognizer, prediction, strokes, size: QSize) -> QImage | None:
    """A translucent QImage of ``size`` to lay over the pad, or None.

    The saliency map is |d top-class logit / d input pixel| (``model.saliency``)
    on the 28×28 input, lightly blurred for display.  The rasterizer's own framing (``model.frame_transform``)
    says where each input pixel lies on the pad, so the heat lands on the strokes
    that made it."""
    if recognizer is None or prediction is None or not strokes or size.isEmpty():
        return None
    try:
        scale, offset = model.frame_transform(strokes, recognizer.checkpoint.raster)
    except ValueError:
        return None
    if scale <= 0:                # a dot: there is no framing to invert
        return None
    heat = heat_rgba(smoothed(model.saliency(recognizer.model, prediction.image)))
    height, width = heat.shape[:2]
    small = QImage(heat.data, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    # input = pad * scale + offset, so pad = (input - offset) / scale
    painter.setTransform(QTransform(1 / scale, 0, 0, 1 / scale, -offset[0] / scale, -offset[1] / scale))
    painter.drawImage(QRectF(0, 0, width, height), small)
    painter.end()
    return image
