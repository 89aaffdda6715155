"""The pieces every view of the network's insides is built from: mosaics of
channels, heat-map images, their colour levels (one scale per tensor,
:func:`map_levels`), markers and captions.  The main window's panels are in
:mod:`gui.map_panels`.

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
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.colour_bar import ColourBar
from gui.theme import DARK_MAP_BACKGROUND, FollowsColourScheme, map_background

COLOR_MAP = pg.colormap.get("CET-D4")      # blue - black - red, perceptually even
GAP_COLOR = DARK_MAP_BACKGROUND.name()     # shows between tiles (NaN pixels); plots use their scheme's
MARK_COLOR = "#ffd24a"                     # a selected position, the pooling winner

STAGE_TITLES = {"conv": "convolution", "pool": "max-pool", "gelu": "GELU"}


def mosaic_shape(channels: int, tile_h: int, tile_w: int) -> tuple[int, int]:
    """Rows and columns of a near-square arrangement of ``channels`` tiles."""
    columns = max(1, math.ceil(math.sqrt(channels * tile_h / tile_w)))
    return math.ceil(channels / columns), columns


def columns_to_fill(channels: int, tile_h: int, tile_w: int, width: float, height: float) -> int:
    """The number of columns whose mosaic, scaled to fit ``width`` × ``height``
    pixels, draws each tile largest; of equal sizes, the one with fewest empty cells."""
    if width <= 0 or height <= 0:
        return mosaic_shape(channels, tile_h, tile_w)[1]

    def fit(columns: int) -> tuple[float, int]:
        rows = math.ceil(channels / columns)
        scale = min(width / (columns * (tile_w + 1) - 1), height / (rows * (tile_h + 1) - 1))
        return scale, -(rows * columns - channels)
    return max(range(1, channels + 1), key=fit)


class Mosaic:
    """Where each channel's tile lies in the tiled image (1 px gaps).
    ``columns``: how many tiles a row (default: a near-square mosaic)."""

    def __init__(self, channels: int, tile_h: int, tile_w: int, columns: int | None = None):
        self.channels, self.tile_h, self.tile_w = channels, tile_h, tile_w
        if columns is None:
            self.rows, self.columns = mosaic_shape(channels, tile_h, tile_w)
        else:
            self.columns = max(1, min(columns, channels))
            self.rows = math.ceil(channels / self.columns)
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

    def tile_rect(self, channel: int) -> tuple[int, int, int, int]:
        """(top, left, height, width) of ``channel``'s tile, in mosaic pixels."""
        row, col = divmod(channel, self.columns)
        return row * (self.tile_h + 1), col * (self.tile_w + 1), self.tile_h, self.tile_w


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


def scale_source(stage: str) -> str:
    """The tensor whose values set ``stage``'s colour scale: a block's
    convolution for all of its stages (conv3, pool3, gelu3 -> conv3).  A
    max-pool only picks among its convolution's values and GELU barely
    changes the positive ones, so a value keeps its colour along the block."""
    kind, block = stage.rstrip("0123456789"), stage[len(stage.rstrip("0123456789")):]
    return f"conv{block}" if kind in STAGE_TITLES and block else stage


class MapScales:
    """The one colour scale of each tensor, for every view that shows it: a
    block, the enlarged channel, the Explain window.  Levels hold still while
    the drawing is read live (:func:`steady_levels`), per tensor, so two views
    of one tensor never drift apart; :meth:`forget` when the drawing is gone."""

    def __init__(self):
        self._shown: dict[str, tuple[float, float]] = {}
        self._seen: dict[str, np.ndarray] = {}         # the activations each scale was last set from

    def levels(self, stage: str, activations: dict[str, np.ndarray]) -> tuple[float, float]:
        source = scale_source(stage)
        values = activations.get(source, activations[stage])
        if self._seen.get(source) is values:           # a second view of the same reading: no rescan
            return self._shown[source]
        new = symmetric_levels(values)
        shown = self._shown.get(source)
        self._shown[source] = steady_levels(new, shown) if shown is not None else new
        self._seen[source] = values
        return self._shown[source]

    def forget(self) -> None:
        self._shown.clear()
        self._seen.clear()


MAP_SCALES = MapScales()


