"""Application entry point: create the QApplication, load the model, show the window."""
import gc
import os
import sys

# The reader (torch) before any Qt module: once PySide6 is imported, its
# import hook reads the source of every module imported after it, and torch
# brings about a thousand; imported first, the app is up ~0.2 s sooner.
import model
model.Recognizer        # noqa: B018  (imports torch now, before Qt)
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from gui.main_window import MainWindow
from gui.getting_started import should_show_getting_started
from gui.settings import MODEL_FILE_KEY, open_settings, text_setting

GUIDE_DELAY_MS = 400        # Getting started, on a first start


def start_recognizer(settings: QSettings):
    """The model to start with: the weights file in use when the app last
    closed, else the shipped one.  Returns (recognizer, load_error, note):
    a recognizer of None comes with the reason, and a remembered file that
    no longer opens is skipped for the shipped model, with a note why."""
    remembered, note = text_setting(settings, MODEL_FILE_KEY), None
    if remembered:
        try:
            return model.Recognizer.load(remembered), None, None
        except model.CheckpointError as exc:
            note = f"{exc}\n\nLetterLens started with the shipped model instead."
    # A missing or broken shipped checkpoint must not stop the app from
    # opening: say so in the status bar (and on stderr) instead.
    try:
        return model.Recognizer.load(), None, note
    except model.CheckpointError as exc:
        print(f"LetterLens: no model loaded: {exc}", file=sys.stderr)
        return None, f"{exc}. File ▸ Open weights… opens another", note


def no_display() -> bool:
    """Linux without a desktop session: Qt would abort with advice about
    xcb libraries, which is not the problem."""
    return (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"))


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (made here unless one exists), named for QSettings and the OS."""
    app = QApplication.instance() or QApplication(sys.argv if argv is None else argv)
    # Names used by QSettings and shown by the OS; set before any window exists.
    app.setApplicationName("LetterLens")
    app.setOrganizationName("LetterLens")
    return app


def start_window() -> MainWindow:
    """What the app does from a QApplication to a shown main window."""
    # One thread: a letter is too small to split, and a multi-threaded torch
    # fighting a background retrain for the CPU makes the pad stutter.
    model.set_cpu_threads(1)

    settings = open_settings()
    recognizer, error, fallback = start_recognizer(settings)
    window = MainWindow(recognizer, load_error=error, settings=settings)
    window.show()
    if fallback:
        window.show_error("Your model could not be opened", fallback)
    elif should_show_getting_started(settings):
        # Once the window is painted and ready to read: the guide comes second.
        QTimer.singleShot(GUIDE_DELAY_MS, window.show_getting_started)
    return window


def main(argv: list[str] | None = None) -> int:
    if QApplication.instance() is None and no_display():
        print("LetterLens: no desktop session found (neither DISPLAY nor WAYLAND_DISPLAY is set). Start it from "
              "a desktop, or set QT_QPA_PLATFORM=offscreen to run it without a screen.", file=sys.stderr)
        return 1
    app = application(argv)
    window = start_window()     # noqa: F841  (kept alive while the app runs)
    # The thousands of Qt/pyqtgraph objects built so far live as long as the app:
    # leave them out of the garbage collector's scans, which otherwise stall frames.
    gc.freeze()
    return app.exec()
