"""The network's panels: every conv block's channels as one mosaic that
fills its panel, the conv1 kernels, one channel enlarged and the dense
layers as strips.  Built from the pieces in :mod:`gui.feature_maps`; a new
reading only replaces their pixel data."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCursor, QFontMetrics
from PySide6.QtWidgets import QComboBox, QToolTip

from gui.feature_maps import (STAGE_TITLES, HeatmapItem, ImagePlot, Mosaic, PanelFrame, add_marker,
                              cache_as_pixmap, columns_to_fill, map_levels, place_marker, symmetric_levels)
from gui.theme import FollowsColourScheme, map_background, map_text

HOVER_COLOR = "#ffffff"                    # the tile under the pointer


class MosaicPanel(PanelFrame):
    """A panel that shows all channels of a (C, H, W) tensor as one mosaic
    filling its room: the mosaic's columns follow the room's shape (on a
    resize, never per frame), and the hovered tile is outlined."""

    def __init__(self, title: str, shapes: dict[str, tuple[int, int, int]], parent=None):
        self.plot = ImagePlot()
        super().__init__(title, self.plot, parent)
        self.shapes = dict(shapes)                           # name -> (C, H, W)
        self.mosaics = {name: Mosaic(*shape) for name, shape in shapes.items()}
        self.hover_mark = add_marker(self.plot, HOVER_COLOR)
        self.shown_name = next(iter(shapes), "")
        self.shown: np.ndarray | None = None                 # the maps drawn now (None: blank)
        self.shown_levels = (-1.0, 1.0)
        self.plot.view_resized.connect(self.fit_to_room)
        self.plot.pixel_hovered.connect(self._hovered)

    def fit_to_room(self) -> None:
        """Re-flow every mosaic to fill the plot's room; redraw if the shown one changed."""
        width, height = self.plot.view_size()
        if width < 2 or height < 2:
            return
        columns = {name: columns_to_fill(*shape, width, height) for name, shape in self.shapes.items()}
        if all(self.mosaics[name].columns == count for name, count in columns.items()):
            return
        self.mosaics = {name: Mosaic(*self.shapes[name], columns=columns[name]) for name in self.shapes}
        self.hover_mark.hide()
        self.draw(self.shown_name, self.shown, self.shown_levels)

    def draw(self, name: str, maps: np.ndarray | None, levels: tuple[float, float]) -> None:
        """Show ``maps`` (None: zeros) as the ``name`` mosaic at ``levels``."""
        self.shown_name, self.shown, self.shown_levels = name, maps, levels
        data = maps if maps is not None else np.zeros(self.shapes[name], np.float32)
        self.plot.show_image(self.mosaics[name].fill(data), levels)

    def channel_at(self, row: int, col: int) -> int | None:
        if row < 0 or not self.shown_name:
            return None
        return self.mosaics[self.shown_name].channel_at(row, col)

    def _hovered(self, row: int, col: int) -> None:
        channel = self.channel_at(row, col)
        if channel is None:
            self.hover_mark.hide()
        else:
            top, left, height, width = self.mosaics[self.shown_name].tile_rect(channel)
            place_marker(self.hover_mark, top, left, height, width)
        self.describe(channel)

    def describe(self, channel: int | None) -> None:
        """The caption for the tile under the pointer (None: none)."""


