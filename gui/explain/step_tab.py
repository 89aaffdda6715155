"""Explain ▸ Step through: how one value of a conv or max-pool map was made,
recomputed by hand from the input patch, the kernel and the bias."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGridLayout, QHBoxLayout, QHeaderView, QLabel,
                               QSpinBox, QStyledItemDelegate, QTableWidget, QVBoxLayout,
                               QWidget)

import model
from gui.explain.widgets import NumberGrid, cell_colors, fmt, heading, note, tab_layout, table_item
from gui.feature_maps import FlexibleImagePlot, ImagePlot, add_marker, map_levels, place_marker, symmetric_levels

TOP_CHANNELS = 12
TOP_COLUMNS = ["channel", "patch", "kernel", "sum", ""]
POSITIVE, NEGATIVE = QColor("#d9603b"), QColor("#3f7fd0")

INTRO = (
    "Pick a value on any conv or max-pool map (click the map below, or a pixel of the main "
    "window's enlarged channel) and see exactly how the network computed it. LetterNet's blocks run "
    "<b>conv → max-pool → GELU</b>, so conv2 reads gelu1's channels and conv3 reads gelu2's."
)


VALUE, SCALE = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1


class _BarDelegate(QStyledItemDelegate):
    """Paints a cell's number as a bar from the middle: red right for positive, blue left for negative."""

    def paint(self, painter: QPainter, option, index) -> None:
        super().paint(painter, option, index)         # selection background
        value, peak = index.data(VALUE), index.data(SCALE)
        if value is None or not peak:
            return
        rect = option.rect.adjusted(3, 6, -3, -6)
        middle = rect.left() + rect.width() / 2
        length = rect.width() / 2 * min(abs(value) / peak, 1.0)
        left = middle if value >= 0 else middle - length
        painter.save()
        painter.fillRect(QRectF(left, rect.top(), length, rect.height()), POSITIVE if value >= 0 else NEGATIVE)
        painter.setPen(QColor("#888888"))
        painter.drawLine(int(middle), rect.top(), int(middle), rect.bottom())
        painter.restore()


class _HeatDelegate(QStyledItemDelegate):
    """Paints a small matrix (a patch, a kernel slice) as coloured squares, in
    the feature maps' colours, all rows on one shared scale."""

    def paint(self, painter: QPainter, option, index) -> None:
        super().paint(painter, option, index)
        values, levels = index.data(VALUE), index.data(SCALE)
        if values is None or levels is None:
            return
        values = np.asarray(values)
        rows, cols = values.shape
        side = min(option.rect.height() - 6, (option.rect.width() - 6) * rows / cols)
        cell = side / rows
        left = option.rect.center().x() - cell * cols / 2
        top = option.rect.center().y() - side / 2
        painter.save()
        for i, color in enumerate(cell_colors(values, levels)):
            r, c = divmod(i, cols)
            painter.fillRect(QRectF(left + c * cell, top + r * cell, cell, cell), QColor(*map(int, color[:3])))
        painter.setPen(QColor("#777777"))
        painter.drawRect(QRectF(left, top, cell * cols, side))
        painter.restore()


def contributions_table() -> QTableWidget:
    """The input channels that contributed most: channel, patch, kernel, sum, and a bar."""
    table = QTableWidget(0, len(TOP_COLUMNS))
    table.setHorizontalHeaderLabels(TOP_COLUMNS)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(38)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    heat = _HeatDelegate(table)
    table.setItemDelegateForColumn(1, heat)
    table.setItemDelegateForColumn(2, heat)
    table.setItemDelegateForColumn(4, _BarDelegate(table))
    header = table.horizontalHeader()
    # Fixed widths: the values are replaced quietly on every drawing (see
    # _show_contributors), so the header would not re-fit them.
    metrics = table.fontMetrics()
    for column, sample in enumerate(("channel", "patch", "kernel", "-0.0000")):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
        table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 12)
    header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
    table.setMinimumWidth(280)
    return table


