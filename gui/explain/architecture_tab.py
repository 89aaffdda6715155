"""Explain ▸ Architecture: the loaded network's layers beside the primer's
digit design, and the spatial-size formula as a calculator."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QSpinBox, QVBoxLayout, QWidget

import model
from gui.dialogs import _table, bold_last_row, compact
from gui.explain.widgets import heading, note, tab_layout, table_item

HEADERS = ["Layer", "Type", "Output shape", "Parameters", "Counted as"]

INTRO = (
    "Each row is one stage, with the shape of what it hands on and how many numbers it learns. "
    "A conv layer learns kernel height × width × input channels × output channels weights plus one bias per "
    "output channel; a dense (Linear) layer learns inputs × outputs plus one bias per output. Pooling and "
    "activations learn nothing."
)
COMPARISON = (
    "<b>Why LetterNet is smaller.</b> The primer's design flattens a 5×5×64 map (1,600 values) into a "
    "128-unit layer: 204,928 of its 225,034 parameters sit in that one layer. LetterNet adds a third conv "
    "block, which shrinks the map to 2×2×128 = 512 values before its first dense layer. "
    "<b>Order.</b> The primer runs conv → ReLU → pool; LetterNet runs conv → pool → GELU. For ReLU the order "
    "makes no difference (ReLU never swaps two values, so the maximum survives either way) and pooling "
    "first is cheaper: the activation runs on a quarter of the values. For GELU, which dips below zero, the "
    "two orders can differ slightly on negative values. LetterNet's pools also <i>round up</i> "
    "(conv2's 11×11 pools to 6×6; the primer's pool2 rounds 11 down to 5)."
)
CALCULATOR = (
    "Output size = (input − kernel + 2·padding) / stride + 1. The same formula serves a conv and a "
    "max-pool (a 2×2 pool is a kernel of 2 with stride 2)."
)
ROUNDING = {
    "exact": "must divide evenly (the formula as written)",
    "floor": "round down (torch's default: a partial last window is dropped)",
    "ceil": "round up (ceil_mode, as LetterNet's pools: a partial last window is kept)",
}
# (label, input, kernel, padding, stride, rounding)
EXAMPLES = [
    ("conv1: 28, kernel 3", 28, 3, 0, 1, "exact"),
    ("the same with padding 1", 28, 3, 1, 1, "exact"),
    ("the primer's 4×4 max-pool", 4, 2, 0, 2, "exact"),
    ("pool2 of LetterNet: 11, rounding up", 11, 2, 0, 2, "ceil"),
    ("the primer's pool2: 11, rounding down", 11, 2, 0, 2, "floor"),
    ("a kernel too big: 5, kernel 7", 5, 7, 0, 1, "exact"),
]


def layer_rows(rows: list[dict]) -> list[list[str]]:
    """The table's text: one line per stage, then the total."""
    lines = [[row["name"], row["type"], " × ".join(map(str, row["output_shape"])),
              f"{row['parameters']:,}" if row["parameters"] else "–", row["formula"] or row["detail"]]
             for row in rows]
    lines.append(["total", "", "", f"{sum(row['parameters'] for row in rows):,}", ""])
    return lines


