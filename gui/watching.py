"""Which network the main window reads with: the model in use, or a moment
of a training run (watched live, or scrubbed in its time-lapse).

While a moment is shown, every view reads the pad with that moment's
weights, and the title, a banner and the status bar say so, so nobody takes
the training model for the model in use.  The model in use itself never
changes here: only "Use this model" swaps a run's model in.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QSizePolicy, QSlider, QStyle, QToolButton

import model
from gui.feature_maps import ElidedLabel

TITLE = "LetterLens"


def batch_text(snapshot: model.Snapshot, batches: int) -> str:
    """"batch 120 of 1,500": where a snapshot stands in its run."""
    return f"batch {snapshot.batch:,} of {batches:,}" if batches else f"batch {snapshot.batch:,}"


def facts_text(snapshot: model.Snapshot) -> str:
    """"epoch 1, loss 0.831": how the run stood then ("" before its first batch)."""
    facts = [f"epoch {snapshot.epoch}"] if snapshot.epoch else []
    if snapshot.loss is not None:
        facts.append(f"loss {snapshot.loss:.3f}")
    if snapshot.val_accuracy is not None:
        facts.append(f"validation {snapshot.val_accuracy:.1%}")
    return ", ".join(facts)


def moment_text(snapshot: model.Snapshot, batches: int) -> str:
    """"batch 120 of 1,500 (epoch 1, loss 0.831)"."""
    facts = facts_text(snapshot)
    return f"{batch_text(snapshot, batches)} ({facts})" if facts else batch_text(snapshot, batches)


class JumpSlider(QSlider):
    """A horizontal slider that jumps to where it is clicked, as a video's
    does (a plain one steps a page at a time towards the click)."""

    def __init__(self, parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton and self.maximum() > self.minimum():
            handle = self.style().pixelMetric(QStyle.PixelMetric.PM_SliderLength, None, self)
            value = QStyle.sliderValueFromPosition(self.minimum(), self.maximum(),
                                                   round(event.position().x()) - handle // 2,
                                                   max(1, self.width() - handle))
            self.setValue(value)
        super().mousePressEvent(event)       # and the handle, now under the pointer, drags on


class WatchBanner(QFrame):
    """Across the top of the main window while it shows a training run's
    moment, in the highlight colour: what it shows, the run's slider and
    play button (the Retrain dialog's, mirrored, so the dialog may be moved
    away or minimised) and the way back to the model in use."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Highlight)
        # Shortened to fit ("…", whole in its tool tip): a small screen must not widen the window.
        self.label = ElidedLabel()
        self.label.setForegroundRole(QPalette.ColorRole.HighlightedText)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        self.play_button = QToolButton()
        self.slider = JumpSlider()
        self.slider.setToolTip("Scrub through the run, as in the Retrain window")
        self.slider.setMinimumWidth(80)
        self.back_button = QPushButton("Back to the model in use")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 8, 2)
        row.addWidget(self.label, 3)
        row.addWidget(self.play_button)
        row.addWidget(self.slider, 2)
        row.addWidget(self.back_button)
        self.hide()


class TrainingWatch:
    """The main window's view of a training run.  ``window`` is the main
    window: its ``read_with`` points every view at a network, its
    ``show_model_name`` writes the status bar; ``banner`` says what it shows."""

    def __init__(self, window, banner: WatchBanner):
        self.window = window
        self.banner = banner
        self.reader: model.Recognizer | None = None    # None: the window shows the model in use
        self.snapshot: model.Snapshot | None = None
        self.batches = 0
        self.live = False            # following a run as it trains, rather than a scrubbed moment

    @property
    def active(self) -> bool:
        return self.reader is not None

    def show(self, timelapse: model.TimeLapse, snapshot: model.Snapshot, live: bool = False) -> None:
        """Read the pad with ``snapshot``'s weights (one of ``timelapse``'s, or
        the newest of its run) until :meth:`stop`."""
        if self.reader is not None and snapshot is self.snapshot and live == self.live:
            return
        # The time-lapse's readers share one network: the one made last is the one in force.
        self.reader = timelapse.reader_of(snapshot)
        self.snapshot, self.batches, self.live = snapshot, timelapse.batches, live
        self.window.setWindowTitle(f"{TITLE} — {self.what()}, not the model in use")
        # The warning first and the run's facts last, where a narrow window shortens the line.
        facts = facts_text(snapshot)
        self.banner.label.setText(f"Not the model in use: the {self.what()}" + (f" · {facts}" if facts else ""))
        self.banner.label.setToolTip(self.banner.label.text())
        self.banner.show()
        self.window.read_with(self.reader)
        self.window.show_model_name()

    def stop(self) -> None:
        """Back to the model in use."""
        if self.reader is None:
            return
        self.reader = self.snapshot = None
        self.window.setWindowTitle(TITLE)
        self.banner.hide()
        self.window.read_with(self.window.recognizer)
        self.window.show_model_name()

    def what(self) -> str:
        """What the window shows: "training model at batch 120 of 1,500"."""
        where = f"training model at {batch_text(self.snapshot, self.batches)}"
        return where if self.live else f"{where} (time-lapse)"

    def status_text(self, in_use: str) -> str:
        """The status bar's line while a moment is shown; ``in_use`` names the model in use."""
        return f"Not the model in use: reading with the training model at {batch_text(self.snapshot, self.batches)}" \
               f" (the model in use: {in_use})"