def map_levels(stage: str, activations: dict[str, np.ndarray]) -> tuple[float, float]:
    """The colour levels of ``stage``'s maps in ``activations``, the same in every view."""
    return MAP_SCALES.levels(stage, activations)


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
    view_resized = Signal()           # the image's room changed (a mosaic may re-flow to fill it)

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
            self.color_bar = ColourBar(COLOR_MAP, (-1.0, 1.0), width=12)
            self.addItem(self.color_bar)
            self.ci.layout.setContentsMargins(2, 8, 2, 8)     # room for the bar's end labels, half above and below it
            # Labels without tick lines: a line on a half pixel was cached one
            # pixel off a fresh paint of it.
            self.color_bar.axis.setStyle(tickLength=0)
            cache_as_pixmap(self.color_bar.axis)   # the bar's scale: redrawn only when the levels change
        self.scene().sigMouseMoved.connect(self._moved)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.view.sigResized.connect(self.view_resized)
        self._shape = (0, 0)
        self._levels = (-1.0, 1.0)

    def _match_colour_scheme(self) -> None:
        """The background and the gaps between tiles: light or dark, as the window is."""
        background = map_background(self.palette())
        self.setBackground(background)
        self.image.set_gap_color(background)

    def show_image(self, data: np.ndarray, levels: tuple[float, float]) -> None:
        """Replace the pixels in place; re-fit the view only when the shape
        changes.  Levels that hold still while the pen moves come from
        :func:`map_levels`."""
        self.image.setImage(data, autoLevels=False, levels=levels)
        if self.color_bar is not None and levels != self._levels:
            self.color_bar.set_levels(levels)   # only on a change: the bar's axis is then laid out again
        self._levels = levels
        if data.shape != self._shape:
            self._shape = data.shape
            self.view.setRange(xRange=(0, data.shape[1]), yRange=(0, data.shape[0]), padding=0)

    def view_size(self) -> tuple[float, float]:
        """The image's room, in screen pixels (width, height)."""
        return self.view.width(), self.view.height()

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


def add_marker(plot: ImagePlot, color: str = MARK_COLOR, width: float = 2.0) -> QGraphicsRectItem:
    """A rectangle drawn over ``plot``'s image, in image pixels (hidden until placed)."""
    rect = QGraphicsRectItem(0, 0, 1, 1)
    pen = QPen(QColor(color))
    pen.setCosmetic(True)           # the same width at any zoom
    pen.setWidthF(width)
    rect.setPen(pen)
    rect.setZValue(10)
    plot.view.addItem(rect, ignoreBounds=True)
    rect.hide()
    return rect


def place_marker(marker: QGraphicsRectItem, row: float, col: float, height: float = 1, width: float = 1) -> None:
    marker.setRect(QRectF(col, row, width, height))
    marker.show()


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


def caption_color(palette: QPalette) -> QColor:
    """Muted caption text that still reads: three parts the palette's text, one
    part its window colour.  That keeps a contrast of at least 4.5:1 (WCAG AA)
    wherever the text itself has about 7:1, in light and dark palettes alike;
    palette(mid), used before, had 2.3:1."""
    text, window = palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window)
    return QColor.fromRgbF(*(0.75 * t + 0.25 * w for t, w in zip(text.getRgbF()[:3], window.getRgbF()[:3])))


class ElidedLabel(QLabel):
    """A one-line plain-text label that ends in "…" where its text does not
    fit, instead of being cut off mid-word in a narrow window.  ``muted``: in
    the caption colour (:func:`caption_color`), taken from the palette at
    each paint, so it follows a change of colour scheme."""

    def __init__(self, text: str = "", parent=None, muted: bool = False):
        super().__init__(text, parent)
        self.muted = muted

    def text_color(self) -> QColor:
        """The colour the text is painted in."""
        palette = self.palette()
        return caption_color(palette) if self.muted else palette.color(self.foregroundRole())

    def shown_text(self) -> str:
        """The text as painted: shortened to the label's width."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width())

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setPen(self.text_color())
        painter.drawText(self.contentsRect(), int(self.alignment()), self.shown_text())
        painter.end()      # explicitly: not left to when Python happens to collect it


class PanelFrame(QWidget):
    """A titled box: title on the left, optional controls on the right, body below."""

    def __init__(self, title: str, body: QWidget, parent=None):
        super().__init__(parent)
        self.title = QLabel(f"<b>{title}</b>")
        self.info = ElidedLabel(" ", muted=True)
        self.info.setMinimumWidth(40)          # long hover texts must not widen the window
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
