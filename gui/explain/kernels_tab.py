"""Explain ▸ Kernels: the primer's hand-made kernels, a custom one and the
network's learned conv1 kernels, each applied to the current drawing."""
from __future__ import annotations

import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

import model
from gui.explain.widgets import CELL_VALUE, NumberGrid, heading, note, tab_layout
from gui.feature_maps import (FlexibleImagePlot, ImagePlot, Mosaic, add_marker, map_levels, place_marker,
                              symmetric_levels)

MAP_SIZE = 132          # px for one kernel's map
CUSTOM_START = [[0, 0, 0], [0, 1, 0], [0, 0, 0]]     # the identity: the map is the input itself
# Nine products of weights this size, on pixels up to 1e7, stay inside the
# float32 range (3.4e38) the maps are drawn in; beyond it they overflow to inf and NaN.
LARGEST_WEIGHT = 1e30

INTRO = (
    "A <b>kernel</b> is a small grid of weights. It slides over the image; at each position the "
    "3×3 window of pixels is multiplied cell by cell with the kernel and the nine products are added up. "
    "That sum is one pixel of the kernel's <b>map</b>: 28 − 3 + 1 = 26 positions per side, so every "
    "map is 26×26. <span style='color:#5aa0ff'>Blue</span> is negative, dark is zero, "
    "<span style='color:#ff6a4d'>red</span> is positive."
)
LOOK_FOR = (
    "<b>What to look for.</b> Sobel x computes right minus left: red on the left edge of an upright stroke, "
    "blue on its right edge, nearly nothing along flat strokes. Sobel y computes bottom minus top: red on "
    "the top edge of a flat stroke, blue on its bottom edge. Blur gives a soft, thicker copy; sharpen keeps "
    "the stroke and outlines it with negative values. Corner and "
    "Laplacian compare a pixel with its neighbours: they mark the stroke and its two sides in opposite "
    "colours, strongest at ends and corners. Many of conv1's learned maps show the same "
    "red/blue edge pairs, at other angles: training found edge detectors by itself."
)
LEARNED_NOTE = (
    "Nobody wrote these: training chose the 32 kernels of conv1. They read the <i>normalised</i> input "
    "(pixel − {mean:.3f}) / {std:.2f} and add a bias, so their maps are exactly conv1's output. "
    "Click a kernel to see its numbers."
)


class KernelCard(QWidget):
    """A kernel's numbers above its map over the current input."""

    def __init__(self, title: str, editable: bool = False, decimals: int = 2, parent=None):
        super().__init__(parent)
        self.title = heading(title)
        self.grid = NumberGrid(decimals=decimals, editable=editable, cell_width=44, cell_height=22)
        self.plot = ImagePlot(color_bar=False)
        self.plot.setFixedSize(MAP_SIZE, MAP_SIZE)
        self.info = QLabel(" ")
        self.info.setStyleSheet("color: palette(mid);")
        self.info.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.kernel = np.zeros((3, 3))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(3)
        layout.addWidget(self.title)
        self.controls = QHBoxLayout()
        layout.addLayout(self.controls)
        layout.addWidget(self.grid, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.plot, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.info)
        layout.addStretch(1)

    def set_kernel(self, kernel: np.ndarray, decimals: int | None = None) -> None:
        """Show ``kernel``; by default with as few decimals as its values need."""
        self.kernel = np.asarray(kernel, dtype=np.float64)
        self.grid.set_values(self.kernel, decimals=_decimals_for(self.kernel) if decimals is None else decimals)

    def show_map(self, feature_map: np.ndarray | None) -> None:
        if feature_map is None:
            self.plot.show_image(np.zeros((26, 26), np.float32), (-1.0, 1.0))
            self.info.setText(" ")
            return
        self.plot.show_image(feature_map, symmetric_levels(feature_map))
        self.info.setText(f"{_short(feature_map.min())} … {_short(feature_map.max())}")


