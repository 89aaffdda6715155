"""Live views of the network's insides: feature maps, kernels, dense layers.

Every view owns a fixed set of pyqtgraph ``ImageItem``s created once; a new
prediction only replaces their pixel data (``setImage``), the fast path that
pyqtgraph is built for.  All channels of a stage are tiled into ONE image
(a mosaic), so a 128-channel stage costs one item, not 128.

Colours: one diverging colour map everywhere, symmetric around zero, so
"blue = negative, dark = zero, warm = positive" means the same on every panel.
"""
from __future__ import annotations

import bisect
import math

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QImage, QPainter
from PySide6.QtWidgets import QComboBox, QGraphicsItem, QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from gui.theme import DARK_MAP_BACKGROUND, FollowsColourScheme, map_background, map_text

COLOR_MAP = pg.colormap.get("CET-D4")      # blue - black - red, perceptually even
GAP_COLOR = DARK_MAP_BACKGROUND.name()     # shows between tiles (NaN pixels); plots use their scheme's

STAGE_TITLES = {"conv": "convolution", "pool": "max-pool", "gelu": "GELU"}


def mosaic_shape(channels: int, tile_h: int, tile_w: int) -> tuple[int, int]:
    """Rows and columns of a near-square arrangement of ``channels`` tiles."""
    columns = max(1, math.ceil(math.sqrt(channels * tile_h / tile_w)))
    return math.ceil(channels / columns), columns


class Mosaic:
    """Where each channel's tile lies in the tiled image (1 px gaps)."""

    def __init__(self, channels: int, tile_h: int, tile_w: int):
        self.channels, self.tile_h, self.tile_w = channels, tile_h, tile_w
        self.rows, self.columns = mosaic_shape(channels, tile_h, tile_w)
        # One tile + gap per cell; the last gap row and column are cut off in `buffer`.
        self._cells = np.full((self.rows, tile_h + 1, self.columns, tile_w + 1), np.nan, dtype=np.float32)
        self._tiles = np.full((self.rows * self.columns, tile_h, tile_w), np.nan, dtype=np.float32)
        self.buffer = self._cells.reshape(self.rows * (tile_h + 1), self.columns * (tile_w + 1))[:-1, :-1]

    def fill(self, maps: np.ndarray) -> np.ndarray:
        """Copy ``maps`` (C, H, W) into the tiles; returns the (reused) buffer.

        Two whole-array copies rather than a loop over channels: the loop
        cost half a millisecond per frame for the 128-channel stage."""
        self._tiles[:self.channels] = maps
        grid = self._tiles.reshape(self.rows, self.columns, self.tile_h, self.tile_w)
        self._cells[:, :self.tile_h, :, :self.tile_w] = grid.transpose(0, 2, 1, 3)
        return self.buffer

    def channel_at(self, row: float, col: float) -> int | None:
        """The channel under mosaic pixel (row, col), or None over a gap or outside."""
        r, dr = divmod(int(math.floor(row)), self.tile_h + 1)
        k, dk = divmod(int(math.floor(col)), self.tile_w + 1)
        if row < 0 or col < 0 or dr == self.tile_h or dk == self.tile_w or k >= self.columns:
            return None
        channel = r * self.columns + k
        return channel if channel < self.channels else None


NICE_STEPS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0)


def cache_as_pixmap(*items) -> None:
    """Let Qt keep a pixmap of items that rarely change (axes, colour bars).

    A new frame then blits them instead of re-running their paint code, which
    for pyqtgraph axes costs about a millisecond each."""
    for item in items:
        item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        item.geometryChanged.connect(lambda item=item: _drop_pixmap(item))


def _drop_pixmap(item: QGraphicsItem) -> None:
    """Make a resized item paint itself whole again.  An axis first paints
    before its labels widen it; Qt then grows the pixmap by painting only the
    new strip, and a left axis, whose labels are right-aligned, kept the
    narrow first paint: its labels showed cut off.  update() does not prevent
    that; dropping the pixmap does."""
    if not shiboken6.isValid(item):     # a window torn down without closing it (a script's end)
        return
    item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def symmetric_levels(values: np.ndarray) -> tuple[float, float]:
    """Colour levels +-peak, the peak rounded up to a "nice" number.

    Rounding keeps the colour bars' ticks still while the pen moves (and
    spares pyqtgraph re-laying out their axes on every frame)."""
    flat = values.ravel()
    # fmax/fmin skip NaN (padding) without nanmax's copies; all-NaN gives NaN.
    peak = max(float(np.fmax.reduce(flat)), -float(np.fmin.reduce(flat))) if flat.size else 0.0
    if not math.isfinite(peak) or peak <= 1e-6:
        return -1.0, 1.0
    decade = 10.0 ** math.floor(math.log10(peak))
    peak = decade * NICE_STEPS[bisect.bisect_left(NICE_STEPS, peak / decade - 1e-9)]
    return -peak, peak


