"""Light and dark: View ▸ Colour scheme, the pad's paper and the maps'
background following it, and the choice kept in the settings."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

import gui.theme
from gui.main_window import MainWindow
from gui.theme import (DARK_MAP_BACKGROUND, DARK_PAD, LIGHT_MAP_BACKGROUND, LIGHT_PAD, apply_scheme, is_dark)
from gui_helpers import LETTERS, draw_letter


@pytest.fixture(autouse=True)
def system_scheme_after(qapp):
    """The scheme is the whole application's: the next test starts with the system's."""
    yield
    apply_scheme("system")


def colour_at(widget, x: int = 3, y: int = 3) -> QColor:
    """The colour a widget paints at (x, y): its background, away from the drawing and the tiles."""
    return widget.grab().toImage().pixelColor(x, y)


def settle(qtbot, window, dark: bool) -> None:
    """Widgets take a new application palette from posted events: let them."""
    qtbot.waitUntil(lambda: is_dark(window.palette()) == dark and is_dark(window.pad.palette()) == dark)
    qtbot.wait(20)


def shown_colours(window) -> tuple[QColor, QColor, QColor]:
    """The pad's paper, a block's map background, the dense strips' background."""
    return (colour_at(window.pad), colour_at(window.network.block_panels[1].plot),
            colour_at(window.network.dense_panel.plot))


def test_view_colour_scheme_switches_the_pad_and_the_maps_and_is_remembered(qtbot, window, recognizer, settings):
    draw_letter(qtbot, window, LETTERS["o"])
    scheme = window.colour_scheme
    assert scheme.menu.menuAction() in window.view_menu.actions()
    assert [action.text() for action in scheme.menu.actions()] == ["&System", "&Light", "&Dark"]
    assert scheme.actions["system"].isChecked()
    assert shown_colours(window) == (LIGHT_PAD.paper, LIGHT_MAP_BACKGROUND, LIGHT_MAP_BACKGROUND)   # offscreen: light

    scheme.actions["dark"].trigger()
    assert scheme.actions["dark"].isChecked() and not scheme.actions["system"].isChecked()
    settle(qtbot, window, dark=True)
    assert shown_colours(window) == (DARK_PAD.paper, DARK_MAP_BACKGROUND, DARK_MAP_BACKGROUND)
    assert colour_at(window.pad, window.pad.width() // 2, window.pad.height() // 2) != LIGHT_PAD.ink
    window.show_explain()           # a window opened in the dark scheme has dark maps too
    assert colour_at(window.explain_window.kernels.input_plot, 1, 1) == DARK_MAP_BACKGROUND

    scheme.actions["light"].trigger()
    settle(qtbot, window, dark=False)
    assert shown_colours(window) == (LIGHT_PAD.paper, LIGHT_MAP_BACKGROUND, LIGHT_MAP_BACKGROUND)
    assert colour_at(window.explain_window.kernels.input_plot, 1, 1) == LIGHT_MAP_BACKGROUND

    scheme.actions["dark"].trigger()
    window.close()
    apply_scheme("system")          # the next window must bring the dark scheme back itself
    again = MainWindow(recognizer, settings=settings)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    settle(qtbot, again, dark=True)
    assert again.colour_scheme.choice == "dark" and again.colour_scheme.actions["dark"].isChecked()
    assert shown_colours(again)[:2] == (DARK_PAD.paper, DARK_MAP_BACKGROUND)


def test_a_png_of_the_drawing_is_dark_ink_on_white_in_either_scheme(qtbot, window):
    draw_letter(qtbot, window, LETTERS["o"])
    window.colour_scheme.choose("dark")
    settle(qtbot, window, dark=True)
    image = window.pad.to_image()
    assert image.pixelColor(2, 2) == QColor("white")
    assert any(image.pixelColor(x, image.height() // 2) == LIGHT_PAD.ink for x in range(image.width()))


def test_system_follows_a_dark_desktop_even_where_qts_palette_stays_light(qtbot, window, monkeypatch):
    # A desktop that says "dark" while the style's palette stays light (a platform
    # that cannot switch it): System shows a dark palette, and light again after.
    desktop = SimpleNamespace(scheme=Qt.ColorScheme.Dark)
    hints = SimpleNamespace(colorScheme=lambda: desktop.scheme, setColorScheme=lambda scheme: None)
    monkeypatch.setattr(gui.theme, "QGuiApplication", SimpleNamespace(styleHints=lambda: hints))
    window.colour_scheme.choose("system")
    settle(qtbot, window, dark=True)
    assert colour_at(window.pad) == DARK_PAD.paper
    desktop.scheme = Qt.ColorScheme.Light
    window.colour_scheme._desktop_changed(desktop.scheme)       # as the desktop's signal calls it
    settle(qtbot, window, dark=False)
    assert colour_at(window.pad) == LIGHT_PAD.paper