class KernelsTab(QWidget):
    """Kernel playground: classic, custom and learned kernels on the drawing."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.image: np.ndarray | None = None
        self.conv1: np.ndarray | None = None
        self.learned: np.ndarray | None = None
        self.learned_bias: np.ndarray | None = None
        self.learned_channel = 0

        # --- the input and the primer's classic kernels
        self.input_plot = ImagePlot(color_bar=False)
        self.input_plot.image.setColorMap(pg.colormap.get("CET-L1"))
        self.input_plot.setFixedSize(MAP_SIZE, MAP_SIZE)
        input_card = QWidget()
        input_layout = QVBoxLayout(input_card)
        input_layout.setContentsMargins(2, 2, 2, 2)
        input_layout.addWidget(heading("Your drawing, 28×28"))
        input_layout.addWidget(note("What every kernel slides over: ink 1, paper 0."))
        input_layout.addWidget(self.input_plot, 0, Qt.AlignmentFlag.AlignHCenter)
        input_layout.addStretch(1)

        self.cards: dict[str, KernelCard] = {}
        for name, kernel in model.CLASSIC_KERNELS.items():
            card = KernelCard(model.KERNEL_LABELS[name])
            card.set_kernel(kernel)
            self.cards[name] = card
        self.custom = KernelCard("Your own kernel", editable=True)
        self.custom.set_kernel(CUSTOM_START)
        self.custom.grid.setToolTip("Type any numbers; the map follows at once")
        self.custom_start = QComboBox()
        self.custom_start.addItem("Start from…", None)
        self.custom_start.addItem("Identity", "identity")
        for name in model.CLASSIC_KERNELS:
            self.custom_start.addItem(model.KERNEL_LABELS[name], name)
        self.custom.controls.addWidget(self.custom_start)
        self.custom_start.activated.connect(self._start_custom_from)
        self.custom.grid.itemChanged.connect(self._custom_edited)
        self.custom_error = ""

        classic = QGridLayout()
        classic.setSpacing(6)
        for index, widget in enumerate([input_card, *self.cards.values(), self.custom]):
            classic.addWidget(widget, *divmod(index, 4))
        classic.addWidget(note(LOOK_FOR), 2, 0, 1, 4)
        classic.setRowStretch(3, 1)         # cards packed at the top

        # --- the network's own conv1 kernels
        self.kernel_plot = ImagePlot(color_bar=False)
        self.kernel_plot.setFixedSize(180, 180)
        self.kernel_marker = add_marker(self.kernel_plot)
        self.maps_plot = FlexibleImagePlot(color_bar=False)
        self.maps_plot.setMinimumSize(200, 200)
        self.maps_marker = add_marker(self.maps_plot)
        self.learned_card = KernelCard("Learned kernel 0")
        self.learned_note = note(LEARNED_NOTE.format(mean=0.173, std=0.25))
        self.kernel_plot.pixel_clicked.connect(lambda r, c: self._pick_learned(self._kernel_mosaic, r, c))
        self.maps_plot.pixel_clicked.connect(lambda r, c: self._pick_learned(self._maps_mosaic, r, c))
        self._kernel_mosaic: Mosaic | None = None
        self._maps_mosaic: Mosaic | None = None

        learned = QGridLayout()
        learned.addWidget(heading("Learned by the network: conv1's 32 kernels"), 0, 0, 1, 3)
        learned.addWidget(self.learned_note, 1, 0, 1, 3)
        learned.addWidget(self.kernel_plot, 2, 0, Qt.AlignmentFlag.AlignTop)
        learned.addWidget(self.learned_card, 2, 1, Qt.AlignmentFlag.AlignTop)
        learned.addWidget(heading("…and their 32 maps of your drawing (conv1's output)"), 3, 0, 1, 3)
        learned.addWidget(self.maps_plot, 4, 0, 1, 3)
        learned.setRowStretch(4, 1)
        learned.setColumnStretch(2, 1)      # the mosaic and the picked kernel side by side, however wide

        tab_layout(self, INTRO, [(classic, 3), (learned, 2)])

    # ------------------------------------------------------------------ model
    def set_recognizer(self, recognizer) -> None:
        if recognizer is None:
            self.learned = self.learned_bias = None
            self.learned_note.setText("No model is loaded: there are no learned kernels to show.")
            return
        net = recognizer.model
        self.learned = model.learned_kernels(net)
        self.learned_bias = net.stages["conv1"].bias.detach().cpu().numpy().copy()
        self.learned_note.setText(LEARNED_NOTE.format(mean=float(net.input_mean), std=float(net.input_std)))
        self._kernel_mosaic = Mosaic(*self.learned.shape)
        self.kernel_plot.show_image(self._kernel_mosaic.fill(self.learned), symmetric_levels(self.learned))
        self.learned_channel = min(self.learned_channel, len(self.learned) - 1)
        self._show_learned()

    # ------------------------------------------------------------- prediction
    def show_prediction(self, prediction) -> None:
        if prediction is None:
            self.show_input(None)
        else:
            self.show_input(prediction.image, prediction.activations.get("conv1"))

    def show_input(self, image: np.ndarray | None, conv1: np.ndarray | None = None) -> None:
        """Apply every kernel to ``image`` (any 2-D array; None: blank).
        ``conv1``: the network's conv1 maps of the same drawing."""
        self.image, self.conv1 = image, conv1
        if image is None:
            self.input_plot.show_image(np.zeros((28, 28), np.float32), (0.0, 1.0))
        else:
            self.input_plot.show_image(image, (0.0, 1.0))
        for card in [*self.cards.values(), self.custom]:
            card.show_map(None if image is None else model.apply_kernel(image, card.kernel))
        if self.custom_error:
            self.custom.info.setText(self.custom_error)
        if self.learned is not None:
            if conv1 is None:
                blank = np.zeros((len(self.learned), 26, 26), np.float32)
                self._maps_mosaic = Mosaic(*blank.shape)
                self.maps_plot.show_image(self._maps_mosaic.fill(blank), (-1.0, 1.0))
            else:
                if self._maps_mosaic is None or (self._maps_mosaic.channels, self._maps_mosaic.tile_h,
                                                 self._maps_mosaic.tile_w) != conv1.shape:
                    self._maps_mosaic = Mosaic(*conv1.shape)
                self.maps_plot.show_image(self._maps_mosaic.fill(conv1), map_levels("conv1", {"conv1": conv1}))
            self._show_learned()

    # ----------------------------------------------------------------- custom
    def _start_custom_from(self, index: int) -> None:
        name = self.custom_start.itemData(index)
        if name is None:
            return
        self.custom.set_kernel(CUSTOM_START if name == "identity" else model.CLASSIC_KERNELS[name])
        self.custom_start.setCurrentIndex(0)
        self._custom_edited()

    def _custom_edited(self, item=None) -> None:
        """``item``: the cell a user typed in.  Each cell keeps its value in full
        (CELL_VALUE; None when the text is refused), so the map uses what was typed
        and no edit re-reads another cell's rounded text."""
        grid = self.custom.grid
        if item is not None:
            blocked = grid.blockSignals(True)           # storing the value is no new edit
            value = _read_weight(item.text())[0]
            item.setData(CELL_VALUE, value)
            room = grid.columnWidth(item.column()) - 8
            fits = lambda text: grid.fontMetrics().horizontalAdvance(text) <= room   # noqa: E731
            # The cell would cut a long text to "0.1…", which reads as another
            # number: shown as short as it must be, used in full, typed text as
            # tooltip (and no tooltip left over from an earlier, longer entry).
            item.setToolTip("")
            if value is not None and not fits(item.text()):
                item.setToolTip(item.text())
                item.setText(_shortest_fitting(value, fits))
            grid.blockSignals(blocked)
        cells = grid.cells()
        bad = next((cell for cell in cells if cell.data(CELL_VALUE) is None), None)
        if bad is not None:
            self.custom_error = f"'{bad.text()}' {_read_weight(bad.text())[1]}: the map shows the last good kernel"
            self.custom.info.setText(self.custom_error)
            return
        self.custom_error = ""
        kernel = np.reshape([cell.data(CELL_VALUE) for cell in cells], (3, 3))
        self.custom.kernel = kernel
        grid.set_values(kernel, text=False)             # recolour only: the cells show what was typed
        self.custom.show_map(None if self.image is None else model.apply_kernel(self.image, kernel))

    def set_custom_kernel(self, values) -> None:
        """Type ``values`` into the custom kernel's cells, as a user would."""
        grid = self.custom.grid
        for r, row in enumerate(values):
            for c, value in enumerate(row):
                grid.item(r, c).setText(str(value))      # each edit emits itemChanged

    # ---------------------------------------------------------------- learned
    def _pick_learned(self, mosaic: Mosaic | None, row: int, col: int) -> None:
        channel = mosaic.channel_at(row, col) if mosaic is not None else None
        if channel is not None:
            self.learned_channel = channel
            self._show_learned()

    def _show_learned(self) -> None:
        if self.learned is None:
            return
        k = self.learned_channel
        card = self.learned_card
        card.title.setText(f"<b>Learned kernel {k}</b> (bias {self.learned_bias[k]:+.3f})")
        card.set_kernel(self.learned[k], decimals=2)
        card.show_map(None if self.conv1 is None else self.conv1[k])
        for marker, mosaic in ((self.kernel_marker, self._kernel_mosaic), (self.maps_marker, self._maps_mosaic)):
            if mosaic is not None:
                r, c = divmod(k, mosaic.columns)
                place_marker(marker, r * (mosaic.tile_h + 1) - 0.5, c * (mosaic.tile_w + 1) - 0.5,
                             mosaic.tile_h + 1, mosaic.tile_w + 1)


