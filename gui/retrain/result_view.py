"""The Retrain dialog's result view: how the new model compares with the
model in use, how it was trained, and its confusion matrix."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel

import model
from gui.dialogs import scrolling_column
from gui.feature_maps import FlexibleImagePlot

NO_RESULT = "Train a model to compare it with the current one."


def trained_on_text(outcome) -> str:
    """How the run trained, said from what ran: a fine-tune starts from a
    model, and replays other letters only if sets were ticked."""
    result, meta = outcome.result, outcome.meta
    mine, total = meta.get("my_samples", 0), f"{result.train_size:,} drawings"
    if meta.get("finetuned_from") is None:
        return f"Trained from scratch on {total}" + (f", {mine:,} of them yours." if mine else ".")
    if not mine:
        return f"Fine-tuned on {total}."
    if meta.get("train_data"):
        return f"Fine-tuned on {mine:,} of your drawings, mixed with other letters: {total} in all."
    return f"Fine-tuned on {mine:,} of your drawings alone: no other letters kept it from forgetting."


def result_text(outcome) -> str:
    """The result, as rich text: the new model's validation accuracy beside
    the model in use's, a warning if it reads worse, and how it was trained."""
    result, mine = outcome.result, outcome.meta.get("my_samples", 0)
    trained_on = f"<p>{trained_on_text(outcome)}</p>"
    if result.val_accuracy is None:
        return ("<p>Validation accuracy: not measured. There were no writers to hold out; pick a set under "
                "Validate on, or tick a public set.</p>" + trained_on)
    val_data = outcome.meta["val_data"]
    on = ", ".join(val_data) if isinstance(val_data, dict) else val_data
    current = (f"the model in use at the start {outcome.current_accuracy:.2%}"
               if outcome.current_accuracy is not None else "no model was in use to compare")
    # Training validates each drawing once; the pad reads a finished drawing from its views.
    worse = ""
    if outcome.reads_worse:
        points = 100 * (outcome.current_accuracy - result.val_accuracy)
        worse = f"<p><b>It reads these letters {points:.2f} points worse than the model in use.</b> "
        worse += ("Learning your drawings can cost some of that: use it if your own letters now read better "
                  "(Model ▸ My samples marks the misread ones).</p>" if mine else
                  "Unless you have another reason to prefer it, keep the model in use.</p>")
    return (f"<p>Validation accuracy on {on}, each drawing read once (one view):</p>"
            f"<p><b>new model {result.val_accuracy:.2%}</b> &nbsp;·&nbsp; {current}</p>"
            + worse + trained_on)


CONFUSION_EXPLAINED = "Confusion matrix: rows are the true letters, columns the readings."
HOVER_HINT = "Point at a cell for its count."


class ConfusionPlot(FlexibleImagePlot):
    """The matrix with a letter on each row and each column: the true
    letters down the left, the readings along the bottom."""

    def __init__(self, letters, parent=None):
        super().__init__(color_bar=False, parent=parent)
        self.ci.removeItem(self.view)
        # Every fifth letter first; the others where there is room for them.
        ticks = [[(i + 0.5, letter) for i, letter in enumerate(letters) if i % 5 == 0 or i == len(letters) - 1],
                 [(i + 0.5, letter) for i, letter in enumerate(letters) if i % 5 and i != len(letters) - 1]]
        self.axes = {side: pg.AxisItem(side) for side in ("left", "bottom")}
        for side, axis in self.axes.items():
            axis.linkToView(self.view)
            axis.setTicks(ticks)
            axis.setStyle(tickLength=0, tickTextOffset=2, hideOverlappingLabels=True)
        self.addItem(self.axes["left"], 0, 0)
        self.addItem(self.view, 0, 1)
        self.addItem(self.axes["bottom"], 1, 1)
        self.axes["left"].setWidth(14)
        self.axes["bottom"].setHeight(18)
        # Letters in place before the first matrix too, not strays on an empty view.
        self.view.setRange(xRange=(0, len(letters)), yRange=(0, len(letters)), padding=0)


class ResultView(QGroupBox):
    """The last finished run's result, or a line saying there is none yet."""

    def __init__(self, parent=None):
        super().__init__("Result", parent)
        self._confusion: np.ndarray | None = None     # counts, for the hovered cell's line
        self.result_label = QLabel(NO_RESULT)
        self.result_label.setWordWrap(True)
        self.confusion_plot = ConfusionPlot(model.CLASSES)
        self.confusion_plot.image.setColorMap(pg.colormap.get("CET-L17"))
        self.confusion_plot.setMinimumSize(140, 140)
        self.confusion_plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)     # read by pointing, not a Tab stop
        self.confusion_plot.pixel_hovered.connect(self._confusion_hovered)
        self.confusion_info = QLabel(CONFUSION_EXPLAINED)
        self.confusion_info.setWordWrap(True)
        # The hovered cell gets a line of its own, one line high: a text of
        # another height would move the matrix under the pointer.
        self.hover_line = QLabel(HOVER_HINT)
        self.hover_line.setFixedHeight(self.hover_line.sizeHint().height())
        row = QHBoxLayout(self)
        row.addWidget(scrolling_column([self.result_label, self.confusion_info, self.hover_line]), 1)
        row.addWidget(self.confusion_plot, 1)

    def clear(self) -> None:
        """Nothing of the last run may pass for the next one's."""
        self._confusion = None
        self.result_label.setText(NO_RESULT)
        self.hover_line.setText(HOVER_HINT)
        self.confusion_plot.image.clear()

    def show_outcome(self, outcome) -> None:
        """A finished run's ``TrainingOutcome``."""
        self._confusion = outcome.confusion
        self.result_label.setText(result_text(outcome))
        if outcome.confusion is not None:
            matrix = outcome.confusion.astype(np.float32)
            rates = matrix / np.maximum(1, matrix.sum(axis=1, keepdims=True))
            self.confusion_plot.show_image(rates, (0.0, 1.0))

    def _confusion_hovered(self, row: int, col: int) -> None:
        if row < 0 or self._confusion is None:
            self.hover_line.setText(HOVER_HINT)
            return
        matrix = self._confusion
        self.hover_line.setText(f"'{model.CLASSES[row]}' read as '{model.CLASSES[col]}': "
                                    f"{matrix[row, col]} of {matrix[row].sum()}")
