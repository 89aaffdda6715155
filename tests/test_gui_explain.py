"""View ▸ Explain, driven as a user drives it: the menu, mouse-drawn letters,
clicks on feature maps, typed kernel values, the saliency toggle.

Tests with "primer" in their name reproduce the CNN primer's worked examples
through the Explain window's own widgets (corrected where its errata say so).
"""
from __future__ import annotations

import copy
import time
from decimal import Decimal

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QTableWidget, QWidget

import model
from gui.explain.widgets import ColumnFlow
from gui.replay import send_mouse
from gui_helpers import LETTERS, draw_letter, show_main_window

CROSS = [[0, 0, 1, 1, 1, 0, 0]] * 2 + [[1] * 7] * 3 + [[0, 0, 1, 1, 1, 0, 0]] * 2
TOY = [[1, 1, 2, 4, 5], [3, 2, 1, 0, 1], [0, 1, 3, 2, 2], [1, 0, 1, 3, 1], [2, 1, 4, 1, 0]]


@pytest.fixture
def explain(qtbot, window):
    window.explain_action.trigger()
    explain = window.explain_window
    qtbot.waitExposed(explain)
    return explain


def click_pixel(plot, row: int, col: int) -> None:
    """A real left click on image pixel (row, col) of an ImagePlot."""
    scene = plot.view.mapViewToScene(QPointF(col + 0.5, row + 0.5))
    QTest.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=plot.mapFromScene(scene))


def shown(label) -> float:
    return float(label.text())


def type_in_cell(qtbot, grid, row: int, col: int, text: str) -> None:
    """Click a cell of an editable grid, type ``text`` over it and press Return.  Not the
    cell already selected: clicked, that one opens its editor late, on a double-click timer."""
    rect = grid.visualItemRect(grid.item(row, col))
    QTest.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())   # pick a cell...
    QTest.keyClicks(grid, text[0])                                                  # ...type over it
    (editor,) = [child for child in grid.findChildren(QLineEdit) if child.isVisible()]
    QTest.keyClicks(editor, text[1:])
    QTest.keyClick(editor, Qt.Key.Key_Return)
    # Qt commits, and closes the editor, on the next loop pass.
    qtbot.waitUntil(lambda: not any(child.isVisible() for child in grid.findChildren(QLineEdit)))


# ------------------------------------------------------------------ opening
def test_explain_opens_from_the_view_menu_and_follows_the_drawing(qtbot, window, explain):
    assert window.explain_action in window.menus["view"].actions()
    assert explain.isVisible() and explain.isWindow() and not explain.isModal()
    assert [explain.tabs.tabText(i) for i in range(explain.tabs.count())] == \
        ["Kernels", "Step through", "Activations", "Architecture", "Why convolutions", "Backward"]
    draw_letter(qtbot, window, LETTERS["x"])
    assert "reads as <b>x</b>" in explain.status.text()
    np.testing.assert_array_equal(explain.kernels.input_plot.image.image, window.prediction.image)
    sobel = explain.kernels.cards["sobel_x"].plot.image.image
    np.testing.assert_allclose(sobel, model.apply_kernel(window.prediction.image, model.CLASSIC_KERNELS["sobel_x"]))
    assert sobel.shape == (26, 26)


def overlapping_children(page) -> list[tuple[str, str]]:
    """Pairs of visible widgets drawn over each other: among the page's own
    children, and inside its wrapping columns and their cells."""
    pairs, flows = [], page.findChildren(ColumnFlow)
    for container in [page, *flows, *(cell for flow in flows for cell in flow.cells)]:
        children = [c for c in container.findChildren(QWidget)
                    if c.parentWidget() is container and c.isVisible()]
        pairs += [(type(a).__name__, type(b).__name__) for i, a in enumerate(children) for b in children[i + 1:]
                  if a.geometry().intersects(b.geometry())]
    return pairs


def clipped_tables(page) -> list[str]:
    """The headers of visible tables that cannot scroll sideways yet are too
    narrow for their columns, so that the last ones are cut off."""
    return [type(table).__name__ for table in page.findChildren(QTableWidget)
            if table.isVisible() and table.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
            and table.horizontalHeader().length() > table.viewport().width()]


