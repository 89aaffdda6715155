"""The main window, driven as a user drives it: mouse strokes, keys, menus, files."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
import torch
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPalette, QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QGraphicsItem, QInputDialog, QMessageBox, QSpinBox, QStyle

import model
from gui.app import start_recognizer
from gui.dialogs import ModelCardDialog, on_a_keyboard
from gui.main_window import MainWindow
from gui.replay import draw, fit_to_pad, send_mouse
from gui.retrain import UNSAVED
from gui.state import MisreadSearch
from gui_helpers import LETTERS, drag_events, draw_letter, show_main_window


@pytest.fixture(scope="session")
def letters_file(tmp_path_factory):
    """A small stroke file, written as any user's export would be."""
    path = tmp_path_factory.mktemp("letters") / "letters_strokes.npz"
    labels = [model.CLASSES.index(letter) for letter in LETTERS]
    return model.save_strokes(path, list(LETTERS.values()), labels, ["test"] * len(LETTERS))


def panel_images(window) -> dict[str, np.ndarray]:
    images = {f"block{b}": p.plot.image.image for b, p in window.network.block_panels.items()}
    images.update(dense=window.network.dense_panel.image.image, channel=window.network.channel_panel.plot.image.image,
                  input=window.drawing.input_plot.image.image)
    return {name: np.array(image, copy=True) for name, image in images.items()}


# --------------------------------------------------------------- drawing
def test_mouse_drawn_letters_are_read_live(qtbot, window, letters_file):
    samples = model.load_dataset(letters_file)
    for i in range(len(samples)):
        window.pad.clear()
        before = panel_images(window)
        draw_letter(qtbot, window, samples.ink.ink(i))
        expected = model.CLASSES[samples.labels[i]]
        assert window.prediction.top(1)[0][0] == expected
        assert window.drawing.top_letters.letter == expected
        assert window.network.chart.values().sum() == pytest.approx(1.0, abs=1e-5)
        assert int(np.argmax(window.network.chart.values())) == samples.labels[i]
        assert window.network.chart.highlighted() == expected
        after = panel_images(window)
        changed = {name for name in before
                   if before[name].shape != after[name].shape or not np.allclose(before[name], after[name],
                                                                                   equal_nan=True)}
        assert changed == set(before), f"panels that did not update: {set(before) - changed}"
        assert window.timing_label.text().startswith(f"{model.READ_VIEWS.count} views in")   # a finished drawing


def test_prediction_updates_while_the_pen_is_still_down(qtbot, window):
    strokes = fit_to_pad(LETTERS["x"], window.pad.width(), window.pad.height())
    first = strokes[0]
    send_mouse(window.pad, QEvent.Type.MouseButtonPress, *first[0], True)
    shown = window.frames_shown
    for x, y in first[1:]:
        send_mouse(window.pad, QEvent.Type.MouseMove, x, y, True)
    qtbot.waitUntil(lambda: window.frames_shown > shown, timeout=2000)
    assert window.prediction is not None           # read before the release
    assert window.network.chart.values().sum() == pytest.approx(1.0, abs=1e-5)
    assert window.prediction.views == 1 and window.timing_label.text().startswith("read in")   # one view, live
    with qtbot.waitSignal(window.prediction_shown, timeout=2000):
        send_mouse(window.pad, QEvent.Type.MouseButtonRelease, *first[-1], False)
    # The pen lifts: the finished stroke is read from its views, in one forward pass.
    assert window.prediction.views == model.READ_VIEWS.count
    expected = window.recognizer.predict(window.pad.strokes(), model.READ_VIEWS)
    np.testing.assert_allclose(window.network.chart.values(), expected.probabilities, atol=1e-6)
    assert window.timing_label.text().startswith(f"{model.READ_VIEWS.count} views in")


def test_reading_from_views_can_be_turned_off_and_is_remembered(qtbot, window, settings):
    draw_letter(qtbot, window, LETTERS["e"])
    with_views = window.network.chart.values().copy()
    with qtbot.waitSignal(window.prediction_shown, timeout=2000):
        window.views_action.trigger()                  # off: the network reads the drawing alone
    alone = window.recognizer.predict(window.pad.strokes())
    assert window.prediction.views == 1 and not np.allclose(with_views, window.network.chart.values())
    np.testing.assert_allclose(window.network.chart.values(), np.exp(alone.activations["log_softmax"]), atol=1e-6)
    assert window.reading_views() == model.ONE_VIEW
    window.save_settings()
    again = show_main_window(qtbot, window.recognizer, settings)
    assert not again.views_action.isChecked()


def test_move_events_are_coalesced_into_fewer_predictions(qtbot, window):
    strokes = fit_to_pad(LETTERS["o"], window.pad.width(), window.pad.height())
    shown = window.frames_shown
    draw(window.pad, strokes)           # 60 events sent without the event loop running
    qtbot.waitUntil(lambda: window.frames_shown > shown, timeout=2000)
    qtbot.wait(50)
    assert 1 <= window.frames_shown - shown < len(strokes[0]) // 2


def test_empty_pad_shows_no_prediction_and_no_error(window):
    assert window.pad.is_empty()
    assert window.prediction is None
    assert window.network.chart.values().sum() == 0
    assert window.drawing.top_letters.letter == "–"
    assert window.drawing.top_letters.confidence == "Draw a letter"
    assert window.network.chart.highlighted() is None
    assert window.last_error_dialog is None


def test_a_new_reading_does_not_re_lay_out_the_window(qtbot, window):
    # Every pen move changes the top letter, its probability and the timing;
    # none of that may ask the window for a new layout (a whole-window pass).
    draw_letter(qtbot, window, LETTERS["o"])
    qtbot.wait(300)                       # the timing label is throttled to a few times a second
    requests = []
    spy = LayoutRequestSpy(requests)
    for widget in (window.drawing.top_letters, window.timing_label):
        while (widget := widget.parentWidget()) is not None:
            widget.installEventFilter(spy)
    for letter in "xz":
        window.pad.clear()
        draw_letter(qtbot, window, LETTERS[letter])
        qtbot.wait(300)
    assert window.drawing.top_letters.letter == "z"
    assert requests == []


