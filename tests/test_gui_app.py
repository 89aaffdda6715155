"""The app's start path (gui.app): its settings, and what it writes where."""
import os
from pathlib import Path

from PySide6.QtCore import QSettings

import gui.app
import gui.startup_bench
from gui_helpers import LETTERS, draw_letter, forget_retrained_model


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def test_with_letterlens_home_set_the_settings_are_an_ini_file_in_it(monkeypatch, tmp_path):
    monkeypatch.setenv("LETTERLENS_HOME", str(tmp_path / "profile"))
    settings = gui.app.open_settings()
    assert settings.format() == QSettings.Format.IniFormat
    assert Path(settings.fileName()) == tmp_path / "profile" / "settings.ini"


def test_without_letterlens_home_the_settings_are_the_users_own(monkeypatch, qapp):
    monkeypatch.delenv("LETTERLENS_HOME")
    gui.app.application()
    assert gui.app.open_settings().fileName() == QSettings().fileName()


def test_the_app_started_with_letterlens_home_writes_nothing_outside_it(qtbot, monkeypatch, tmp_path):
    home, elsewhere = tmp_path / "letterlens-home", tmp_path / "user-home"
    monkeypatch.setenv("LETTERLENS_HOME", str(home))
    for variable, folder in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
                             ("XDG_CACHE_HOME", ".cache")):
        (elsewhere / folder).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(variable, str(elsewhere / folder))
    gui.app.application()
    window = gui.app.start_window()
    qtbot.addWidget(window, before_close_func=forget_retrained_model)
    # Qt reads XDG_CONFIG_HOME once per process: the user's own settings would not show up in `elsewhere`.
    assert Path(window.settings.fileName()).is_relative_to(home)
    qtbot.waitExposed(window)
    draw_letter(qtbot, window, LETTERS["o"])
    window.drawing.label_edit.setText("o")
    assert window.my_samples.add("o")                      # My samples writes too
    window.close()                                     # and the settings are saved on closing

    assert files_under(elsewhere) == []
    written = [path.relative_to(home).as_posix() for path in files_under(home)]
    assert "settings.ini" in written and "samples.sqlite" in written
    assert QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat).value("version") is not None


def test_the_startup_probe_sees_the_app_paint_then_read_a_first_drawing(tmp_path):
    stamps = gui.startup_bench.spawn_and_read(gui.startup_bench.APP_PROBE,
                                              dict(os.environ, LETTERLENS_HOME=str(tmp_path)))
    assert set(stamps) == {"first_paint", "ready"}
    assert 0 < stamps["first_paint"] <= stamps["ready"]


def test_getting_started_shows_on_a_first_start_and_not_once_dismissed(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("LETTERLENS_HOME", str(tmp_path))
    gui.app.application()
    window = gui.app.start_window()
    qtbot.addWidget(window, before_close_func=forget_retrained_model)
    qtbot.waitUntil(lambda: getattr(window, "getting_started_dialog", None) is not None
                    and window.getting_started_dialog.isVisible(), timeout=5000)
    guide = window.getting_started_dialog
    guide.dont_show_again.setChecked(True)
    guide.reject()
    window.close()

    again = gui.app.start_window()
    qtbot.addWidget(again, before_close_func=forget_retrained_model)
    qtbot.wait(gui.app.GUIDE_DELAY_MS + 300)
    assert getattr(again, "getting_started_dialog", None) is None
    help_menu = again.menus["help"]
    assert again.getting_started_action in help_menu.actions()
    again.getting_started_action.trigger()                   # Help ▸ Getting started still opens it
    assert again.getting_started_dialog.isVisible()
    assert again.getting_started_dialog.dont_show_again.isChecked()
    again.getting_started_dialog.reject()
