"""Every window on a small screen: 1024x640 logical pixels, a 1080p laptop
at 150 %.  The tests' offscreen platform has such a screen beside its
default one (conftest.py); each window is put there as a desktop would
open it, then checked: its frame on the screen, every widget inside the
window and nothing drawn over another, no sideways scrolling."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QWidget

import model
from gui import settings as saved
from gui.explain_window import ExplainWindow
from gui.main_window import MainWindow
from gui.retrain.training_run import TrainingOutcome
from gui_helpers import LETTERS, draw_letter, forget_retrained_model

LAPTOP = QSize(1024, 640)


@pytest.fixture
def laptop(qapp):
    screen = next((s for s in QGuiApplication.screens() if s.size() == LAPTOP), None)
    if screen is None:
        pytest.skip("no 1024x640 screen: these tests run on Qt's offscreen platform (conftest.py adds one)")
    return screen


def put_on(window: QWidget, screen) -> None:
    window.setScreen(screen)
    window.move(screen.availableGeometry().topLeft())


@pytest.fixture
def window(qtbot, recognizer, settings, laptop, tmp_path):
    """The main window as it first starts on the laptop (nothing saved), with a drawing."""
    settings.setValue("retrain/data_folder", str(tmp_path))      # Retrain finds no data sets: it loads none
    window = MainWindow(recognizer, settings=settings)
    qtbot.addWidget(window, before_close_func=forget_retrained_model)
    put_on(window, laptop)
    saved.restore(window, settings)         # sized for the screen it is on, as at a first start there
    window.show()
    qtbot.waitExposed(window)
    draw_letter(qtbot, window, LETTERS["x"])
    return window


def in_window(widget: QWidget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


def shown_widgets(window: QWidget) -> list[QWidget]:
    return [w for w in window.findChildren(QWidget) if w.window() is window and w.isVisibleTo(window)]


def scrolled_page(widget: QWidget) -> bool:
    """A scroll area's page: it may be taller than the area (it scrolls), not wider (see sideways_scrolling)."""
    area = widget.parentWidget().parentWidget()
    return isinstance(area, QAbstractScrollArea) and widget.parentWidget() is area.viewport()


def outside_their_parent(window: QWidget) -> list[str]:
    """Widgets cut off by their parent's edge, or by the window's."""
    return [f"{type(w).__name__} {in_window(w)}" for w in shown_widgets(window)
            if not scrolled_page(w) and not w.parentWidget().rect().contains(w.geometry())]


def squeezed_buttons(window: QWidget) -> list[str]:
    """Buttons narrower or shorter than their text and frame need."""
    return [button.text() for button in window.findChildren(QAbstractButton)
            if button.isVisibleTo(window) and button.window() is window
            and not button.size().expandedTo(button.minimumSizeHint()) == button.size()]


def laid_out(layout) -> list[QWidget]:
    widgets = []
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item.widget() is not None:
            widgets.append(item.widget())
        elif item.layout() is not None:
            widgets += laid_out(item.layout())
    return widgets


def overlapping(window: QWidget) -> list[tuple[str, str]]:
    """Pairs of widgets that one layout placed over each other."""
    pairs = []
    for container in [window, *shown_widgets(window)]:
        if container.layout() is None:
            continue
        placed = [w for w in laid_out(container.layout()) if w.isVisibleTo(window)]
        pairs += [(type(a).__name__, type(b).__name__) for i, a in enumerate(placed) for b in placed[i + 1:]
                  if a.geometry().intersects(b.geometry())]
    return pairs


def sideways_scrolling(window: QWidget) -> list[str]:
    return [type(area).__name__ for area in window.findChildren(QAbstractScrollArea)
            if area.isVisibleTo(window) and area.window() is window and area.horizontalScrollBar().isVisible()]


