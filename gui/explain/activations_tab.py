"""Explain ▸ Activations: ReLU against GELU, on the curves, in the primer's
table and on the values of the current drawing."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QVBoxLayout, QWidget

import model
from gui.dialogs import _table, compact
from gui.explain.widgets import heading, note, tab_layout, table_item
from gui.feature_maps import FlexiblePlotWidget, cache_as_pixmap

GELU_COLUMNS = ["x", "ReLU", "GELU, tanh (primer)", "GELU, exact", "ReLU grad.", "GELU grad."]
RELU_COLOR, GELU_COLOR, BEFORE_COLOR = "#5aa0ff", "#ff8a3d", "#9aa3ad"

INTRO = (
    "Without a non-linear step between them, stacked layers collapse into one linear map. "
    "<b>ReLU</b> keeps positive values and turns every negative one into exactly 0. <b>GELU</b>, "
    "x·Φ(x) with Φ the normal curve's cumulative share, is smooth: it lets small negative values "
    "through, shrunk (its lowest output is −0.17, at x ≈ −0.75). LetterNet uses GELU after every pool "
    "and every hidden dense layer."
)
TABLE_NOTE = (
    "Computed, not copied. The primer printed GELU's <i>tanh approximation</i>, rounded: every printed "
    "number matches that column. LetterNet uses the exact form (torch's default); {differ} "
    "Gradients: ReLU's is 0 for every x ≤ 0; GELU's, Φ(x) + x·φ(x), is small there but not 0."
)


def _plot() -> pg.PlotWidget:
    plot = FlexiblePlotWidget()
    plot.setBackground(None)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.showGrid(x=True, y=True, alpha=0.2)
    return plot


class ActivationsTab(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.prediction = None
        self.report: dict[str, dict] = {}
        self.has_model = False

        # --- the two curves (static)
        self.curves = _plot()
        self.curves.addLegend(offset=(10, 10))
        curves = model.activation_curves()
        self.curves.plot(curves["x"], curves["relu"], pen=pg.mkPen(RELU_COLOR, width=2.5), name="ReLU")
        self.curves.plot(curves["x"], curves["gelu"], pen=pg.mkPen(GELU_COLOR, width=2.5), name="GELU")
        self.curves.setLabel("bottom", "x, the value going in")
        self.curves.setLabel("left", "what comes out")
        self.curves.setMinimumHeight(180)
        for axis in ("left", "bottom"):
            cache_as_pixmap(self.curves.getAxis(axis))

        # --- the primer's GELU tables, computed
        inputs = [*model.PRIMER_GELU_INPUTS, *model.PRIMER_DEAD_NEURON_INPUTS]
        self.gelu_rows = model.gelu_table(inputs)
        self.gelu_table = _table(
            GELU_COLUMNS,
            [[f"{r.x:g}", f"{r.relu:.3f}", f"{r.gelu_tanh:.3f}", f"{r.gelu:.4f}", f"{r.relu_grad:g}",
              f"{r.gelu_grad:.3f}"] for r in self.gelu_rows],
            right_aligned={0, 1, 2, 3, 4, 5})
        bold = QFont(self.gelu_table.font())
        bold.setBold(True)
        differ = []
        for r, row in enumerate(self.gelu_rows):
            if round(row.gelu, 3) != round(row.gelu_tanh, 3):
                differ.append(f"{row.x:g}")
                self.gelu_table.item(r, 3).setFont(bold)
                self.gelu_table.item(r, 3).setToolTip("Rounded to 3 decimals, the exact form differs here")
        compact(self.gelu_table)
        self.gelu_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        differs = (f"rounded to 3 decimals it differs from the print only at x = {', '.join(differ)} "
                   "(bold), in the last digit." if differ else "it rounds to the same numbers.")
        self.table_note = note(TABLE_NOTE.format(differ=differs))

        # --- the current drawing's values, before and after
        self.layer_box = QComboBox()
        self.layer_box.currentIndexChanged.connect(lambda _: self.refresh())
        self.histogram = _plot()
        self.histogram.addLegend(offset=(10, 10))
        self.histogram.setLabel("bottom", "value")
        self.histogram.setLabel("left", "how many units")
        self.histogram.setMinimumHeight(200)
        self.bars = {
            "before": self.histogram.plot([0, 1], [0], stepMode="center", fillLevel=0, name="before",
                                          pen=pg.mkPen(BEFORE_COLOR, width=1.5), brush=(154, 163, 173, 90)),
            "relu": self.histogram.plot([0, 1], [0], stepMode="center", name="after ReLU",
                                        pen=pg.mkPen(RELU_COLOR, width=2)),
            "gelu": self.histogram.plot([0, 1], [0], stepMode="center", name="after GELU",
                                        pen=pg.mkPen(GELU_COLOR, width=2)),
        }
        self.spike = pg.TextItem(anchor=(0, 0), color=RELU_COLOR)
        self.histogram.addItem(self.spike, ignoreBounds=True)
        self.dead_note = note()
        self.summary = _table(["GELU stage", "reads", "values", "ReLU would zero", "GELU zeros"], [],
                              right_aligned={2, 3, 4})
        self.summary.setRowCount(5)
        compact(self.summary)

        left = QVBoxLayout()
        left.addWidget(heading("ReLU and GELU"))
        left.addWidget(self.curves, 2)
        left.addWidget(heading("The primer's GELU tables, computed"))
        left.addWidget(self.gelu_table)
        left.addWidget(self.table_note)
        chooser = QHBoxLayout()
        chooser.addWidget(heading("Your drawing's values at"))
        chooser.addWidget(self.layer_box, 1)
        right = QVBoxLayout()
        right.addLayout(chooser)
        right.addWidget(self.histogram, 3)
        right.addWidget(self.dead_note)
        right.addWidget(heading("Every activation stage, this drawing"))
        right.addWidget(self.summary)
        tab_layout(self, INTRO, [(left, 1), (right, 1)])

    # ------------------------------------------------------------------ model
    def set_recognizer(self, recognizer) -> None:
        self.prediction, self.report = None, {}   # the next show_prediction brings this model's reading
        self.has_model = recognizer is not None
        current = self.layer_box.currentData()
        blocked = self.layer_box.blockSignals(True)
        self.layer_box.clear()
        if recognizer is not None:
            rows = model.architecture_table(recognizer.model)
            for before, row in zip(rows, rows[1:]):
                if row["type"] == "GELU":
                    shape = " × ".join(map(str, before["output_shape"]))
                    self.layer_box.addItem(f"{row['name']}: the {shape} values {before['name']} hands it",
                                           row["name"])
        index = self.layer_box.findData(current)
        self.layer_box.setCurrentIndex(index if index >= 0 else 0)
        self.layer_box.blockSignals(blocked)
        self.layer_box.setEnabled(self.layer_box.count() > 0)
        self.refresh()

    def stage(self) -> str | None:
        return self.layer_box.currentData()

    # ------------------------------------------------------------- prediction
    def show_prediction(self, prediction) -> None:
        self.prediction = prediction
        self.report = model.dead_unit_report(prediction.activations) if prediction is not None else {}
        self._show_summary()
        self.refresh()

    def refresh(self) -> None:
        stage = self.stage()
        if self.prediction is None or stage is None or stage not in self.report:
            for bars in self.bars.values():
                bars.setData([0, 1], [0])
            self.histogram.setXRange(-1, 1, padding=0)
            self.histogram.setYRange(0, 1, padding=0)
            self.spike.setText("")
            self.dead_note.setText("Draw a letter on the pad to see what ReLU and GELU do to its values."
                                   if self.has_model else "No model is loaded: there are no values to show.")
            return
        stats = self.report[stage]
        source = stats["input_stage"]
        histograms = model.activation_histograms(self.prediction.activations[source])
        edges = histograms["edges"]
        for key, bars in self.bars.items():
            bars.setData(edges, histograms[key])
        # ReLU piles every non-positive value into the bin holding 0: a spike that
        # would flatten the rest; cap the view and label the spike instead.
        others = max(histograms["before"].max(), histograms["gelu"].max(), 1)
        top = others * 1.15
        self.histogram.setYRange(0, top, padding=0)
        self.histogram.setXRange(edges[0], edges[-1], padding=0.02)
        spike = int(histograms["relu"].max())
        if spike > top:
            zero_bin = int(np.clip(np.searchsorted(edges, 0.0, side="right") - 1, 0, len(edges) - 2))
            self.spike.setText(self._spike_text(spike, stats["relu_zero"]))
            self.spike.setPos(edges[zero_bin + 1], top)
        else:
            self.spike.setText("")
        self.dead_note.setText(self._dead_text(stage, stats))

    @staticmethod
    def _spike_text(spike: int, zeroed: int) -> str:
        """The ReLU bar holding 0: the zeroed values, counted as the note
        counts them, apart from the small positive ones that share the bin."""
        small = spike - zeroed
        shared = f"\n    + {small:,} small positive values" if small > 0 else ""
        return f"◀ ReLU: {zeroed:,} zeroed here{shared}\n    (off the scale)"

    @staticmethod
    def _dead_text(stage: str, s: dict) -> str:
        gelu = (f"GELU gives exactly 0 for <b>{s['gelu_zero']:,}</b> of them ({s['gelu_fraction']:.1%}); "
                f"the other <b>{s['kept_by_gelu']:,}</b>" if s["gelu_zero"] else
                f"GELU gives exactly 0 for <b>0</b> of them: all <b>{s['kept_by_gelu']:,}</b>")
        return (
            f"<b>“Dead” units.</b> On your drawing, {s['input_stage']} hands {s['n']:,} values to {stage}. "
            f"<b>{s['relu_zero']:,}</b> of them ({s['relu_fraction']:.0%}) are zero or negative. ReLU would "
            f"output exactly 0 for every one and pass no gradient back, so for this drawing those units would "
            f"be silent and could not learn from it. {gelu} still send a small negative value and get a "
            f"gradient. (LetterNet uses GELU; the ReLU counts are what it would lose.)"
        )

    def _show_summary(self) -> None:
        table = self.summary
        table.setRowCount(len(self.report))
        for r, (stage, s) in enumerate(self.report.items()):
            texts = [stage, s["input_stage"], f"{s['n']:,}", f"{s['relu_zero']:,} ({s['relu_fraction']:.0%})",
                     f"{s['gelu_zero']:,} ({s['gelu_fraction']:.1%})"]
            for c, text in enumerate(texts):
                item = table.item(r, c)
                if item is None:
                    item = table_item(text, right=c >= 2)
                    table.setItem(r, c, item)
                else:
                    item.setText(text)
