"""A run's conv1 kernels as an animated GIF, for a teacher's slide: each
frame shows the kernels at one moment of the run, the drawing on the pad as
the network sees it, and that moment's reading of it.

Qt draws each frame; Pillow writes the GIF, a format Qt reads but cannot write.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

import model
from gui.feature_maps import COLOR_MAP
from gui.watching import moment_text

FRAME_SIZE = (760, 380)
MAX_FRAMES = 120             # a longer time-lapse is sampled evenly; the first and last are kept
FRAME_MS = 150               # as the Retrain dialog plays it
LAST_FRAME_MS = 2000         # the trained kernels stay a while before the loop starts again
TOP_LETTERS = 5
BACKGROUND, INK, BAR = QColor("#ffffff"), QColor("#202020"), QColor("#2b7de0")


def frame_indices(count: int, limit: int = MAX_FRAMES) -> list[int]:
    """At most ``limit`` indices of ``count`` moments, evenly spread, first and last included."""
    if count <= limit:
        return list(range(count))
    return sorted({round(i * (count - 1) / (limit - 1)) for i in range(limit)})


def colour_image(values: np.ndarray, levels: tuple[float, float]) -> QImage:
    """``values`` (H, W) in the app's diverging colours, ``levels`` at its ends."""
    low, high = levels
    scaled = np.clip((values - low) / max(high - low, 1e-12), 0, 1)
    rgba = np.ascontiguousarray(COLOR_MAP.map(scaled.ravel(), mode="byte").reshape(*values.shape, 4))
    return QImage(rgba.data, values.shape[1], values.shape[0], 4 * values.shape[1],
                  QImage.Format.Format_RGBA8888).copy()      # a copy: the array goes when this returns