def test_every_tab_fits_the_default_window_and_wraps_in_a_small_one(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["x"])
    cells_when_wide = {}
    for size, wide in (((1240, 780), True), ((1024, 640), False), ((960, 640), False), ((800, 600), False),
                       ((1240, 780), True)):
        explain.resize(*size)
        for page in explain.pages:
            explain.show_tab(page)
            qtbot.wait(50)
            area, columns = explain.tabs.currentWidget(), page.findChild(ColumnFlow)
            if wide:        # back from narrow, a tab looks as it did before
                cells = [cell.geometry() for cell in columns.cells]
                assert cells_when_wide.setdefault(page, cells) == cells, type(page).__name__
            assert overlapping_children(page) == [], (size, type(page).__name__)
            assert clipped_tables(page) == [], (size, type(page).__name__)
            assert not area.horizontalScrollBar().isVisible(), (size, type(page).__name__)
            assert area.verticalScrollBar().isVisible() == (not wide), (size, type(page).__name__)
            if wide:                # every column side by side
                assert columns.per_row == len(columns.cells), type(page).__name__
    # At 1024 px the kernels, step-through and architecture columns no longer
    # fit side by side: each wraps below the first, instead of scrolling sideways.
    explain.resize(1024, 640)
    for page in (explain.kernels, explain.step, explain.architecture):
        explain.show_tab(page)
        qtbot.wait(50)
        columns = page.findChild(ColumnFlow)
        assert columns.per_row < len(columns.cells), type(page).__name__
        first, last = columns.cells[0], columns.cells[-1]
        assert last.geometry().top() >= first.geometry().bottom(), type(page).__name__
    # Narrower than the widest column can be, the window stops: no tab ever scrolls sideways.
    explain.resize(600, 600)
    assert explain.width() > 600
    for page in explain.pages:
        explain.show_tab(page)
        qtbot.wait(50)
        assert not explain.tabs.currentWidget().horizontalScrollBar().isVisible(), type(page).__name__
    # The contributions table has no scroll bar of its own: it shows every row.
    table = explain.step.top_table
    last = table.rowCount() - 1
    assert last > 0 and table.rowViewportPosition(last) + table.rowHeight(last) <= table.viewport().height()
    # A column that grows wider later wraps too, though the window kept its size.
    explain.resize(1240, 780)
    explain.show_tab(explain.step)
    qtbot.wait(50)
    columns = explain.step.findChild(ColumnFlow)
    assert columns.per_row == 3
    columns.cells[1].setMinimumWidth(900)
    qtbot.waitUntil(lambda: columns.per_row < 3)
    qtbot.wait(50)
    assert not explain.tabs.currentWidget().horizontalScrollBar().isVisible()


def test_empty_pad_shows_a_friendly_draw_a_letter_state(qtbot, window, explain):
    assert window.prediction is None
    assert "Draw a letter" in explain.status.text()
    for index in range(explain.tabs.count()):      # every tab copes with no drawing
        explain.tabs.setCurrentIndex(index)
    assert "Draw a letter" in explain.step.explanation.text()
    assert "Draw a letter" in explain.activations.dead_note.text()
    assert explain.step.step is None
    explain.show_tab(explain.activations)
    draw_letter(qtbot, window, LETTERS["o"])
    assert explain.activations.report
    window.clear_action.trigger()
    qtbot.waitUntil(lambda: "Draw a letter" in explain.status.text())
    assert "Draw a letter" in explain.activations.dead_note.text()
    assert window.last_error_dialog is None


def test_without_a_model_every_tab_says_so_and_offers_nothing_to_pick(qtbot, settings):
    window = show_main_window(qtbot, None, settings)
    window.explain_action.trigger()
    explain = window.explain_window
    qtbot.waitExposed(explain)
    for page in (explain.activations, explain.step):
        explain.tabs.setCurrentIndex(explain.pages.index(page))
    assert "No model is loaded" in explain.activations.dead_note.text()
    assert not explain.activations.layer_box.isEnabled()
    step = explain.step
    assert "No model is loaded" in step.explanation.text()
    assert step.stage_box.count() == 0
    assert not any(box.isEnabled() for box in (step.stage_box, step.channel_spin, step.row_spin, step.col_spin))


def test_closing_and_reopening_keeps_one_window_and_skips_work_while_hidden(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["x"])
    explain.close()
    assert not explain.isVisible()
    before = np.array(explain.kernels.input_plot.image.image, copy=True)
    window.pad.clear()
    draw_letter(qtbot, window, LETTERS["o"])
    np.testing.assert_array_equal(explain.kernels.input_plot.image.image, before)    # hidden: not updated
    window.explain_action.trigger()
    assert window.explain_window is explain
    qtbot.waitExposed(explain)
    np.testing.assert_array_equal(explain.kernels.input_plot.image.image, window.prediction.image)
    assert "reads as <b>o</b>" in explain.status.text()


def test_only_the_visible_tab_is_refreshed(qtbot, window, explain):
    explain.show_tab(explain.kernels)
    draw_letter(qtbot, window, LETTERS["z"])
    assert explain.step.prediction is not window.prediction
    explain.show_tab(explain.step)
    assert explain.step.prediction is window.prediction


def test_a_moving_pen_is_followed_ten_times_a_second_at_most_and_its_last_reading_at_once(qtbot, window, explain):
    explain.show_tab(explain.activations)
    assert explain._follow_soon.interval() == 100                # ten times a second
    # Stretched to a second here, so that a loaded machine's slow readings cannot
    # outpace it: what is tested is that readings are coalesced, not the clock.
    explain._follow_soon.setInterval(1000)
    shown = []
    real = explain.activations.show_prediction
    explain.activations.show_prediction = lambda p: (shown.append(p), real(p))
    readings = []
    window.prediction_shown.connect(lambda: readings.append(window.prediction))
    pad, started = window.pad, time.perf_counter()
    send_mouse(pad, QEvent.Type.MouseButtonPress, 60, 60, True)
    for i in range(30):
        send_mouse(pad, QEvent.Type.MouseMove, 60 + 4 * i, 60 + 3 * i, True)
        qtbot.waitUntil(lambda: len(readings) > i)   # each move is read on the pad
    seconds = time.perf_counter() - started
    assert len(shown) <= 1 + seconds / 1.0 < len(readings)     # but not redrawn here for each
    qtbot.waitUntil(lambda: len(shown) >= 1)        # but it does keep up
    send_mouse(pad, QEvent.Type.MouseButtonRelease, 180, 150, False)
    qtbot.waitUntil(lambda: window.prediction is not None and shown[-1] is window.prediction)