def test_first_start_and_new_windows_fit_the_screen(qtbot, recognizer, settings):
    window = MainWindow(recognizer, settings=settings)       # no saved geometry: the default size
    qtbot.addWidget(window)
    window.show_explain()
    room = window.screen().availableGeometry()   # the offscreen screen, 800x800: smaller than the defaults
    for shown in (window, window.explain_window):
        assert shown.width() <= room.width() and shown.height() <= room.height(), type(shown).__name__


def test_a_wider_window_gives_the_pad_a_share_of_the_room(qtbot, window):
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280)
    narrow = window.pad.width()
    window.resize(1880, 800)
    qtbot.waitUntil(lambda: window.width() == 1880)
    # The drawing surface takes about a third of the extra 600 px, not none of it.
    assert 150 < window.pad.width() - narrow < 300


@pytest.mark.parametrize("size", [(1024, 640), (1100, 700)])
def test_axes_kept_as_pixmaps_show_what_a_fresh_paint_shows(qtbot, recognizer, settings, size):
    # Axes and colour bars are painted once into a pixmap and blitted after.
    # In these window sizes that pixmap once kept the axis's first, narrower
    # paint, and the fully connected layers' labels showed cut off.
    window = show_main_window(qtbot, recognizer, settings, size=size)
    draw_letter(qtbot, window, LETTERS["o"])
    qtbot.wait(100)
    plots = window.findChildren(pg.GraphicsView)
    cached = {plot: [item for item in plot.scene().items() if item.cacheMode() != QGraphicsItem.CacheMode.NoCache]
              for plot in plots}
    assert window.network.dense_panel.plot.getAxis("left") in cached[window.network.dense_panel.plot]
    before = {plot: plot.grab().toImage() for plot in cached}
    for plot, items in cached.items():
        for item in items:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    assert [plot for plot in cached if plot.grab().toImage() != before[plot]] == []


class LayoutRequestSpy(QObject):
    def __init__(self, seen: list):
        super().__init__()
        self.seen = seen

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.LayoutRequest:
            self.seen.append(watched)
        return False


def test_undo_redo_and_clear(qtbot, window):
    draw_letter(qtbot, window, LETTERS["x"])
    assert len(window.pad.strokes()) == 2
    window.undo_action.trigger()
    assert len(window.pad.strokes()) == 1
    window.redo_action.trigger()
    assert len(window.pad.strokes()) == 2
    qtbot.waitUntil(lambda: window.prediction is not None and window.prediction.top(1)[0][0] == "x")
    window.drawing.clear_button.click()
    assert window.pad.is_empty()
    qtbot.waitUntil(lambda: window.prediction is None)
    assert window.network.chart.values().sum() == 0
    window.undo_action.trigger()             # a clear can be undone: nothing is lost
    assert len(window.pad.strokes()) == 2
    assert window.redo_action.isEnabled()          # ...and redone again
    window.redo_action.trigger()
    assert window.pad.is_empty()


