"""The live reading loop: the pad's pen moves become at most one reading
per event-loop pass, and each reading goes to every view that shows it."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

import model
from gui.state import ReadingRules


class LiveReading(QObject):
    """Reads the pad with ``recognizer`` (None: nothing to read with).
    ``several_views()`` says whether a finished drawing is read from several
    views.  ``read`` carries each reading, or None with the reason."""

    read = Signal(object, str)     # model.Prediction or None, the message shown instead

    def __init__(self, pad, several_views: Callable[[], bool], parent=None):
        super().__init__(parent)
        self.pad = pad
        self.several_views = several_views
        self.recognizer = None
        self.prediction = None
        self.rules = ReadingRules()
        pad.ink_changed.connect(self.schedule)

    def schedule(self) -> None:
        """Coalesce bursts of pen moves: at most one reading per event-loop pass."""
        if self.rules.request():
            QTimer.singleShot(0, self.refresh)

    def refresh(self) -> None:
        """Read the pad now and hand the reading on."""
        strokes = None if self.pad.is_empty() else self.pad.strokes()
        self.prediction, message = self.rules.read(self.recognizer, strokes, self.pad.is_drawing(),
                                                   self.several_views())
        self.read.emit(self.prediction, message)


def warm_up(recognizer) -> None:
    """torch picks its kernels on the first call of each batch size (~100 ms):
    pay that now, for the pen's one view and the lifted pen's views, not on
    the user's first stroke."""
    ink = [np.array([[0.0, 0.0], [10.0, 20.0]])]
    recognizer.predict(ink)
    recognizer.predict(ink, model.READ_VIEWS)
