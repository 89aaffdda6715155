"""The Retrain dialog's "Watch it learn" group: the switch that makes the
main window follow a run, and a slider with a play button over its time-lapse.

During a run the view polls the run's newest weights (at most every
250 ms, the rate they are copied at) and, while its slider is at the right
end, asks the main window to show them live.  Moving the slider shows that
moment of the run instead; play animates the run.  The end of a run (or
"Back to the model in use") returns the main window to the model in use;
the switch stays as the user set it, for the next scrub and the next run.
"""
from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QGroupBox, QHBoxLayout, QPushButton, QSizePolicy, QSlider, QStyle, QToolButton,
                               QVBoxLayout)

import model
from gui.feature_maps import ElidedLabel
from gui.watching import JumpSlider, moment_text

POLL_MS = round(1000 * model.WATCH_INTERVAL_S)
PLAY_MS = 150           # a moment of the run per frame: a 100-moment run plays in 15 s
BEFORE_A_RUN = ("A run keeps a time-lapse of its weights. To watch it in the main window, move or minimise "
                "this one: the main window's banner scrubs and plays the run too.")


class TimeLapseView(QGroupBox):
    """``show_moment(timelapse, snapshot, live)`` asks the main window to read
    with a moment of the run; ``show_model_in_use()`` to go back."""

    show_moment = Signal(object, object, bool)
    show_model_in_use = Signal()

    def __init__(self, parent=None):
        super().__init__("Watch it learn", parent)
        self.timelapse: model.TimeLapse | None = None
        self.latest: model.LatestSnapshot | None = None     # the running run's newest weights
        self.running = False
        self.live = False              # the slider at the right end of a running run: follow it
        self.showing = False           # the main window shows a moment (asked for here)
        self._mirrors: list[tuple[QSlider, QToolButton]] = []
        self.switch = QCheckBox("Show the model being trained in the main window")
        self.switch.setToolTip("The main window's bars and maps read your drawing with the weights of the run, "
                               "4 times a second. The model in use is not changed.")
        self.switch.toggled.connect(self._switched)
        self.slider = JumpSlider()
        self.slider.setToolTip("Scrub through the run: the main window reads your drawing "
                               "with the network as it was then")
        self.slider.valueChanged.connect(self._scrubbed)
        self.play_button = QToolButton()
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play the run from this moment (from its start when at its end)")
        self.play_button.toggled.connect(self._play)
        self.moment = ElidedLabel(BEFORE_A_RUN)     # one line, shortened to fit; whole in its tool tip
        self.moment.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.moment.setToolTip(BEFORE_A_RUN)
        self.save_button = QPushButton("Save time-lapse…")
        self.export_button = QPushButton("Export kernels…")
        self.export_button.setToolTip("An animated GIF of the conv1 kernels learning, with your drawing's "
                                      "reading beside them: for a slide")
        self._poll_timer = QTimer(self, interval=POLL_MS, timeout=self._poll)
        self._play_timer = QTimer(self, interval=PLAY_MS, timeout=self._play_step)
        self._lay_out()
        self._update_controls()

    def _lay_out(self) -> None:
        scrub = QHBoxLayout()
        scrub.addWidget(self.play_button)
        scrub.addWidget(self.slider, 1)
        files = QHBoxLayout()
        files.addStretch(1)
        files.addWidget(self.save_button)
        files.addWidget(self.export_button)
        column = QVBoxLayout(self)
        for row in (self.switch, scrub, self.moment, files):
            column.addLayout(row) if isinstance(row, QHBoxLayout) else column.addWidget(row)

    # ----------------------------------------------------------------- runs
    def begin_run(self, timelapse: model.TimeLapse, latest: model.LatestSnapshot) -> None:
        self.play_button.setChecked(False)
        self.timelapse, self.latest, self.running, self.live = timelapse, latest, True, True
        self._set_range(0)
        self.moment.setText("waiting for the first batch…")
        self._poll_timer.start()
        self._update_controls()

    def end_run(self) -> None:
        """A run ended (finished, cancelled or failed): its time-lapse stays to
        scrub, and the main window goes back to the model in use."""
        if not self.running:
            return
        self._poll_timer.stop()
        self.running = self.live = False
        if self.timelapse is not None and len(self.timelapse):
            self._set_range(len(self.timelapse) - 1, value=len(self.timelapse) - 1)
            self._describe(self.timelapse[-1])
        self.stop_showing()
        self._update_controls()

    def open(self, timelapse: model.TimeLapse) -> None:
        """A saved run: shown from its first moment (random kernels, for a run from scratch)."""
        self.play_button.setChecked(False)
        self.timelapse, self.latest, self.running, self.live = timelapse, None, False, False
        self._set_range(len(timelapse) - 1, value=0)
        self._update_controls()
        self._show_chosen(ask=True)

    def stop_showing(self) -> None:
        """The main window back to the model in use; the switch stays as it is."""
        self.play_button.setChecked(False)
        if self.showing:
            self.showing = False
            self.show_model_in_use.emit()

    def set_default_switch(self, on: bool) -> None:
        """Watching is on by default for a run from scratch, where there is most to see."""
        if not self.running:
            self.switch.setChecked(on)

    def mirror_to(self, slider: QSlider, play_button: QToolButton) -> None:
        """Another slider and play button (the main window's banner) that act as these do."""
        self._mirrors.append((slider, play_button))
        slider.valueChanged.connect(lambda value: value != self.slider.value() and self.slider.setValue(value))
        play_button.setCheckable(True)
        play_button.toggled.connect(self.play_button.setChecked)
        self._sync_mirrors()

    def _sync_mirrors(self) -> None:
        for slider, play_button in self._mirrors:
            for widget in (slider, play_button):
                widget.blockSignals(True)       # what is set here is no user's act
            slider.setRange(self.slider.minimum(), self.slider.maximum())
            slider.setValue(self.slider.value())
            play_button.setChecked(self.play_button.isChecked())
            play_button.setIcon(self.play_button.icon())
            play_button.setToolTip(self.play_button.toolTip())
            for widget in (slider, play_button):
                widget.setEnabled(self.slider.isEnabled())
                widget.blockSignals(False)

    # -------------------------------------------------------------- showing
    def _poll(self) -> None:
        count = len(self.timelapse)
        if count:
            self._set_range(count - 1, value=count - 1 if self.live else None)
        if self.live:
            self._show_chosen(ask=self.switch.isChecked())
        elif count:
            self._describe(self.chosen())       # its place among more moments now
        self._update_controls()

    def chosen(self) -> model.Snapshot | None:
        """The moment the slider is on (the newest weights while following a run live)."""
        if self.live and self.latest is not None and self.latest.latest() is not None:
            return self.latest.latest()
        if self.timelapse is None or not len(self.timelapse):
            return None
        return self.timelapse[min(self.slider.value(), len(self.timelapse) - 1)]

    def _show_chosen(self, ask: bool) -> None:
        """Describe the chosen moment; ``ask``: have the main window show it too."""
        snapshot = self.chosen()
        if snapshot is None:
            return
        self._describe(snapshot)
        if ask:
            if not self.switch.isChecked():
                self.switch.blockSignals(True)     # scrubbing is asking to watch: the switch says so
                self.switch.setChecked(True)
                self.switch.blockSignals(False)
            self.showing = True
            self.show_moment.emit(self.timelapse, snapshot, self.live)

    def _switched(self, on: bool) -> None:
        if on:
            if self.running:
                self._show_chosen(ask=True)
        else:
            self.stop_showing()

    def _scrubbed(self, value: int) -> None:
        """The user moved the slider: show that moment; at the right end of a
        running run, follow it live again."""
        self.live = self.running and value == self.slider.maximum()
        self._sync_mirrors()
        self._show_chosen(ask=self.timelapse is not None)

    def _play(self, playing: bool) -> None:
        self.play_button.setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay))
        self._sync_mirrors()
        if not playing:
            self._play_timer.stop()
            return
        if self.slider.value() >= self.slider.maximum():
            self.slider.setValue(0)           # from the start: where learning is fastest
        self._play_timer.start()

    def _play_step(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.play_button.setChecked(False)    # the end of what there is (a running run: live from here)
            return
        self.slider.setValue(self.slider.value() + 1)

    # --------------------------------------------------------------- helpers
    def _set_range(self, maximum: int, value: int | None = None) -> None:
        self.slider.blockSignals(True)        # a range or position set here is no user's scrub
        self.slider.setRange(0, max(0, maximum))
        if value is not None:
            self.slider.setValue(value)
        self.slider.blockSignals(False)
        self._sync_mirrors()

    def _describe(self, snapshot: model.Snapshot) -> None:
        when = "now" if self.live and self.running else f"moment {self.slider.value() + 1} of {len(self.timelapse)}"
        self.moment.setText(f"{when}: {moment_text(snapshot, self.timelapse.batches)}")
        self.moment.setToolTip(self.moment.text())

    def _update_controls(self) -> None:
        has_moments = self.timelapse is not None and len(self.timelapse) > 0
        self.slider.setEnabled(has_moments)
        self.play_button.setEnabled(has_moments)
        self.save_button.setEnabled(has_moments and not self.running)
        self.export_button.setEnabled(has_moments and not self.running)
        if self.play_button.icon().isNull():
            self._play(self.play_button.isChecked())
        self._sync_mirrors()
