"""Explain ▸ Backward: one step of learning on the current drawing.

The user says what the drawing is (a letter button; the reading by default);
the tab shows the loss −log p(label), takes one conv weight's gradient apart
into the sum that makes it, checked against autograd, shows conv1's kernels
beside their gradients, and takes one SGD step with a copy of the network.
The numbers come from ``model``'s backward functions; this module shows them.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QToolButton, QVBoxLayout, QWidget)

import model
from gui.explain.widgets import fmt, heading, note, tab_layout
from gui.feature_maps import (FlexiblePlotWidget, ImagePlot, Mosaic, add_marker, cache_as_pixmap, place_marker,
                              symmetric_levels)

BEFORE_COLOR, AFTER_COLOR = "#8fa8c8", "#e0662b"
PICKED_STYLE = f"QToolButton:checked {{ background: {AFTER_COLOR}; color: white; font-weight: bold; }}"
AGREES = 1e-5            # the hand sum must match autograd this closely
MAP_SIDE, MOSAIC_SIDE = 132, 140      # px

INTRO = (
    "Learning runs the network <b>backwards</b>. Say what your drawing is (a letter below; the reading "
    "by default): the <b>loss</b> is −log p(that letter), and its gradient tells every weight which way "
    "to move. A kernel weight's gradient is a sum over every position the kernel visited: "
    "<b>the input under the weight × the output's gradient there</b>."
)
WEIGHT_NOTE = (
    "dL/dw[{o}, {i}, {ky}, {kx}] = Σ over the {n} positions (y, x) of {source}[{i}, y+{ky}, x+{kx}] × "
    "dL/d{stage}[{o}, y, x], where {stage} is the convolution's own output, before max-pool and GELU{read}."
)


class LetterPicker(QWidget):
    """A row of 26 letter buttons: which letter the drawing is."""

    picked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        # Two rows of 13: one row of 26 squeezed each button below its text on a 1024 px screen.
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        self.group = QButtonGroup(self)
        self.buttons = []
        for index, letter in enumerate(model.CLASSES):
            button = QToolButton(text=letter, checkable=True)
            button.setMinimumWidth(max(22, button.minimumSizeHint().width()))
            button.setToolTip(f"This drawing is an {letter}" if letter in "aefhilmnorsx" else
                              f"This drawing is a {letter}")
            self.group.addButton(button, index)
            layout.addWidget(button, index // 13, index % 13)
            self.buttons.append(button)
        self.setStyleSheet(PICKED_STYLE)       # the label is the one thing to see at a glance
        self.group.idClicked.connect(self.picked)

    def show_label(self, label: int | None) -> None:
        for index, button in enumerate(self.buttons):
            button.setChecked(index == label)


class BeforeAfterBars(FlexiblePlotWidget):
    """The 26 probabilities now, and after one step; a click on a letter picks it."""

    letter_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground(None)
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setMinimumSize(280, 170)
        self.setYRange(0, 1.04, padding=0)
        self.setXRange(-0.6, len(model.CLASSES) - 0.4, padding=0)
        self.getAxis("bottom").setTicks([list(enumerate(model.CLASSES))])
        self.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.5, 1.0)]])
        self.getAxis("left").setWidth(36)
        cache_as_pixmap(self.getAxis("left"), self.getAxis("bottom"))
        x = np.arange(len(model.CLASSES))
        self.before = pg.BarGraphItem(x=x - 0.18, height=np.zeros(len(x)), width=0.36, brush=BEFORE_COLOR, pen=None)
        self.after = pg.BarGraphItem(x=x + 0.18, height=np.zeros(len(x)), width=0.36, brush=AFTER_COLOR, pen=None)
        self.addItem(self.before)
        self.addItem(self.after)
        self.scene().sigMouseClicked.connect(self._clicked)

    def show_bars(self, before: np.ndarray | None, after: np.ndarray | None) -> None:
        blank = np.zeros(len(model.CLASSES))
        self.before.setOpts(height=blank if before is None else before)
        self.after.setOpts(height=blank if after is None else after)

    def heights(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.before.opts["height"], float), np.array(self.after.opts["height"], float)

    def _clicked(self, event) -> None:
        index = int(round(self.plotItem.vb.mapSceneToView(event.scenePos()).x()))
        if 0 <= index < len(model.CLASSES) and event.button() == Qt.MouseButton.LeftButton:
            self.letter_clicked.emit(index)


def _map_plot(side: int = MAP_SIDE) -> ImagePlot:
    plot = ImagePlot(color_bar=False)
    plot.setFixedSize(side, side)
    return plot


def _captioned(title: QLabel, plot: ImagePlot, caption: QLabel) -> QVBoxLayout:
    column = QVBoxLayout()
    column.setSpacing(2)
    column.addWidget(title)
    column.addWidget(plot, 0, Qt.AlignmentFlag.AlignHCenter)
    column.addWidget(caption)
    return column


def _caption() -> QLabel:
    label = QLabel(" ")
    label.setStyleSheet("color: palette(mid);")
    label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    return label


def _range_text(values: np.ndarray) -> str:
    return f"{values.min():.2g} … {values.max():.2g}" if values.size else " "


class KernelMosaics(QWidget):
    """conv1's 32 kernels, their gradients, and after a step the kernels and
    their change, as four tiled heat maps.  A click on a kernel's cell emits
    ``weight_clicked(channel, ky, kx)``."""

    weight_clicked = Signal(int, int, int)
    TITLES = {"kernels": "conv1's kernels", "gradients": "Their gradients",
              "after": "After one step", "change": "The change"}

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plots = {name: _map_plot(MOSAIC_SIDE) for name in self.TITLES}
        self.captions = {name: _caption() for name in self.TITLES}
        self.markers = {name: add_marker(plot) for name, plot in self.plots.items()}
        self.mosaic: Mosaic | None = None
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for index, name in enumerate(self.TITLES):
            grid.addLayout(_captioned(heading(self.TITLES[name]), self.plots[name], self.captions[name]),
                           *divmod(index, 2))
            self.plots[name].pixel_clicked.connect(self._clicked)
        grid.setColumnStretch(2, 1)          # a wide row keeps the four together on the left

    def show_maps(self, name: str, kernels: np.ndarray | None, levels=None) -> None:
        if kernels is None:
            self.plots[name].show_image(np.zeros((23, 23), np.float32), (-1.0, 1.0))
            self.captions[name].setText(" ")
            return
        if self.mosaic is None or (self.mosaic.channels, self.mosaic.tile_h, self.mosaic.tile_w) != kernels.shape:
            self.mosaic = Mosaic(*kernels.shape)
        self.plots[name].show_image(self.mosaic.fill(kernels).copy(), levels or symmetric_levels(kernels))
        self.captions[name].setText(_range_text(kernels))

    def mark(self, channel: int | None, ky: int = 0, kx: int = 0) -> None:
        for marker in self.markers.values():
            if channel is None or self.mosaic is None:
                marker.hide()
                continue
            r, c = divmod(channel, self.mosaic.columns)
            place_marker(marker, r * (self.mosaic.tile_h + 1) + ky, c * (self.mosaic.tile_w + 1) + kx)

    def _clicked(self, row: int, col: int) -> None:
        if self.mosaic is None or (channel := self.mosaic.channel_at(row, col)) is None:
            return
        self.weight_clicked.emit(channel, row % (self.mosaic.tile_h + 1), col % (self.mosaic.tile_w + 1))


class WeightGradientView(QWidget):
    """One weight's gradient as its sum: the input values it slid over, the
    output gradients, their products, and the total against autograd."""

    chosen = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.stage_box = QComboBox()
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.spins = {name: QSpinBox() for name in ("out", "in", "row", "col")}
        picker = QGridLayout()
        picker.addWidget(QLabel("Weight of"), 0, 0)
        picker.addWidget(self.stage_box, 0, 1)
        for index, (name, text) in enumerate((("out", "output ch."), ("in", "input ch."), ("row", "kernel row"),
                                              ("col", "kernel col."))):
            picker.addWidget(QLabel(text), 1 + index // 2, 2 * (index % 2))
            picker.addWidget(self.spins[name], 1 + index // 2, 2 * (index % 2) + 1)
            self.spins[name].valueChanged.connect(lambda _: self.chosen.emit())
        picker.setColumnStretch(4, 1)
        self.stage_box.currentIndexChanged.connect(lambda _: self._stage_chosen())
        self.titles = {name: heading(text) for name, text in (("inputs", "Input under the weight"),
                                                             ("gradient", "× output gradient"),
                                                             ("products", "= products"))}
        self.plots = {name: _map_plot() for name in self.titles}
        self.captions = {name: _caption() for name in self.titles}
        self.pixel_marker = add_marker(self.plots["inputs"])
        maps = QHBoxLayout()
        for name in self.titles:
            maps.addLayout(_captioned(self.titles[name], self.plots[name], self.captions[name]))
        maps.addStretch(1)
        self.formula, self.terms, self.pixel_note = note(), note(), note()
        self.values: dict[str, QLabel] = {}
        self.names: dict[str, QLabel] = {}
        equation = QGridLayout()
        equation.setHorizontalSpacing(14)
        for row, key in enumerate(("total", "autograd", "difference")):
            self.names[key], self.values[key] = QLabel(), QLabel()
            self.values[key].setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.values[key].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            equation.addWidget(self.names[key], row, 0)
            equation.addWidget(self.values[key], row, 1)
        equation.setColumnStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(picker)
        layout.addWidget(self.formula)
        layout.addLayout(maps)
        layout.addWidget(self.terms)
        layout.addLayout(equation)
        layout.addWidget(self.pixel_note)
        layout.addStretch(1)

    def set_shapes(self, shapes: dict[str, tuple[int, ...]]) -> None:
        """Conv stage -> its weights' shape (C_out, C_in, kh, kw); empty without a model."""
        self.shapes = shapes
        current = self.stage_box.currentData()
        blocked = self.stage_box.blockSignals(True)
        self.stage_box.clear()
        for name in shapes:
            self.stage_box.addItem(name, name)
        self.stage_box.setCurrentIndex(max(0, self.stage_box.findData(current)))
        self.stage_box.blockSignals(blocked)
        for widget in (self.stage_box, *self.spins.values()):
            widget.setEnabled(bool(shapes))
        self._set_ranges()

    def _set_ranges(self) -> None:
        if self.stage() is None:
            return
        for spin, top in zip(self.spins.values(), self.shapes[self.stage()]):
            blocked = spin.blockSignals(True)
            spin.setRange(0, top - 1)
            spin.blockSignals(blocked)

    def _stage_chosen(self) -> None:
        self._set_ranges()
        self.chosen.emit()

    def stage(self) -> str | None:
        return self.stage_box.currentData()

    def weight(self) -> tuple[int, int, int, int]:
        return tuple(spin.value() for spin in self.spins.values())

    def select(self, stage: str, out: int, inp: int, ky: int, kx: int) -> None:
        widgets = (self.stage_box, *self.spins.values())
        blocked = [widget.blockSignals(True) for widget in widgets]
        self.stage_box.setCurrentIndex(self.stage_box.findData(stage))
        self._set_ranges()
        for spin, value in zip(self.spins.values(), (out, inp, ky, kx)):
            spin.setValue(value)
        for widget, was in zip(widgets, blocked):
            widget.blockSignals(was)
        self.chosen.emit()

    def show_step(self, step: model.WeightGradientStep, pixel: model.InputGradientStep,
                  input_stages: dict[str, str]) -> None:
        """``input_stages``: conv stage -> the stage it reads, for the formula."""
        source = input_stages[step.stage]
        read = ", and input is the normalised drawing, (pixel − mean) / std" if source == "input" else ""
        self.formula.setText(WEIGHT_NOTE.format(o=step.out_channel, i=step.in_channel, ky=step.ky, kx=step.kx,
                                                n=step.products.size, source=source, stage=step.stage, read=read))
        self.titles["gradient"].setText(f"<b>× dL/d{step.stage}[{step.out_channel}]</b>")
        for name, values in (("inputs", step.inputs), ("gradient", step.output_gradient),
                             ("products", step.products)):
            self.plots[name].show_image(values.astype(np.float32), symmetric_levels(values))
            self.captions[name].setText(_range_text(values))
        self.terms.setText(_largest_terms(step))
        self._set_row("total", f"Sum of the {step.products.size} products, by hand", fmt(step.total, 8))
        self._set_row("autograd", f"autograd's dL/dw[{step.out_channel}, {step.in_channel}, {step.ky}, {step.kx}]",
                      fmt(step.autograd, 8))
        agrees = "✓ within 1e-5" if abs(step.difference) <= AGREES else "✗ more than 1e-5"
        self._set_row("difference", "Difference (float32 rounding)", f"{step.difference:.1e}  {agrees}")
        self.show_pixel(pixel)

    def show_pixel(self, step: model.InputGradientStep) -> None:
        """The other way round: one input value's gradient sums the weights that touched it."""
        what = "input pixel" if step.stage == "conv1" else f"value of channel {step.in_channel}"
        row, col = step.row - self.weight()[2], step.col - self.weight()[3]     # where the map shows it
        height, width = self.plots["inputs"].image.image.shape
        if 0 <= row < height and 0 <= col < width:
            place_marker(self.pixel_marker, row, col)
        else:           # an edge value no output position of this weight reads
            self.pixel_marker.hide()
        touched = int(np.count_nonzero(step.output_gradient))
        self.pixel_note.setText(
            f"<b>The other way round</b> (click the input map): the gradient of the {what} at row {step.row}, "
            f"column {step.col} sums every weight that touched it, times the output gradient where it did: "
            f"{touched} weight × gradient products over {len(step.per_channel_sums)} output channels add up "
            f"to <b>{fmt(step.total, 8)}</b>; autograd says {fmt(step.autograd, 8)}.")

    def clear(self, message: str) -> None:
        for name, plot in self.plots.items():
            plot.show_image(np.zeros((26, 26), np.float32), (-1.0, 1.0))
            self.captions[name].setText(" ")
        self.pixel_marker.hide()
        for key in self.values:
            self._set_row(key, "", "")
        self.formula.setText(message)
        self.terms.setText("")
        self.pixel_note.setText("")

    def _set_row(self, key: str, name: str, value: str) -> None:
        self.names[key].setText(name)
        self.values[key].setText(value)