def misfits(window: QWidget, screen) -> list[str]:
    """What keeps ``window`` from fitting ``screen`` whole: off the screen, too
    big for it, or a widget cut off, squeezed, overlapping or scrolling sideways."""
    room = screen.availableGeometry()
    frame = window.frameGeometry().size() - window.size()
    smallest = window.minimumSizeHint().expandedTo(window.minimumSize()) + frame
    found = [] if window.screen() is screen else [f"on {window.screen().name()}"]
    if not room.contains(window.frameGeometry()):
        found.append(f"frame {window.frameGeometry()} off {room}")
    if smallest.width() > room.width() or smallest.height() > room.height():
        found.append(f"smallest {smallest}")
    found += [f"cut off: {w}" for w in outside_their_parent(window)]
    found += [f"squeezed: {b}" for b in squeezed_buttons(window)]
    found += [f"overlapping: {pair}" for pair in overlapping(window)]
    found += [f"scrolls sideways: {area}" for area in sideways_scrolling(window)]
    return found


def assert_fits(qtbot, window: QWidget, screen) -> None:
    # Layouts and scroll bars settle over a few events (slowly on a loaded machine).
    try:
        qtbot.waitUntil(lambda: not misfits(window, screen), timeout=3000)
    except qtbot.TimeoutError:
        pass
    assert misfits(window, screen) == [], type(window).__name__


def test_small_screen_main_window_fits_at_its_first_size_and_its_smallest(qtbot, window, laptop):
    assert_fits(qtbot, window, laptop)
    window.resize(window.minimumSize())
    assert_fits(qtbot, window, laptop)


def finished_run(window) -> TrainingOutcome:
    """A run's outcome with the longest result text: a fine-tune on My samples that reads worse."""
    result = model.TrainResult(model=window.recognizer.model, history=[], val_accuracy=0.9727, stopped=False,
                               seconds=95.0, train_size=16_000)
    confusion = np.diag(np.full(26, 100)) + np.eye(26, k=1, dtype=int)
    meta = {"val_data": {"chars74k_hnd_letters": 2860}, "my_samples": 120, "finetuned_from": "letternet.pt",
            "train_data": {"unipen_letters": 16_000}}
    return TrainingOutcome(result, model.RasterConfig(), confusion, current_accuracy=0.9745, meta=meta)


def test_small_screen_retrain_shows_its_buttons_and_keeps_the_charts_off_the_result(qtbot, window, laptop):
    window.retrain_action.trigger()
    dialog = window.retrain_dialog
    qtbot.waitExposed(dialog)
    dialog.result_view.show_outcome(finished_run(window))
    for size in (dialog.size(), dialog.minimumSize()):      # as it opens, and forced as short and narrow as it goes
        dialog.resize(size)
        assert_fits(qtbot, dialog, laptop)
        for button in (dialog.start_button, dialog.use_button, dialog.save_button, dialog.close_button):
            assert button.isVisible() and dialog.rect().contains(in_window(button)), button.text()
        result = in_window(dialog.result_view)
        for chart in (dialog.progress_view.loss_plot, dialog.progress_view.acc_plot):
            assert not in_window(chart).intersects(result)
            assert chart.height() >= chart.minimumHeight() > 0
        # Every line of the result can be read: shown whole, or scrolled to.
        label = dialog.result_view.result_label
        qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))
        area = label.parentWidget().parentWidget().parentWidget()
        assert area.verticalScrollBar().maximum() >= label.parentWidget().height() - area.viewport().height()


def test_small_screen_explain_wraps_every_tab_instead_of_scrolling_sideways(qtbot, window, laptop):
    window.explain_window = ExplainWindow(window)      # opened on the laptop, as the desktop would
    put_on(window.explain_window, laptop)
    window.show_explain()
    explain = window.explain_window
    qtbot.waitExposed(explain)
    for size in (explain.size(), explain.minimumSize()):
        explain.resize(size)
        for page in explain.pages:
            explain.show_tab(page)
            assert_fits(qtbot, explain, laptop)


def test_small_screen_my_samples_fits(qtbot, window, laptop):
    assert window.my_samples.add("x")
    window.my_samples.show_dialog()
    dialog = window.my_samples.dialog
    qtbot.waitExposed(dialog)
    assert dialog.grid.count() == 1
    assert_fits(qtbot, dialog, laptop)


def test_small_screen_model_info_fits(qtbot, window, laptop):
    window.model_info_action.trigger()
    qtbot.waitExposed(window.model_info_dialog)
    assert_fits(qtbot, window.model_info_dialog, laptop)