def test_explain_follows_a_newly_loaded_model(qtbot, window, explain, tmp_path):
    copy = tmp_path / "copy.pt"
    copy.write_bytes(model.SHIPPED_WEIGHTS.read_bytes())
    assert window.model_files.open_weights(str(copy))
    explain.show_tab(explain.step)
    draw_letter(qtbot, window, LETTERS["e"])
    assert explain.step.net is window.recognizer.model
    explain.step.select("conv2", 2, 3, 3)
    assert abs(shown(explain.step.values["total"]) - window.prediction.activations["conv2"][2, 3, 3]) <= 1e-5
    explain.show_tab(explain.architecture)
    assert "137,178 parameters" in explain.architecture.model_title.text()


# ------------------------------------------------------------- step-through
@pytest.mark.parametrize("stage, channel, row, col", [("conv1", 3, 12, 9), ("conv2", 17, 5, 6),
                                                     ("conv3", 100, 2, 1)])
def test_clicking_a_conv_map_position_shows_sum_plus_bias_equal_to_the_activation(
        qtbot, window, explain, stage, channel, row, col):
    draw_letter(qtbot, window, LETTERS["e"])
    explain.show_tab(explain.step)
    step = explain.step
    step.stage_box.setCurrentIndex(step.stage_box.findData(stage))
    step.channel_spin.setValue(channel)
    click_pixel(step.map_plot, row, col)
    assert step.position() == (channel, row, col)
    activation = float(window.prediction.activations[stage][channel, row, col])
    result = step.step
    assert (result.stage, result.channel, result.row, result.col) == (stage, channel, row, col)
    assert abs(result.per_channel_sums.sum() + result.bias - activation) <= 1e-5
    # ...and as displayed: the printed sum plus the printed bias is the printed network value.
    values = step.values
    assert abs(shown(values["sum"]) + shown(values["bias"]) - activation) <= 1e-5
    assert abs(shown(values["total"]) - activation) <= 1e-5
    assert abs(shown(values["activation"]) - activation) <= 1e-5
    # The grids show the patch, the kernel and their products for the channel picked.
    k = int(result.top_channels[0])
    assert step.patch_grid.texts()[0][0] == f"{result.patch[k, 0, 0]:.3f}".replace("-0.000", "0.000")
    products = np.array([[float(t) for t in row_] for row_ in step.products_grid.texts()])
    np.testing.assert_allclose(products, result.products[k], atol=6e-4)
    if stage == "conv1":
        assert step.top_table.isHidden()
    else:
        shown_channels = [int(step.top_table.item(r, 0).text()) for r in range(step.top_table.rowCount())]
        assert shown_channels == [c for c, _ in result.top(len(shown_channels))]


def test_a_contributing_channel_row_shows_that_channels_patch(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["z"])
    explain.show_tab(explain.step)
    explain.step.select("conv2", 4, 6, 6)
    table = explain.step.top_table
    rect = table.visualItemRect(table.item(2, 0))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    third = int(table.item(2, 0).text())
    assert explain.step.contributor == third
    kernel = np.array([[float(t) for t in row] for row in explain.step.kernel_grid.texts()])
    np.testing.assert_allclose(kernel, explain.step.step.kernel[third], atol=6e-4)


def test_clicking_the_main_windows_enlarged_channel_steps_through_it(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["x"])
    window.enlarge_channel("conv2", 9)
    click_pixel(window.network.channel_panel.plot, 4, 7)
    assert explain.current_tab() is explain.step
    assert (explain.step.stage(), *explain.step.position()) == ("conv2", 9, 4, 7)
    activation = float(window.prediction.activations["conv2"][9, 4, 7])
    assert abs(shown(explain.step.values["sum"]) + shown(explain.step.values["bias"]) - activation) <= 1e-5


def test_a_click_on_the_enlarged_channel_opens_explain_on_that_value(qtbot, window):
    draw_letter(qtbot, window, LETTERS["x"])
    assert window.explain_window is None                      # never opened
    window.enlarge_channel("conv1", 3)
    click_pixel(window.network.channel_panel.plot, 10, 12)
    explain = window.explain_window
    qtbot.waitExposed(explain)
    assert explain.current_tab() is explain.step
    assert (explain.step.stage(), *explain.step.position()) == ("conv1", 3, 10, 12)


def test_pool_step_highlights_the_winner_which_is_the_pooled_value(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["o"])
    explain.show_tab(explain.step)
    explain.step.select("pool2", 11, 5, 5)          # pool2 rounds 11 up to 6: a partial corner window
    step = explain.step.step
    pooled = float(window.prediction.activations["pool2"][11, 5, 5])
    assert step.winner_value == pooled and step.partial and step.window.shape == (1, 1)
    assert abs(shown(explain.step.values["sum"]) - pooled) <= 1e-5
    assert abs(shown(explain.step.values["activation"]) - pooled) <= 1e-5
    assert explain.step.kernel_grid.isHidden() and explain.step.top_table.isHidden()
    explain.step.select("pool1", 0, 6, 4)
    step = explain.step.step
    r, c = step.winner[0] - step.origin[0], step.winner[1] - step.origin[1]
    grid = explain.step.patch_grid
    assert grid.item(r, c).font().bold() and float(grid.item(r, c).text()) == pytest.approx(step.winner_value,
                                                                                           abs=6e-4)
    assert step.winner_value == float(window.prediction.activations["pool1"][0, 6, 4])


