"""Application entry point: create the QApplication, load the model, show the window."""
import gc
import sys

from PySide6.QtWidgets import QApplication

import model
from gui.main_window import MainWindow


def main(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv if argv is None else argv)
    # Names used by QSettings and shown by the OS; set before any window exists.
    app.setApplicationName("LetterLens")
    app.setOrganizationName("LetterLens")

    # One thread: a letter is too small to split, and a multi-threaded torch
    # fighting a background retrain for the CPU makes the pad stutter.
    model.set_cpu_threads(1)

    # A missing or broken checkpoint must not stop the app from opening:
    # say so in the status bar (and on stderr) instead.
    try:
        recognizer, error = model.Recognizer.load(), None
    except model.CheckpointError as exc:
        recognizer, error = None, str(exc)
        print(f"LetterLens: no model loaded: {error}", file=sys.stderr)

    window = MainWindow(recognizer, load_error=error)
    window.show()
    # The thousands of Qt/pyqtgraph objects built so far live as long as the app:
    # leave them out of the garbage collector's scans, which otherwise stall frames.
    gc.freeze()
    return app.exec()
