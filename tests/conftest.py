"""Shared test setup."""
import os

from pathlib import Path

# Must run before anything imports Qt: with no display, Qt's default (xcb)
# platform plugin aborts the whole pytest process instead of failing a test.
# Its offscreen screens: the usual 800x800 one, and beside it a laptop's
# 1024x640 for the small_screen tests (a path with a colon cannot be given).
SCREENS = Path(__file__).with_name("offscreen_screens.json")
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen" and ":" not in str(SCREENS):
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREENS}"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The shared handwriting data sets, kept beside the checkout (too big for git)."""
    path = Path(os.environ.get("LETTERLENS_DATA") or ROOT.parent / "shared" / "data")
    if not path.is_dir():
        pytest.skip(f"shared handwriting data not found at {path} (set LETTERLENS_DATA to point elsewhere)")
    return path


@pytest.fixture(autouse=True)
def private_user_data(tmp_path, monkeypatch):
    """Every test gets its own empty user data folder (My samples): tests
    never read or write the real user's."""
    monkeypatch.setenv("LETTERLENS_HOME", str(tmp_path / "user-data"))


# ---------------------------------------------------------------- windows
# Qt is imported inside these fixtures, so tests of `model` alone never load it.

@pytest.fixture(scope="session")
def recognizer():
    """The shipped network, loaded once: tests that change weights load their own."""
    import model
    return model.Recognizer.load()


@pytest.fixture
def settings(tmp_path):
    """A private settings file, so no test sees another's (or the user's) choices."""
    from PySide6.QtCore import QSettings
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, recognizer, settings):
    from gui_helpers import show_main_window
    return show_main_window(qtbot, recognizer, settings)
