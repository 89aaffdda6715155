"""The colour scale beside a map: the colour map as a framed bar, with its
values on an axis to the right."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsGridLayout, QSizePolicy


class ColourStrip(pg.GraphicsWidget):
    """The colour map from its low end (bottom) to its high end (top)."""

    def __init__(self, color_map: pg.ColorMap, width: int):
        super().__init__()
        lut = np.ascontiguousarray(color_map.getLookupTable(nPts=256, alpha=True)[::-1, None])
        self.pixmap = QPixmap.fromImage(pg.functions.ndarray_to_qimage(lut, QImage.Format.Format_RGBA8888))
        self.setFixedWidth(width)

    def paint(self, painter: QPainter, *args) -> None:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawPixmap(self.rect(), self.pixmap, self.pixmap.rect())


class ColourBar(pg.GraphicsWidget):
    """What pyqtgraph's ``ColorBarItem`` shows for a bar that is not
    interactive, laid out the same (a strip framed by four axes, the right one
    with the values), without the ``PlotItem`` under it: that brings a view
    box, menus and their hidden widgets, ~12 ms a bar at start-up, and the
    window has five."""

    def __init__(self, color_map: pg.ColorMap, levels: tuple[float, float] = (-1.0, 1.0), width: int = 12):
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)    # as a PlotItem's
        grid = QGraphicsGridLayout()
        grid.setContentsMargins(1, 1, 1, 1)
        grid.setSpacing(0)
        self.setLayout(grid)
        self.strip = ColourStrip(color_map, width)
        grid.addItem(self.strip, 1, 1)
        self.axis = pg.AxisItem("right")
        self.axis.setWidth(45)
        for (row, column), side in {(0, 1): "top", (1, 0): "left", (2, 1): "bottom"}.items():
            frame = pg.AxisItem(side)       # only its line: a side of the frame
            frame.setTicks([])
            frame.setStyle(showValues=False)
            frame.setZValue(0.5)
            grid.addItem(frame, row, column)
        self.axis.setZValue(0.5)
        grid.addItem(self.axis, 1, 2)
        grid.setColumnFixedWidth(1, width)
        self.set_levels(levels)

    def set_levels(self, levels: tuple[float, float]) -> None:
        self.levels = levels
        self.axis.setRange(*levels)
