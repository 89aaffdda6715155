"""The network side as a user sees it: maps that fill their panels, the dense
strips, one colour scale per tensor, the hovered tile, readable captions."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPalette

import model
from gui.feature_maps import ElidedLabel, Mosaic, caption_color, columns_to_fill
from gui_helpers import LETTERS, draw_letter, show_main_window


def tile_on_screen(panel, channel: int = 0) -> tuple[float, float]:
    """Width and height in screen pixels of ``channel``'s tile, through the plot's view mapping."""
    top, left, height, width = panel.mosaics[panel.stage()].tile_rect(channel)
    plot = panel.plot
    corner = plot.mapFromScene(plot.view.mapViewToScene(QPointF(left, top)))
    far = plot.mapFromScene(plot.view.mapViewToScene(QPointF(left + width, top + height)))
    return far.x() - corner.x(), far.y() - corner.y()


def mosaic_area(panel) -> float:
    """The mosaic's area on screen, in square pixels."""
    mosaic = panel.mosaics[panel.stage()]
    corner = panel.plot.view.mapViewToScene(QPointF(0, 0))
    far = panel.plot.view.mapViewToScene(QPointF(*mosaic.buffer.shape[::-1]))
    return (far.x() - corner.x()) * (far.y() - corner.y())


# ------------------------------------------------------------------- layout
def test_a_block_1_channel_is_drawn_at_least_three_times_its_size_at_1280x800(qtbot, window):
    draw_letter(qtbot, window, LETTERS["e"])
    block = window.network.block_panels[1]
    assert block.stage() == "conv1" and block.mosaics["conv1"].tile_w == 26
    width, height = tile_on_screen(block, 31)
    assert width >= 3 * 26 and height >= 3 * 26, (width, height)


@pytest.mark.parametrize("size", [(1280, 800), (1024, 640)])
def test_every_blocks_tiles_fill_their_panel(qtbot, recognizer, settings, size):
    window = show_main_window(qtbot, recognizer, settings, size=size)
    draw_letter(qtbot, window, LETTERS["o"])
    for block, panel in window.network.block_panels.items():
        width, height = panel.plot.view_size()
        of_room = mosaic_area(panel) / (width * height)             # a fixed grid in a corner had about 0.5
        assert of_room >= 0.8, f"block {block}: {of_room:.2f} of its room"
    block_1 = window.network.block_panels[1]
    of_plot = mosaic_area(block_1) / (block_1.plot.width() * block_1.plot.height())   # its colour bar included
    assert of_plot >= 0.7, f"block 1: {of_plot:.2f} of its plot"


def test_a_mosaic_reflows_when_its_room_changes_shape_but_not_per_frame(qtbot, window):
    block = window.network.block_panels[1]
    wide = block.mosaics["conv1"]
    draw_letter(qtbot, window, LETTERS["x"])
    assert block.mosaics["conv1"] is wide                  # readings never rebuild the mosaic
    window.splitter.setSizes([900, 380])                   # the network side becomes tall and thin
    qtbot.waitUntil(lambda: block.mosaics["conv1"].columns < wide.columns)
    assert block.plot.image.image.shape == block.mosaics["conv1"].buffer.shape   # redrawn in the new shape
    np.testing.assert_array_equal(block.mosaics["conv1"].buffer[:26, :26], window.prediction.activations["conv1"][0])


def test_columns_follow_the_rooms_shape():
    assert columns_to_fill(32, 26, 26, 800, 100) == 16      # two rows
    assert columns_to_fill(32, 26, 26, 100, 800) <= 3
    assert columns_to_fill(32, 26, 26, 600, 450) == 7       # 7 × 5 tiles of about 80 px
    mosaic = Mosaic(32, 26, 26, columns=7)
    assert (mosaic.rows, mosaic.columns) == (5, 7) and mosaic.tile_rect(8) == (27, 27, 26, 26)


def test_the_blocks_come_first_then_the_dense_layers_then_the_letters(qtbot, window):
    network = window.network
    top = lambda widget: widget.mapTo(network, widget.rect().topLeft()).y()
    left = lambda widget: widget.mapTo(network, widget.rect().topLeft()).x()
    blocks = network.block_panels
    assert left(blocks[1]) < left(blocks[2]) and top(blocks[2]) < top(blocks[3])
    assert max(top(panel) + panel.height() for panel in blocks.values()) <= top(network.dense_panel)
    assert top(network.dense_panel) + network.dense_panel.height() <= top(network.chart)


# ------------------------------------------------------------- dense strips
def test_the_letter_layer_is_labelled_with_its_letters_under_its_cells(qtbot, window):
    strips = window.network.dense_panel
    assert list(strips.widths)[-1] == "fc3" and strips.plot.getAxis("bottom").isVisible()
    (ticks,) = strips.plot.getAxis("bottom")._tickLevels
    assert [text for _, text in ticks] == list(model.CLASSES)
    columns = strips.buffer.shape[1]
    cell = columns / len(model.CLASSES)
    assert [position for position, _ in ticks] == pytest.approx([(i + 0.5) * cell for i in range(26)])


