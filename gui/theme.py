"""Light and dark: the app follows the desktop's colour scheme, or the one
picked under View ▸ Colour scheme (remembered in the settings).

Qt 6.8+ asks the platform to switch the scheme.  Where the platform cannot
(an X11 session without a desktop theme, the tests' offscreen screens), or
on an older Qt, a palette in that scheme stands in.  The views that paint
their own backgrounds (the pad's paper, the maps) read their colours here,
from their palette, and follow its changes.
"""
from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMenu

from gui.state import COLOUR_SCHEMES, scheme_choice, shown_scheme


class PadColours(NamedTuple):
    paper: QColor
    ink: QColor
    guide: QColor       # the ruled lines
    hint: QColor        # "Draw a letter here"


LIGHT_PAD = PadColours(QColor("#fbfbf8"), QColor("#1b1f24"), QColor("#d9dde3"), QColor("#6b7079"))
DARK_PAD = PadColours(QColor("#1d2025"), QColor("#eceef1"), QColor("#3b414a"), QColor("#a0a6af"))
# Behind the maps and between their tiles: set off from the dark middle of the colour map (zero).
LIGHT_MAP_BACKGROUND, DARK_MAP_BACKGROUND = QColor("#c9ced5"), QColor("#3a3f47")


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def pad_colours(palette: QPalette) -> PadColours:
    return DARK_PAD if is_dark(palette) else LIGHT_PAD


def map_background(palette: QPalette) -> QColor:
    return DARK_MAP_BACKGROUND if is_dark(palette) else LIGHT_MAP_BACKGROUND


def map_text(palette: QPalette) -> QColor:
    """Text drawn on the map background (the dense strips' layer names)."""
    return QColor("#e4e7eb") if is_dark(palette) else QColor("#1f2328")


class FollowsColourScheme:
    """Mixin (before the Qt class) for a view that paints its own background
    in the scheme's colours (``_match_colour_scheme``).  Once built, it calls
    :meth:`follow_colour_scheme`; it then matches again whenever its palette
    changes, as it does when the scheme switches."""

    _following = False

    def _match_colour_scheme(self) -> None:
        raise NotImplementedError

    def follow_colour_scheme(self) -> None:
        self._following = True
        self._match_colour_scheme()

    def changeEvent(self, event) -> None:
        if self._following and event.type() == QEvent.Type.PaletteChange:
            self._match_colour_scheme()
        super().changeEvent(event)


def _palette(roles: dict[QPalette.ColorRole, str], disabled: str) -> QPalette:
    palette = QPalette()
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return palette


def dark_palette() -> QPalette:
    """Fusion's colours, dark (what Qt shows where the platform is dark)."""
    R = QPalette.ColorRole
    return _palette({R.Window: "#323232", R.WindowText: "#f0f0f0", R.Base: "#242424", R.AlternateBase: "#2c2c2c",
                     R.Text: "#f0f0f0", R.PlaceholderText: "#a0a0a0", R.Button: "#3a3a3a", R.ButtonText: "#f0f0f0",
                     R.BrightText: "#ff6b6b", R.Light: "#4b4b4b", R.Midlight: "#3f3f3f", R.Mid: "#262626",
                     R.Dark: "#1e1e1e", R.Shadow: "#141414", R.Highlight: "#308cc6", R.HighlightedText: "#ffffff",
                     R.ToolTipBase: "#3a3a3a", R.ToolTipText: "#f0f0f0", R.Link: "#6cb4ff",
                     R.LinkVisited: "#c39bff"}, disabled="#828282")


def light_palette() -> QPalette:
    """Fusion's colours, light."""
    R = QPalette.ColorRole
    return _palette({R.Window: "#efefef", R.WindowText: "#000000", R.Base: "#ffffff", R.AlternateBase: "#f7f7f7",
                     R.Text: "#000000", R.PlaceholderText: "#7f7f7f", R.Button: "#efefef", R.ButtonText: "#000000",
                     R.BrightText: "#ffffff", R.Light: "#ffffff", R.Midlight: "#cacaca", R.Mid: "#b8b8b8",
                     R.Dark: "#9f9f9f", R.Shadow: "#767676", R.Highlight: "#308cc6", R.HighlightedText: "#ffffff",
                     R.ToolTipBase: "#ffffdc", R.ToolTipText: "#000000", R.Link: "#0000ff",
                     R.LinkVisited: "#ff00ff"}, disabled="#bebebe")


_QT_SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}


def apply_scheme(choice: str) -> None:
    """Show every window in ``choice``: "system", "light" or "dark"."""
    app = QApplication.instance()
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "setColorScheme"):       # Qt 6.8+; Unknown follows the desktop again
        hints.setColorScheme(_QT_SCHEMES.get(choice, Qt.ColorScheme.Unknown))
    app.setPalette(QPalette())          # no palette of ours: the platform's, in the scheme it shows
    desktop = {scheme: name for name, scheme in _QT_SCHEMES.items()}.get(hints.colorScheme())
    wanted = shown_scheme(choice, desktop)
    if wanted is not None and is_dark(app.palette()) != (wanted == "dark"):
        app.setPalette(dark_palette() if wanted == "dark" else light_palette())


class ColourScheme(QObject):
    """View ▸ Colour scheme: System, Light or Dark, for the whole app.
    ``menu`` is the submenu; gui.settings keeps the choice."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.choice = "system"
        self.menu = QMenu("&Colour scheme", parent)
        self.actions: dict[str, QAction] = {}
        group = QActionGroup(self.menu)
        for name, text in COLOUR_SCHEMES.items():
            action = QAction(f"&{text}", self.menu, checkable=True, checked=name == self.choice)
            action.triggered.connect(lambda _=False, name=name: self.choose(name))
            group.addAction(action)
            self.menu.addAction(action)
            self.actions[name] = action
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._desktop_changed)

    def choose(self, name) -> None:
        """Show ``name`` ("system", "light" or "dark"; anything else is System)."""
        self.choice = scheme_choice(name)
        self.actions[self.choice].setChecked(True)
        apply_scheme(self.choice)

    def _desktop_changed(self, _scheme) -> None:
        if self.choice == "system":
            apply_scheme(self.choice)      # where the platform's palette does not follow on its own
