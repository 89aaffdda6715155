"""The main window's status bar: which network reads the pad, how long the
last reading took, and a hint when the bars need one."""
from __future__ import annotations

import time

from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar

from gui.feature_maps import ElidedLabel
from gui.state import TimingText, bar_hint


class StatusLine:
    # Widgets rather than showMessage() for the model and the time: temporary
    # messages are wiped as soon as the pointer passes over a menu item.

    def __init__(self, bar: QStatusBar):
        self.bar = bar
        self.timing = TimingText()
        self._hint = ""                 # the hint shown, once per hesitation
        self.model_label = ElidedLabel()       # shortened with "…" on a narrow window, whole in its tool tip
        self.model_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._training_moment = False
        self.timing_label = QLabel("")
        self.timing_label.setToolTip("Time to rasterize the drawing and run the network, last drawing "
                                     "(a finished drawing: all its views)")
        # A fixed size: otherwise each new time re-lays out the whole window.
        widest = self.timing_label.fontMetrics().horizontalAdvance("88 views in 0000.0 ms") + 8
        self.timing_label.setFixedSize(widest, self.timing_label.sizeHint().height())
        bar.addWidget(self.model_label, 1)
        bar.addPermanentWidget(self.timing_label)

    def show_model(self, text: str, training_moment: bool = False) -> None:
        """Which network reads; a training run's moment stands out, so that
        nobody takes it for the model in use."""
        self.model_label.setText(text)
        self.model_label.setToolTip(text)
        if training_moment != self._training_moment:     # a style sheet change re-polishes the label
            self._training_moment = training_moment
            self.model_label.setStyleSheet("font-weight: bold" if training_moment else "")

    def show_reading(self, prediction, top) -> None:
        """The time a reading took, and the hint its ``top`` letters call for."""
        if self.timing.update(prediction, time.perf_counter()):
            self.timing_label.setText(self.timing.text)
        self._show_hint(bar_hint(top))

    def _show_hint(self, hint: str) -> None:
        # A message already showing (a drawing opened from a file says its
        # label) is not covered: the hint waits for a frame without one.
        if hint != self._hint and (not hint or not self.bar.currentMessage()):
            if hint:
                self.bar.showMessage(hint, 8000)
            elif self.bar.currentMessage() == self._hint:
                self.bar.clearMessage()     # no longer a lone bar: the hint would mislead
            self._hint = hint