def test_a_gelu_click_is_explained_through_its_pool(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["e"])
    window.enlarge_channel("gelu2", 3)
    click_pixel(window.network.channel_panel.plot, 2, 2)
    assert explain.step.stage() == "pool2"
    gelu = float(window.prediction.activations["gelu2"][3, 2, 2])
    assert "gelu2" in explain.step.explanation.text()
    assert f"{gelu:.4f}".replace("-0.0000", "0.0000") in explain.step.explanation.text()


def test_step_through_follows_new_drawings(qtbot, window, explain):
    explain.show_tab(explain.step)
    explain.step.select("conv3", 7, 1, 1)
    for letter in ("x", "o"):
        window.pad.clear()
        draw_letter(qtbot, window, LETTERS[letter])
        activation = float(window.prediction.activations["conv3"][7, 1, 1])
        assert abs(shown(explain.step.values["total"]) - activation) <= 1e-5


def test_choosing_a_smaller_map_moves_the_position_inside_it(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["e"])
    explain.show_tab(explain.step)
    step = explain.step
    assert step.stage() == "conv2"                       # 11×11
    click_pixel(step.map_plot, 10, 10)                   # its far corner
    assert step.position()[1:] == (10, 10)
    step.stage_box.setFocus()
    for _ in range(2):                                   # conv2 → pool2 → conv3 (4×4), by keyboard
        QTest.keyClick(step.stage_box, Qt.Key.Key_Down)
    # An IndexError raised on the way (a box still past the new map's edge) fails the test too.
    assert step.stage() == "conv3" and step.position() == (0, 3, 3)
    activation = float(window.prediction.activations["conv3"][0, 3, 3])
    assert abs(shown(step.values["total"]) - activation) <= 1e-5


def test_arrow_keys_in_the_contributions_table_show_that_channels_numbers(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["z"])
    explain.show_tab(explain.step)
    step = explain.step
    step.select("conv2", 4, 6, 6)
    table = step.top_table
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(table.item(0, 0)).center())
    for key, row in ((Qt.Key.Key_Down, 1), (Qt.Key.Key_Down, 2), (Qt.Key.Key_Up, 1)):
        QTest.keyClick(table, key)
        channel = int(table.item(row, 0).text())
        assert [index.row() for index in table.selectionModel().selectedRows()] == [row]
        assert step.contributor == channel and f"ch. {channel}" in step.patch_title.text()
        kernel = np.array([[float(t) for t in row_] for row_ in step.kernel_grid.texts()])
        np.testing.assert_allclose(kernel, step.step.kernel[channel], atol=6e-4)


def test_printed_sum_plus_printed_bias_is_the_printed_total(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["e"])
    explain.show_tab(explain.step)
    step = explain.step
    step.stage_box.setCurrentIndex(step.stage_box.findData("conv1"))
    for col in range(26):      # each number rounded on its own would miss by 1e-6 at about a third of these
        click_pixel(step.map_plot, 2, col)
        printed = {key: Decimal(step.values[key].text()) for key in ("sum", "bias", "total")}
        assert printed["sum"] + printed["bias"] == printed["total"], (col, printed)
        assert abs(float(printed["total"]) - step.step.total) <= 5e-7
        assert step.values["difference"].text() == format(step.step.total - step.step.activation, ".1e")


# ----------------------------------------------------------------- kernels
def test_typing_a_custom_kernel_changes_its_map(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["z"])
    custom = explain.kernels.custom
    np.testing.assert_allclose(custom.plot.image.image, window.prediction.image[1:-1, 1:-1])  # identity
    type_in_cell(qtbot, custom.grid, 1, 2, "-2")
    assert custom.grid.item(1, 2).text() == "-2"
    kernel = np.array([[0, 0, 0], [0, 1, -2], [0, 0, 0]], float)
    np.testing.assert_array_equal(custom.kernel, kernel)
    np.testing.assert_allclose(custom.plot.image.image, model.apply_kernel(window.prediction.image, kernel))
    explain.kernels.set_custom_kernel([[1, 2, 1], [0, 0, 0], [-1, "x", -1]])
    assert "'x' is not a number" in custom.info.text()
    last_good = [[1, 2, 1], [0, 0, 0], [-1, 0, 0]]          # typed cell by cell, up to the 'x'
    np.testing.assert_array_equal(custom.kernel, last_good)
    np.testing.assert_allclose(custom.plot.image.image, model.apply_kernel(window.prediction.image, last_good))


def test_a_typed_weight_is_used_in_full_and_kept_when_another_cell_is_edited(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["z"])
    custom = explain.kernels.custom
    type_in_cell(qtbot, custom.grid, 0, 0, "0.12345")
    type_in_cell(qtbot, custom.grid, 2, 2, "-0.5")
    kernel = [[0.12345, 0, 0], [0, 1, 0], [0, 0, -0.5]]
    np.testing.assert_array_equal(custom.kernel, kernel)
    # Too long for its cell, it is shown to 3 digits, with the typed text as tooltip; the map uses it whole.
    assert custom.grid.item(0, 0).text() == "0.123" and custom.grid.item(0, 0).toolTip() == "0.12345"
    np.testing.assert_allclose(custom.plot.image.image, model.apply_kernel(window.prediction.image, kernel))