class ArchitectureTab(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.model_title = heading("The loaded network")
        self.model_table = _table(HEADERS, [], right_aligned={3})
        self.primer_table = compact(_table(HEADERS, layer_rows(model.primer_digit_table()), right_aligned={3}))
        bold_last_row(self.primer_table)

        # --- the spatial-size calculator
        self.input_spin, self.kernel_spin = QSpinBox(), QSpinBox()
        self.padding_spin, self.stride_spin = QSpinBox(), QSpinBox()
        for spin, low, high, value in ((self.input_spin, 1, 4096, 28), (self.kernel_spin, 1, 99, 3),
                                       (self.padding_spin, 0, 99, 0), (self.stride_spin, 1, 99, 1)):
            spin.setRange(low, high)
            spin.setValue(value)
            spin.valueChanged.connect(lambda _: self.calculate())
        self.rounding_box = QComboBox()
        for key, text in ROUNDING.items():
            self.rounding_box.addItem(text, key)
        self.rounding_box.currentIndexChanged.connect(lambda _: self.calculate())
        self.examples_box = QComboBox()
        self.examples_box.addItem("Try an example…", None)
        for example in EXAMPLES:
            self.examples_box.addItem(example[0], example[1:])
        self.examples_box.activated.connect(self._example_chosen)
        self.result = QLabel()
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setWordWrap(True)
        self.result.setMinimumHeight(44)
        self.result.setStyleSheet("font-size: 12pt;")
        calculator = QGroupBox("Spatial-size calculator")
        form = QGridLayout(calculator)
        form.addWidget(note(CALCULATOR), 0, 0, 1, 6)
        for column, (text, widget) in enumerate((("input", self.input_spin), ("kernel", self.kernel_spin),
                                                  ("padding", self.padding_spin), ("stride", self.stride_spin))):
            form.addWidget(QLabel(text), 1, column)
            form.addWidget(widget, 2, column)
        form.addWidget(QLabel("when stride does not divide evenly"), 1, 4)
        form.addWidget(self.rounding_box, 2, 4)
        form.addWidget(self.examples_box, 2, 5)
        form.addWidget(self.result, 3, 0, 1, 6)
        # The two lists take the spare width, and in a narrow window they
        # shorten their text instead of widening the whole tab.
        for column, stretch, box in ((4, 3, self.rounding_box), (5, 2, self.examples_box)):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(12)
            form.setColumnStretch(column, stretch)

        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.model_title)
        left.addWidget(self.model_table)
        left.addStretch(1)
        right.addWidget(heading("The primer's digit classifier (28×28 in, 10 classes)"))
        right.addWidget(self.primer_table)
        right.addStretch(1)
        layout = tab_layout(self, INTRO, [(left, 1), (right, 1)])
        layout.addWidget(note(COMPARISON))
        layout.addWidget(calculator)
        self.calculate()

    def set_recognizer(self, recognizer) -> None:
        if recognizer is None:
            net, title = model.build_model(), "LetterNet (no weights loaded: the untrained design)"
        else:
            net, title = recognizer.model, f"The loaded network: {recognizer.describe()}"
        rows = layer_rows(model.architecture_table(net))
        table = self.model_table
        table.setRowCount(len(rows))
        for r, line in enumerate(rows):
            for c, text in enumerate(line):
                table.setItem(r, c, table_item(text, right=c == 3))
        bold_last_row(table)
        compact(table)
        self.model_title.setText(f"<b>{title}</b>")

    def show_prediction(self, prediction) -> None:
        """Nothing here depends on the drawing."""

    # ------------------------------------------------------------ calculator
    def set_inputs(self, input: int, kernel: int, padding: int = 0, stride: int = 1,
                   rounding: str = "exact") -> None:
        spins = (self.input_spin, self.kernel_spin, self.padding_spin, self.stride_spin)
        for spin, value in zip(spins, (input, kernel, padding, stride)):
            blocked = spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(blocked)
        blocked = self.rounding_box.blockSignals(True)
        self.rounding_box.setCurrentIndex(self.rounding_box.findData(rounding))
        self.rounding_box.blockSignals(blocked)
        self.calculate()

    def _example_chosen(self, index: int) -> None:
        values = self.examples_box.itemData(index)
        if values is not None:
            self.set_inputs(*values)
        self.examples_box.setCurrentIndex(0)

    def calculate(self) -> int | None:
        """Show and return the output size (None, with the reason shown, when there is none)."""
        size, kernel = self.input_spin.value(), self.kernel_spin.value()
        padding, stride = self.padding_spin.value(), self.stride_spin.value()
        rounding = self.rounding_box.currentData()
        exact = (size - kernel + 2 * padding) / stride + 1
        formula = f"({size} − {kernel} + 2·{padding}) / {stride} + 1 = {exact:g}"
        try:
            result = model.output_size(size, kernel, padding, stride, rounding)
        except ValueError as error:
            # The formula is shown just above, and the rounding is picked beside it: say so in those words.
            reason = (f"{exact:g} is not a whole number. Pick “round down” or “round up” to see what torch does"
                      if rounding == "exact" and exact >= 1 else str(error))
            self.result.setText(f"{formula}<br><span style='color:#d9603b'><b>No valid size:</b> {reason}.</span>")
            return None
        self.result.setText(f"{formula}{_rounding_note(rounding, exact, result)} → <b>output {result}×{result}</b>")
        return result


def _rounding_note(rounding: str, exact: float, result: int) -> str:
    """How the formula's value became ``result``: by comparing them, as ceil
    mode can also give less than the formula (e.g. input 5, kernel 2, padding 1, stride 4)."""
    if result == exact:
        return ""
    if result > exact:
        return ", rounded up to"
    if rounding == "floor":
        return ", rounded down to"
    return ("; ceil mode keeps a partial last window, but torch drops one that would start "
            "in the padding only")