def _read_weight(text: str) -> tuple[float | None, str]:
    """A typed cell's weight, or None and why it is refused."""
    try:
        value = float(text.replace("−", "-"))
    except ValueError:
        value = np.nan
    if not np.isfinite(value):                  # inf and nan are not numbers a kernel can hold
        return None, "is not a number"
    if abs(value) > LARGEST_WEIGHT:
        return None, f"is too large (at most ±{LARGEST_WEIGHT:g}, or the map overflows)"
    return value, ""


def _shortest_fitting(value: float, fits) -> str:
    """``value`` to 3 digits, or fewer until ``fits`` the text ("1.2e5" for 123456.789)."""
    shown = ""
    for spec in (".3g", ".2g", ".1g"):
        shown = re.sub(r"e([+-])0*(\d)", lambda m: "e" + m.group(1).replace("+", "") + m.group(2),
                       format(value, spec))
        if fits(shown):
            break
    return shown


def _short(value: float) -> str:
    """Two decimals; a huge value (from a 1e20 weight) as a power of ten, not 20-odd digits."""
    return f"{value:.2f}" if abs(value) < 1e6 else f"{value:.2e}"


def _decimals_for(kernel: np.ndarray) -> int:
    """Enough decimals to show a preset kernel (0.1 -> 1, 0.125 -> 3), at most 3."""
    for decimals in range(4):
        if np.allclose(np.round(kernel, decimals), kernel, atol=1e-9):
            return decimals
    return 3