def test_a_weight_too_large_for_the_map_is_refused(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["z"])
    custom = explain.kernels.custom
    type_in_cell(qtbot, custom.grid, 0, 1, "1e20")            # huge, yet the map holds it
    assert custom.kernel[0, 1] == 1e20 and np.isfinite(custom.plot.image.image).all()
    assert "nan" not in custom.info.text() and "too large" not in custom.info.text()
    kernel = np.array(custom.kernel)
    type_in_cell(qtbot, custom.grid, 0, 0, "-1e308")          # finite, but nine products overflow
    assert "'-1e308' is too large" in custom.info.text() and "nan" not in custom.info.text()
    np.testing.assert_array_equal(custom.kernel, kernel)
    assert np.isfinite(custom.plot.image.image).all()


def test_a_learned_kernel_tile_shows_its_numbers_and_its_map(qtbot, window, explain, recognizer):
    draw_letter(qtbot, window, LETTERS["e"])
    kernels = explain.kernels
    mosaic = kernels._kernel_mosaic
    row, col = divmod(13, mosaic.columns)
    click_pixel(kernels.kernel_plot, row * (mosaic.tile_h + 1) + 1, col * (mosaic.tile_w + 1) + 1)
    assert kernels.learned_channel == 13
    weights = model.learned_kernels(recognizer.model)[13]
    texts = np.array([[float(t) for t in row_] for row_ in kernels.learned_card.grid.texts()])
    np.testing.assert_allclose(texts, weights, atol=6e-3)
    np.testing.assert_array_equal(kernels.learned_card.plot.image.image, window.prediction.activations["conv1"][13])


@pytest.mark.parametrize("name, expected", [
    ("sobel_x", [[3, 3, 0, -3, -3], [1, 1, 0, -1, -1], [0] * 5, [1, 1, 0, -1, -1], [3, 3, 0, -3, -3]]),
    ("sobel_y", [[3, 1, 0, 1, 3], [3, 1, 0, 1, 3], [0] * 5, [-3, -1, 0, -1, -3], [-3, -1, 0, -1, -3]]),
    ("sharpen", [[-2, 2, 1, 2, -2], [2, 1, 1, 1, 2], [1] * 5, [2, 1, 1, 1, 2], [-2, 2, 1, 2, -2]]),
    ("corner", [[-5, 2, 0, 2, -5], [2, 1, 0, 1, 2], [0] * 5, [2, 1, 0, 1, 2], [-5, 2, 0, 2, -5]]),
    # The primer's errata: the blur's printed map is wrong; this is what it gives.
    ("blur", [[0.5, 0.7, 0.9, 0.7, 0.5], [0.7, 0.8, 0.9, 0.8, 0.7], [0.9] * 5,
              [0.7, 0.8, 0.9, 0.8, 0.7], [0.5, 0.7, 0.9, 0.7, 0.5]]),
])
def test_primer_classic_kernels_on_the_cross_image_in_the_playground(explain, name, expected):
    explain.kernels.show_input(np.array(CROSS, float))
    card = explain.kernels.cards[name]
    np.testing.assert_allclose(card.plot.image.image, expected, atol=1e-12)
    printed = np.array([[float(t) for t in row] for row in card.grid.texts()])
    np.testing.assert_array_equal(printed, model.CLASSIC_KERNELS[name])


def test_primer_laplacian_on_the_5x5_image_in_the_playground(explain):
    explain.kernels.show_input(np.array(TOY, float))
    np.testing.assert_array_equal(explain.kernels.cards["laplacian"].plot.image.image,
                                  [[-2, 3, 8], [1, -7, 0], [4, 6, -7]])


# -------------------------------------------------------------- activations
PRIMER_GELU = {-2.0: -0.045, -1.0: -0.159, -0.5: -0.154, 0.0: 0.0, 0.5: 0.346, 1.0: 0.841, 2.0: 1.955,
               -2.5: -0.015, -1.8: -0.065, -0.3: -0.115, -0.1: -0.046}


def test_primer_gelu_table_shown_in_the_activations_tab(explain):
    explain.show_tab(explain.activations)
    table = explain.activations.gelu_table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    column = {name: headers.index(name) for name in headers}
    rows = {float(table.item(r, 0).text()): r for r in range(table.rowCount())}
    assert set(rows) == set(PRIMER_GELU)
    for x, printed in PRIMER_GELU.items():
        r = rows[x]
        assert float(table.item(r, column["GELU, tanh (primer)"]).text()) == printed
        assert float(table.item(r, column["ReLU"]).text()) == max(x, 0.0)
        assert abs(float(table.item(r, column["GELU, exact"]).text()) - printed) <= 1e-3 + 1e-4
        if x < 0:   # the dead-neuron demonstration: ReLU's gradient is 0, GELU's is not
            assert float(table.item(r, column["ReLU grad."]).text()) == 0
            assert float(table.item(r, column["GELU grad."]).text()) != 0
    bold = {x for x, r in rows.items() if table.item(r, column["GELU, exact"]).font().bold()}
    assert bold == {-2.0, 2.0, -2.5}


