"""The Retrain dialog's progress view: the bar with its ETA, a status line
with the run's clock, and the training loss and validation accuracy charts."""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QProgressBar, QSizePolicy, QVBoxLayout

from gui.feature_maps import ElidedLabel, FlexiblePlotWidget


def clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def accuracy_range(percents: np.ndarray) -> tuple[float, float]:
    """The validation chart's y range: the accuracies with room around them,
    at least half a point, so 97.45 and 97.48 % are told apart (on 0-100 %
    both are one dot at the top)."""
    low, high = float(percents.min()), float(percents.max())
    margin = max(0.25, (high - low) * 0.15)
    return max(0.0, low - margin), min(100.0, high + margin)


class ProgressView(QGroupBox):
    """Shows one run at a time: :meth:`begin_run` clears the last one's."""

    def __init__(self, parent=None):
        super().__init__("Progress", parent)
        self.losses: list[float] = []
        self.loss_batches: list[int] = []     # the batch each loss was reported at (not every batch is)
        self.accuracies: list[tuple[int, float]] = []
        self._started = 0.0
        self._status_line = ""                # what the run is doing; the ticking clock is added to it
        # The clock ticks on its own: a long validation sends no progress for a while.
        self._clock_timer = QTimer(self, interval=1000, timeout=self.show_status)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("not started")
        # One line whatever its text: a long one is shortened ("…"), whole in its tool tip.
        self.status = ElidedLabel(" ")
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._build_charts()
        plots = QHBoxLayout()
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.acc_plot)
        column = QVBoxLayout(self)
        column.addWidget(self.progress_bar)
        column.addWidget(self.status)
        column.addLayout(plots, 1)

    def _build_charts(self) -> None:
        # Named by their axis labels, not titles: a title row costs each plot a
        # quarter of its height when the dialog is squeezed onto a small screen.
        self.loss_plot, self.acc_plot = FlexiblePlotWidget(), FlexiblePlotWidget()
        for plot in (self.loss_plot, self.acc_plot):
            plot.setBackground(None)
            plot.setMenuEnabled(False)
            plot.setMinimumHeight(100)
            plot.showGrid(y=True, alpha=0.2)
        self.loss_plot.setLabel("bottom", "training loss, by batch")
        self.acc_plot.setLabel("bottom", "validation accuracy %, by epoch")
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen("#e0662b", width=2))
        self.acc_curve = self.acc_plot.plot(pen=pg.mkPen("#2b7de0", width=2), symbol="o", symbolSize=6)
        # Where the moment shown in the main window stands in the run (Watch it learn).
        self.moment_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#888888", width=1, style=Qt.PenStyle.DashLine))
        self.moment_line.hide()
        self.loss_plot.addItem(self.moment_line, ignoreBounds=True)
        for plot in (self.loss_plot, self.acc_plot):
            plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)     # nothing to do with the keyboard: no Tab stop

    def mark_moment(self, batch: int | None) -> None:
        """A line on the loss chart at ``batch`` (None: none)."""
        self.moment_line.setVisible(batch is not None)
        if batch is not None:
            self.moment_line.setValue(batch)

    def show_timelapse(self, timelapse, name: str) -> None:
        """A saved run's curves, from its snapshots: the loss at each, the
        validation accuracy at each epoch's end."""
        self.begin_run(max(1, max(s.epoch for s in timelapse.snapshots)))
        for snapshot in timelapse.snapshots:
            if snapshot.loss is not None:
                self.losses.append(snapshot.loss)
                self.loss_batches.append(snapshot.batch)
            if snapshot.val_accuracy is not None:
                self.accuracies.append((snapshot.epoch, snapshot.val_accuracy))
        self._draw_curves()
        self.progress_bar.setValue(1000)
        self.progress_bar.setFormat(f"{name}: a saved run of {timelapse.batches:,} batches")
        self.show_expectation(f"{len(timelapse)} moments; scrub or play them below")

    def begin_run(self, epochs: int) -> None:
        """Empty charts scaled for a run of ``epochs``, and its clock at zero."""
        self.losses, self.loss_batches, self.accuracies = [], [], []
        self.mark_moment(None)
        self.loss_curve.setData([], [])
        self.acc_curve.setData([], [])
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("preparing the data…")
        self.status.setToolTip("")
        every = max(1, round(epochs / 8))          # whole epochs only, about eight labels
        self.acc_plot.getAxis("bottom").setTickSpacing(every, every)
        # An empty chart keeps the last run's scale unless given this run's: its epochs, 0-100 %.
        # (A one-epoch run's single point sits in the middle, not at the left edge of 1 to 2.)
        self.acc_plot.setRange(xRange=(1, epochs) if epochs > 1 else (0.5, 1.5), yRange=(0, 100))
        self._started = time.perf_counter()

    def show_expectation(self, text: str) -> None:
        """Before a run: what such a run typically does."""
        self.status.setText(text)
        self.status.setToolTip(text)

    def set_clock_running(self, running: bool) -> None:
        if running:
            self._clock_timer.start()
        else:
            self._clock_timer.stop()

    def show_status(self, line: str | None = None) -> None:
        """The status line, with the run's time so far while it runs."""
        if line is not None:
            self._status_line = line
        if self._clock_timer.isActive():
            self.status.setText(f"{self._status_line} · {clock(time.perf_counter() - self._started)} so far")

    def show_progress(self, p, status: bool = True) -> None:
        """One ``model.Progress`` report; ``status`` False leaves the status line as it is."""
        if status:
            self.show_status(p.activity + "…" if p.activity else
                             f"loss {p.loss:.3f} · {p.samples_per_s:,.0f} samples/s")
        if p.activity:                           # no batch ran: the bar and the charts wait
            self.progress_bar.setFormat(f"{p.phase} · epoch {p.epoch}/{p.epochs} · {p.activity}…")
            return
        self.progress_bar.setValue(int(1000 * p.step / max(1, p.steps)))
        self.progress_bar.setFormat(f"{p.phase} · epoch {p.epoch}/{p.epochs} · %p% · ETA {clock(p.eta_s)}")
        self.losses.append(p.loss)
        self.loss_batches.append(p.step)
        if p.val_accuracy is not None:
            self.accuracies.append((p.epoch, p.val_accuracy))
        self._draw_curves()

    def _draw_curves(self) -> None:
        self.loss_curve.setData(np.array(self.loss_batches), np.array(self.losses))
        if self.accuracies:
            epochs, accuracies = zip(*self.accuracies)
            percents = 100 * np.array(accuracies)
            self.acc_curve.setData(np.array(epochs), percents)
            self.acc_plot.setYRange(*accuracy_range(percents), padding=0)   # the x axis spans the run

    def show_done(self, seconds: float) -> None:
        self.progress_bar.setValue(1000)
        self.progress_bar.setFormat(f"done in {clock(seconds)}")
        if self.losses:
            self.status.setText(f"final loss {self.losses[-1]:.3f}")

    def show_stopped(self, seconds: float) -> None:
        self.progress_bar.setFormat("cancelled: the current model is unchanged")
        self.status.setText(f"stopped after {clock(seconds)}")

    def show_failed(self, message: str) -> None:
        self.progress_bar.setFormat("failed")
        self.status.setText(message)
        self.status.setToolTip(message)