def _largest_terms(step: model.WeightGradientStep, count: int = 3) -> str:
    """The few products that weigh most in the sum, written out."""
    order = np.argsort(-np.abs(step.products).ravel(), kind="stable")[:count]
    terms = []
    for flat in order:
        y, x = np.unravel_index(flat, step.products.shape)
        terms.append(f"at ({y}, {x}): {fmt(step.inputs[y, x], 3)} × {fmt(step.output_gradient[y, x], 5)} "
                     f"= {fmt(step.products[y, x], 5)}")
    return "Largest terms: " + "; ".join(terms) + "."


class BackwardTab(QWidget):
    """The loss for a label the user picks, one weight's gradient by hand,
    conv1's kernels beside their gradients, and one SGD step on a copy."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.net = None
        self.prediction = None
        self.chosen_label: int | None = None      # None: the letter the drawing reads as
        self.backward: model.BackwardPass | None = None
        self.sgd: model.SgdStep | None = None
        self.pixel: tuple[int, int] | None = None   # the input value clicked, explained the other way round

        self.letters = LetterPicker()
        self.letters.picked.connect(self.pick_label)
        header = QHBoxLayout()
        header.addWidget(QLabel("This drawing is:"))
        header.addWidget(self.letters)
        header.addStretch(1)

        # --- the loss, the bars and one step
        self.loss_label = QLabel()
        self.loss_label.setTextFormat(Qt.TextFormat.RichText)
        self.loss_label.setStyleSheet("font-size: 12pt;")
        self.bars = BeforeAfterBars()
        self.bars.letter_clicked.connect(self.pick_label)
        self.step_size = QDoubleSpinBox(decimals=4, minimum=0.0001, maximum=1.0, singleStep=0.005,
                                        value=model.DEFAULT_LEARNING_RATE)
        self.step_size.setToolTip("The learning rate: each weight moves by −step size × its gradient")
        self.step_button = QPushButton("Take one step")
        self.step_button.clicked.connect(self.take_step)
        step_row = QHBoxLayout()
        step_row.addWidget(QLabel("Step size"))
        step_row.addWidget(self.step_size)
        step_row.addWidget(self.step_button)
        step_row.addStretch(1)
        self.step_note = note()
        loss = QVBoxLayout()
        loss.addWidget(heading("The loss, and one step downhill"))
        loss.addWidget(self.loss_label)
        loss.addWidget(self.bars, 1)
        loss.addWidget(note(f"<span style='color:{BEFORE_COLOR}'>■</span> now · "
                            f"<span style='color:{AFTER_COLOR}'>■</span> after one step · click a letter"))
        loss.addLayout(step_row)
        loss.addWidget(self.step_note)

        # --- one weight's gradient, by hand
        self.weight = WeightGradientView()
        self.weight.chosen.connect(self._weight_chosen)
        self.weight.plots["inputs"].pixel_clicked.connect(self._pixel_clicked)
        by_hand = QVBoxLayout()
        by_hand.addWidget(heading("One weight's gradient, by hand"))
        by_hand.addWidget(self.weight)

        # --- conv1's kernels and their gradients
        self.kernels = KernelMosaics()
        self.kernels.weight_clicked.connect(lambda o, ky, kx: self.weight.select("conv1", o, 0, ky, kx))
        conv1 = QVBoxLayout()
        conv1.addWidget(self.kernels)
        conv1.addWidget(note("The change is −step size × the gradient. Click a kernel cell to take its "
                             "gradient apart."))
        conv1.addStretch(1)

        tab_layout(self, INTRO, [(loss, 3), (by_hand, 5), (conv1, 3)], spacing=10, header=header)
        self._show_empty()

    # ------------------------------------------------------------------ model
    def set_recognizer(self, recognizer) -> None:
        self.net = recognizer.model if recognizer is not None else None
        self.prediction = self.backward = self.sgd = None
        self.chosen_label = None
        shapes = {} if self.net is None else {name: tuple(self.net.stages[name].weight.shape)
                                               for name in model.conv_stages(self.net)}
        self.weight.set_shapes(shapes)
        self.refresh()

    # ------------------------------------------------------------- prediction
    def show_prediction(self, prediction) -> None:
        if prediction is None:
            self.chosen_label = None         # a new drawing starts from its reading
        if prediction is not self.prediction:
            self.sgd = None                  # a step belongs to the drawing it was taken on
        self.prediction = prediction
        self.refresh()

    def pick_label(self, label: int) -> None:
        """Say the drawing is letter ``label`` (an index into the classes)."""
        self.chosen_label, self.sgd = label, None
        self.refresh()

    def take_step(self) -> None:
        """One SGD step of the chosen size, with a copy of the network."""
        if self.backward is None:
            return
        self.sgd = model.sgd_step(self.net, self.prediction.image, self.backward.label, self.step_size.value())
        self._show_loss()
        self._show_kernels()

    def refresh(self) -> None:
        if self.net is None or self.prediction is None:
            self._show_empty()
            return
        self.backward = model.backward_pass(self.net, self.prediction.image, self.chosen_label)
        self.letters.show_label(self.backward.label)
        self._show_loss()
        self._show_kernels()
        self._show_weight()

    def _weight_chosen(self) -> None:
        self.pixel = None
        if self.backward is not None:
            self._show_weight()

    def _pixel_clicked(self, row: int, col: int) -> None:
        _, _, ky, kx = self.weight.weight()
        self.pixel = (row + ky, col + kx)
        if self.backward is not None:
            self._show_weight()

    # ----------------------------------------------------------------- showing
    def _show_empty(self) -> None:
        self.backward = self.sgd = None
        self.letters.show_label(None)
        for button in (*self.letters.buttons, self.step_button):
            button.setEnabled(self.net is not None and self.prediction is not None)
        self.loss_label.setText("Loss: –")
        self.bars.show_bars(None, None)
        self.step_note.setText("")
        for name in KernelMosaics.TITLES:
            self.kernels.show_maps(name, None)
        self.kernels.mark(None)
        self.weight.clear("Draw a letter on the pad: this tab then takes one step of learning on it."
                          if self.net is not None else "No model is loaded.")

    def _show_loss(self) -> None:
        for button in (*self.letters.buttons, self.step_button):
            button.setEnabled(True)
        backward, letter = self.backward, self.backward.letter
        p = float(backward.probabilities[backward.label])
        self.loss_label.setText(f"Loss = −log p(<b>{letter}</b>) = −log {p:.4f} = <b>{backward.loss:.4f}</b>")
        self.bars.show_bars(backward.probabilities, None if self.sgd is None else self.sgd.probabilities_after)
        if self.sgd is None:
            self.step_note.setText("A step moves every weight by −step size × its gradient, on a copy of the "
                                   "network: the model in use is not touched.")
            return
        sgd = self.sgd
        before, after = sgd.probabilities_before[sgd.label], sgd.probabilities_after[sgd.label]
        now = model.CLASSES[int(np.argmax(sgd.probabilities_after))]
        self.step_note.setText(
            f"After one step of size {sgd.learning_rate:g}: p({letter}) {before:.1%} → <b>{after:.1%}</b>, "
            f"loss {sgd.loss_before:.3f} → <b>{sgd.loss_after:.3f}</b>; the copy reads <b>{now}</b>. "
            f"The model in use is unchanged.")

    def _show_kernels(self) -> None:
        kernels = self.backward.weights["conv1"][:, 0]
        levels = symmetric_levels(kernels)
        self.kernels.show_maps("kernels", kernels, levels)
        self.kernels.show_maps("gradients", self.backward.weight_gradients["conv1"][:, 0])
        after = None if self.sgd is None else self.sgd.kernels_after
        self.kernels.show_maps("after", after, levels)
        self.kernels.show_maps("change", None if after is None else after - self.sgd.kernels_before)

    def _show_weight(self) -> None:
        stage = self.weight.stage()
        out, inp, ky, kx = self.weight.weight()
        step = model.weight_gradient_step(self.backward, stage, out, inp, ky, kx)
        pixel = self.pixel
        if pixel is None:        # none clicked: the input value whose gradient is largest
            gradient = np.abs(self.backward.input_gradients[stage][inp])
            pixel = tuple(int(i) for i in np.unravel_index(np.argmax(gradient), gradient.shape))
        self.weight.show_step(step, model.input_gradient_step(self.backward, stage, inp, *pixel),
                              self.backward.input_stages)
        self.kernels.mark(out if stage == "conv1" else None, ky, kx)