def test_dead_unit_note_counts_this_drawings_zeros(qtbot, window, explain):
    explain.show_tab(explain.activations)
    draw_letter(qtbot, window, LETTERS["x"])
    tab = explain.activations
    tab.layer_box.setCurrentIndex(tab.layer_box.findData("gelu1"))
    pool1 = window.prediction.activations["pool1"]
    relu_zero, gelu_zero = int((pool1 <= 0).sum()), int((window.prediction.activations["gelu1"] == 0).sum())
    text = tab.dead_note.text()
    assert f"{pool1.size:,} values" in text
    assert f"<b>{relu_zero:,}</b>" in text and f"<b>{gelu_zero:,}</b>" in text
    assert f"<b>{relu_zero - gelu_zero:,}</b>" in text
    before = tab.bars["before"].getData()[1]
    assert before.sum() == pool1.size and tab.bars["relu"].getData()[1].sum() == pool1.size
    assert tab.summary.rowCount() == 5


def test_the_relu_spike_counts_the_zeroed_values_as_the_note_does(qtbot, window, explain):
    explain.show_tab(explain.activations)
    draw_letter(qtbot, window, LETTERS["x"])
    tab = explain.activations
    tab.layer_box.setCurrentIndex(tab.layer_box.findData("gelu1"))
    pool1 = window.prediction.activations["pool1"]
    zeroed = int((pool1 <= 0).sum())
    edges, relu_bars = tab.bars["relu"].getData()
    in_zero_bin = int(relu_bars.max())
    small_positive = in_zero_bin - zeroed
    assert small_positive > 0                        # the bin holding 0 holds more than the zeroed values
    spike = tab.spike.toPlainText()
    assert f"ReLU: {zeroed:,} zeroed" in spike and f"{small_positive:,} small positive" in spike
    assert f"<b>{zeroed:,}</b>" in tab.dead_note.text()


# ------------------------------------------------------------- architecture
def test_primer_digit_net_parameter_counts_in_the_architecture_tab(explain):
    explain.show_tab(explain.architecture)
    table = explain.architecture.primer_table
    rows = {table.item(r, 0).text(): [table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())}
    assert [rows[name][3] for name in ("conv1", "conv2", "fc1", "fc2")] == ["320", "18,496", "204,928", "1,290"]
    assert rows["total"][3] == "225,034"
    assert rows["pool2"][2] == "64 × 5 × 5" and rows["flatten"][2] == "1600"
    assert rows["conv2"][4] == "3x3x32x64 + 64"
    loaded = explain.architecture.model_table
    totals = [loaded.item(r, 3).text() for r in range(loaded.rowCount()) if loaded.item(r, 0).text() == "total"]
    assert totals == ["137,178"]


@pytest.mark.parametrize("args, expected", [
    ((28, 3, 0, 1, "exact"), 26),        # primer section 4
    ((28, 3, 1, 1, "exact"), 28),        # ...with padding 1
    ((4, 2, 0, 2, "exact"), 2),          # the 4x4 max-pool
    ((11, 2, 0, 2, "ceil"), 6),          # LetterNet's pool2 rounds up
    ((11, 2, 0, 2, "floor"), 5),         # the primer's design rounds down
])
def test_primer_spatial_size_calculator(explain, args, expected):
    tab = explain.architecture
    enter_in_calculator(tab, *args)
    assert tab.calculate() == expected
    assert f"output {expected}×{expected}" in tab.result.text()


def enter_in_calculator(tab, size: int, kernel: int, padding: int, stride: int, rounding: str) -> str:
    """Fill in the calculator box by box, as a user does; the result it shows."""
    for spin, value in zip((tab.input_spin, tab.kernel_spin, tab.padding_spin, tab.stride_spin),
                           (size, kernel, padding, stride)):
        spin.setValue(value)
    tab.rounding_box.setCurrentIndex(tab.rounding_box.findData(rounding))
    return tab.result.text()


@pytest.mark.parametrize("args, expected, wording", [
    ((11, 2, 0, 2, "ceil"), 6, "rounded up to"),         # 5.5
    ((11, 2, 0, 2, "floor"), 5, "rounded down to"),      # 5.5
    ((5, 2, 1, 4, "ceil"), 2, "padding only"),           # 2.25: a third window would start in the padding
    ((1, 1, 1, 1, "ceil"), 2, "padding only"),           # 3, for the same reason
])
def test_spatial_size_calculator_words_the_rounding_by_the_result(explain, args, expected, wording):
    size, kernel, padding, stride, rounding = args
    if padding <= kernel / 2:          # what torch allows a pool: check the size against it
        pool = torch.nn.MaxPool2d(kernel, stride, padding, ceil_mode=rounding == "ceil")
        assert pool(torch.zeros(1, 1, size, size)).shape[-1] == expected
    text = enter_in_calculator(explain.architecture, *args)
    assert f"output {expected}×{expected}" in text and wording in text
    assert wording == "rounded up to" or "rounded up" not in text      # never for a smaller size


def test_spatial_size_calculator_explains_impossible_sizes(explain):
    tab = explain.architecture
    tab.set_inputs(11, 2, 0, 2, "exact")
    assert tab.calculate() is None and "5.5 is not a whole number. Pick “round down” or “round up”" in tab.result.text()
    assert "rounding=" not in tab.result.text()           # the code's words, not the combo box's
    tab.set_inputs(5, 7)
    assert tab.calculate() is None and "does not fit" in tab.result.text()


