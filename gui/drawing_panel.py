"""The drawing side of the window: the pad, its buttons, the "This is"
field that labels a drawing, what the network sees and its best letters."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget

from gui.drawing_pad import DrawingPad
from gui.feature_maps import ImagePlot, PanelFrame
from gui.prediction_view import TopLetters


def row(*items) -> QHBoxLayout:
    """A row of widgets; a number is a stretch, and (widget, n) a widget that stretches n."""
    layout = QHBoxLayout()
    for item in items:
        if isinstance(item, int):
            layout.addStretch(item)
        else:
            layout.addWidget(*item) if isinstance(item, tuple) else layout.addWidget(item)
    return layout


class DrawingPanel(QWidget):
    """The window connects the buttons to its actions' jobs; the panel keeps
    its own parts in step (pen width, the typed letter of a cleared pad)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pad = DrawingPad()
        self._pad_was_empty = True
        self.pad.ink_changed.connect(self._forget_label_of_another_drawing)
        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.pad.clear)
        self.pen_width = QSpinBox()
        self.pen_width.setRange(2, 40)
        self.pen_width.setSuffix(" px")
        self.pen_width.setValue(int(DrawingPad.DEFAULT_PEN_WIDTH))
        self.pen_width.setToolTip("Pen width on screen (Ctrl+] and Ctrl+[). The network always reads the same "
                                  "thin pen.")
        # Clicking its arrows must not take the keyboard from the pad: typed
        # letters label the drawing, and Ctrl+Z undoes a stroke.
        self.pen_width.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pen_width.valueChanged.connect(self.pad.set_pen_width)

        self.label_edit = QLineEdit()
        self.label_edit.setMaxLength(1)
        self.label_edit.setFixedWidth(44)
        self.label_edit.setPlaceholderText("a–z")
        self.label_edit.setToolTip("The letter you drew (typed on the pad, it lands here); Enter adds it to My samples")
        # One letter, kept selected, so the next key replaces it instead of being refused.
        self.label_edit.textChanged.connect(lambda _: self.label_edit.selectAll())
        self.add_sample_button = QPushButton("Add to my samples")
        self.add_sample_button.setToolTip("Keep this drawing, labelled, to teach the network your handwriting. "
                                          "Clicking a letter in the chart puts it in \"This is\".")

        self.input_plot = ImagePlot(color_bar=False)
        self.input_plot.image.setColorMap(pg.colormap.get("CET-L1"))   # grey: ink is white on black
        self.input_plot.setFixedSize(124, 124)
        self.input_view = PanelFrame("What the network sees", self.input_plot)
        self.input_view.info.setText("28×28 pixels")
        self.top_letters = TopLetters()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.pad, 1)
        layout.addLayout(row(self.undo_button, self.redo_button, self.clear_button, 1, QLabel("Pen"),
                             self.pen_width))
        layout.addLayout(row(QLabel("This is"), self.label_edit, self.add_sample_button, 1))
        layout.addLayout(row(self.input_view, (self.top_letters, 1)))

    def show_reading(self, prediction, top: list, message: str) -> None:
        """The best letters, and the input the network read (while it is shown)."""
        self.top_letters.show_top(top, message)
        if not self.input_view.isHidden() or prediction is None:
            self.input_plot.show_image(prediction.image if prediction is not None
                                       else np.zeros((28, 28), np.float32), (0.0, 1.0))

    def _forget_label_of_another_drawing(self) -> None:
        """The letter typed in "This is" names the drawing on the pad: once the
        pad is empty, and when ink lands on an empty pad (a letter typed
        before it was drawn), it must not label the new drawing by mistake."""
        empty = self.pad.is_empty()
        if (empty or self._pad_was_empty) and self.label_edit.text():
            self.label_edit.clear()
        self._pad_was_empty = empty
