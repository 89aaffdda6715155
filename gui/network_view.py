"""The network side of the window: the probability of each letter, every
conv block's feature maps, the learned conv1 kernels, the dense layers and
one enlarged channel.  Built once per network shape; each reading only
replaces pixel data."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

import model
from gui.feature_maps import ChannelPanel, ConvBlockPanel, DenseStrips, KernelPanel
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


class NetworkView(QWidget):
    """The chart on top, the blocks below it, then kernels, dense layers and
    the enlarged channel.  ``rebuilt`` fires when a network of another shape
    replaced the panels (the View menu lists them)."""

    channel_clicked = Signal(str, int)               # a block's tile: stage, channel
    position_clicked = Signal(str, int, int, int)    # a value of the enlarged channel
    stage_changed = Signal(str)
    rebuilt = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.chart = ProbabilityChart(list(model.CLASSES))
        self.chart.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.chart.setMaximumHeight(220)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        self._layout.addWidget(self.chart, 2)
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
        self.dense_panel = DenseStrips(dense_stages(shapes))
        self.channel_panel = ChannelPanel()
        self.channel_panel.position_clicked.connect(self.position_clicked)
        blocks_row, details_row = QWidget(), QWidget()
        for row, panels in ((blocks_row, list(self.block_panels.values())),
                            (details_row, [self.kernel_panel, self.dense_panel, self.channel_panel])):
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            for panel in panels:
                layout.addWidget(panel, 1)
        details_row.layout().setStretch(1, 2)     # the dense strips are wide and flat
        self._layout.addWidget(blocks_row, 5)
        self._layout.addWidget(details_row, 3)
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
        self.kernel_panel.set_kernels(net.stages["conv1"].weight.detach().numpy()[:, 0])

    def show_prediction(self, prediction) -> None:
        """The bars and every visible panel; hidden panels cost nothing
        (they catch up when shown), but all are cleared when there is no reading."""
        self.chart.set_probabilities(prediction.probabilities if prediction is not None else None)
        activations = prediction.activations if prediction is not None else None
        for panel in [*self.block_panels.values(), self.dense_panel, self.channel_panel]:
            if not panel.isHidden() or prediction is None:
                panel.show_activations(activations)

    def enlarge_channel(self, stage: str, channel: int, prediction) -> None:
        self.channel_panel.select(stage, channel, prediction.activations if prediction is not None else None)