def test_keyboard_shortcuts_undo_and_clear(qtbot, window):
    window.activateWindow()
    qtbot.waitActive(window)
    draw_letter(qtbot, window, LETTERS["x"])
    QTest.keyClick(window.pad, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.pad.strokes()) == 1
    QTest.keyClick(window.pad, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(window.pad.strokes()) == 2
    QTest.keyClick(window.pad, Qt.Key.Key_Escape)
    assert window.pad.is_empty()


def test_new_stroke_after_undo_drops_the_redo_history(qtbot, window):
    draw_letter(qtbot, window, LETTERS["x"])
    window.pad.undo()
    assert window.pad.can_redo()
    draw_letter(qtbot, window, [LETTERS["x"][1]])
    assert not window.pad.can_redo()


def test_pen_width_control_changes_only_the_screen_pen(qtbot, window):
    draw_letter(qtbot, window, LETTERS["o"])
    image = window.prediction.image.copy()
    window.drawing.pen_width.setValue(30)
    assert window.pad.pen_width() == 30
    window.pad.ink_changed.emit()
    qtbot.waitUntil(lambda: window.prediction is not None and window.prediction.image is not None)
    np.testing.assert_array_equal(window.prediction.image, image)   # the network's pen is fixed


def test_ink_off_the_pad_is_pinned_to_its_edge(qtbot, window):
    pad = window.pad
    send_mouse(pad, QEvent.Type.MouseButtonPress, 50, 50, True)
    for x, y in [(-400, 80), (pad.width() + 300, -200), (pad.width() * 3, pad.height() * 3)]:
        send_mouse(pad, QEvent.Type.MouseMove, x, y, True)
    send_mouse(pad, QEvent.Type.MouseButtonRelease, pad.width() * 3, pad.height() * 3, False)
    points = pad.strokes()[0]
    assert points[:, 0].min() >= 0 and points[:, 0].max() <= pad.width() - 1
    assert points[:, 1].min() >= 0 and points[:, 1].max() <= pad.height() - 1
    qtbot.waitUntil(lambda: window.prediction is not None)


def test_ten_thousand_points_neither_freeze_nor_crash(qtbot, window):
    t = np.linspace(0, 60 * np.pi, 10_000)
    spiral = np.stack([200 + t * np.cos(t), 200 + t * np.sin(t)], 1)
    window.pad.set_strokes([spiral])
    qtbot.waitUntil(lambda: window.prediction is not None, timeout=3000)
    assert window.pad.point_count() == 10_000
    assert window.network.chart.values().sum() == pytest.approx(1.0, abs=1e-5)


def test_a_single_dot_is_handled_without_an_error_dialog(qtbot, window):
    send_mouse(window.pad, QEvent.Type.MouseButtonPress, 100, 100, True)
    send_mouse(window.pad, QEvent.Type.MouseButtonRelease, 100, 100, False)
    qtbot.wait(20)
    assert window.last_error_dialog is None
    assert window.drawing.top_letters.confidence       # either a reading or a plain message


def test_touch_draws_a_stroke(qtbot, window):
    device = QTest.createTouchDevice()
    QTest.touchEvent(window.pad, device).press(0, QPoint(40, 40)).commit()
    for x in range(50, 200, 10):
        QTest.touchEvent(window.pad, device).move(0, QPoint(x, x)).commit()
    QTest.touchEvent(window.pad, device).release(0, QPoint(200, 200)).commit()
    assert len(window.pad.strokes()) == 1
    assert len(window.pad.strokes()[0]) >= 10


def test_pen_tablet_draws_a_stroke(window):
    device = QPointingDevice.primaryPointingDevice()
    for kind, x in [(QEvent.Type.TabletPress, 30), (QEvent.Type.TabletMove, 80), (QEvent.Type.TabletMove, 130),
                    (QEvent.Type.TabletRelease, 130)]:
        local = QPointF(x, x)
        event = QTabletEvent(kind, device, local, window.pad.mapToGlobal(local), 0.5, 0.0, 0.0, 0.0, 0.0, 0.0,
                             Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton)
        window.pad.tabletEvent(event)
    assert [tuple(p) for p in window.pad.strokes()[0]] == [(30, 30), (80, 80), (130, 130)]


# ------------------------------------------------------------- feature maps
def test_stage_choice_switches_the_block_and_its_menu(qtbot, window):
    draw_letter(qtbot, window, LETTERS["e"])
    block = window.network.block_panels[2]
    block.set_stage("gelu2")
    qtbot.waitUntil(lambda: block.plot.image.image.shape == block.mosaics["gelu2"].buffer.shape)
    assert window.stage_actions["gelu2"].isChecked()
    window.stage_actions["pool2"].trigger()
    assert block.stage() == "pool2"


def test_clicking_a_tile_enlarges_that_channel(qtbot, window):
    draw_letter(qtbot, window, LETTERS["e"])
    block = window.network.block_panels[1]
    mosaic = block.mosaics[block.stage()]
    # Channel 7's tile centre, in mosaic pixels, then in widget coordinates.
    row, col = divmod(7, mosaic.columns)
    centre = QPointF(col * (mosaic.tile_w + 1) + mosaic.tile_w / 2, row * (mosaic.tile_h + 1) + mosaic.tile_h / 2)
    scene = block.plot.view.mapViewToScene(centre)
    QTest.mouseClick(block.plot.viewport(), Qt.MouseButton.LeftButton, pos=block.plot.mapFromScene(scene))
    assert (window.network.channel_panel.stage, window.network.channel_panel.channel) == (block.stage(), 7)
    np.testing.assert_allclose(window.network.channel_panel.plot.image.image, window.prediction.activations["conv1"][7])


def test_the_enlarged_channels_caption_never_shows_another_maps_value(qtbot, window):
    draw_letter(qtbot, window, LETTERS["e"])
    panel = window.network.channel_panel
    window.enlarge_channel("conv2", 9)
    panel.plot.pixel_hovered.emit(4, 7)
    assert panel.info.text() == f"row 4, column 7: {window.prediction.activations['conv2'][9][4, 7]:.4g}"
    window.enlarge_channel("pool3", 5)                 # a 2x2 map has no row 4
    assert "row 4" not in panel.info.text() and "see it computed" in panel.info.text()
    panel.plot.pixel_hovered.emit(1, 1)
    window.pad.clear()                                 # no drawing, no value
    qtbot.waitUntil(lambda: window.prediction is None)
    assert panel.info.text() == "click a tile to enlarge it"


def test_the_saliency_overlay_is_remade_when_the_pad_changes_size(qtbot, window):
    window.saliency_action.trigger()
    draw_letter(qtbot, window, LETTERS["x"])
    assert window.pad._overlay.size() == window.pad.size()
    window.resize(window.width() + 200, window.height() + 100)
    # Made again for the new size, not the old one stretched off the ink.
    qtbot.waitUntil(lambda: window.pad._overlay is not None and window.pad._overlay.size() == window.pad.size())


def test_a_smaller_pad_scales_the_ink_so_none_is_cut_off(qtbot, window, recognizer):
    draw_letter(qtbot, window, LETTERS["x"][:1])
    draw_letter(qtbot, window, LETTERS["x"][1:])      # two strokes: one to undo and redo
    pad = window.pad
    size, points = pad.size(), np.concatenate(pad.strokes())
    assert points[:, 1].max() > 0.7 * pad.height()    # the letter reaches far down the pad
    before = recognizer.predict(pad.strokes()).probabilities
    window.resize(900, 600)
    qtbot.waitUntil(lambda: pad.height() < size.height())
    factor = min(pad.width() / size.width(), pad.height() / size.height())
    np.testing.assert_allclose(np.concatenate(pad.strokes()), points * factor, rtol=1e-5)
    np.testing.assert_allclose(recognizer.predict(pad.strokes()).probabilities, before, atol=1e-4)
    # The saved picture holds the lowest point too, not a pad's worth cut off above it.
    lowest = round(points[:, 1].max() * factor)
    image = pad.to_image()
    assert any(QColor(image.pixel(x, lowest - 2)).lightness() < 128 for x in range(image.width()))
    pad.undo()
    pad.redo()                                         # history is scaled too
    redone = np.concatenate(pad.strokes())
    assert (redone >= 0).all() and (redone[:, 0] < pad.width()).all() and (redone[:, 1] < pad.height()).all()
    np.testing.assert_allclose(redone, points * factor, rtol=1e-5)
    # Back to the first size, the drawing is back as drawn: scaling is not
    # compounded step by step, which shrank it for good.
    window.resize(1280, 650)                           # wider, then taller again, in two steps
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: pad.size() == size)
    np.testing.assert_allclose(np.concatenate(pad.strokes()), points, rtol=1e-5)


def test_the_undo_and_redo_buttons_under_the_pad_step_through_strokes(qtbot, window):
    draw_letter(qtbot, window, LETTERS["x"][:1])
    draw_letter(qtbot, window, LETTERS["x"][1:])
    qtbot.mouseClick(window.drawing.undo_button, Qt.MouseButton.LeftButton)
    assert len(window.pad.strokes()) == 1 and window.drawing.redo_button.isEnabled()
    qtbot.mouseClick(window.drawing.redo_button, Qt.MouseButton.LeftButton)
    assert len(window.pad.strokes()) == 2 and not window.drawing.redo_button.isEnabled()


