"""Small widgets shared by the Explain tabs: number grids, notes (markers are in gui.feature_maps)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QGridLayout, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from gui.feature_maps import COLOR_MAP, MARK_COLOR, symmetric_levels

TEXT_ON_COLOR = QBrush(QColor("#f4f6f8"))
MARK_BRUSH, MARK_TEXT = QBrush(QColor(MARK_COLOR)), QBrush(QColor("#111111"))
CELL_VALUE = Qt.ItemDataRole.UserRole      # a NumberGrid cell's full value: its text may be rounded


def note(text: str = "") -> QLabel:
    """A word-wrapped paragraph of plain-language explanation."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return label


class ColumnFlow(QWidget):
    """A tab's side-by-side columns, which wrap onto more rows when the window
    is too narrow for them, the way words wrap.  A tab then reads from top to
    bottom and never scrolls sideways.  The Explain window's scroll area
    calls :meth:`fit` with the width it has."""

    def __init__(self, columns: list[tuple], spacing: int):
        super().__init__()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(spacing)
        self.grid.setVerticalSpacing(2 * spacing)      # a wrapped row starts a new block
        self.stretches = [stretch for _, stretch in columns]
        self.cells = []
        for column, _ in columns:
            cell = QWidget()
            column.setContentsMargins(0, 0, 0, 0)
            cell.setLayout(column)
            self.cells.append(cell)
        self.per_row = 0
        self.arrange(len(self.cells))

    def rows(self, per_row: int) -> list[list[QWidget]]:
        return [self.cells[i:i + per_row] for i in range(0, len(self.cells), per_row)]

    @staticmethod
    def narrowest(cell: QWidget) -> int:
        return cell.minimumSizeHint().expandedTo(cell.minimumSize()).width()

    def width_for(self, per_row: int) -> int:
        """The narrowest this flow can be with ``per_row`` columns a row."""
        spacing, rows = self.grid.horizontalSpacing(), self.rows(per_row)
        widths = [0] * per_row
        for row in rows:
            for j, cell in enumerate(row[:-1] if len(row) < per_row else row):
                widths[j] = max(widths[j], self.narrowest(cell))
        last_row = rows[-1]
        if len(last_row) < per_row:     # its last cell spans the rest of the row: it may need more
            spanned = sum(widths[len(last_row) - 1:]) + spacing * (per_row - len(last_row))
            widths[-1] += max(0, self.narrowest(last_row[-1]) - spanned)
        return sum(widths) + spacing * (per_row - 1)

    def fit(self, width: int) -> None:
        """As many columns a row as ``width`` px hold; one a row at the least."""
        self.arrange(next((k for k in range(len(self.cells), 1, -1) if self.width_for(k) <= width), 1))

    def arrange(self, per_row: int) -> None:
        if per_row == self.per_row:
            return
        for cell in self.cells:
            self.grid.removeWidget(cell)
        for j in range(self.grid.columnCount()):      # a grid keeps its old rows and columns: unstretch them
            self.grid.setColumnStretch(j, 0)
        for r in range(self.grid.rowCount()):
            self.grid.setRowStretch(r, 0)
        for row_index, row in enumerate(self.rows(per_row)):
            for j, cell in enumerate(row):
                span = per_row - j if cell is row[-1] else 1      # a short last row still spans the width
                self.grid.addWidget(cell, row_index, j, 1, span)
            self.grid.setRowStretch(row_index, 1)
        for j in range(per_row):
            self.grid.setColumnStretch(j, self.stretches[j])
        self.per_row = per_row


def tab_layout(tab: QWidget, intro: str, columns: list[tuple], spacing: int = 10,
               header=None) -> QVBoxLayout:
    """Every Explain tab's frame: a plain-language intro, an optional row of
    controls, then side-by-side columns given as (layout, stretch), which
    wrap in a narrow window (:class:`ColumnFlow`).  Returns the tab's layout,
    for extras below."""
    layout = QVBoxLayout(tab)
    layout.addWidget(note(intro))
    if header is not None:
        layout.addLayout(header)
    layout.addWidget(ColumnFlow(columns, spacing), 1)
    return layout


def heading(text: str) -> QLabel:
    return QLabel(f"<b>{text}</b>")


