"""Explain ▸ Why convolutions: move the network's input by whole pixels and
watch the CNN keep its reading while a flat (fully connected) network loses it.

The flat network is loaded the first time this tab shows a drawing, never at
start-up, and it is never the app's reader.  Its accuracy against shift, and
the CNN's, are figures recorded in each checkpoint (``model.shiftcurve``).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QSpinBox, QToolButton, QVBoxLayout, QWidget

import model
from gui.explain.widgets import heading, note, tab_layout
from gui.feature_maps import FlexiblePlotWidget, ImagePlot, add_marker, cache_as_pixmap, place_marker, symmetric_levels

CNN_COLOR, FLAT_COLOR = "#5aa0ff", "#ff8a3d"
INPUT_SIZE, MAP_SIZE = 168, 150          # px on screen

INTRO = (
    "A flat network joins every pixel to every unit of its first layer with a weight of its own, so it learns "
    "<i>where</i> ink should be. A CNN's kernels slide over the image: the same kernel finds a stroke wherever "
    "it is, and max-pooling keeps the strongest response of each 2×2 patch, so a small move changes little. "
    "The app centres every drawing; here you move the network's 28×28 input itself, by whole pixels "
    "(up to ±{reach}): <b>arrow keys</b> or the buttons."
)
CURVE_NOTE = (
    "Chars74K's {n:,} letters, each moved up, down, left or right (the same direction for both networks), "
    "one view each. The rasterizer leaves about 2 px around a letter, so beyond 2 px its edge leaves the "
    "frame and both networks lose some; the flat network loses more."
)
NO_CURVE = "not measured for this network (python -m model.shiftcurve --weights FILE --record)"


MOVES = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}     # (dx, dy) of one press
ARROW_KEYS = {Qt.Key.Key_Up: MOVES["up"], Qt.Key.Key_Down: MOVES["down"],
              Qt.Key.Key_Left: MOVES["left"], Qt.Key.Key_Right: MOVES["right"]}


def direction_words(dx: int, dy: int, cell: int = 1) -> str:
    """'2 px right and 1 px up' (or in cells of ``cell`` px: '1 cell right and 0.5 cell up'), or 'centred'."""
    unit = "px" if cell == 1 else "cell"
    parts = [f"{abs(d) / cell:g} {unit}{'s' if unit == 'cell' and abs(d) > cell else ''} {word[d > 0]}"
             for d, word in ((dx, ("left", "right")), (dy, ("up", "down"))) if d]
    return " and ".join(parts) or "centred"


class ShiftPad(QWidget):
    """Four arrow buttons around a centring one; ``moved(dx, dy)`` asks for a move."""

    moved = Signal(int, int)
    centred = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        self.buttons: dict[str, QToolButton] = {}
        for name, text, (row, col), tip in (("up", "▲", (0, 1), "Move the input 1 px up (↑)"),
                                            ("left", "◀", (1, 0), "Move the input 1 px left (←)"),
                                            ("centre", "●", (1, 1), "Back to the centre (Home)"),
                                            ("right", "▶", (1, 2), "Move the input 1 px right (→)"),
                                            ("down", "▼", (2, 1), "Move the input 1 px down (↓)")):
            button = QToolButton(text=text, toolTip=tip)
            button.setFixedSize(28, 24)
            button.setAutoRepeat(name != "centre")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # the arrow keys stay with the tab
            grid.addWidget(button, row, col)
            self.buttons[name] = button
        for name, (dx, dy) in MOVES.items():
            self.buttons[name].clicked.connect(lambda _=False, dx=dx, dy=dy: self.moved.emit(dx, dy))
        self.buttons["centre"].clicked.connect(self.centred)


class Reading(QWidget):
    """One network's reading of the moved input: its letter, large, and its top 3."""

    def __init__(self, title: str, color: str, parent=None):
        super().__init__(parent)
        self.title = QLabel(f"<b style='color:{color}'>{title}</b>")
        self.letter = QLabel("–")
        self.letter.setStyleSheet(f"font-size: 26pt; font-weight: bold; color: {color};")
        self.letter.setMinimumWidth(150)
        self.top = QLabel(" ")
        self.top.setStyleSheet("color: palette(mid);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addWidget(self.letter)
        layout.addWidget(self.top)

    def show_reading(self, prediction: model.Prediction | None, unavailable: str = "") -> None:
        if prediction is None:
            self.letter.setText("–")
            self.top.setText(unavailable or " ")
            return
        (letter, p), *others = prediction.top(3)
        self.letter.setText(f"{letter}  {p:.0%}")
        self.top.setText("then " + ", ".join(f"{other} {q:.0%}" for other, q in others))


class ShiftTab(QWidget):
    """The CNN and the flat network side by side on the moved input, conv1 and
    pool1 moving with it, and both networks' accuracy against shift."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)      # the arrow keys move the input
        self.recognizer: model.Recognizer | None = None
        self.flat: model.Recognizer | None = None            # loaded when this tab first shows a drawing
        self.flat_error = ""
        self.prediction: model.Prediction | None = None
        self.shift = (0, 0)
        self.centred: dict[str, model.Prediction] = {}       # each network's reading of the unmoved input
        self.readings: dict[str, model.Prediction] = {}      # ... and of the moved one
        self.channel_picked = False

        tab_layout(self, INTRO.format(reach=model.MAX_SHIFT),
                   [(self._input_column(), 3), (self._maps_column(), 3), (self._curve_column(), 4)],
                   header=self._controls())
        self._show_shift()

    def _controls(self) -> QHBoxLayout:
        """The pad of arrows, and what the move did, in words."""
        self.pad = ShiftPad()
        self.pad.moved.connect(self.move_by)
        self.pad.centred.connect(lambda: self.move_to(0, 0))
        self.shift_label = QLabel()
        self.summary = note()              # what the user sees, in plain words
        self.summary.setStyleSheet("font-size: 12pt;")
        said = QVBoxLayout()
        said.addStretch(1)
        said.addWidget(self.shift_label)
        said.addWidget(self.summary)
        said.addStretch(1)
        header = QHBoxLayout()
        header.addWidget(heading("Move the input:"))
        header.addWidget(self.pad)
        header.addSpacing(8)
        header.addLayout(said, 1)
        return header

    def _input_column(self) -> QVBoxLayout:
        """The moved input, and both networks' readings of it."""
        self.input_plot = ImagePlot(color_bar=False)
        self.input_plot.image.setColorMap(pg.colormap.get("CET-L1"))
        self.input_plot.setFixedSize(INPUT_SIZE, INPUT_SIZE)
        self.cnn_reading = Reading("CNN (LetterNet)", CNN_COLOR)
        self.flat_reading = Reading("Flat network (fully connected)", FLAT_COLOR)
        readings = QVBoxLayout()
        readings.addWidget(self.cnn_reading)
        readings.addWidget(self.flat_reading)
        readings.addStretch(1)
        inputs = QHBoxLayout()
        inputs.addWidget(self.input_plot, 0, Qt.AlignmentFlag.AlignTop)
        inputs.addLayout(readings)
        column = QVBoxLayout()
        column.addWidget(heading("The network's input, moved (28×28)"))
        column.addLayout(inputs)
        column.addStretch(1)
        return column

    def _maps_column(self) -> QGridLayout:
        """A conv1 channel of the moved input, and its pooled map."""
        self.channel_spin = QSpinBox()
        self.channel_spin.setRange(0, 31)
        self.channel_spin.setToolTip("Which of conv1's channels to show")
        self.channel_spin.valueChanged.connect(self._channel_picked)
        self.conv_plot, self.pool_plot = ImagePlot(color_bar=False), ImagePlot(color_bar=False)
        for plot in (self.conv_plot, self.pool_plot):
            plot.setFixedSize(MAP_SIZE, MAP_SIZE)
        self.conv_peak, self.pool_peak = add_marker(self.conv_plot), add_marker(self.pool_plot)
        self.conv_note, self.pool_note = note(), note()
        for label in (self.conv_note, self.pool_note):
            label.setFixedWidth(MAP_SIZE + 40)
        chooser = QHBoxLayout()
        chooser.addWidget(heading("conv1, channel"))
        chooser.addWidget(self.channel_spin)
        chooser.addStretch(1)
        maps = QGridLayout()
        maps.addLayout(chooser, 0, 0)
        maps.addWidget(self.conv_plot, 1, 0, Qt.AlignmentFlag.AlignTop)
        maps.addWidget(self.conv_note, 2, 0, Qt.AlignmentFlag.AlignTop)
        maps.addWidget(heading("pool1, the same channel"), 0, 1, Qt.AlignmentFlag.AlignBottom)
        maps.addWidget(self.pool_plot, 1, 1, Qt.AlignmentFlag.AlignTop)
        maps.addWidget(self.pool_note, 2, 1, Qt.AlignmentFlag.AlignTop)
        maps.setRowStretch(3, 1)
        return maps

    def _curve_column(self) -> QVBoxLayout:
        """Both networks' accuracy against shift, as their checkpoints record it."""
        plot = self.curve_plot = FlexiblePlotWidget()
        plot.setBackground(None)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setMinimumSize(250, 230)
        plot.setLabel("bottom", "pixels moved")
        plot.setLabel("left", "accuracy")
        plot.addLegend(offset=(-10, -10))
        plot.getAxis("bottom").setTicks([[(d, str(d)) for d in range(model.MAX_SHIFT + 1)]])
        plot.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in np.arange(0.5, 1.01, 0.1)]])
        plot.setXRange(-0.2, model.MAX_SHIFT + 0.2, padding=0)
        plot.setYRange(0.5, 1.0, padding=0.02)
        cache_as_pixmap(plot.getAxis("bottom"), plot.getAxis("left"))
        self.curves = {name: plot.plot([], [], name=label, pen=pg.mkPen(color, width=2.5), symbol="o",
                                       symbolSize=7, symbolBrush=color, symbolPen=None)
                       for name, label, color in (("cnn", "CNN", CNN_COLOR), ("flat", "flat", FLAT_COLOR))}
        self.now_line = pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#9aa3ad", width=1, style=Qt.PenStyle.DashLine))
        plot.addItem(self.now_line, ignoreBounds=True)
        self.curve_note = note()
        self.curve_note.setMinimumWidth(250)
        column = QVBoxLayout()
        column.addWidget(heading("Accuracy against shift, on writers never trained on"))
        column.addWidget(plot, 1)
        column.addWidget(self.curve_note)
        return column

    # ------------------------------------------------------------------ model
    def set_recognizer(self, recognizer) -> None:
        self.recognizer = recognizer
        self.prediction, self.centred, self.readings = None, {}, {}
        self.channel_picked = False
        self._show_curves()
        self.refresh()

    def _flat_network(self) -> model.Recognizer | None:
        """The flat network, loaded on first use: the app starts no slower for it."""
        if self.flat is None and not self.flat_error:
            try:
                self.flat = model.Recognizer(model.load_checkpoint(model.FLAT_WEIGHTS), str(model.FLAT_WEIGHTS))
            except model.CheckpointError as exc:
                self.flat_error = f"The flat network could not be loaded: {exc}"
            self._show_curves()
        return self.flat

    # ------------------------------------------------------------- prediction
    def show_prediction(self, prediction) -> None:
        self.prediction = prediction
        self.centred = {}
        if prediction is not None and self.recognizer is not None:
            self.centred = self._read(prediction.image)
            if not self.channel_picked and "conv1" in prediction.activations:
                self._pick_strongest_channel(prediction.activations["conv1"])
        self.refresh()

    def _read(self, image: np.ndarray) -> dict[str, model.Prediction]:
        readings = {"cnn": self.recognizer.read_image(image)}
        if (flat := self._flat_network()) is not None:
            readings["flat"] = flat.read_image(image)
        return readings

    def _pick_strongest_channel(self, conv1: np.ndarray) -> None:
        blocked = self.channel_spin.blockSignals(True)
        self.channel_spin.setRange(0, len(conv1) - 1)
        self.channel_spin.setValue(int(np.argmax(conv1.reshape(len(conv1), -1).max(axis=1))))
        self.channel_spin.blockSignals(blocked)

    def _channel_picked(self) -> None:
        self.channel_picked = True
        self.refresh()

    # ----------------------------------------------------------------- moving
    def move_by(self, dx: int, dy: int) -> None:
        self.move_to(self.shift[0] + dx, self.shift[1] + dy)

    def move_to(self, dx: int, dy: int) -> None:
        """Move the input to (dx, dy) px from the centre, kept within ±MAX_SHIFT."""
        reach = model.MAX_SHIFT
        shift = (int(np.clip(dx, -reach, reach)), int(np.clip(dy, -reach, reach)))
        if shift != self.shift:
            self.shift = shift
            self.refresh()

    def shifted_input(self) -> np.ndarray | None:
        """The network's input as this tab moved it, or None without a drawing."""
        if self.prediction is None:
            return None
        return model.shift_image(self.prediction.image, *self.shift)

    def keyPressEvent(self, event) -> None:
        if event.key() in ARROW_KEYS:
            self.move_by(*ARROW_KEYS[event.key()])
        elif event.key() == Qt.Key.Key_Home:
            self.move_to(0, 0)
        else:
            super().keyPressEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.setFocus()          # the arrow keys work at once

    # ----------------------------------------------------------------- showing
    def refresh(self) -> None:
        self._show_shift()
        image = self.shifted_input()
        self.readings = self._read(image) if image is not None and self.recognizer is not None else {}
        blank = np.zeros((28, 28), np.float32)
        self.input_plot.show_image(blank if image is None else image, (0.0, 1.0))
        flat_missing = "not loaded (see above)" if self.flat_error else ""
        self.cnn_reading.show_reading(self.readings.get("cnn"))
        self.flat_reading.show_reading(self.readings.get("flat"), flat_missing)
        self.summary.setText(self.summary_text())
        self._show_maps()

    def summary_text(self) -> str:
        """What the user sees, in plain words."""
        if self.recognizer is None:
            return "No model is loaded: open weights from the main window's File menu."
        if self.prediction is None:
            return "<b>Draw a letter on the pad</b>, then move it here."
        cnn = self.readings["cnn"].top(1)[0]
        if "flat" not in self.readings:
            return self.flat_error
        flat = self.readings["flat"].top(1)[0]
        if self.shift == (0, 0):
            return (f"Centred, the CNN reads <b>{cnn[0]}</b> at {cnn[1]:.0%} and the flat network "
                    f"<b>{flat[0]}</b> at {flat[1]:.0%}. Now move the input.")
        was = {name: reading.top(1)[0][0] for name, reading in self.centred.items()}
        return (f"Moved {direction_words(*self.shift)}: the CNN {self._verb(cnn[0], was['cnn'])} "
                f"<b>{cnn[0]}</b> at {cnn[1]:.0%}; the flat network {self._verb(flat[0], was['flat'])} "
                f"<b>{flat[0]}</b> at {flat[1]:.0%}.")

    @staticmethod
    def _verb(letter: str, centred_letter: str) -> str:
        return "still reads" if letter == centred_letter else "now reads"

    def _show_shift(self) -> None:
        dx, dy = self.shift
        self.shift_label.setText(f"x {dx:+d} px, y {dy:+d} px" if self.shift != (0, 0) else "x 0, y 0: centred")
        self.now_line.setValue(min(float(np.hypot(dx, dy)), model.MAX_SHIFT))

    def _show_maps(self) -> None:
        reading = self.readings.get("cnn")
        if reading is None or "conv1" not in reading.activations or "pool1" not in reading.activations:
            for plot, size in ((self.conv_plot, 26), (self.pool_plot, 13)):
                plot.show_image(np.zeros((size, size), np.float32), (-1.0, 1.0))
            self.conv_peak.hide()
            self.pool_peak.hide()
            self.conv_note.setText("Draw a letter to see conv1 follow it." if self.recognizer is not None
                                   and reading is None else "This network has no conv1.")
            self.pool_note.setText(" ")
            return
        channel = self.channel_spin.value()
        conv, pool = reading.activations["conv1"][channel], reading.activations["pool1"][channel]
        levels = symmetric_levels(self.centred["cnn"].activations["conv1"][channel])   # steady while moving
        self.conv_plot.show_image(conv, levels)
        self.pool_plot.show_image(pool, levels)
        for marker, values in ((self.conv_peak, conv), (self.pool_peak, pool)):
            row, col = np.unravel_index(int(np.argmax(values)), values.shape)
            place_marker(marker, row, col)
        dx, dy = self.shift
        self.conv_note.setText(
            f"Moves with the drawing: {direction_words(dx, dy)}. Away from the edges its numbers are the "
            f"centred map's, moved. The box marks its strongest cell.")
        self.pool_note.setText(
            f"Each cell keeps the largest of 2×2 cells: it moves half as far ({direction_words(dx, dy, cell=2)}), "
            f"and a 1 px move often leaves a cell as it was.")

    def _show_curves(self) -> None:
        recorded = {"cnn": self.recognizer and model.recorded_curve(self.recognizer.checkpoint.meta),
                    "flat": self.flat and model.recorded_curve(self.flat.checkpoint.meta)}
        missing = {"cnn": NO_CURVE if self.recognizer else "no model is loaded",
                   "flat": NO_CURVE if self.flat else "not loaded" if self.flat_error else
                   "shown with the first drawing"}
        lines = []
        for name, facts in recorded.items():
            accuracy = facts["accuracy_by_shift"] if facts else []
            self.curves[name].setData(np.arange(len(accuracy)), accuracy)
            label = {"cnn": "CNN", "flat": "Flat network"}[name]
            lines.append(f"<b>{label}:</b> " + (" → ".join(f"{a:.1%}" for a in accuracy) if facts else missing[name]))
        facts = recorded["cnn"] or recorded["flat"]
        about = CURVE_NOTE.format(n=facts["n"]) if facts else ""
        self.curve_note.setText("<br>".join(lines) + (f"<br>{about}" if about else ""))