def test_every_dense_strip_spans_one_width_with_equal_cells(qtbot, window):
    draw_letter(qtbot, window, LETTERS["z"])
    strips = window.network.dense_panel
    image = strips.image.image
    assert not np.isnan(image).any()                        # no strip stops short
    for row, (name, width) in enumerate(strips.widths.items()):
        values = window.prediction.activations[name].reshape(-1)
        np.testing.assert_array_equal(image[row], np.repeat(values, image.shape[1] // width))


# ------------------------------------------------------------------ colours
def test_one_tensor_has_one_colour_scale_in_every_view(qtbot, window):
    window.explain_action.trigger()
    explain = window.explain_window
    qtbot.waitExposed(explain)
    draw_letter(qtbot, window, LETTERS["e"])
    block = window.network.block_panels[1]
    window.enlarge_channel("conv1", 5)
    levels = lambda plot: tuple(plot.image.levels.tolist())
    assert levels(window.network.channel_panel.plot) == levels(block.plot)
    # Step through: a max-pool and the convolution it picks from show the winner in one colour.
    explain.show_tab(explain.step)
    explain.step.select("pool3", 11, 1, 1)
    assert explain.step.source_title.text().startswith("<b>conv3</b>")
    assert levels(explain.step.map_plot) == levels(explain.step.source_plot)
    window.network.block_panels[3].set_stage("pool3")
    qtbot.waitUntil(lambda: window.network.block_panels[3].shown is not None)
    assert levels(window.network.block_panels[3].plot) == levels(explain.step.map_plot)


# -------------------------------------------------------------------- hover
def test_the_hovered_tile_is_outlined_and_loses_it_when_the_pointer_leaves(qtbot, window):
    draw_letter(qtbot, window, LETTERS["o"])
    block = window.network.block_panels[2]
    mosaic = block.mosaics[block.stage()]
    top, left, height, width = mosaic.tile_rect(9)
    block.plot.pixel_hovered.emit(top + 2, left + 3)
    mark = block.hover_mark
    assert mark.isVisible()
    rect = mark.rect()
    assert (rect.top(), rect.left(), rect.height(), rect.width()) == (top, left, height, width)
    assert block.info.text().startswith("channel 9:")
    block.plot.pixel_hovered.emit(-1, -1)
    assert not mark.isVisible() and block.info.text() == block.summary


# ----------------------------------------------------------------- contrast
def relative_luminance(color: QColor) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4
    red, green, blue = (linear(c) for c in color.getRgbF()[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: QColor, other: QColor) -> float:
    light, dark = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_wcag_formula_gives_its_known_values():
    assert contrast(QColor("black"), QColor("white")) == pytest.approx(21.0)
    assert contrast(QColor("#767676"), QColor("white")) == pytest.approx(4.54, abs=0.01)


def dark_palette() -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#2b2b2b"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#e6e6e6"))
    return palette


def test_captions_and_hover_text_meet_wcag_aa_in_the_window(qtbot, window):
    draw_letter(qtbot, window, LETTERS["e"])
    block = window.network.block_panels[1]
    block.plot.pixel_hovered.emit(3, 3)                     # the hover text is a caption too
    captions = [panel.info for panel in window.network.panels().values()] + [window.drawing.input_view.info]
    for caption in captions:
        background = caption.palette().color(QPalette.ColorRole.Window)
        assert contrast(caption.text_color(), background) >= 4.5, caption.text()
    chart = window.network.chart
    letters = chart.getAxis("bottom").textPen().color()
    assert contrast(letters, chart.backgroundBrush().color()) >= 4.5
    strips = window.network.dense_panel.plot          # the layer names, on the strips' own background
    assert contrast(strips.getAxis("left").textPen().color(), strips.backgroundBrush().color()) >= 4.5


def test_captions_meet_wcag_aa_in_a_dark_palette_too(qtbot):
    label = ElidedLabel("channel 3: -0.2 … 1.4", muted=True)
    qtbot.addWidget(label)
    label.setPalette(dark_palette())
    assert contrast(label.text_color(), dark_palette().color(QPalette.ColorRole.Window)) >= 4.5
    assert caption_color(dark_palette()) != dark_palette().color(QPalette.ColorRole.WindowText)   # still muted


def test_a_reading_does_not_repaint_the_letters_under_the_strips(qtbot, window, monkeypatch):
    letters = window.network.dense_panel.plot.getAxis("bottom")
    paints = []
    real_paint = type(letters).paint
    monkeypatch.setattr(type(letters), "paint",
                        lambda axis, *args: (paints.append(axis) if axis is letters else None, real_paint(axis, *args)))
    draw_letter(qtbot, window, LETTERS["o"])
    qtbot.wait(50)
    paints.clear()
    draw_letter(qtbot, window, LETTERS["x"])        # dozens of frames of new strips
    qtbot.wait(50)
    assert window.network.dense_panel.image.image is not None and paints == []