def test_hovering_a_tile_names_the_channel_and_range(qtbot, window):
    draw_letter(qtbot, window, LETTERS["e"])
    block = window.network.block_panels[3]
    block._hovered(0, 0)
    values = window.prediction.activations[block.stage()][0]
    assert block.info.text().startswith(f"channel 0: {values.min():.3g} … {values.max():.3g}")


def test_kernels_are_the_loaded_models_first_layer(window, recognizer):
    kernels = recognizer.model.stages["conv1"].weight.detach().numpy()[:, 0]
    np.testing.assert_allclose(window.network.kernel_panel._kernels, kernels)


# ------------------------------------------------------------------- menus
def menu_titles(window) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def test_menus_hold_the_promised_actions(window):
    assert menu_titles(window) == ["&File", "&Edit", "&Model", "&View", "&Help"]
    file_actions = window.menus["file"].actions()
    for action in (window.open_weights_action, window.open_drawing_action, window.save_png_action,
                   window.save_strokes_action, window.quit_action):
        assert action in file_actions
    assert window.shipped_action in window.menus["model"].actions()
    assert window.model_info_action in window.menus["model"].actions()
    assert window.shortcuts_action in window.menus["help"].actions()
    for name, menu in window.menus.items():          # Alt+letter reaches one item, not the first of two
        keys = [a.text().replace("&&", "")[a.text().replace("&&", "").index("&") + 1].lower()
                for a in menu.actions() if "&" in a.text().replace("&&", "")]
        assert len(keys) == len(set(keys)), (name, keys)


def test_about_names_the_model_and_the_versions_for_bug_reports(qtbot, window):
    window.about_action.trigger()
    box = window.findChild(QMessageBox)
    qtbot.waitExposed(box)
    assert "137,178 parameters" in box.text()
    assert f"PyTorch {torch.__version__}" in box.text() and "Qt " in box.text()
    box.done(0)


def test_help_shows_the_model_card_or_why_it_cannot(qtbot, window, tmp_path):
    assert window.model_card_action in window.menus["help"].actions()
    window.model_card_action.trigger()
    card = window.model_card_dialog
    qtbot.waitExposed(card)
    assert "137,178 parameters" in card.text.toPlainText()
    assert card.text.document().toMarkdown().count("|") > 20          # its tables are tables
    card.reject()
    missing = ModelCardDialog(window, tmp_path / "gone.md")
    assert "could not be read" in missing.text.toPlainText() and "gone.md" in missing.text.toPlainText()
    missing.deleteLater()


@pytest.mark.parametrize("val_data, says", [
    (model.HELD_OUT_LETTERS, "held-out letters, whose writers were in training"),
    ("held-out training writers", "held-out training writers, not seen in training"),
], ids=["letters", "writers"])
def test_model_info_says_what_validated_the_model(recognizer, val_data, says):
    from gui.dialogs import ModelInfoDialog
    checkpoint = model.Checkpoint(recognizer.model, "letternet", recognizer.checkpoint.raster,
                                  {"meta": {"val_accuracy": 0.91, "val_data": val_data}})
    text = ModelInfoDialog._summary(model.Recognizer(checkpoint, "mine.pt"))
    assert says in text and text.count("not seen in training") == (val_data != model.HELD_OUT_LETTERS)


def test_model_info_lists_each_layer_of_the_loaded_model(qtbot, window, recognizer):
    window.model_info_action.trigger()
    dialog = window.model_info_dialog
    qtbot.waitExposed(dialog)
    rows = model.layer_table(recognizer.model)
    table = dialog.table
    assert table.rowCount() == len(rows) + 1
    assert table.item(1, 0).text() == "conv1" and table.item(1, 2).text() == "32 × 26 × 26"
    assert table.item(table.rowCount() - 1, 3).text() == "137,178"
    assert "97." in dialog.summary.text()           # the model card's accuracy
    assert "one view" in dialog.summary.text() and "8 views" in dialog.summary.text()
    # Every layer in view, none of it under the summary or the Close button.
    last = table.rowCount() - 1
    assert table.rowViewportPosition(last) + table.rowHeight(last) <= table.viewport().height()
    assert not table.verticalScrollBar().isVisible()
    assert dialog.summary.geometry().bottom() < table.geometry().top()
    assert table.geometry().bottom() < dialog.buttons.geometry().top()
    dialog.close()


def test_shortcuts_dialog_is_read_from_the_actions(qtbot, window):
    window.shortcuts_action.trigger()
    table = window.shortcuts_dialog.table
    pairs = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert "Ctrl+Z" in pairs["Undo"]
    assert pairs["Clear"] == "Esc"
    assert "Exit" not in pairs["Quit"] and "Open" not in pairs["Open weights"]
    window.shortcuts_dialog.close()


def test_media_keys_are_left_out_of_the_shortcuts_list():
    # Linux desktops bind Open, Save, Help and Exit media keys as well; few keyboards have them.
    assert on_a_keyboard(QKeySequence("Ctrl+O")) and on_a_keyboard(QKeySequence("F1"))
    assert on_a_keyboard(QKeySequence("Esc")) and on_a_keyboard(QKeySequence("Ctrl+]"))
    assert not on_a_keyboard(QKeySequence(Qt.Key.Key_Open))
    assert not on_a_keyboard(QKeySequence(Qt.Key.Key_Help))
    assert not on_a_keyboard(QKeySequence(Qt.Key.Key_Exit))
    assert not on_a_keyboard(QKeySequence(Qt.Key.Key_F16)) and on_a_keyboard(QKeySequence("F12"))


def test_view_menu_hides_panels_and_the_choice_is_remembered(qtbot, window, recognizer, settings):
    window.panel_actions["block3"].trigger()
    assert window.network.block_panels[3].isHidden()
    window.network.block_panels[1].set_stage("pool1")
    window.saliency_action.trigger()
    window.resize(window.width(), 500)     # the offscreen screen is only 800x600: vary the height
    window.close()

    again = MainWindow(recognizer, settings=settings)
    qtbot.addWidget(again)
    assert again.network.block_panels[3].isHidden()
    assert not again.panel_actions["block3"].isChecked()
    assert again.network.block_panels[1].stage() == "pool1"
    assert again.saliency_action.isChecked()
    assert again.height() == 500


