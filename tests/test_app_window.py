"""The main window shell: model status and File ▸ Quit."""
from gui.main_window import MainWindow


class FakeRecognizer:
    def describe(self) -> str:
        return "FakeNet · 42 parameters · 12.3% on nothing"


def test_status_bar_describes_loaded_model(qtbot):
    window = MainWindow(FakeRecognizer())
    qtbot.addWidget(window)
    assert window.model_label.text() == "FakeNet · 42 parameters · 12.3% on nothing"
    assert window.windowTitle() == "LetterLens"


def test_status_bar_reports_missing_model(qtbot):
    window = MainWindow(None, load_error="weights/letternet.pt does not exist")
    qtbot.addWidget(window)
    assert window.model_label.text() == "No model loaded: weights/letternet.pt does not exist"


def test_file_quit_closes_window(qtbot):
    window = MainWindow(FakeRecognizer())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.isVisible()

    file_menu = window.menuBar().actions()[0]
    assert file_menu.text() == "&File"
    assert window.quit_action in file_menu.menu().actions()
    window.quit_action.trigger()
    assert not window.isVisible()