def kernel_grid(kernels: np.ndarray, columns: int = 8) -> np.ndarray:
    """(C, k, k) kernels tiled in ``columns``, a NaN gap between them (drawn as the background)."""
    count, k, _ = kernels.shape
    rows = -(-count // columns)
    grid = np.full((rows * (k + 1) - 1, columns * (k + 1) - 1), np.nan, np.float32)
    for i, kernel in enumerate(kernels):
        r, c = divmod(i, columns)
        grid[r * (k + 1):r * (k + 1) + k, c * (k + 1):c * (k + 1) + k] = kernel
    return grid


def render_frame(snapshot: model.Snapshot, batches: int, kernels: np.ndarray,
                 prediction: model.Prediction | None) -> QImage:
    """One frame: the kernels (each on its own symmetric scale, so that the
    shape of every one shows, from the first random ones to the edge
    detectors they become), the input, the letters."""
    image = QImage(*FRAME_SIZE, QImage.Format.Format_RGB32)
    image.fill(BACKGROUND)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(INK)
    font = QFont()
    font.setPixelSize(17)
    painter.setFont(font)
    painter.drawText(QRectF(16, 8, FRAME_SIZE[0] - 32, 26), Qt.AlignmentFlag.AlignLeft,
                     f"conv1 kernels at {moment_text(snapshot, batches)}")
    bounds = np.abs(kernels).max(axis=(1, 2), keepdims=True)
    grid = kernel_grid(kernels / np.where(bounds > 0, bounds, 1.0))
    painted = colour_image(np.nan_to_num(grid, nan=0.0), (-1.0, 1.0))
    tiles = QRectF(16, 44, 440, 440 * grid.shape[0] / grid.shape[1])
    painter.drawImage(tiles, painted)
    _blank_gaps(painter, grid, tiles)
    font.setPixelSize(13)
    painter.setFont(font)
    painter.drawText(QRectF(16, tiles.bottom() + 8, 440, 20), Qt.AlignmentFlag.AlignLeft,
                     "blue − · black 0 · red +, each kernel on its own scale")
    if prediction is not None:
        _draw_reading(painter, prediction, QRectF(484, 44, 260, FRAME_SIZE[1] - 60))
    else:
        painter.drawText(QRectF(484, 44, 260, 60), Qt.TextFlag.TextWordWrap,
                         "Draw a letter on the pad before exporting to see it read at every moment.")
    _draw_run_bar(painter, snapshot.batch, batches)
    painter.end()
    return image


def _blank_gaps(painter: QPainter, grid: np.ndarray, tiles: QRectF) -> None:
    cell_w, cell_h = tiles.width() / grid.shape[1], tiles.height() / grid.shape[0]
    for r in np.flatnonzero(np.isnan(grid).all(axis=1)):
        painter.fillRect(QRectF(tiles.left(), tiles.top() + r * cell_h, tiles.width(), cell_h), BACKGROUND)
    for c in np.flatnonzero(np.isnan(grid).all(axis=0)):
        painter.fillRect(QRectF(tiles.left() + c * cell_w, tiles.top(), cell_w, tiles.height()), BACKGROUND)


def _draw_reading(painter: QPainter, prediction: model.Prediction, room: QRectF) -> None:
    """The network's input (its 28×28 image) above the most likely letters as bars."""
    pixels = prediction.image.squeeze()
    grey = np.ascontiguousarray((255 * np.clip(1 - pixels, 0, 1)).astype(np.uint8))
    side = 112
    painter.drawImage(QRectF(room.left(), room.top(), side, side),
                      QImage(grey.data, grey.shape[1], grey.shape[0], grey.shape[1], QImage.Format.Format_Grayscale8))
    painter.drawText(QRectF(room.left() + side + 10, room.top(), room.width() - side - 10, side),
                     Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap, "your drawing, as the network sees it")
    row_h, top = 26, room.top() + side + 16
    for i, (letter, p) in enumerate(prediction.top(TOP_LETTERS)):
        y = top + i * row_h
        painter.drawText(QRectF(room.left(), y, 20, row_h - 4), Qt.AlignmentFlag.AlignCenter, letter)
        painter.fillRect(QRectF(room.left() + 24, y + 3, (room.width() - 90) * p, row_h - 10), BAR)
        painter.drawText(QRectF(room.right() - 60, y, 60, row_h - 4),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{p:.0%}")


def _draw_run_bar(painter: QPainter, batch: int, batches: int) -> None:
    """Where in the run this frame is: a thin bar along the bottom."""
    width = FRAME_SIZE[0] - 32
    painter.fillRect(QRectF(16, FRAME_SIZE[1] - 14, width, 4), QColor("#d8d8d8"))
    painter.fillRect(QRectF(16, FRAME_SIZE[1] - 14, width * batch / max(1, batches), 4), BAR)


def as_pillow(image: QImage) -> Image.Image:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    return Image.frombuffer("RGB", (rgb.width(), rgb.height()), bytes(rgb.constBits()), "raw", "RGB",
                            rgb.bytesPerLine(), 1)


def export_kernels_gif(path: str | os.PathLike, timelapse: model.TimeLapse, ink=None,
                       views: model.Views = model.ONE_VIEW,
                       on_frame: Callable[[int, int], bool] | None = None) -> int:
    """Write ``timelapse``'s conv1 kernels, with ``ink``'s reading at each
    moment (None: none), to ``path`` as a looping GIF; returns its frames,
    or 0 when ``on_frame(done, total)`` said to stop (nothing is written).
    Reads on the calling thread (the app's UI thread, as every reading)."""
    frames, indices = [], frame_indices(len(timelapse))
    # A network of its own: the time-lapse's readers share one, which the main window may be reading with.
    net = model.build_model(timelapse.arch).eval()
    reader = model.Recognizer(model.Checkpoint(net, timelapse.arch, timelapse.raster, {}), "export")
    for index in indices:
        if on_frame is not None and not on_frame(len(frames), len(indices)):
            return 0
        snapshot = timelapse[index]
        net.load_state_dict(snapshot.state)
        kernels = reader.model.stages["conv1"].weight.detach().numpy()[:, 0].copy()
        prediction = reader.predict(ink, views) if ink else None
        frames.append(as_pillow(render_frame(snapshot, timelapse.batches, kernels, prediction)))
    durations = [FRAME_MS] * (len(frames) - 1) + [LAST_FRAME_MS]
    path = Path(path)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        frames[0].save(temporary, format="GIF", save_all=True, append_images=frames[1:], duration=durations,
                       loop=0, optimize=False)
        os.replace(temporary, path)        # never half a GIF under the chosen name
    finally:
        temporary.unlink(missing_ok=True)
    return len(frames)
