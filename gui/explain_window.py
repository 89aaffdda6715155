"""View ▸ Explain: the CNN primer's lessons, live on the current drawing.

A separate, non-modal window with six tabs (kernels, a convolution step by
step, activation functions, the architecture, why convolutions, one step of
learning), plus the saliency overlay the main window lays over the pad.  The numbers come from ``model``'s explain
functions; this module only shows them.

It follows the main window: after every prediction (10 times a second at
most while the pen moves) it refreshes the visible tab only, and does
nothing at all while hidden (it catches up when shown or when another tab
is picked).
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from gui.dialogs import resize_within_screen
from gui.explain.activations_tab import ActivationsTab
from gui.explain.architecture_tab import ArchitectureTab
from gui.explain.backward_tab import BackwardTab
from gui.explain.kernels_tab import KernelsTab
from gui.explain.saliency import saliency_overlay
from gui.explain.shift_tab import ShiftTab
from gui.explain.step_tab import StepTab
from gui.explain.widgets import ColumnFlow

__all__ = ["ExplainWindow", "saliency_overlay"]

_UNSET = object()


class TabScrollArea(QScrollArea):
    """A tab's page in a frameless scroll area.  In a narrow window the page's
    columns wrap onto more rows (:class:`ColumnFlow`); in a window still too
    small it scrolls, where its tables and word-wrapped notes would otherwise
    be squeezed over each other."""

    def __init__(self, page: QWidget):
        super().__init__()
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setWidget(page)
        self.columns = page.findChild(ColumnFlow)
        # Transparent, so the page keeps the tab's own background.
        page.setAutoFillBackground(False)
        self.viewport().setAutoFillBackground(False)

    def viewportEvent(self, event) -> bool:
        # The viewport, not the page: the page is never narrower than its
        # columns need.  Wrapping only makes the page taller, so a scroll bar
        # it brings can never make the columns unwrap again: no flicker.  A
        # column that grows wider later (new numbers) brings a horizontal
        # scroll bar, whose resize of the viewport makes the columns wrap.
        if event.type() == QEvent.Type.Resize and self.columns is not None:
            margins = self.widget().layout().contentsMargins()
            self.columns.fit(self.viewport().width() - margins.left() - margins.right())
        return super().viewportEvent(event)


class ExplainWindow(QWidget):
    """Kernels, Step through, Activations, Architecture, Why convolutions, Backward: one tab each."""

    def __init__(self, main_window):
        super().__init__(main_window, Qt.WindowType.Window)
        self.main_window = main_window
        self.setWindowTitle("LetterLens · Explain")
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.kernels, self.step = KernelsTab(), StepTab()
        self.activations, self.architecture = ActivationsTab(), ArchitectureTab()
        self.shift, self.backward = ShiftTab(), BackwardTab()
        self.tabs = QTabWidget()
        self.pages = (self.kernels, self.step, self.activations, self.architecture, self.shift, self.backward)
        for page, title in zip(self.pages, ("Kernels", "Step through", "Activations", "Architecture",
                                            "Why convolutions", "Backward")):
            self.tabs.addTab(TabScrollArea(page), title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        resize_within_screen(self, 1240, 780)    # the Step-through tab side by side; narrower ones wrap

        self._recognizer_of: dict[QWidget, object] = {}     # tab -> the network it was given
        self._shown: dict[QWidget, object] = {}        # tab -> the prediction it shows
        # While the pen moves the pad is read on every move, and a tab's charts
        # take 5 to 25 ms to redraw: following each reading would make the pen
        # lag.  A moving pen is followed 10 times a second at most, from the
        # latest reading; a finished drawing at once.
        self._follow_soon = QTimer(self, singleShot=True, interval=100, timeout=self.follow)
        main_window.prediction_shown.connect(self._prediction_shown)
        self.tabs.currentChanged.connect(lambda _: self.follow())
        # Closed from the keyboard as a dialog is; Ctrl+E, which opened it, toggles it.
        self.close_keys = [QKeySequence("Esc"), *QKeySequence.keyBindings(QKeySequence.StandardKey.Close),
                           QKeySequence("Ctrl+W"), QKeySequence("Ctrl+E")]
        for keys in dict.fromkeys(self.close_keys):
            QShortcut(keys, self, self.close)

    # --------------------------------------------------------------- following
    def _prediction_shown(self) -> None:
        if self.main_window.pad.is_drawing():
            if not self._follow_soon.isActive():
                self._follow_soon.start()
        else:
            self._follow_soon.stop()
            self.follow()

    def follow(self) -> None:
        """Bring the visible tab up to date with the main window's drawing and model."""
        if not self.isVisible():
            return
        prediction = self.main_window.prediction
        self._show_status(prediction)
        tab = self.current_tab()
        self._give_network(tab)
        if self._shown.get(tab, _UNSET) is not prediction:
            tab.show_prediction(prediction)
            self._shown[tab] = prediction

    def _give_network(self, tab: QWidget) -> None:
        """The network the main window reads with (the model in use, or a
        training run's moment, 4 new ones a second): given to a tab when it
        is shown, not to all six each time."""
        shown = self.main_window.reading.recognizer
        if self._recognizer_of.get(tab, _UNSET) is not shown:
            self._recognizer_of[tab] = shown
            tab.set_recognizer(shown)
            self._shown.pop(tab, None)

    def current_tab(self) -> QWidget:
        return self.pages[self.tabs.currentIndex()]

    def show_tab(self, page: QWidget) -> None:
        self.tabs.setCurrentIndex(self.pages.index(page))

    def _show_status(self, prediction) -> None:
        if self.main_window.reading.recognizer is None:
            text = "No model is loaded: open weights from the main window's File menu."
        elif prediction is None:
            text = "<b>Draw a letter on the pad.</b> Every tab then works on your own drawing, live."
        else:
            (letter, p), = prediction.top(1)
            text = f"Your drawing reads as <b>{letter}</b> ({p:.1%}). Every tab follows it as you draw."
        watch = self.main_window.watch
        if watch.active:
            text += f" <b>Read by the {watch.what()}</b>, not the model in use."
        self.status.setText(text)

    def showEvent(self, event):
        super().showEvent(event)
        self.follow()
        self._keep_columns_in_view()

    def _keep_columns_in_view(self) -> None:
        """No narrower than the widest tab's widest column, with the room the
        tabs take around it, so a tab wraps to one column a row before it ever
        has to scroll sideways."""
        self.layout().activate()
        area = self.tabs.currentWidget()
        scroll_bar = area.verticalScrollBar()
        around = self.width() - area.viewport().width()
        if not scroll_bar.isVisible():      # a tab that scrolls down needs its room too
            around += scroll_bar.sizeHint().width()
        widest = 0
        for index in range(self.tabs.count()):
            tab = self.tabs.widget(index)
            margins = tab.widget().layout().contentsMargins()
            widest = max(widest, tab.columns.width_for(1) + margins.left() + margins.right())
        self.setMinimumWidth(widest + around)

    # ------------------------------------------------------------- selection
    def explain_position(self, stage: str, channel: int, row: int, col: int) -> None:
        """Step through ``stage``[channel, row, col] (a click on the main window's
        enlarged channel); shows the Step-through tab when this window is open."""
        self._shown.pop(self.step, None)         # re-shown below with the current drawing
        self._give_network(self.step)
        if self.step.select(stage, channel, row, col) and self.isVisible():
            self.show_tab(self.step)
        self.follow()
