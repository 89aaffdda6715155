"""What the network thinks: the top letters in large type and a bar per letter."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsItem, QGridLayout, QLabel, QWidget

BAR_COLOR = "#8fa8c8"
TOP_COLOR = "#e0662b"


class ProbabilityChart(pg.PlotWidget):
    """One bar per letter, a..z, with the most likely letter highlighted.

    The bars are one ``BarGraphItem`` whose heights are replaced in place on
    every prediction.  Clicking a bar emits ``letter_clicked`` (used to label
    a drawing the network got wrong)."""

    letter_clicked = Signal(str)

    def __init__(self, letters: list[str], parent=None):
        super().__init__(parent)
        self.letters = list(letters)
        self.setBackground(None)
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setMinimumHeight(150)
        self.setYRange(0, 1.04, padding=0)
        self.setXRange(-0.6, len(letters) - 0.4, padding=0)
        self.getAxis("bottom").setTicks([list(enumerate(self.letters))])
        self.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1.0)]])
        self.getAxis("left").setWidth(42)
        self.showGrid(y=True, alpha=0.15)
        for axis in ("left", "bottom"):   # static: keep them as pixmaps (a frame is then ~1 ms cheaper)
            self.getAxis(axis).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._heights = np.zeros(len(letters))
        self._bars = pg.BarGraphItem(x=np.arange(len(letters)), height=self._heights, width=0.75,
                                     brush=BAR_COLOR, pen=None)
        self.addItem(self._bars)
        self.scene().sigMouseClicked.connect(self._clicked)

    def values(self) -> np.ndarray:
        """The heights now shown (probabilities, or zeros when nothing is drawn)."""
        return np.asarray(self._bars.opts["height"], dtype=float)

    def set_probabilities(self, probabilities: np.ndarray | None) -> None:
        heights = np.zeros(len(self.letters)) if probabilities is None else np.asarray(probabilities, float)
        brushes = [BAR_COLOR] * len(self.letters)
        if probabilities is not None:
            brushes[int(np.argmax(heights))] = TOP_COLOR
        self._bars.setOpts(height=heights, brushes=brushes)

    def _clicked(self, event) -> None:
        position = self.plotItem.vb.mapSceneToView(event.scenePos())
        index = int(round(position.x()))
        if 0 <= index < len(self.letters) and event.button() == Qt.MouseButton.LeftButton:
            self.letter_clicked.emit(self.letters[index])


class TopLetters(QWidget):
    """The best guess in large type with its probability, and the next two."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.letter = QLabel("–")
        font = QFont()
        font.setPointSize(54)
        font.setBold(True)
        self.letter.setFont(font)
        self.letter.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.letter.setMinimumWidth(96)
        self.confidence = QLabel("")
        bigger = QFont()
        bigger.setPointSize(15)
        self.confidence.setFont(bigger)
        self.runners_up = QLabel("")
        self.runners_up.setTextFormat(Qt.TextFormat.RichText)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.letter, 0, 0, 2, 1)
        layout.addWidget(self.confidence, 0, 1, Qt.AlignmentFlag.AlignBottom)
        layout.addWidget(self.runners_up, 1, 1, Qt.AlignmentFlag.AlignTop)
        layout.setColumnStretch(1, 1)
        self.show_top([])

    def show_top(self, top: list[tuple[str, float]], message: str = "Draw a letter") -> None:
        """``top`` is [(letter, probability), ...] best first; empty shows ``message``."""
        if not top:
            self.letter.setText("–")
            self.confidence.setText(message)
            self.runners_up.setText("")
            return
        letter, p = top[0]
        self.letter.setText(letter)
        self.confidence.setText(f"{p:.1%} sure")
        self.runners_up.setText("then " + ", ".join(f"<b>{l}</b> {q:.1%}" for l, q in top[1:3]))
