"""Explain ▸ Why convolutions, driven as a user drives it: a drawn letter,
the arrow keys and the button pad moving the network's input, the CNN's and
the flat network's readings side by side, and both accuracy curves."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

import model
from gui_helpers import LETTERS, draw_letter, show_main_window


@pytest.fixture
def tab(qtbot, window):
    window.explain_action.trigger()
    explain = window.explain_window
    qtbot.waitExposed(explain)
    explain.show_tab(explain.shift)
    return explain.shift


def click(tab, name: str, times: int = 1) -> None:
    for _ in range(times):
        QTest.mouseClick(tab.pad.buttons[name], Qt.MouseButton.LeftButton)


def shown_letter(reading) -> str:
    return reading.letter.text().split()[0]


def test_translation_tab_controls_move_the_input_by_the_pixels_asked(qtbot, window, tab):
    draw_letter(qtbot, window, LETTERS["z"])
    centred = window.prediction.image
    np.testing.assert_array_equal(tab.input_plot.image.image, centred)
    click(tab, "right", 3)
    click(tab, "up", 2)
    assert tab.shift == (3, -2)
    expected = model.shift_image(centred, 3, -2)
    np.testing.assert_array_equal(tab.shifted_input(), expected)
    np.testing.assert_array_equal(tab.input_plot.image.image, expected)     # what the user sees
    np.testing.assert_array_equal(tab.readings["cnn"].image, expected)      # what both networks read
    np.testing.assert_array_equal(tab.readings["flat"].image, expected)
    assert tab.shift_label.text() == "x +3 px, y -2 px"
    QTest.keyClick(tab, Qt.Key.Key_Left)
    QTest.keyClick(tab, Qt.Key.Key_Down)
    assert tab.shift == (2, -1)
    click(tab, "left", 9)                               # no further than ±4
    assert tab.shift == (-model.MAX_SHIFT, -1)
    np.testing.assert_array_equal(tab.input_plot.image.image, model.shift_image(centred, -4, -1))
    click(tab, "centre")
    assert tab.shift == (0, 0)
    np.testing.assert_array_equal(tab.input_plot.image.image, centred)


def test_arrow_keys_update_both_readings_and_say_what_changed(qtbot, window, tab):
    draw_letter(qtbot, window, LETTERS["z"])
    assert shown_letter(tab.cnn_reading) == shown_letter(tab.flat_reading) == "z"
    assert "Centred, the CNN reads <b>z</b>" in tab.summary.text()
    before = {name: reading.probabilities for name, reading in tab.readings.items()}
    for key in [Qt.Key.Key_Right] * 3 + [Qt.Key.Key_Up]:
        QTest.keyClick(tab, key)
    assert tab.shift == (3, -1)
    moved = model.shift_image(window.prediction.image, 3, -1)
    flat = model.Recognizer(model.load_checkpoint(model.FLAT_WEIGHTS))
    for name, reader in (("cnn", window.recognizer), ("flat", flat)):
        np.testing.assert_allclose(tab.readings[name].probabilities, reader.read_image(moved).probabilities,
                                   atol=1e-6)
        assert not np.allclose(tab.readings[name].probabilities, before[name], atol=1e-3), name
    # This z, moved 3 px right and 1 up: the CNN still reads it, the flat network does not.
    assert shown_letter(tab.cnn_reading) == "z"
    assert shown_letter(tab.flat_reading) != "z"
    letter, p = tab.readings["cnn"].top(1)[0]
    flat_letter = tab.readings["flat"].top(1)[0][0]
    assert (f"Moved 3 px right and 1 px up: the CNN still reads <b>z</b> at {p:.0%}; "
            f"the flat network now reads <b>{flat_letter}</b>") in tab.summary.text()
    QTest.keyClick(tab, Qt.Key.Key_Home)
    assert tab.shift == (0, 0) and shown_letter(tab.flat_reading) == "z"


def test_conv1_moves_with_the_drawing_and_pool1_half_as_far(qtbot, window, tab):
    draw_letter(qtbot, window, LETTERS["e"])
    tab.channel_spin.setValue(5)
    centred_map = tab.conv_plot.image.image.copy()
    click(tab, "right", 2)
    click(tab, "down", 2)
    moved_map = tab.conv_plot.image.image
    np.testing.assert_allclose(moved_map[2:, 2:], centred_map[:-2, :-2], atol=1e-5)   # away from the border
    np.testing.assert_array_equal(moved_map, tab.readings["cnn"].activations["conv1"][5])
    np.testing.assert_array_equal(tab.pool_plot.image.image, tab.readings["cnn"].activations["pool1"][5])
    assert "1 cell right and 1 cell down" in tab.pool_note.text()


def test_flat_network_is_loaded_only_when_the_tab_first_shows_a_drawing(qtbot, window):
    window.explain_action.trigger()
    explain = window.explain_window
    qtbot.waitExposed(explain)
    draw_letter(qtbot, window, LETTERS["o"])
    assert explain.shift.flat is None                   # another tab is showing: nothing loaded
    explain.show_tab(explain.shift)
    assert explain.shift.flat is not None and explain.shift.flat.checkpoint.arch == "flat"
    assert window.recognizer.checkpoint.arch == "letternet"      # never the reader


def test_accuracy_against_shift_shows_both_recorded_curves(qtbot, window, tab):
    draw_letter(qtbot, window, LETTERS["x"])
    for name, path in (("cnn", model.SHIPPED_WEIGHTS), ("flat", model.FLAT_WEIGHTS)):
        recorded = model.recorded_curve(model.load_checkpoint(path).meta)["accuracy_by_shift"]
        x, y = tab.curves[name].getData()
        np.testing.assert_array_equal(x, np.arange(model.MAX_SHIFT + 1))
        np.testing.assert_allclose(y, recorded)
        assert f"{recorded[-1]:.1%}" in tab.curve_note.text()
    assert "2,860" in tab.curve_note.text()
    click(tab, "left", 3)
    assert tab.now_line.value() == 3


def test_a_missing_flat_network_is_said_and_the_cnn_still_reads(qtbot, window, tab, tmp_path, monkeypatch):
    monkeypatch.setattr(model, "FLAT_WEIGHTS", tmp_path / "gone.pt")
    window.explain_window.shift.set_recognizer(window.recognizer)     # as a new model would: nothing loaded yet
    draw_letter(qtbot, window, LETTERS["x"])
    assert tab.flat is None
    assert "The flat network could not be loaded" in tab.summary.text() and "gone.pt" in tab.summary.text()
    assert shown_letter(tab.cnn_reading) == "x"
    click(tab, "right")
    assert tab.shift == (1, 0) and "cnn" in tab.readings
    assert window.last_error_dialog is None


def test_without_a_model_the_tab_says_so_and_moving_breaks_nothing(qtbot, settings):
    window = show_main_window(qtbot, None, settings)
    window.explain_action.trigger()
    explain = window.explain_window
    qtbot.waitExposed(explain)
    explain.show_tab(explain.shift)
    tab = explain.shift
    QTest.keyClick(tab, Qt.Key.Key_Right)
    assert tab.shift == (1, 0) and tab.readings == {}
    assert "No model is loaded" in tab.summary.text()
    assert "no model is loaded" in tab.curve_note.text()
    assert tab.flat is None