def test_hidden_panels_are_not_updated(qtbot, window):
    window.set_panel_visible("block2", False)
    before = np.array(window.network.block_panels[2].plot.image.image, copy=True)
    draw_letter(qtbot, window, LETTERS["o"])
    np.testing.assert_array_equal(window.network.block_panels[2].plot.image.image, before)


# ------------------------------------------------------------------- files
def test_corrupt_weights_show_a_dialog_and_keep_the_model(qtbot, window, tmp_path):
    draw_letter(qtbot, window, LETTERS["z"])
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"PK\x03\x04 this is not a checkpoint" * 10)
    model_before = window.recognizer
    assert window.model_files.open_weights(str(bad)) is False
    dialog = window.last_error_dialog
    assert dialog is not None and dialog.isVisible()
    assert "broken.pt" in dialog.text() and "current model stays loaded" in dialog.text()
    dialog.done(0)                               # dismiss, as a user would
    assert window.recognizer is model_before
    window.pad.clear()
    draw_letter(qtbot, window, LETTERS["x"])
    assert window.prediction.top(1)[0][0] == "x"


def test_open_weights_checks_the_file_before_asking_to_save_the_model_in_use(qtbot, window, tmp_path,
                                                                            monkeypatch):
    unsaved = model.Recognizer.load()
    unsaved.source = UNSAVED                           # as a retrained model in use would be
    window.model_files.use(unsaved)
    bad = tmp_path / "notes.pt"
    bad.write_text("not a model")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.Save)
    monkeypatch.setattr("gui.file_dialogs.QFileDialog.getSaveFileName", lambda *a, **k: ("", ""))   # then cancelled
    assert window.model_files.open_weights(str(bad)) is False
    assert asked == [] and "notes.pt" in window.last_error_dialog.text()     # no "Save it first?" for nothing
    window.last_error_dialog.done(0)
    assert window.recognizer is unsaved
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.Discard)
    assert window.model_files.open_weights(str(model.SHIPPED_WEIGHTS))      # a model: now it asks
    assert asked == ["Retrained model not saved"] and window.recognizer is not unsaved


def test_model_save_as_writes_the_model_in_use(qtbot, window, tmp_path, monkeypatch):
    unsaved = model.Recognizer.load()
    unsaved.source = UNSAVED                  # a run's model in use, no longer held by Retrain
    with torch.no_grad():
        unsaved.model.stages["conv1"].bias += 0.01
    window.model_files.use(unsaved)
    assert window.save_model_action in window.model_menu.actions() and window.save_model_action.isEnabled()
    monkeypatch.setattr("gui.file_dialogs.QFileDialog.getSaveFileName", lambda *a, **k: (str(tmp_path / "mine"), ""))
    window.save_model_action.trigger()
    saved = model.Recognizer.load(tmp_path / "mine.pt")
    assert torch.equal(saved.model.stages["conv1"].bias, unsaved.model.stages["conv1"].bias)
    assert unsaved.source == str(tmp_path / "mine.pt") and window.model_label.text().startswith("mine.pt · ")


