"""What the window remembers between runs: its geometry, the panels and
stages shown, the colour scheme, the pen, the reading options and the
model file in use."""
from __future__ import annotations

import sys

from PySide6.QtCore import QByteArray, QSettings

from gui.dialogs import resize_within_screen

import model

SETTINGS_VERSION = 1
SETTINGS_FILE = "settings.ini"      # under LETTERLENS_HOME, when that is set
MODEL_FILE_KEY = "model/file"     # the weights file in use at the last close (none: the shipped one)
COLOUR_SCHEME_KEY = "view/colour_scheme"      # "system", "light" or "dark" (gui.theme)


def open_settings() -> QSettings:
    """The window's settings: an INI file in ``$LETTERLENS_HOME`` when it is
    set (beside My samples, so another profile or a test never touches the
    user's own), else the user's LetterLens settings (set the application's
    names first)."""
    home = model.home_from_environment()
    if home is None:
        return QSettings()
    return QSettings(str(home / SETTINGS_FILE), QSettings.Format.IniFormat)


def text_setting(settings: QSettings, key: str) -> str | None:
    """A path or name kept in the settings, or None.  A hand-edited file can
    hold a list or a number there (Qt reads "a, b" as a list): that counts as
    no setting, not as a reason not to start."""
    value = settings.value(key)
    return value if isinstance(value, str) and value else None


def flag_setting(settings: QSettings, key: str, default: bool) -> bool:
    """A checkbox kept in the settings (an INI file holds it as text)."""
    value = settings.value(key, default)
    return value not in (False, "false", "0") if default else value in (True, "true", "1")


def int_setting(settings: QSettings, key: str, default: int) -> int:
    try:
        return int(settings.value(key, default))
    except (TypeError, ValueError, OverflowError):     # a hand-edited settings file
        return default


def restore(window, settings: QSettings) -> None:
    """The window as it was: geometry (or 1280×800 within the screen), colour scheme, pen and reading options."""
    window.colour_scheme.choose(settings.value(COLOUR_SCHEME_KEY))
    geometry = settings.value("window/geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    else:
        resize_within_screen(window, 1280, 800)
    splitter = settings.value("window/splitter")
    if isinstance(splitter, QByteArray):
        window.splitter.restoreState(splitter)
    window.drawing.pen_width.setValue(int_setting(settings, "pad/pen_width", int(window.pad.DEFAULT_PEN_WIDTH)))
    window.saliency_action.setChecked(flag_setting(settings, "view/saliency", False))
    window.views_action.setChecked(flag_setting(settings, "model/read_views", True))


def restore_view(window, settings: QSettings) -> None:
    """Which panels are shown and each block's stage (for the network in use)."""
    for key in window.panels():
        window.set_panel_visible(key, flag_setting(settings, f"view/{key}", True))
    for block, panel in window.network.block_panels.items():
        stage = settings.value(f"view/block{block}_stage")
        if stage:
            panel.set_stage(str(stage))


def save(window, settings: QSettings) -> None:
    settings.setValue("version", SETTINGS_VERSION)
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/splitter", window.splitter.saveState())
    settings.setValue(COLOUR_SCHEME_KEY, window.colour_scheme.choice)
    settings.setValue("pad/pen_width", window.drawing.pen_width.value())
    settings.setValue("view/saliency", window.saliency_action.isChecked())
    settings.setValue("model/read_views", window.views_action.isChecked())
    for key, action in window.panel_actions.items():
        settings.setValue(f"view/{key}", action.isChecked())
    for block, panel in window.network.block_panels.items():
        settings.setValue(f"view/block{block}_stage", panel.stage())
    settings.sync()
    if settings.status() != QSettings.Status.NoError:     # e.g. a settings file this user cannot write
        print(f"LetterLens: could not save the settings to {settings.fileName()}: the window, the view "
              "and the model in use will not be remembered", file=sys.stderr)