class ConvBlockPanel(MosaicPanel):
    """Every channel of one conv block, at the chosen stage (conv, pool or GELU).

    Hover a tile for its channel and value range; click it to enlarge it."""

    channel_clicked = Signal(str, int)      # stage name, channel
    stage_changed = Signal(str)

    def __init__(self, block: int, stages: dict[str, tuple[int, int, int]], parent=None):
        super().__init__(f"Block {block}", stages, parent)
        self.plot.setMinimumHeight(40)      # stacked blocks must still fit a short window
        self.block = block
        self.stage_box = QComboBox()
        for name in stages:
            self.stage_box.addItem(self._stage_label(name), name)
        self.stage_box.setToolTip("Which output of this block to show")
        # Not a keyboard stop: a letter typed after a pick would choose a stage
        # by its first letter instead of labelling the drawing (View ▸ Block N has them too).
        self.stage_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.header.addWidget(self.stage_box)
        self.stage_box.currentIndexChanged.connect(lambda _: self._stage_switched())
        self.plot.pixel_clicked.connect(self._clicked)
        self._stage_switched(emit=False)

    @property
    def stage_shapes(self) -> dict[str, tuple[int, int, int]]:
        """Each stage's (C, H, W), in the order the stage box lists them."""
        return self.shapes

    @staticmethod
    def _stage_label(name: str) -> str:
        kind = name.rstrip("0123456789")
        return STAGE_TITLES.get(kind, kind)

    def stage(self) -> str:
        return self._stage

    def set_stage(self, name: str) -> None:
        index = self.stage_box.findData(name)
        if index >= 0:
            self.stage_box.setCurrentIndex(index)

    def _stage_switched(self, emit: bool = True) -> None:
        self._stage = self.stage_box.currentData()     # read once here, not on every frame
        c, h, w = self.shapes[self.stage()]
        self.summary = f"{c} channels of {h}×{w} · hover or click a tile"
        self.info.setText(self.summary)
        self.hover_mark.hide()
        self.show_activations(None)
        if emit:
            self.stage_changed.emit(self.stage())

    def show_activations(self, activations: dict[str, np.ndarray] | None) -> None:
        """Show this block's chosen stage from a prediction (None: blank)."""
        name = self.stage()
        if activations is None:
            self.draw(name, None, (-1.0, 1.0))
        else:
            self.draw(name, activations[name], map_levels(name, activations))

    def describe(self, channel: int | None) -> None:
        if channel is None:
            self.info.setText(self.summary)
            return
        text = f"channel {channel}"
        if self.shown is not None:
            values = self.shown[channel]
            text += f": {values.min():.3g} … {values.max():.3g}"
        self.info.setText(text + " · click to enlarge")
        QToolTip.showText(QCursor.pos(), text, self.plot)

    def _clicked(self, row: int, col: int) -> None:
        channel = self.channel_at(row, col)
        if channel is not None:
            self.channel_clicked.emit(self.stage(), channel)


class ChannelPanel(PanelFrame):
    """One channel enlarged; it follows the drawing live.  Clicking a pixel
    emits ``position_clicked(stage, channel, row, col)``."""

    position_clicked = Signal(str, int, int, int)

    def __init__(self, parent=None):
        self.plot = ImagePlot()
        super().__init__("Enlarged channel", self.plot, parent)
        self.stage, self.channel = "", -1
        self._map: np.ndarray | None = None
        self._pointer: tuple[int, int] | None = None      # the pixel under the mouse, if any
        self.hover_mark = add_marker(self.plot, HOVER_COLOR)
        self.plot.pixel_hovered.connect(self._hovered)
        self.plot.pixel_clicked.connect(
            lambda r, c: self.position_clicked.emit(self.stage, self.channel, r, c) if self.stage else None)
        self.info.setText("click a tile to enlarge it")

    def select(self, stage: str, channel: int, activations: dict | None) -> None:
        self.stage, self.channel = stage, channel
        self.title.setText(f"<b>{stage}</b> · channel {channel}")
        self.show_activations(activations)

    def show_activations(self, activations: dict[str, np.ndarray] | None) -> None:
        if not self.stage:
            return
        if activations is None or self.stage not in activations:
            self._map = None
            self.plot.show_image(np.zeros((1, 1), np.float32), (-1, 1))
        else:
            self._map = activations[self.stage][self.channel]
            self.plot.show_image(self._map, map_levels(self.stage, activations))
        self._show_pointer()        # the value under the mouse changes with the map

    def _hovered(self, row: int, col: int) -> None:
        self._pointer = (row, col) if row >= 0 else None
        self._show_pointer()

    def _show_pointer(self) -> None:
        """The caption: the value under the mouse, or what a click does.
        Never a value of another map, or of a drawing no longer there."""
        inside = self._map is not None and self._pointer is not None \
            and self._pointer[0] < self._map.shape[0] and self._pointer[1] < self._map.shape[1]
        if inside:
            row, col = self._pointer
            place_marker(self.hover_mark, row, col)
            self.info.setText(f"row {row}, column {col}: {self._map[row, col]:.4g}")
        else:
            self.hover_mark.hide()
            self.info.setText("click a value to see it computed" if self._map is not None
                              else "click a tile to enlarge it")