def test_truncated_weights_are_refused(window, tmp_path):
    good = model.SHIPPED_WEIGHTS.read_bytes()
    cut = tmp_path / "cut.pt"
    cut.write_bytes(good[: len(good) // 2])
    assert window.model_files.open_weights(str(cut)) is False
    assert "cut.pt" in window.last_error_dialog.text()
    window.last_error_dialog.done(0)


def test_open_weights_uses_the_file_dialog_and_switches_models(qtbot, window, tmp_path, monkeypatch):
    copy = tmp_path / "copy.pt"
    copy.write_bytes(model.SHIPPED_WEIGHTS.read_bytes())
    monkeypatch.setattr("gui.file_dialogs.QFileDialog.getOpenFileName", lambda *a, **k: (str(copy), ""))
    assert not window.shipped_action.isEnabled()
    window.open_weights_action.trigger()
    assert window.recognizer.source == str(copy)
    assert window.shipped_action.isEnabled()
    window.shipped_action.trigger()
    assert window.models.is_shipped(window.recognizer)


def test_the_next_start_reads_with_the_model_file_in_use(qtbot, window, settings, tmp_path):
    mine = tmp_path / "mine.pt"
    mine.write_bytes(model.SHIPPED_WEIGHTS.read_bytes())
    assert start_recognizer(settings)[0].source == str(model.SHIPPED_WEIGHTS)
    assert window.model_files.open_weights(str(mine))
    assert window.model_label.text().startswith("mine.pt · ")       # which file is in use
    recognizer, error, note = start_recognizer(settings)
    assert recognizer.source == str(mine.resolve()) and error is None and note is None
    mine.write_bytes(b"damaged since")                                # a remembered file gone bad...
    recognizer, error, note = start_recognizer(settings)
    assert window.models.is_shipped(recognizer) and error is None            # ...starts on the shipped model
    assert "mine.pt" in note and "shipped model instead" in note
    window.shipped_action.trigger()                                   # back to shipped: nothing to remember
    assert start_recognizer(settings)[2] is None


def test_a_hand_edited_settings_file_cannot_stop_the_app_starting(qtbot, recognizer, tmp_path):
    from PySide6.QtCore import QSettings
    ini = tmp_path / "edited.ini"
    ini.write_text("[pad]\npen_width=abc\n[model]\nfile=/tmp/a.pt, /tmp/b.pt\n"
                   "[retrain]\ndata_folder=/x, /y\n")                # Qt reads "a, b" as a list
    settings = QSettings(str(ini), QSettings.Format.IniFormat)
    assert start_recognizer(settings)[0].source == str(model.SHIPPED_WEIGHTS)
    window = MainWindow(recognizer, settings=settings)
    qtbot.addWidget(window)
    assert window.drawing.pen_width.value() == 12                             # the default, not a crash
    window.retrain_action.trigger()
    assert window.retrain_dialog.isVisible()
    window.retrain_dialog.close()


def test_no_desktop_session_is_said_plainly(monkeypatch):
    from gui.app import no_display
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert no_display()
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert not no_display()


def test_dropping_a_checkpoint_on_the_pad_opens_it(qtbot, window, tmp_path):
    copy, notes = tmp_path / "dropped.pt", tmp_path / "notes.txt"
    copy.write_bytes(model.SHIPPED_WEIGHTS.read_bytes())
    notes.write_text("not weights")
    for refused in ([notes], [copy, copy]):           # not a .pt; more than one file
        mime, enter, _ = drag_events(refused)
        QApplication.sendEvent(window.pad, enter)
        assert not enter.isAccepted()
    mime, enter, drop = drag_events([copy])
    QApplication.sendEvent(window.pad, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window.pad, drop)
    qtbot.waitUntil(lambda: window.recognizer.source == str(copy))
    assert "dropped.pt" in window.statusBar().currentMessage()


def test_a_dropped_stroke_file_goes_on_the_pad(qtbot, window, tmp_path):
    one = model.save_strokes(tmp_path / "mine.npz", [LETTERS["z"]], [model.CLASSES.index("z")])
    mime, enter, drop = drag_events([one])
    QApplication.sendEvent(window.pad, enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(window.prediction_shown, timeout=2000):
        QApplication.sendEvent(window.pad, drop)
    assert window.prediction.top(1)[0][0] == "z"


def test_open_drawing_puts_a_saved_drawing_back_undoably(qtbot, window, tmp_path):
    draw_letter(qtbot, window, LETTERS["e"])
    saved = tmp_path / "e.npz"
    assert window.drawing_files.save_strokes(str(saved))
    window.pad.clear()
    with qtbot.waitSignal(window.prediction_shown, timeout=2000):
        assert window.drawing_files.open_drawing(str(saved))
    assert window.prediction.top(1)[0][0] == "e"
    assert "e.npz, labelled 'e'" in window.statusBar().currentMessage()
    window.undo_action.trigger()
    assert window.pad.is_empty()                      # Ctrl+Z takes it off again


def test_open_drawing_asks_which_one_of_many(qtbot, window, letters_file, monkeypatch):
    monkeypatch.setattr("gui.file_dialogs.QFileDialog.getOpenFileName", lambda *a, **k: (str(letters_file), ""))
    window.open_drawing_action.trigger()
    picker = window.drawing_files.picker
    qtbot.waitExposed(picker)
    assert "4 drawings" in picker.labelText()
    assert window.pad.is_empty()                      # nothing yet: the user has not chosen
    number_box = picker.findChild(QSpinBox)           # a number box, not a text box, ready at 1
    assert picker.inputMode() == QInputDialog.InputMode.IntInput and number_box.value() == 1
    assert number_box.maximum() == 4
    number_box.selectAll()
    QTest.keyClicks(number_box, "2")                  # typed, as a user would
    with qtbot.waitSignal(window.prediction_shown, timeout=2000):
        picker.accept()
    assert window.prediction.top(1)[0][0] == list(LETTERS)[1]
    assert "Drawing 2 of 4" in window.statusBar().currentMessage()
    window.activateWindow()                           # the picker had it
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.pad.setFocus()
    for key, expected in [(Qt.Key.Key_PageDown, 2), (Qt.Key.Key_PageDown, 3), (Qt.Key.Key_PageUp, 2)]:
        with qtbot.waitSignal(window.prediction_shown, timeout=2000):
            QTest.keyClick(window.pad, key)
        assert window.prediction.top(1)[0][0] == list(LETTERS)[expected]
    assert window.next_drawing_action.isEnabled() and window.previous_drawing_action.isEnabled()
    window.next_drawing_action.trigger()
    assert not window.next_drawing_action.isEnabled()      # the last of the four
    # Ctrl+Z brings drawing 3 back, and the file position with it: PgDown
    # goes on to 4 again, not past the end; a stroke drawn on top keeps it.
    window.undo_action.trigger()
    assert window.drawing_files.opened_drawing == ("letters_strokes.npz", 3)
    assert "Drawing 3 of 4" in window.statusBar().currentMessage()
    draw_letter(qtbot, window, LETTERS["x"][:1])
    assert window.pad.tag is None and window.drawing_files.opened_drawing == ("letters_strokes.npz", 3)
    assert "Drawing 3 of 4" not in window.statusBar().currentMessage()   # it is not that drawing any more
    window.next_drawing_action.trigger()
    assert window.drawing_files.opened_drawing == ("letters_strokes.npz", 4)
    window.undo_action.trigger()
    window.undo_action.trigger()                            # past the stroke, to drawing 3
    assert window.drawing_files.opened_drawing == ("letters_strokes.npz", 3)


def test_next_misread_jumps_to_the_drawings_the_model_gets_wrong(qtbot, window, tmp_path):
    drawn = ["o", "x", "z", "e", "o", "x"]
    labels = ["o", "x", "e", "e", "o", "k"]                           # the 3rd and 6th are "misread"
    path = model.save_strokes(tmp_path / "mixed.npz", [LETTERS[d] for d in drawn],
                              [model.CLASSES.index(c) for c in labels])
    assert window.drawing_files.open_drawing(str(path), 1)
    window.next_misread_action.trigger()
    assert window.drawing_files.opened_drawing == ("mixed.npz", 3)
    assert "labelled 'e' and reads as 'z'" in window.statusBar().currentMessage()
    window.next_misread_action.trigger()
    assert window.drawing_files.opened_drawing == ("mixed.npz", 6)
    assert not window.next_misread_action.isEnabled()                  # the last drawing
    window.previous_misread_action.trigger()
    assert window.drawing_files.opened_drawing == ("mixed.npz", 3)
    window.previous_misread_action.trigger()                           # none before it: stays
    assert window.drawing_files.opened_drawing == ("mixed.npz", 3)
    assert "reads all 2 drawings before drawing 3" in window.statusBar().currentMessage()


def test_a_search_for_misreads_shows_a_busy_state_while_it_reads(qtbot, window, tmp_path, monkeypatch):
    path = model.save_strokes(tmp_path / "mixed.npz", [LETTERS[d] for d in "oxz"],
                              [model.CLASSES.index(c) for c in "oxe"])
    assert window.drawing_files.open_drawing(str(path), 1)
    seen, run = [], MisreadSearch.run

    def while_reading(search, *args):
        seen.append((QApplication.overrideCursor() and QApplication.overrideCursor().shape(),
                     window.statusBar().currentMessage()))
        return run(search, *args)

    monkeypatch.setattr(MisreadSearch, "run", while_reading)
    window.next_misread_action.trigger()
    assert seen == [(Qt.CursorShape.WaitCursor, "Looking for the next misread drawing in mixed.npz…")]
    assert QApplication.overrideCursor() is None                       # busy, then not
    assert "reads as 'z'" in window.statusBar().currentMessage()


def test_a_search_for_misreads_reads_fewer_drawings_a_press_when_each_takes_8_views(qtbot, window, tmp_path,
                                                                                    monkeypatch):
    drawn = ["o", "x", "o", "z"]
    path = model.save_strokes(tmp_path / "few.npz", [LETTERS[d] for d in drawn],
                              [model.CLASSES.index(c) for c in ["o", "x", "o", "e"]])   # the 4th is misread
    monkeypatch.setattr("gui.state.drawing_file.MISREAD_SEARCH", 2 * model.READ_VIEWS.count)   # 2 drawings, 8 views each
    assert window.drawing_files.open_drawing(str(path), 1)
    window.next_misread_action.trigger()
    assert window.drawing_files.opened_drawing == ("few.npz", 3)                     # read 2 and 3: stands on the last read
    assert "reads all 2 drawings after drawing 1" in window.statusBar().currentMessage()
    window.views_action.trigger()                                      # one view each: 16 drawings a press
    assert window.drawing_files.open_drawing(str(path), 1)
    window.next_misread_action.trigger()
    assert window.drawing_files.opened_drawing == ("few.npz", 4)


@pytest.mark.parametrize("content, problem", [
    ("images", "images, not pen strokes"), ("empty", "no drawings"), ("garbage", "letters.npz")])
def test_open_drawing_explains_a_file_it_cannot_draw(qtbot, window, tmp_path, content, problem):
    path = tmp_path / "letters.npz"
    if content == "images":
        np.savez(path, images=np.zeros((3, 28, 28), np.uint8), labels=np.zeros(3, np.int64))
    elif content == "empty":
        model.save_strokes(path, [], [])
    else:
        path.write_bytes(b"PK\x03\x04 cut short")
    draw_letter(qtbot, window, LETTERS["o"])
    before = window.pad.strokes()
    assert window.drawing_files.open_drawing(str(path)) is False
    assert problem in window.last_error_dialog.text()
    assert "unchanged" in window.last_error_dialog.text()
    assert len(window.pad.strokes()) == len(before)
    window.last_error_dialog.done(0)


def test_a_lone_bar_explains_why_it_may_read_as_l(qtbot, window):
    draw_letter(qtbot, window, LETTERS["x"])
    assert "capital I" not in window.statusBar().currentMessage()
    window.pad.clear()
    draw_letter(qtbot, window, [np.array([[0.0, 0.0], [0.0, 1.0]])])     # one upright stroke
    assert {letter for letter, _ in window.prediction.top(2)} == {"i", "l"}
    assert "capital I or a small l" in window.statusBar().currentMessage()
    window.pad.clear()
    draw_letter(qtbot, window, LETTERS["o"])                              # no bar any more: no hint
    assert "capital I" not in window.statusBar().currentMessage()


def test_the_pen_and_stage_controls_leave_the_keyboard_to_the_pad(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    draw_letter(qtbot, window, LETTERS["x"])
    window.pad.setFocus()
    up = window.drawing.pen_width.style().subControlRect(  # the pen box's up arrow, clicked
        QStyle.ComplexControl.CC_SpinBox, _spin_option(window.drawing.pen_width), QStyle.SubControl.SC_SpinBoxUp)
    QTest.mouseClick(window.drawing.pen_width, Qt.MouseButton.LeftButton, pos=up.center())
    assert window.drawing.pen_width.value() == 13 and window.focusWidget() is window.pad
    QTest.mouseClick(window.network.block_panels[1].stage_box, Qt.MouseButton.LeftButton)
    QApplication.activePopupWidget() and QApplication.activePopupWidget().close()
    QTest.keyClick(window.focusWidget(), Qt.Key.Key_G)      # labels the drawing, picks no stage
    assert window.drawing.label_edit.text() == "g" and window.network.block_panels[1].stage() == "conv1"
    QTest.keyClick(window.focusWidget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.pad.strokes()) == 1                                 # a stroke undone
    window.drawing.pen_width.setValue(window.drawing.pen_width.maximum())
    assert not window.pen_wider_action.isEnabled() and window.pen_thinner_action.isEnabled()


def _spin_option(spin):
    from PySide6.QtWidgets import QStyleOptionSpinBox
    option = QStyleOptionSpinBox()
    spin.initStyleOption(option)
    return option


def test_save_drawing_as_png_and_strokes(qtbot, window, tmp_path):
    draw_letter(qtbot, window, LETTERS["e"])
    png, npz = tmp_path / "e.png", tmp_path / "e.npz"
    assert window.drawing_files.save_png(str(png))
    image = QImage(str(png))
    assert (image.width(), image.height()) == (window.pad.width(), window.pad.height())
    assert window.drawing_files.save_png(str(tmp_path / "no folder" / "e.png")) is False     # and a place it can't go:
    assert window.last_error_dialog.text() == (f"e.png could not be written in {tmp_path / 'no folder'}: "
                                               "No such file or directory.\n\nThe drawing is still on the pad.")
    window.last_error_dialog.done(0)
    assert window.drawing_files.save_strokes(str(npz))
    saved = model.load_dataset(npz)
    assert len(saved) == 1 and model.CLASSES[saved.labels[0]] == "e"
    window.drawing.label_edit.setText("c")                    # the user says what it is
    assert window.drawing_files.save_strokes(str(npz))
    assert model.CLASSES[model.load_dataset(npz).labels[0]] == "c"
    np.testing.assert_allclose(np.concatenate(saved.ink.ink(0)), np.concatenate(window.pad.strokes()), atol=1e-3)


def test_saved_drawings_get_their_suffix_and_an_opened_drawing_keeps_its_label(qtbot, window, tmp_path,
                                                                              monkeypatch):
    saved = tmp_path / "saved"
    saved.mkdir()
    typed = {"name": str(saved / "my_o")}                     # the user typed no suffix
    monkeypatch.setattr("gui.file_dialogs.QFileDialog.getSaveFileName", lambda *a, **k: (typed["name"], ""))
    draw_letter(qtbot, window, LETTERS["o"])
    window.save_strokes_action.trigger()
    window.save_png_action.trigger()
    assert sorted(p.name for p in saved.iterdir()) == ["my_o.npz", "my_o.png"]
    # A drawing opened from a file is saved with the file's label, not with
    # the network's reading of it: an 'o' labelled 'k' stays labelled 'k'.
    path = model.save_strokes(tmp_path / "labelled.npz", [LETTERS["o"]], [model.CLASSES.index("k")])
    assert window.drawing_files.open_drawing(str(path))
    typed["name"] = str(tmp_path / "again.npz")
    window.save_strokes_action.trigger()
    assert model.CLASSES[model.load_dataset(tmp_path / "again.npz").labels[0]] == "k"


def test_a_suffix_added_to_a_typed_name_asks_before_replacing_that_file(qtbot, window, tmp_path, monkeypatch):
    """The file dialog checked the name as typed (``keep``), which does not
    exist; ``keep.npz`` does, and must not be overwritten without a word."""
    kept = model.save_strokes(tmp_path / "keep.npz", [LETTERS["x"]], [model.CLASSES.index("x")])
    before = kept.read_bytes()
    names = [str(tmp_path / "keep"), "", str(tmp_path / "keep")]     # "" : the file dialog cancelled
    monkeypatch.setattr("gui.file_dialogs.QFileDialog.getSaveFileName", lambda *a, **k: (names.pop(0), ""))
    asked, answers = [], [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or answers.pop(0))
    draw_letter(qtbot, window, LETTERS["o"])
    window.save_strokes_action.trigger()                 # No, then Cancel: the file stays as it was
    assert asked == [f"keep.npz already exists in {tmp_path}. Replace it?"]
    assert kept.read_bytes() == before and not (tmp_path / "keep").exists()
    window.save_strokes_action.trigger()                 # Yes: replaced by the drawing on the pad
    assert len(asked) == 2 and model.CLASSES[model.load_dataset(kept).labels[0]] == "o"


def test_no_to_replacing_a_file_goes_back_to_the_file_dialog(qtbot, window, tmp_path, monkeypatch):
    kept = model.save_strokes(tmp_path / "keep.npz", [LETTERS["x"]], [model.CLASSES.index("x")])
    before = kept.read_bytes()
    starts, names = [], [str(tmp_path / "keep"), str(tmp_path / "other")]

    def save_dialog(parent, title, start, file_filter):
        starts.append(start)
        return names.pop(0), ""

    monkeypatch.setattr("gui.file_dialogs.QFileDialog.getSaveFileName", save_dialog)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    draw_letter(qtbot, window, LETTERS["o"])
    window.save_strokes_action.trigger()
    assert starts[1:] == [str(kept)]                 # asked again, at the name it would have replaced
    assert kept.read_bytes() == before
    assert model.CLASSES[model.load_dataset(tmp_path / "other.npz").labels[0]] == "o"


def test_copy_puts_the_drawing_on_the_clipboard(qtbot, window):
    assert not window.copy_action.isEnabled()                 # nothing to copy yet
    draw_letter(qtbot, window, LETTERS["o"])
    window.copy_action.trigger()
    copied = QApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (window.pad.width(), window.pad.height())
    assert copied.pixelColor(copied.width() // 2, copied.height() // 2) == QColor("white")   # the o's hole
    assert copied == window.pad.to_image()


def test_saving_an_empty_drawing_explains_instead(window, tmp_path):
    assert window.drawing_files.save_png(str(tmp_path / "nothing.png")) is False
    assert "empty" in window.last_error_dialog.text()
    assert not (tmp_path / "nothing.png").exists()
    window.last_error_dialog.done(0)


def test_window_without_a_model_still_draws(qtbot, settings):
    window = MainWindow(None, load_error="weights/letternet.pt does not exist", settings=settings)
    qtbot.addWidget(window)
    window.show()
    draw(window.pad, fit_to_pad(LETTERS["o"], window.pad.width(), window.pad.height()))
    qtbot.wait(20)
    assert window.model_label.text() == "No model loaded: weights/letternet.pt does not exist"
    assert window.drawing.top_letters.confidence == "No model loaded"
    assert not window.model_info_action.isEnabled()


def test_file_quit_closes_window(qtbot, window):
    window.quit_action.trigger()
    assert not window.isVisible()


def test_the_reading_is_named_for_screen_readers(qtbot, window):
    assert window.drawing.top_letters.accessibleName() == "Draw a letter"
    draw_letter(qtbot, window, LETTERS["o"])
    assert window.drawing.top_letters.accessibleName().startswith("Read as o, ")


def test_the_big_letter_shows_both_cases_and_says_why(qtbot, window):
    draw_letter(qtbot, window, LETTERS["x"])
    top = window.drawing.top_letters
    assert top.letter == "x" and top.shown_letter() == "X x"         # a drawn X is no small x only
    assert "folds case" in top.toolTip()
    window.pad.clear()
    qtbot.waitUntil(lambda: top.shown_letter() == "–", timeout=2000)    # no reading: the dash alone


def test_chart_follows_a_palette_change(qtbot, window):
    dark = QPalette(window.network.chart.palette())
    dark.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    window.network.chart.setPalette(dark)
    assert window.network.chart.backgroundBrush().color().name() == "#202124"


def test_the_probability_axis_labels_its_ends_too(window):
    axis = window.network.chart.getAxis("left")
    image = QImage(10, 10, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    # pyqtgraph dropped 0 % and 100 %, at the view's edges, while a grid was drawn by the axis.
    assert sorted(text for *_, text in texts) == ["0%", "100%", "25%", "50%", "75%"]


def test_the_model_card_link_to_the_experiments_opens_inside_the_card(qtbot, window):
    window.model_card_action.trigger()
    card = window.model_card_dialog
    card.text.setSource(card.text.source().resolved(QUrl("../docs/experiments.md")))   # what a click does
    assert card.text.toPlainText().startswith("Recipe search")
    card.text.backward()
    assert "137,178 parameters" in card.text.toPlainText()
    card.reject()