def table_item(text: str, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def fmt(value: float, decimals: int = 6) -> str:
    """A number as the Explain view prints it: fixed decimals, plain '-' sign."""
    text = f"{value:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0 else text     # no "-0.000"


def cell_colors(values: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """(N, 4) bytes: each value's colour in the panels' diverging colour map."""
    low, high = levels
    normalised = np.clip((np.asarray(values, float).ravel() - low) / (high - low), 0.0, 1.0)
    return COLOR_MAP.map(normalised, mode="byte")


class NumberGrid(QTableWidget):
    """A small matrix of numbers (a patch, a kernel, products), each cell
    tinted with the feature maps' colours.  Editable on request (the custom
    kernel); :meth:`texts` reads the cells back as text, :meth:`cells` their items,
    each holding its full value as ``CELL_VALUE`` data."""

    def __init__(self, rows: int = 3, columns: int = 3, decimals: int = 3, editable: bool = False,
                 cell_width: int = 54, cell_height: int = 24, parent=None):
        super().__init__(rows, columns, parent)
        self.decimals = decimals
        self.cell = (cell_width, cell_height)
        self.horizontalHeader().hide()
        self.verticalHeader().hide()
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setMinimumSectionSize(8)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if editable else Qt.FocusPolicy.NoFocus)
        if editable:
            triggers = QAbstractItemView.EditTrigger
            self.setEditTriggers(triggers.DoubleClicked | triggers.SelectedClicked | triggers.EditKeyPressed
                                 | triggers.AnyKeyPressed)     # click a cell and type
            self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        else:
            self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self._bold = QFont(self.font())
        self._bold.setBold(True)
        self._highlight: tuple[int, int] | None = None
        self._resize(rows, columns)

    def _resize(self, rows: int, columns: int) -> None:
        self.setRowCount(rows)
        self.setColumnCount(columns)
        width, height = self.cell
        for c in range(columns):
            self.setColumnWidth(c, width)
        for r in range(rows):
            self.setRowHeight(r, height)
        for r in range(rows):
            for c in range(columns):
                if self.item(r, c) is None:
                    item = QTableWidgetItem("")
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.setItem(r, c, item)
        frame = 2 * self.frameWidth()
        self.setFixedSize(columns * width + frame, rows * height + frame)

    def set_values(self, values, levels: tuple[float, float] | None = None,
                   highlight: tuple[int, int] | None = None, decimals: int | None = None,
                   text: bool = True) -> None:
        """Show a 2-D array; ``highlight`` (row, col) marks one cell (the max-pool winner).
        ``text=False`` only recolours: the cells keep the text they have (what a user typed)."""
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (self.rowCount(), self.columnCount()):
            self._resize(*values.shape)
        levels = levels or symmetric_levels(values)
        colors = cell_colors(values, levels)
        decimals = self.decimals if decimals is None else decimals
        # Programmatic, so not a user's edit (no itemChanged); and the view
        # repaints once instead of reacting to each cell's change.
        blocked, model_blocked = self.blockSignals(True), self.model().blockSignals(True)
        for index, value in enumerate(values.ravel()):
            r, c = divmod(index, values.shape[1])
            item = self.item(r, c)
            item.setData(CELL_VALUE, float(value))
            if text:
                item.setText(fmt(value, decimals))
                item.setToolTip("")       # a typed text's tooltip belongs to that text
            if (r, c) == highlight:
                item.setBackground(MARK_BRUSH)
                item.setForeground(MARK_TEXT)
            else:
                red, green, blue = colors[index][:3]
                item.setBackground(QColor(int(red), int(green), int(blue)))
                item.setForeground(TEXT_ON_COLOR)
        if highlight != self._highlight:          # fonts change rarely: only then
            for r in range(self.rowCount()):
                for c in range(self.columnCount()):
                    self.item(r, c).setFont(self._bold if (r, c) == highlight else self.font())
            self._highlight = highlight
        self.model().blockSignals(model_blocked)
        self.blockSignals(blocked)
        self.viewport().update()

    def clear_values(self, text: str = "") -> None:
        blocked = self.blockSignals(True)
        for r in range(self.rowCount()):
            for c in range(self.columnCount()):
                item = self.item(r, c)
                item.setText(text)
                item.setBackground(QBrush())
                item.setForeground(QBrush())
        self.blockSignals(blocked)

    def cells(self) -> list[QTableWidgetItem]:
        """Every cell's item, row by row."""
        return [self.item(r, c) for r in range(self.rowCount()) for c in range(self.columnCount())]

    def texts(self) -> list[list[str]]:
        return [[self.item(r, c).text() for c in range(self.columnCount())] for r in range(self.rowCount())]
