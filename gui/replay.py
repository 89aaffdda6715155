"""Replay recorded ink on the drawing pad as real mouse events.

Used by the tests and by ``python -m gui.bench``: recorded strokes (any
units) are fitted onto the pad, then sent as press, moves and release, the
same events a user's mouse produces.
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget


def fit_to_pad(ink, width: int, height: int, fill: float = 0.7) -> list[np.ndarray]:
    """Scale and centre ``ink`` so its long side spans ``fill`` of the pad."""
    points = np.concatenate([np.asarray(s, float).reshape(-1, 2) for s in ink])
    low, high = points.min(0), points.max(0)
    scale = fill * min(width, height) / max(float((high - low).max()), 1e-9)
    offset = np.array([width, height]) / 2 - (low + high) / 2 * scale
    return [np.asarray(s, float).reshape(-1, 2) * scale + offset for s in ink]


def send_mouse(widget: QWidget, kind: QEvent.Type, x: float, y: float, pressed: bool) -> None:
    """One mouse event at widget position (x, y) with the left button held or not."""
    local = QPointF(x, y)
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    buttons = Qt.MouseButton.LeftButton if pressed else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, local, widget.mapToGlobal(local), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def mouse_events(strokes: list[np.ndarray]) -> Iterator[tuple[QEvent.Type, float, float, bool]]:
    """(event type, x, y, button held afterwards) for each event of the drawing."""
    for stroke in strokes:
        (x0, y0), rest = stroke[0], stroke[1:]
        yield QEvent.Type.MouseButtonPress, x0, y0, True
        for x, y in rest:
            yield QEvent.Type.MouseMove, x, y, True
        x1, y1 = stroke[-1]
        yield QEvent.Type.MouseButtonRelease, x1, y1, False


def draw(widget: QWidget, strokes: list[np.ndarray], after_each: Callable[[QEvent.Type], None] | None = None) -> None:
    """Send the whole drawing to ``widget``; ``after_each(kind)`` runs after every event."""
    for kind, x, y, held in mouse_events(strokes):
        send_mouse(widget, kind, x, y, held)
        if after_each is not None:
            after_each(kind)
