"""What the window tests share: letters a test can draw, drawing them with
the mouse, dragging files in, and opening the main window as the app does."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from gui.main_window import MainWindow
from gui.retrain import UNSAVED
from gui.replay import draw, fit_to_pad


def _line(p, q, n=20):
    return np.linspace(p, q, n)


def _arc(a0, a1, n=50):
    a = np.linspace(a0, a1, n)
    return np.stack([np.cos(a), np.sin(a)], 1)


# Plain, unambiguous shapes the shipped network reads with > 90 % confidence.
LETTERS = {
    "o": [_arc(-np.pi / 2, 1.5 * np.pi + 0.2, 60)],
    "x": [_line([0, 0], [1, 1.2]), _line([1, 0], [0, 1.2])],
    "z": [np.concatenate([_line([0, 0], [1, 0]), _line([1, 0], [0, 1.2]), _line([0, 1.2], [1, 1.2])])],
    "e": [np.concatenate([_line([-1, 0], [1, 0]), _arc(0, -np.pi * 1.7, 60)])],
}


def forget_retrained_model(window) -> None:
    """Before the window closes at teardown: a test's retrained model is not
    worth keeping, and "save it first?" would wait for an answer forever."""
    dialog = window.retrain_dialog
    if dialog is not None:
        dialog.stop_training()
        dialog.trained = None
    if window.recognizer is not None and window.recognizer.source == UNSAVED:
        window.recognizer.source = "discarded by the test"


def show_main_window(qtbot, recognizer, settings, size=(1280, 800), **kwargs) -> MainWindow:
    """A main window at the screenshots' size (or ``size``), shown and
    exposed, closed with the test."""
    window = MainWindow(recognizer, settings=settings, **kwargs)
    qtbot.addWidget(window, before_close_func=forget_retrained_model)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def draw_letter(qtbot, window, ink) -> None:
    """Replay ``ink`` on the pad as press, moves and release, then let the views catch up."""
    strokes = fit_to_pad(ink, window.pad.width(), window.pad.height())
    with qtbot.waitSignal(window.prediction_shown, timeout=2000):
        draw(window.pad, strokes)


def drag_events(paths, position=QPointF(40, 40)):
    """A drag's enter and drop events, and their data, which the caller must
    keep alive while the events are used."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    return mime, QDragEnterEvent(position.toPoint(), *args), QDropEvent(position, *args)