# ----------------------------------------------------------------- saliency
def test_saliency_toggle_tints_the_ink_and_clears(qtbot, window):
    draw_letter(qtbot, window, LETTERS["x"])
    assert window.pad._overlay is None                     # off by default
    frames = window.frames_shown
    window.saliency_action.trigger()
    qtbot.waitUntil(lambda: window.frames_shown > frames)
    overlay = window.pad._overlay
    assert isinstance(overlay, QImage) and overlay.size() == window.pad.size()
    rgba = overlay.convertToFormat(QImage.Format.Format_RGBA8888)
    alpha = np.frombuffer(rgba.constBits(), np.uint8).reshape(rgba.height(), rgba.width(), 4)[..., 3]
    # Distance of every pad pixel to the nearest ink point.
    points = np.concatenate(window.pad.strokes())
    ys, xs = np.mgrid[0:alpha.shape[0]:4, 0:alpha.shape[1]:4]
    distance = np.min(np.hypot(xs[..., None] - points[:, 0], ys[..., None] - points[:, 1]), axis=-1)
    sampled = alpha[::4, ::4].astype(float)
    near, far = sampled[distance < 12], sampled[distance > 60]
    assert near.mean() > 20 and near.mean() > 5 * max(far.mean(), 1.0)
    assert distance[np.unravel_index(np.argmax(sampled), sampled.shape)] < 25   # the peak is on the strokes
    frames = window.frames_shown
    window.saliency_action.trigger()
    qtbot.waitUntil(lambda: window.frames_shown > frames)
    assert window.pad._overlay is None


def test_a_long_typed_weight_is_shown_short_and_used_in_full(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["x"])
    explain.show_tab(explain.kernels)
    explain.kernels.set_custom_kernel([[1 / 3, 0, 0], [0, 1, 0], [0, 0, 123456.789]])
    grid = explain.kernels.custom.grid
    assert grid.item(0, 0).text() == "0.333" and grid.item(0, 0).toolTip() == str(1 / 3)
    assert grid.item(2, 2).text() in ("1.23e5", "1.2e5", "1e5")
    assert explain.kernels.custom.kernel[0, 0] == 1 / 3 and explain.kernels.custom.kernel[2, 2] == 123456.789
    grid.item(1, 1).setText("2")                                      # another cell edited: nothing rounded
    assert explain.kernels.custom.kernel[0, 0] == 1 / 3
    grid.item(2, 2).setText("2")                      # a short entry: the long one's tooltip goes with it
    assert grid.item(2, 2).text() == "2" and grid.item(2, 2).toolTip() == ""
    explain.kernels._start_custom_from(explain.kernels.custom_start.findData("identity"))   # a preset
    assert grid.item(0, 0).text() == "0" and grid.item(0, 0).toolTip() == ""


def test_conv1s_sentence_and_sum_row_print_the_same_sum(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["e"])
    explain.show_tab(explain.step)
    for row, col in [(4, 9), (10, 12), (13, 13), (20, 5)]:
        explain.step.select("conv1", 0, row, col)
        printed = explain.step.channel_sum.text().split("<b>")[1].split("</b>")[0]
        assert printed == explain.step.values["sum"].text()


def test_focusing_the_refilled_contributions_table_keeps_the_chosen_channel(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["z"])
    explain.show_tab(explain.step)
    explain.step.select("conv2", 4, 6, 6)
    table = explain.step.top_table
    table.cellClicked.emit(3, 0)                                       # the user picks the 4th row
    chosen = explain.step.contributor
    window.pad.clear()
    draw_letter(qtbot, window, LETTERS["x"])                           # the table is filled again
    table.setCurrentCell(-1, -1)
    table.setFocus()
    table.setCurrentCell(0, 0)                                         # what Qt does when it gets the focus
    assert explain.step.contributor == chosen


# ---------------------------------------------------------------- backward
def shown_loss(tab) -> float:
    """The loss as printed: the last bold number of '-log p(<b>c</b>) = -log 0.0038 = <b>5.5692</b>'."""
    return float(tab.loss_label.text().split("<b>")[-1].split("</b>")[0])


def independent_log_probs(net, image) -> np.ndarray:
    with torch.no_grad():
        log_probs, _ = net(torch.from_numpy(image)[None, None])
    return log_probs[0].numpy()


def click_bar(chart, index: int) -> None:
    scene = chart.plotItem.vb.mapViewToScene(QPointF(index, 0.5))
    QTest.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.mapFromScene(scene))


