"""The LetterLens main window.

Deliberately minimal for now: the drawing pad and live feature maps replace
the placeholder in a later change.  The window never imports `model` itself;
it is handed a recognizer (anything with ``describe()``), which keeps it
testable without torch or weights.
"""
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow


class MainWindow(QMainWindow):
    def __init__(self, recognizer=None, load_error: str | None = None, parent=None):
        super().__init__(parent)
        self.recognizer = recognizer
        self.setWindowTitle("LetterLens")
        self.resize(1280, 800)

        placeholder = QLabel("Draw a letter here soon: the drawing pad and live feature maps are coming.")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        placeholder.setWordWrap(True)
        self.setCentralWidget(placeholder)

        quit_action = QAction("&Quit", self)
        # Windows defines no standard Quit key, so fall back to Ctrl+Q there.
        quit_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
                                 or [QKeySequence("Ctrl+Q")])
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)  # macOS moves it to the app menu
        # close() rather than QApplication.quit(): the app ends with its last
        # window, and a later closeEvent can still veto (e.g. unsaved work).
        quit_action.triggered.connect(self.close)
        self.quit_action = quit_action
        self.menuBar().addMenu("&File").addAction(quit_action)

        # A widget rather than showMessage(): temporary messages are wiped as
        # soon as the pointer passes over a menu item.
        if recognizer is not None:
            text = recognizer.describe()
        else:
            text = f"No model loaded: {load_error}" if load_error else "No model loaded"
        self.model_label = QLabel(text)
        self.statusBar().addWidget(self.model_label)