def steady_levels(new: tuple[float, float], shown: tuple[float, float]) -> tuple[float, float]:
    """Keep the ``shown`` levels while ``new`` ones fit inside them and are
    not much narrower.  While the pen moves the peak wobbles across the
    "nice" steps; without this the colour bar would flicker and its axis be
    laid out again several times a second."""
    fits = shown[0] <= new[0] and new[1] <= shown[1]
    return shown if fits and 3 * (new[1] - new[0]) >= shown[1] - shown[0] else new


class HeatmapItem(pg.ImageItem):
    """An ``ImageItem`` for float maps, coloured by one colour map, that
    turns its data into pixels itself.

    pyqtgraph's general path scans the data for NaNs, rescales it through
    ``nditer`` and, where there are NaNs, builds an RGBA image that Qt
    converts again on every paint.  Here one table lookup gives an opaque
    RGB32 image, the format Qt's raster engine draws without converting.
    NaN pixels (the gaps between tiles, padding) take the gap colour.
    Everything else (``setImage``, levels, ``setColorMap``, colour bars)
    is pyqtgraph's own; colours come only from ``setColorMap`` (no lookup
    tables, no downsampling: these maps are small)."""

    def __init__(self, color_map: pg.ColorMap = COLOR_MAP, gap_color: str = GAP_COLOR, **kwargs):
        self._table = np.empty(257, np.uint32)      # 256 colours, then the gap colour
        self._table[256] = QColor(gap_color).rgb()
        super().__init__(axisOrder="row-major", **kwargs)
        self.setColorMap(color_map)

    def set_gap_color(self, color) -> None:
        self._table[256] = QColor(color).rgb()
        self._renderRequired = True
        self.update()

    def setColorMap(self, colorMap) -> None:
        super().setColorMap(colorMap)          # also takes a name, e.g. "CET-L1"
        red, green, blue = self._colorMap.getLookupTable(nPts=256, alpha=False).astype(np.uint32).T
        self._table[:256] = 0xFF000000 | red << 16 | green << 8 | blue     # QImage RGB32: 0xffRRGGBB

    def render(self) -> None:
        image = self.image
        if image is not None and image.ndim == 3 and image.shape[2] == 1:
            image = image[..., 0]
        self._unrenderable = image is None or image.size == 0 or image.ndim != 2
        if self._unrenderable:
            return
        low, high = self.levels if self.levels is not None else (0.0, 1.0)
        scale = 256.0 / (high - low) if high > low else 0.0
        index = np.subtract(image, np.float32(low), dtype=np.float32)
        index *= np.float32(scale)
        np.clip(index, 0, 255, out=index)
        gaps = np.isnan(index)                 # NaN data, and inf data with equal levels
        if gaps.any():
            np.copyto(index, 256, where=gaps)
        pixels = self._table.take(index.astype(np.intp))
        self.qimage = pg.functions.ndarray_to_qimage(pixels, QImage.Format.Format_RGB32)   # keeps `pixels` alive
        self._renderRequired = False