class KernelPanel(MosaicPanel):
    """The first layer's learned 3×3 kernels: what each conv1 channel looks for."""

    def __init__(self, parent=None):
        super().__init__("Learned conv1 kernels", {}, parent)
        self.summary = " "

    def set_kernels(self, kernels: np.ndarray) -> None:
        """kernels: (C, k, k); shown once per model, not per drawing (a
        watched run shows new ones 4 times a second: same shape, same mosaic)."""
        new_shape = self.shapes.get("kernels") != kernels.shape
        if new_shape:
            self.shapes = {"kernels": kernels.shape}
            self.mosaics = {"kernels": Mosaic(*kernels.shape)}
            self.summary = f"{kernels.shape[0]} kernels of {kernels.shape[1]}×{kernels.shape[2]}"
            self.info.setText(self.summary)
        self.draw("kernels", kernels, symmetric_levels(kernels))
        if new_shape:
            self.fit_to_room()

    @property
    def _kernels(self) -> np.ndarray | None:
        return self.shown

    def describe(self, channel: int | None) -> None:
        if channel is None:
            self.info.setText(self.summary)
            return
        kernel = self.shown[channel]
        self.info.setText(f"kernel {channel}: {kernel.min():.2f} … {kernel.max():.2f}")


def common_width(widths) -> int:
    """Columns into which every width divides evenly (their least common
    multiple), so each layer's strip spans the same width with equal cells;
    the widest layer's width where that multiple would be huge."""
    width = math.lcm(*widths)
    return width if width <= 8192 else max(widths)


class DenseStrips(FollowsColourScheme, PanelFrame):
    """The fully connected layers as colour strips, one row per layer, each
    stretched to one width.  ``labels``: a layer's cell names (the letters
    under fc3).

    All rows are one image, so a new drawing costs a single ``setImage``."""

    def __init__(self, stages: dict[str, int], labels: dict[str, list[str]] | None = None, parent=None):
        """stages: activation name -> width, top to bottom."""
        self.plot = pg.PlotWidget()
        super().__init__("Fully connected layers", self.plot, parent)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.widths = dict(stages)
        columns = common_width(stages.values())
        # Each row's cell for each image column: a layer of 64 units repeats each value columns / 64 times.
        self.cell_index = {name: np.arange(columns) * width // columns for name, width in stages.items()}
        left = self.plot.getAxis("left")
        names = [f"{name} ({width})" for name, width in stages.items()]
        left.setTicks([[(row + 0.5, name) for row, name in enumerate(names)]])
        # A whole number of pixels: the letters' axis starts where this one ends,
        # and on a fraction of a pixel its cached paint came out a shade off.
        left.setWidth(max(QFontMetrics(left.font()).horizontalAdvance(name) for name in names) + 12)
        self._label_cells(labels or {}, columns)
        for axis in (left, self.plot.getAxis("bottom")):
            axis.setStyle(tickLength=0)
        # Not the letters: a frame repaints only the strips, never below them, and
        # cached, letters on a fraction of a pixel came out a shade off a fresh paint.
        cache_as_pixmap(left)
        self.buffer = np.zeros((len(stages), columns), np.float32)
        self.image = HeatmapItem(image=self.buffer, levels=(-1.0, 1.0))
        self.plot.addItem(self.image)
        self.plot.setRange(xRange=(0, columns), yRange=(0, len(stages)), padding=0)
        self.setMinimumHeight(110)
        self.info.setText("one cell per unit; colours as in the blocks")
        self.follow_colour_scheme()

    def _match_colour_scheme(self) -> None:
        """The background, the padding and the layer names: light or dark, as the window is."""
        background = map_background(self.palette())
        self.plot.setBackground(background)
        self.image.set_gap_color(background)
        for axis in (self.plot.getAxis("left"), self.plot.getAxis("bottom")):
            axis.setTextPen(map_text(self.palette()))

    def _label_cells(self, labels: dict[str, list[str]], columns: int) -> None:
        """Names under the cells of the last labelled layer (it sits at the bottom)."""
        named = [(name, names) for name, names in labels.items() if name in self.widths]
        if not named:
            self.plot.hideAxis("bottom")
            return
        name, names = named[-1]
        cell = columns / self.widths[name]
        bottom = self.plot.getAxis("bottom")
        bottom.setTicks([[((i + 0.5) * cell, text) for i, text in enumerate(names)]])
        small = bottom.font()
        small.setPointSizeF(small.pointSizeF() * 0.85)     # 26 letters still apart in a narrow window
        bottom.setStyle(tickFont=small)
        # A few pixels below the strips: a frame repaints the strips and a pixel
        # or two around them, and touching them, the letters were painted again each time.
        self.plot.plotItem.layout.setRowSpacing(2, 4)      # row 2: the strips' view

    def show_activations(self, activations: dict[str, np.ndarray] | None) -> None:
        for row, (name, index) in enumerate(self.cell_index.items()):
            self.buffer[row] = 0.0 if activations is None else activations[name].reshape(-1)[index]
        self.image.setImage(self.buffer, autoLevels=False, levels=symmetric_levels(self.buffer))