def test_backward_tab_picks_a_label_by_click_shows_its_loss_and_steps_only_a_copy(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["e"])
    explain.show_tab(explain.backward)
    tab, net = explain.backward, window.recognizer.model
    log_probs = independent_log_probs(net, window.prediction.image)
    e, c, o = (model.CLASSES.index(letter) for letter in "eco")
    assert tab.backward.label == e and tab.letters.buttons[e].isChecked()         # the reading, by default
    assert abs(shown_loss(tab) + log_probs[e]) <= 1e-4
    QTest.mouseClick(tab.letters.buttons[c], Qt.MouseButton.LeftButton)           # "it is a c"
    assert tab.backward.label == c and tab.letters.buttons[c].isChecked() and not tab.letters.buttons[e].isChecked()
    assert abs(shown_loss(tab) + log_probs[c]) <= 1e-4 and shown_loss(tab) > 1.0
    assert "p(<b>c</b>)" in tab.loss_label.text()
    weights = {name: value.clone() for name, value in net.state_dict().items()}
    before, after = tab.bars.heights()
    np.testing.assert_allclose(before, np.exp(log_probs), atol=1e-6)
    assert not after.any()                                                        # no step taken yet
    tab.step_size.setValue(0.02)
    QTest.mouseClick(tab.step_button, Qt.MouseButton.LeftButton)
    before, after = tab.bars.heights()
    assert after[c] > before[c] + 0.05 and abs(after.sum() - 1) < 1e-4            # the reading moved towards c
    assert tab.sgd.learning_rate == pytest.approx(0.02)
    change = tab.kernels.plots["change"].image.image
    assert np.nanmax(np.abs(change)) > 0                                          # and the kernels moved
    assert window.recognizer.model is net                                         # the model in use: untouched
    for name, value in net.state_dict().items():
        assert torch.equal(value, weights[name]), name
    np.testing.assert_allclose(independent_log_probs(net, window.prediction.image), log_probs)
    click_bar(tab.bars, o)                                                        # a bar picks a label too
    assert tab.backward.label == o and not tab.bars.heights()[1].any()           # and a step is for its label
    window.pad.clear()
    qtbot.waitUntil(lambda: tab.backward is None)
    draw_letter(qtbot, window, LETTERS["x"])
    assert tab.backward.letter == "x"                                             # a new drawing: its reading


@pytest.mark.parametrize("stage, weight", [("conv1", (5, 0, 1, 2)), ("conv2", (17, 30, 0, 2)),
                                           ("conv3", (100, 63, 2, 1))])
def test_backward_tab_shows_a_weights_gradient_summed_by_hand_as_autograd_does(qtbot, window, explain, stage, weight):
    draw_letter(qtbot, window, LETTERS["z"])
    explain.show_tab(explain.backward)
    tab = explain.backward
    QTest.mouseClick(tab.letters.buttons[model.CLASSES.index("s")], Qt.MouseButton.LeftButton)
    view = tab.weight
    view.stage_box.setCurrentIndex(view.stage_box.findData(stage))
    for spin, value in zip(view.spins.values(), weight):
        spin.setValue(value)
    # autograd, independently, on a copy
    net = copy.deepcopy(window.recognizer.model)
    log_probs, _ = net(torch.from_numpy(window.prediction.image)[None, None])
    (-log_probs[0, model.CLASSES.index("s")]).backward()
    expected = float(net.stages[stage].weight.grad[weight])
    assert abs(expected) > 1e-6
    assert abs(float(view.values["total"].text()) - expected) <= 1e-5
    assert abs(float(view.values["autograd"].text()) - expected) <= 1e-5
    assert "✓ within 1e-5" in view.values["difference"].text()
    products = view.plots["products"].image.image
    assert abs(float(products.astype(np.float64).sum()) - expected) <= 1e-5      # the products shown are the sum's


def test_backward_tab_a_click_on_a_conv1_kernel_cell_or_an_input_pixel_takes_its_gradient_apart(qtbot, window, explain):
    draw_letter(qtbot, window, LETTERS["o"])
    explain.show_tab(explain.backward)
    tab = explain.backward
    mosaic = tab.kernels.mosaic
    channel, ky, kx = 7, 2, 0
    r, c = divmod(channel, mosaic.columns)
    click_pixel(tab.kernels.plots["gradients"], r * (mosaic.tile_h + 1) + ky, c * (mosaic.tile_w + 1) + kx)
    assert tab.weight.stage() == "conv1" and tab.weight.weight() == (channel, 0, ky, kx)
    gradient = tab.backward.weight_gradients["conv1"][channel, 0, ky, kx]
    assert abs(float(tab.weight.values["total"].text()) - gradient) <= 1e-5
    # the other way round: a click on the input map explains that input pixel's gradient
    click_pixel(tab.weight.plots["inputs"], 10, 11)
    text = tab.weight.pixel_note.text()
    assert f"row {10 + ky}, column {11 + kx}" in text
    by_hand = float(text.split("add up to <b>")[1].split("</b>")[0])
    by_autograd = float(text.split("autograd says ")[1].rstrip("."))
    assert abs(by_hand - by_autograd) <= 1e-5
    assert by_autograd == pytest.approx(tab.backward.input_gradients["conv1"][0, 10 + ky, 11 + kx], abs=1e-8)


def test_backward_tab_without_a_model_says_so(qtbot, settings):
    window = show_main_window(qtbot, None, settings)
    window.explain_action.trigger()
    explain = window.explain_window
    qtbot.waitExposed(explain)
    explain.show_tab(explain.backward)
    assert "No model is loaded" in explain.backward.weight.formula.text()
    assert not explain.backward.step_button.isEnabled()
    assert not explain.backward.weight.stage_box.isEnabled()


@pytest.mark.parametrize("key, modifier", [(Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
                                           (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
                                           (Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)],
                         ids=["Esc", "Ctrl+W", "Ctrl+E"])
def test_the_keyboard_closes_explain_and_ctrl_e_toggles_it(qtbot, window, key, modifier):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)      # opens it
    explain = window.explain_window
    qtbot.waitExposed(explain)
    explain.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is explain, timeout=2000)
    QTest.keyClick(explain.tabs, key, modifier)
    assert not explain.isVisible()