class ImagePlot(FollowsColourScheme, pg.GraphicsLayoutWidget):
    """One image in a fixed-aspect, non-zoomable view, with an optional colour bar.

    ``pixel_hovered(row, col)`` and ``pixel_clicked(row, col)`` report image
    pixel positions (row down, column right); (-1, -1) when the pointer leaves."""

    pixel_hovered = Signal(int, int)
    pixel_clicked = Signal(int, int)

    def __init__(self, color_bar: bool = True, parent=None):
        super().__init__(parent)
        self.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.view = self.addViewBox(lockAspect=True, invertY=True, enableMouse=False, enableMenu=False)
        self.view.setDefaultPadding(0.0)
        self.image = HeatmapItem()
        self.view.addItem(self.image)
        self.follow_colour_scheme()
        self.color_bar = None
        if color_bar:
            self.color_bar = pg.ColorBarItem(colorMap=COLOR_MAP, values=(-1, 1), interactive=False,
                                             width=12, rounding=1e-9)
            self.color_bar.setImageItem(self.image)
            self.addItem(self.color_bar)
            cache_as_pixmap(self.color_bar.axis)   # the bar's scale: redrawn only when the levels change
        self.scene().sigMouseMoved.connect(self._moved)
        self.scene().sigMouseClicked.connect(self._clicked)
        self._shape = (0, 0)
        self._levels = (-1.0, 1.0)
        self._live = False

    def _match_colour_scheme(self) -> None:
        """The background and the gaps between tiles: light or dark, as the window is."""
        background = map_background(self.palette())
        self.setBackground(background)
        self.image.set_gap_color(background)

    def show_image(self, data: np.ndarray, levels: tuple[float, float], live: bool = False) -> None:
        """Replace the pixels in place; re-fit the view only when the shape changes.

        ``live``: one more frame of the drawing being read.  Between live
        frames the colour levels hold still while they fit (see
        :func:`steady_levels`); a blank or a first frame sets fresh ones."""
        if live and self._live and data.shape == self._shape:
            levels = steady_levels(levels, self._levels)
        self._live = live
        self.image.setImage(data, autoLevels=False, levels=levels)
        if self.color_bar is not None and levels != self._levels:
            self.color_bar.setLevels(levels)    # only on a change: the bar's axis is then laid out again
        self._levels = levels
        if data.shape != self._shape:
            self._shape = data.shape
            self.view.setRange(xRange=(0, data.shape[1]), yRange=(0, data.shape[0]), padding=0)

    def _pixel(self, scene_pos) -> tuple[int, int] | None:
        if not self.view.sceneBoundingRect().contains(scene_pos) or self.image.image is None:
            return None
        point = self.view.mapSceneToView(scene_pos)
        row, col = int(math.floor(point.y())), int(math.floor(point.x()))
        height, width = self.image.image.shape[:2]
        return (row, col) if 0 <= row < height and 0 <= col < width else None

    def _moved(self, scene_pos) -> None:
        pixel = self._pixel(scene_pos)
        self.pixel_hovered.emit(*(pixel or (-1, -1)))

    def _clicked(self, event) -> None:
        pixel = self._pixel(event.scenePos())
        if pixel is not None and event.button() == Qt.MouseButton.LeftButton:
            self.pixel_clicked.emit(*pixel)

    def leaveEvent(self, event):
        self.pixel_hovered.emit(-1, -1)
        super().leaveEvent(event)


class _AsksForItsMinimum:
    """Mixed into a pyqtgraph view: it asks its layout for no more than its
    minimum size, then takes the room its layout's stretch gives it.  Left
    to ask, a pyqtgraph view wants 480 to 600 px, which pushed the Explain
    tabs past the window and squeezed the retrain dialog's text to a sliver."""

    def sizeHint(self) -> QSize:
        return self.minimumSize()


class FlexibleImagePlot(_AsksForItsMinimum, ImagePlot):
    pass


class FlexiblePlotWidget(_AsksForItsMinimum, pg.PlotWidget):
    pass


class ElidedLabel(QLabel):
    """A one-line plain-text label that ends in "…" where its text does not
    fit, instead of being cut off mid-word in a narrow window."""

    def shown_text(self) -> str:
        """The text as painted: shortened to the label's width."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width())

    def paintEvent(self, event):
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(self.alignment()), self.palette(),
                                  self.isEnabled(), self.shown_text(), self.foregroundRole())
        painter.end()      # explicitly: not left to when Python happens to collect it


class PanelFrame(QWidget):
    """A titled box: title on the left, optional controls on the right, body below."""

    def __init__(self, title: str, body: QWidget, parent=None):
        super().__init__(parent)
        self.title = QLabel(f"<b>{title}</b>")
        self.info = ElidedLabel(" ")
        self.info.setMinimumWidth(40)          # long hover texts must not widen the window
        self.info.setStyleSheet("color: palette(mid);")
        self.header = QHBoxLayout()
        self.header.setContentsMargins(0, 0, 0, 0)
        self.header.addWidget(self.title)
        self.header.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(self.header)
        layout.addWidget(body, 1)
        layout.addWidget(self.info)


class ConvBlockPanel(PanelFrame):
    """Every channel of one conv block, at the chosen stage (conv, pool or GELU).

    Hover a tile for its channel and value range; click it to enlarge it."""

    channel_clicked = Signal(str, int)      # stage name, channel
    stage_changed = Signal(str)

    def __init__(self, block: int, stages: dict[str, tuple[int, int, int]], parent=None):
        self.plot = ImagePlot()
        super().__init__(f"Block {block}", self.plot, parent)
        self.block = block
        self.stage_shapes = stages                          # name -> (C, H, W)
        self.mosaics = {name: Mosaic(*shape) for name, shape in stages.items()}
        self.stage_box = QComboBox()
        for name in stages:
            self.stage_box.addItem(self._stage_label(name), name)
        self.stage_box.setToolTip("Which output of this block to show")
        # Not a keyboard stop: a letter typed after a pick would choose a stage
        # by its first letter instead of labelling the drawing (View ▸ Block N has them too).
        self.stage_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.header.addWidget(self.stage_box)
        self.stage_box.currentIndexChanged.connect(lambda _: self._stage_switched())
        self.plot.pixel_hovered.connect(self._hovered)
        self.plot.pixel_clicked.connect(self._clicked)
        self._maps: np.ndarray | None = None
        self._stage_switched(emit=False)

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
        c, h, w = self.stage_shapes[self.stage()]
        self.summary = f"{c} channels of {h}×{w} · hover or click a tile"
        self.info.setText(self.summary)
        self.show_activations(None)
        if emit:
            self.stage_changed.emit(self.stage())

    def show_activations(self, activations: dict[str, np.ndarray] | None) -> None:
        """Show this block's chosen stage from a prediction (None: blank)."""
        name = self.stage()
        mosaic = self.mosaics[name]
        if activations is None:
            self._maps = None
            maps = np.zeros(self.stage_shapes[name], np.float32)
        else:
            self._maps = maps = activations[name]
        self.plot.show_image(mosaic.fill(maps), symmetric_levels(maps), live=activations is not None)

    def _hovered(self, row: int, col: int) -> None:
        channel = self.mosaics[self.stage()].channel_at(row, col) if row >= 0 else None
        if channel is None:
            self.info.setText(self.summary)
            return
        text = f"channel {channel}"
        if self._maps is not None:
            values = self._maps[channel]
            text += f": {values.min():.3g} … {values.max():.3g}"
        self.info.setText(text + " · click to enlarge")
        QToolTip.showText(QCursor.pos(), text, self.plot)

    def _clicked(self, row: int, col: int) -> None:
        channel = self.mosaics[self.stage()].channel_at(row, col)
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
            self.plot.show_image(self._map, symmetric_levels(self._map), live=True)
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
            self.info.setText(f"row {row}, column {col}: {self._map[row, col]:.4g}")
        else:
            self.info.setText("click a value to see it computed" if self._map is not None
                              else "click a tile to enlarge it")


