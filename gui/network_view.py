"""The network side of the window, in the order a drawing flows through it:
every conv block's feature maps, the dense layers (beside them the learned
conv1 kernels and one enlarged channel), then the probability of each letter.
Built once per network shape; each reading only replaces pixel data."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

import model
from gui.feature_maps import MAP_SCALES
from gui.map_panels import ChannelPanel, ConvBlockPanel, DenseStrips, KernelPanel
from gui.prediction_view import ProbabilityChart


def network_shapes(net) -> dict[str, tuple[int, ...]]:
    """Each activation's shape for one drawing, e.g. {"conv1": (32, 26, 26), ...}."""
    return {row["name"]: tuple(row["output_shape"]) for row in model.layer_table(net)}


def conv_blocks(shapes: dict[str, tuple]) -> dict[int, dict[str, tuple]]:
    """Group the (C, H, W) stages by their block number: conv1, pool1, gelu1 -> block 1."""
    blocks: dict[int, dict[str, tuple]] = {}
    for name, shape in shapes.items():
        digits = name.lstrip("abcdefghijklmnopqrstuvwxyz_")
        if len(shape) == 3 and name != "input" and digits.isdigit():
            blocks.setdefault(int(digits), {})[name] = shape
    return blocks


def dense_stages(shapes: dict[str, tuple]) -> dict[str, int]:
    """The fully connected layers' outputs (after their activation), in order."""
    return {name: shape[0] for name, shape in shapes.items()
            if len(shape) == 1 and name not in ("flatten", "log_softmax")}


def letter_labels(dense: dict[str, int]) -> dict[str, list[str]]:
    """The last dense layer, one unit per letter, is labelled with the letters."""
    last = next(reversed(dense), None)
    return {last: list(model.CLASSES)} if last is not None and dense[last] == len(model.CLASSES) else {}


def blocks_area(panels: list[QWidget]) -> QWidget:
    """The conv blocks in reading order: the first, with the largest maps, on
    the left over the whole height; the others stacked top to bottom beside it.
    Three blocks in a row left block 1's 26×26 maps about 60 px wide at
    1280×800; this way they get over 78."""
    area = QWidget()
    grid = QGridLayout(area)
    grid.setContentsMargins(0, 0, 0, 0)
    if panels:
        grid.addWidget(panels[0], 0, 0, max(1, len(panels) - 1), 1)
        grid.setColumnStretch(0, 7)
    for row, panel in enumerate(panels[1:]):
        grid.addWidget(panel, row, 1)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(row, 1)
    return area


class NetworkView(QWidget):
    """The network from top to bottom as the drawing flows through it: the
    conv blocks (:func:`blocks_area`), then the dense layers (with the conv1
    kernels and the enlarged channel beside them), then the letters'
    probabilities.
    ``rebuilt`` fires when a network of another shape replaced the panels (the
    View menu lists them)."""

    channel_clicked = Signal(str, int)               # a block's tile: stage, channel
    position_clicked = Signal(str, int, int, int)    # a value of the enlarged channel
    stage_changed = Signal(str)
    rebuilt = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.chart = ProbabilityChart(list(model.CLASSES))
        self.chart.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.chart.setMinimumHeight(120)
        self.chart.setMaximumHeight(150)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        self._layout.addWidget(self.chart, 1)     # the rows built for a network go above it
        self.block_panels: dict[int, ConvBlockPanel] = {}
        self._shapes: dict[str, tuple] = {}
        self._rows: list[QWidget] = []

    def show_network(self, net) -> bool:
        """Panels for ``net``'s activations; True if they had to be made anew."""
        shapes = network_shapes(net)
        if shapes == self._shapes:
            return False
        self._shapes = shapes
        for row in self._rows:
            row.setParent(None)
            row.deleteLater()
        self.block_panels = {block: ConvBlockPanel(block, stages) for block, stages in conv_blocks(shapes).items()}
        self.kernel_panel = KernelPanel()
        dense = dense_stages(shapes)
        self.dense_panel = DenseStrips(dense, letter_labels(dense))
        self.channel_panel = ChannelPanel()
        self.channel_panel.position_clicked.connect(self.position_clicked)
        blocks_row, details_row = blocks_area(list(self.block_panels.values())), QWidget()
        layout = QHBoxLayout(details_row)
        layout.setContentsMargins(0, 0, 0, 0)
        for panel, stretch in ((self.kernel_panel, 1), (self.dense_panel, 2), (self.channel_panel, 1)):
            layout.addWidget(panel, stretch)     # the dense strips are wide and flat
        details_row.setMinimumHeight(130)         # five dense strips and their labels
        details_row.setMaximumHeight(150)         # the maps above are the show
        self._layout.insertWidget(0, blocks_row, 8)
        self._layout.insertWidget(1, details_row, 1)
        self._rows = [blocks_row, details_row]
        first_block = next(iter(self.block_panels.values()), None)
        if first_block is not None:        # never an empty panel: start on the first map
            self.channel_panel.select(first_block.stage(), 0, None)
        for panel in self.block_panels.values():
            panel.channel_clicked.connect(self.channel_clicked)
            panel.stage_changed.connect(self.stage_changed)
        self.rebuilt.emit()
        return True

    def panels(self) -> dict[str, QWidget]:
        """Every panel that can be shown or hidden, by its settings key."""
        views = {f"block{block}": panel for block, panel in self.block_panels.items()}
        views.update(kernels=self.kernel_panel, dense=self.dense_panel, channel=self.channel_panel)
        return views

    def set_kernels(self, net) -> None:
        # A copy: a training run's moments are read by one network, reloaded for each.
        self.kernel_panel.set_kernels(net.stages["conv1"].weight.detach().numpy()[:, 0].copy())

    def show_prediction(self, prediction) -> None:
        """The bars and every visible panel; hidden panels cost nothing
        (they catch up when shown), but all are cleared when there is no reading."""
        self.chart.set_probabilities(prediction.probabilities if prediction is not None else None)
        if prediction is None:
            MAP_SCALES.forget()     # a new drawing starts on fresh colour scales
        activations = prediction.activations if prediction is not None else None
        for panel in [*self.block_panels.values(), self.dense_panel, self.channel_panel]:
            if not panel.isHidden() or prediction is None:
                panel.show_activations(activations)

    def enlarge_channel(self, stage: str, channel: int, prediction) -> None:
        self.channel_panel.select(stage, channel, prediction.activations if prediction is not None else None)