class StepTab(QWidget):
    """Recompute one feature-map value: patch × kernel, summed, plus bias (conv),
    or the winner of a 2×2 window (max-pool)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.prediction = None
        self.net = None
        self.stages: dict[str, tuple[str, tuple[int, ...]]] = {}   # name -> (type, (C, H, W))
        self.previous: dict[str, str] = {}                          # stage -> the stage it reads
        self.contributor: int | None = None      # input channel shown in the grids (None: the top one)
        self.via_gelu: str | None = None         # the GELU stage the user clicked, explained by its pool
        self.step: model.ConvStep | model.PoolStep | None = None

        # --- what to explain
        self.stage_box = QComboBox()
        self.channel_spin, self.row_spin, self.col_spin = QSpinBox(), QSpinBox(), QSpinBox()
        controls = QHBoxLayout()
        for text, widget in (("Map", self.stage_box), ("channel", self.channel_spin), ("row", self.row_spin),
                             ("column", self.col_spin)):
            controls.addWidget(QLabel(text))
            controls.addWidget(widget)
        controls.addStretch(1)
        self.stage_box.currentIndexChanged.connect(lambda _: self._stage_chosen())
        for spin in (self.channel_spin, self.row_spin, self.col_spin):
            spin.valueChanged.connect(lambda _: self._position_chosen())

        # --- the map and the input the value was computed from
        self.map_title = heading("Map")
        self.map_plot = FlexibleImagePlot()
        self.map_plot.ci.layout.setContentsMargins(2, 8, 2, 8)     # room for the colour bar's end labels
        self.map_plot.setMinimumSize(230, 200)
        self.map_marker = add_marker(self.map_plot)
        self.map_plot.pixel_clicked.connect(self._map_clicked)
        self.map_plot.setToolTip("Click a value to explain it")
        self.source_title = heading("Input")
        self.source_plot = FlexibleImagePlot()
        self.source_plot.ci.layout.setContentsMargins(2, 8, 2, 8)
        self.source_plot.setMinimumSize(230, 200)
        self.source_marker = add_marker(self.source_plot)
        maps = QVBoxLayout()
        for widget in (self.map_title, self.map_plot, self.source_title, self.source_plot):
            maps.addWidget(widget, 1 if isinstance(widget, ImagePlot) else 0)

        # --- patch × kernel = products
        self.patch_title, self.kernel_title, self.products_title = heading("Patch"), heading("Kernel"), \
            heading("Products")
        self.patch_grid, self.kernel_grid, self.products_grid = (NumberGrid(cell_width=58, cell_height=30)
                                                                 for _ in range(3))
        grids = QHBoxLayout()
        self.times_label, self.equals_label = QLabel("×"), QLabel("=")
        for widget in (self.times_label, self.equals_label):
            widget.setStyleSheet("font-size: 18pt;")
        for title, grid, after in ((self.patch_title, self.patch_grid, self.times_label),
                                   (self.kernel_title, self.kernel_grid, self.equals_label),
                                   (self.products_title, self.products_grid, None)):
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(grid)
            column.addStretch(1)
            grids.addLayout(column)
            if after is not None:
                grids.addWidget(after, 0, Qt.AlignmentFlag.AlignVCenter)
        grids.addStretch(1)
        self.channel_sum = note()

        # --- sum + bias = total, against the network's own value
        self.names: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        equation = QGridLayout()
        equation.setHorizontalSpacing(14)
        for row, key in enumerate(("sum", "bias", "total", "activation", "difference")):
            self.names[key], self.values[key] = QLabel(), QLabel()
            self.values[key].setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.values[key].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            equation.addWidget(self.names[key], row, 0)
            equation.addWidget(self.values[key], row, 1)
        for key in ("total", "activation"):
            self.values[key].setStyleSheet("font-weight: bold;")
        equation.setColumnStretch(2, 1)
        for label in (*self.names.values(), *self.values.values()):
            label.setStyleSheet(label.styleSheet() + "font-size: 11pt;")
        self.explanation = note()

        # --- the input channels that contributed most
        self.top_title = heading("Largest contributions")
        self.top_table = contributions_table()
        # The current row follows the keyboard too (Up/Down), not only clicks;
        # a click on the row already current changes no current cell, hence both.
        # No previous row: the table was refilled and Qt makes a row current when
        # it gets the focus; that is no choice of the user's.
        self.top_table.currentCellChanged.connect(
            lambda row, _column, previous, _previous_column: previous >= 0 and self._contributor_chosen(row))
        self.top_table.cellClicked.connect(lambda row, _column: self._contributor_chosen(row))
        self.top_note = note()
        top = QVBoxLayout()
        top.addWidget(self.top_title)
        top.addWidget(self.top_table, 1)
        top.addWidget(self.top_note)

        detail = QVBoxLayout()
        detail.addLayout(grids)
        detail.addWidget(self.channel_sum)
        detail.addSpacing(6)
        detail.addLayout(equation)
        detail.addSpacing(6)
        detail.addWidget(self.explanation)
        detail.addStretch(1)

        tab_layout(self, INTRO, [(maps, 3), (detail, 4), (top, 3)], spacing=8, header=controls)

    # ------------------------------------------------------------------ model
    def set_recognizer(self, recognizer) -> None:
        self.net = recognizer.model if recognizer is not None else None
        self.prediction = None           # the next show_prediction brings this model's reading
        self.stages, self.previous = {}, {}
        if self.net is not None:
            rows = model.architecture_table(self.net)
            for before, row in zip(rows, rows[1:]):
                self.previous[row["name"]] = before["name"]
                if row["type"] in ("Conv2d", "MaxPool2d") and len(row["output_shape"]) == 3:
                    self.stages[row["name"]] = (row["type"], tuple(row["output_shape"]))
        current = self.stage_box.currentData()
        blocked = self.stage_box.blockSignals(True)
        self.stage_box.clear()
        for name, (kind, shape) in self.stages.items():
            self.stage_box.addItem(f"{name} ({'convolution' if kind == 'Conv2d' else 'max-pool'})", name)
        index = self.stage_box.findData(current if current in self.stages else "conv2")
        self.stage_box.setCurrentIndex(max(index, 0))
        self.stage_box.blockSignals(blocked)
        for widget in (self.stage_box, self.channel_spin, self.row_spin, self.col_spin):
            widget.setEnabled(bool(self.stages))       # nothing to pick without a model
        self._set_ranges()
        self.refresh()

    # -------------------------------------------------------------- selection
    def stage(self) -> str | None:
        return self.stage_box.currentData()

    def position(self) -> tuple[int, int, int]:
        return self.channel_spin.value(), self.row_spin.value(), self.col_spin.value()

    def select(self, stage: str, channel: int, row: int, col: int) -> bool:
        """Explain ``stage``[channel, row, col].  A GELU stage is explained
        through the max-pool it is applied to.  False if ``stage`` has no
        step-through (e.g. a dense layer)."""
        via_gelu = None
        if stage not in self.stages and stage in self.previous and self.previous[stage] in self.stages \
                and self.stages[self.previous[stage]][0] == "MaxPool2d":
            via_gelu, stage = stage, self.previous[stage]
        if stage not in self.stages:
            return False
        widgets = (self.stage_box, self.channel_spin, self.row_spin, self.col_spin)
        blocked = [w.blockSignals(True) for w in widgets]
        self.stage_box.setCurrentIndex(self.stage_box.findData(stage))
        self._set_ranges()
        self.channel_spin.setValue(channel)
        self.row_spin.setValue(row)
        self.col_spin.setValue(col)
        for widget, was in zip(widgets, blocked):
            widget.blockSignals(was)
        self.via_gelu, self.contributor = via_gelu, None
        self.refresh()
        return True

    def _set_ranges(self) -> None:
        stage = self.stage()
        if stage is None:
            return
        channels, height, width = self.stages[stage][1]
        # Quietly: a narrowed box would otherwise refresh while the others are still
        # out of the new map's range (the callers refresh once, after).
        for spin, top in ((self.channel_spin, channels), (self.row_spin, height), (self.col_spin, width)):
            blocked = spin.blockSignals(True)
            spin.setRange(0, top - 1)
            spin.blockSignals(blocked)

    def _stage_chosen(self) -> None:
        self._set_ranges()
        self.via_gelu, self.contributor = None, None
        self.refresh()

    def _position_chosen(self) -> None:
        self.via_gelu, self.contributor = None, None
        self.refresh()

    def _map_clicked(self, row: int, col: int) -> None:
        if self.stage() is not None:
            self.select(self.stage(), self.channel_spin.value(), row, col)

    def _contributor_chosen(self, row: int) -> None:
        item = self.top_table.item(row, 0)
        if item is None or item.data(VALUE) is None:
            return
        channel = int(item.data(VALUE))
        if channel != self.contributor:          # a click's press and release: one refresh
            self.contributor = channel
            self.refresh()

    # ------------------------------------------------------------- prediction
    def show_prediction(self, prediction) -> None:
        self.prediction = prediction
        self.refresh()

    def refresh(self) -> None:
        stage = self.stage()
        if self.prediction is None or self.net is None or stage is None:
            self._show_empty()
            return
        activations = self.prediction.activations
        channel, row, col = self.position()
        kind = self.stages[stage][0]
        self.map_title.setText(f"<b>{stage}</b>, channel {channel}: click a value")
        feature_map = activations[stage][channel]
        self.map_plot.show_image(feature_map, map_levels(stage, activations))
        place_marker(self.map_marker, row, col)
        if kind == "Conv2d":
            self.step = model.conv_step(self.net, activations, stage, channel, row, col)
            self._show_conv(self.step)
        else:
            size = self.net.stages[stage].kernel_size
            self.step = model.pool_step(activations, stage, channel, row, col,
                                        size=size if isinstance(size, int) else size[0])
            self._show_pool(self.step)

    def _show_empty(self) -> None:
        self.step = None
        self.map_title.setText("<b>Map</b>")
        self.source_title.setText("<b>Input</b>")
        for plot, marker in ((self.map_plot, self.map_marker), (self.source_plot, self.source_marker)):
            plot.show_image(np.zeros((26, 26), np.float32), (-1.0, 1.0))
            marker.hide()
        for grid in (self.patch_grid, self.kernel_grid, self.products_grid):
            grid.clear_values()
        for key in self.values:
            self._set_row(key, "", None)
        self.channel_sum.setText("")
        self.explanation.setText("Draw a letter on the pad: this tab then takes apart one value of its maps."
                                 if self.net is not None else "No model is loaded.")
        self.top_table.setRowCount(0)
        self.top_note.setText("")

    def _show_source(self, input_stage: str, channel: int, top: int, left: int, height: int, width: int,
                     what: str) -> None:
        source = self.prediction.activations[input_stage][channel]
        self.source_title.setText(f"<b>{input_stage}</b>, channel {channel}: {what}")
        self.source_plot.show_image(source, map_levels(input_stage, self.prediction.activations))
        place_marker(self.source_marker, top, left, height, width)

    def _show_conv(self, step: model.ConvStep) -> None:
        conv = self.net.stages[step.stage]
        kh, kw = step.kernel.shape[1:]
        inputs = len(step.per_channel_sums)
        k = self.contributor if self.contributor is not None and self.contributor < inputs \
            else int(step.top_channels[0])
        rank = int(np.flatnonzero(step.top_channels == k)[0]) + 1
        stride, padding = conv.stride, conv.padding if isinstance(conv.padding, tuple) else (0, 0)
        top, left = step.row * stride[0] - padding[0], step.col * stride[1] - padding[1]
        source_name = "the normalised drawing" if step.input_stage == "input" else step.input_stage
        self._show_source(step.input_stage, k, top, left, kh, kw, "the window under the kernel")
        for widget in (self.kernel_grid, self.products_grid, self.times_label, self.equals_label,
                       self.kernel_title, self.products_title):
            widget.show()
        one = inputs == 1
        self.patch_title.setText(f"<b>Patch</b> of {step.input_stage}" + ("" if one else f" ch. {k}"))
        self.kernel_title.setText(f"<b>Kernel</b> {step.stage}[{step.channel}]" + ("" if one else f", slice {k}"))
        self.products_title.setText("<b>Products</b>, cell by cell")
        self.patch_grid.set_values(step.patch[k], map_levels(step.input_stage, self.prediction.activations))
        self.kernel_grid.set_values(step.kernel[k])
        self.products_grid.set_values(step.products[k])
        # Each number rounded on its own would not always add up in the last
        # digit: the sum printed is the printed total less the printed bias.
        total, bias = fmt(step.total), fmt(step.bias)
        printed_sum = float(total) - float(bias)
        if one:         # the one channel's sum is the sum row's: printed the same
            self.channel_sum.setText(f"The {kh * kw} products add up to <b>{fmt(printed_sum)}</b>.")
        else:
            place = "the largest" if rank == 1 else f"the {_ordinal(rank)} largest"
            self.channel_sum.setText(
                f"Input channel {k}'s {kh * kw} products add up to <b>{fmt(step.per_channel_sums[k])}</b>, "
                f"{place} of the {inputs} channels' contributions.")
        self._set_row("sum", f"Products summed over {'the input' if one else f'all {inputs} input channels'} "
                             f"({inputs * kh * kw} products)", printed_sum)
        self._set_row("bias", f"+ bias of output channel {step.channel}", float(bias))
        self._set_row("total", "= sum + bias", float(total))
        self._set_row("activation", f"The network's own value, {step.stage}[{step.channel}, {step.row}, {step.col}]",
                      step.activation)
        self._set_row("difference", "Difference (float32 rounding)", step.total - step.activation, ".1e")
        self.explanation.setText(self._conv_explanation(step, source_name, inputs, kh, kw))
        self._show_contributors(step, k)

    def _conv_explanation(self, step, source_name: str, inputs: int, kh: int, kw: int) -> str:
        if inputs == 1:
            ink, paper = ((v - float(self.net.input_mean)) / float(self.net.input_std) for v in (1.0, 0.0))
            return (f"{step.stage} slides each of its kernels over {source_name} (ink {ink:.2f}, "
                    f"paper {paper:.2f}). "
                    f"The value at row {step.row}, column {step.col} is the {kh}×{kw} patch whose top-left "
                    f"corner is there, times the kernel cell by cell, summed, plus the channel's bias.")
        return (f"{step.stage} reads all {inputs} channels of {source_name}. The kernel of one output channel is "
                f"{inputs} stacked {kh}×{kw} grids: each input channel's patch is multiplied by its own grid, "
                f"then all {inputs * kh * kw} products and one bias are added. A few channels usually "
                f"carry most of the sum; the table of largest contributions ranks them.")

    def _show_contributors(self, step: model.ConvStep, shown: int) -> None:
        inputs = len(step.per_channel_sums)
        self.top_title.setVisible(inputs > 1)
        self.top_table.setVisible(inputs > 1)
        if inputs == 1:
            self.top_note.setText("conv1 reads a single channel (the drawing), so there is nothing to rank.")
            return
        top = step.top(TOP_CHANNELS)
        peak = max(abs(value) for _, value in top) or 1.0
        table = self.top_table
        if table.rowCount() != len(top):        # items are made once and then updated in place
            table.setRowCount(len(top))
            for r in range(len(top)):
                for c in range(len(TOP_COLUMNS)):
                    table.setItem(r, c, table_item("", right=c == 3))
            # Tall enough for every row: the table never scrolls by itself,
            # and in a narrow window the tab scrolls instead.
            table.setMinimumHeight(table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
                                   + sum(table.rowHeight(r) for r in range(len(top))))
        channels = [channel for channel, _ in top]
        patch_levels = map_levels(step.input_stage, self.prediction.activations)   # as in the maps
        kernel_levels = symmetric_levels(step.kernel[channels])
        # Same rows, new values: update quietly and repaint once, rather than
        # have the view react to each of the 70-odd changes (~10 ms).
        blocked = table.model().blockSignals(True)
        for r, (channel, value) in enumerate(top):
            channel_cell, patch_cell, kernel_cell, sum_cell, bar_cell = (table.item(r, c) for c in range(5))
            channel_cell.setText(str(channel))
            channel_cell.setData(VALUE, channel)
            patch_cell.setData(VALUE, step.patch[channel])
            patch_cell.setData(SCALE, patch_levels)
            kernel_cell.setData(VALUE, step.kernel[channel])
            kernel_cell.setData(SCALE, kernel_levels)
            sum_cell.setText(fmt(value, 4))
            bar_cell.setData(VALUE, value)
            bar_cell.setData(SCALE, peak)
        table.model().blockSignals(blocked)
        table.viewport().update()
        # Marking the row shown is not the user choosing a contributor.
        blocked = table.blockSignals(True)
        table.clearSelection()
        rows = [r for r, (channel, _) in enumerate(top) if channel == shown]
        if rows:
            table.selectRow(rows[0])
        table.blockSignals(blocked)
        share = sum(abs(v) for _, v in top) / max(np.abs(step.per_channel_sums).sum(), 1e-12)
        self.top_note.setText(f"The {len(top)} largest of {inputs} channel sums carry {share:.0%} of their "
                              f"total size. Each row: the input channel's patch, its slice of the kernel, "
                              f"and what their 9 products add up to. Click a row to see its numbers.")

    def _show_pool(self, step: model.PoolStep) -> None:
        for widget in (self.kernel_grid, self.products_grid, self.times_label, self.equals_label,
                       self.kernel_title, self.products_title, self.top_title, self.top_table):
            widget.hide()
        height, width = step.window.shape
        top, left = step.origin
        self._show_source(step.input_stage, step.channel, top, left, height, width, "the pooled window")
        winner = (step.winner[0] - top, step.winner[1] - left)
        self.patch_title.setText(f"<b>Window</b> of {step.input_stage}, {_span('row', top, height)}, "
                                 f"{_span('column', left, width)}")
        self.patch_grid.set_values(step.window, map_levels(step.input_stage, self.prediction.activations),
                                   highlight=winner)
        ties = int((step.window == step.winner_value).sum())
        self.channel_sum.setText(
            f"The largest of the {step.window.size} values wins (highlighted), at {step.input_stage} "
            f"row {step.winner[0]}, column {step.winner[1]}."
            + (f" {ties} values tie for the maximum; the first is marked, as torch keeps it." if ties > 1 else "")
            + (" This window is cut by the map's edge: the pool rounds up, so its last row or column of "
               "windows is partial." if step.partial else ""))
        self._set_row("sum", "Largest value in the window", step.winner_value)
        self._set_row("bias", "", None)
        self._set_row("total", "", None)
        self._set_row("activation", f"The network's own value, {step.stage}[{step.channel}, {step.row}, {step.col}]",
                      step.pooled)
        self._set_row("difference", "", None)
        size = self.net.stages[step.stage].kernel_size
        size = f"{size}×{size}" if isinstance(size, int) else "×".join(map(str, size))
        text = (f"Max-pooling keeps the largest value of each {size} window of {step.input_stage} and "
                f"drops the others, so the map shrinks by half each way while a strong response anywhere in "
                f"the window survives.")
        if self.via_gelu:
            after = float(model.gelu(step.pooled))
            text += (f"<br><br>You clicked <b>{self.via_gelu}</b>: it is GELU applied to this pooled value, "
                     f"GELU({fmt(step.pooled, 4)}) = <b>{fmt(after, 4)}</b>.")
        self.explanation.setText(text)
        self.top_note.setText("")

    def _set_row(self, key: str, name: str, value: float | None, spec: str = "") -> None:
        self.names[key].setText(name)
        self.names[key].setVisible(bool(name))
        self.values[key].setVisible(bool(name))
        if value is None:
            self.values[key].setText("")
        else:
            self.values[key].setText(format(value, spec) if spec else fmt(value))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _span(what: str, first: int, count: int) -> str:
    """"row 10" or "rows 10–11"."""
    return f"{what} {first}" if count == 1 else f"{what}s {first}–{first + count - 1}"