class KernelPanel(PanelFrame):
    """The first layer's learned 3×3 kernels: what each conv1 channel looks for."""

    def __init__(self, parent=None):
        self.plot = ImagePlot()
        super().__init__("Learned conv1 kernels", self.plot, parent)
        self.plot.pixel_hovered.connect(self._hovered)
        self._kernels: np.ndarray | None = None
        self._mosaic: Mosaic | None = None
        self.summary = " "

    def set_kernels(self, kernels: np.ndarray) -> None:
        """kernels: (C, k, k); shown once per model, not per drawing."""
        self._kernels = kernels
        self._mosaic = Mosaic(*kernels.shape)
        self.summary = f"{kernels.shape[0]} kernels of {kernels.shape[1]}×{kernels.shape[2]}"
        self.info.setText(self.summary)
        self.plot.show_image(self._mosaic.fill(kernels), symmetric_levels(kernels))

    def _hovered(self, row: int, col: int) -> None:
        channel = self._mosaic.channel_at(row, col) if self._mosaic and row >= 0 else None
        if channel is None:
            self.info.setText(self.summary)
            return
        kernel = self._kernels[channel]
        self.info.setText(f"kernel {channel}: {kernel.min():.2f} … {kernel.max():.2f}")


class DenseStrips(FollowsColourScheme, PanelFrame):
    """The fully connected layers as colour strips, one row per layer.

    All rows are one image (shorter layers padded with transparent NaN), so a
    new drawing costs a single ``setImage``."""

    def __init__(self, stages: dict[str, int], parent=None):
        """stages: activation name -> width, top to bottom."""
        self.plot = pg.PlotWidget()
        super().__init__("Fully connected layers", self.plot, parent)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.hideAxis("bottom")
        self.plot.invertY(True)
        self.widths = dict(stages)
        left = self.plot.getAxis("left")
        left.setTicks([[(row + 0.5, f"{name} ({width})") for row, (name, width) in enumerate(stages.items())]])
        left.setStyle(tickLength=0)
        cache_as_pixmap(left)
        self.buffer = np.full((len(stages), max(stages.values())), np.nan, np.float32)
        self.image = HeatmapItem(image=self.buffer, levels=(-1.0, 1.0))
        self.plot.addItem(self.image)
        self.plot.setRange(xRange=(0, self.buffer.shape[1]), yRange=(0, len(stages)), padding=0)
        self.setMinimumHeight(110)
        self.info.setText("one cell per unit; colours as in the blocks")
        self.follow_colour_scheme()

    def _match_colour_scheme(self) -> None:
        """The background, the padding and the layer names: light or dark, as the window is."""
        background = map_background(self.palette())
        self.plot.setBackground(background)
        self.image.set_gap_color(background)
        self.plot.getAxis("left").setTextPen(map_text(self.palette()))

    def show_activations(self, activations: dict[str, np.ndarray] | None) -> None:
        for row, (name, width) in enumerate(self.widths.items()):
            self.buffer[row, :width] = 0.0 if activations is None else activations[name].reshape(-1)
        self.image.setImage(self.buffer, autoLevels=False, levels=symmetric_levels(self.buffer))
