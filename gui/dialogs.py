"""Small dialogs (model info, the model card, keyboard shortcuts, About),
and what every window shares: errors, sizing to the screen, reading a
drag's files."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyqtgraph as pg
import PySide6
from PySide6.QtCore import Qt, QTimer, QUrl, qVersion
from PySide6.QtGui import QFont, QGuiApplication, QKeySequence, QTextDocument
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFrame, QHeaderView, QLabel, QMessageBox, QScrollArea,
                               QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

import model


@contextmanager
def busy_cursor() -> Iterator[None]:
    """A wait cursor while the UI thread does seconds of work (reading a
    few thousand imported drawings), so the pause does not look like a hang."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


def counted(n: int, noun: str) -> str:
    """'1 letter', '2,860 letters': a count with its noun, singular for one."""
    return f"{n:,} {noun}{'s' * (n != 1)}"


def resize_within_screen(window: QWidget, width: int, height: int) -> None:
    """Resize to ``width`` x ``height``, or less on a smaller screen (a
    1366x768 laptop): a window taller than the screen hides its bottom row
    of buttons under the task bar."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry()
        # Less a margin for the window's frame and title bar, which the room leaves out.
        width, height = min(width, room.width() - 40), min(height, room.height() - 60)
    window.resize(width, height)


def scrolling_column(widgets: list[QWidget]) -> QScrollArea:
    """``widgets`` one under the other, scrolled up and down where the room is
    shorter than they need (never sideways), rather than cut off: word-wrapped
    text in a window squeezed onto a small screen."""
    page = QWidget()
    column = QVBoxLayout(page)
    column.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        column.addWidget(widget)
    column.addStretch(1)
    area = QScrollArea()
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(page)
    area.viewport().setAutoFillBackground(False)     # the box's own background shows through
    page.setAutoFillBackground(False)
    return area


def bring_to_front(window: QWidget) -> None:
    """Show a non-modal window, or bring it forward when it is already open."""
    window.show()
    window.raise_()
    window.activateWindow()


def error_box(parent: QWidget, title: str, text: str) -> QMessageBox:
    """A window-modal error that does not block the event loop."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def about_box(parent: QWidget, recognizer) -> QMessageBox:
    """Help ▸ About: what LetterLens is, the model in use and every library's version."""
    gui_versions = {"Qt": qVersion(), "PySide6": PySide6.__version__, "pyqtgraph": pg.__version__}
    versions = "<br>".join(" · ".join(f"{name} {version}" for name, version in group.items())
                           for group in (model.library_versions(), gui_versions))
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About LetterLens",
                      "<h3>LetterLens</h3><p>Draw a letter and watch a convolutional network read it: "
                      "every layer's feature maps and the probability of each letter update as you draw."
                      "</p><p>The network is the letters CNN from Bert Hubert's <i>Hello Deep Learning</i>, "
                      "trained on UNIPEN pen strokes (CC BY 4.0) drawn by the same rasterizer as this pad."
                      f"</p><p>Reading with {recognizer.describe() if recognizer else 'no model'}."
                      f"</p><p><small>{versions}</small></p>", QMessageBox.StandardButton.Close, parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)    # copied into bug reports
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def dropped_paths(mime) -> list[Path]:
    """The local files and folders a drag carries (none for text, web links...)."""
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class FileDropTarget:
    """Mixin (before the Qt class) for a window that takes files dropped on
    it.  The window says what a drag's files would do (:meth:`drop_action`,
    None to refuse them); the drag is accepted only then, and the action runs
    once the drop has finished, so a dialog it opens does not hold the other
    application's drag open."""

    def drop_action(self, paths: list[Path]) -> Callable[[], object] | None:
        raise NotImplementedError

    def dragEnterEvent(self, event) -> None:
        if self.drop_action(dropped_paths(event.mimeData())):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        action = self.drop_action(dropped_paths(event.mimeData()))
        if action:
            event.acceptProposedAction()
            QTimer.singleShot(0, action)


def _table(headers: list[str], rows: list[list[str]], right_aligned: set[int] = frozenset()) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c in right_aligned:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)      # read-only: a focus frame on one cell means nothing
    return table


def compact(table: QTableWidget, fit: bool = True) -> QTableWidget:
    """Rows just taller than the text; with ``fit``, big enough to show every
    row and column without a scroll bar (the tab scrolls instead)."""
    row_height = table.fontMetrics().height() + 6
    table.verticalHeader().setDefaultSectionSize(row_height)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    for r in range(table.rowCount()):
        table.setRowHeight(r, row_height)
    if fit:
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = table.horizontalHeader()
        table.setFixedHeight(table.rowCount() * row_height + header.sizeHint().height() + 2 * table.frameWidth() + 2)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A stretched last section never shrinks below the size it had when it
        # began to stretch (100 px), so a table squeezed to this minimum width
        # would cut its last column off; a Stretch section takes what is left.
        header.setStretchLastSection(False)
        header.setSectionResizeMode(table.columnCount() - 1, QHeaderView.ResizeMode.Stretch)
        table.setMinimumWidth(sum(max(table.sizeHintForColumn(c), header.sectionSizeHint(c))
                                  for c in range(table.columnCount())) + 2 * table.frameWidth())
    return table


def bold_last_row(table: QTableWidget) -> None:
    """Set a table's last row (its total) in bold."""
    font = QFont(table.font())
    font.setBold(True)
    for c in range(table.columnCount()):
        item = table.item(table.rowCount() - 1, c)
        if item is not None:
            item.setFont(font)


class _Dialog(QDialog):
    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.layout_ = QVBoxLayout(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons

    def finish(self, width: int) -> None:
        """Add the Close button; size the dialog to ``width`` and the height
        its content needs (word-wrapped text included), no taller."""
        self.layout_.addWidget(self.buttons)
        self.resize(width, max(self.heightForWidth(width), self.minimumSizeHint().height()))


class ModelInfoDialog(_Dialog):
    """Each layer's type, output shape and parameters, computed from the loaded
    network, and what the checkpoint says about its training and accuracy."""

    def __init__(self, recognizer, parent=None):
        super().__init__("Model info", parent)
        net = recognizer.model
        rows = [[row["name"], row["type"], " × ".join(map(str, row["output_shape"])), f"{row['parameters']:,}"]
                for row in model.layer_table(net)]
        rows.append(["total", "", "", f"{model.count_parameters(net):,}"])
        self.table = _table(["Layer", "Type", "Output shape", "Parameters"], rows, right_aligned={3})
        self.summary = QLabel(self._summary(recognizer))
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setOpenExternalLinks(True)
        self.layout_.addWidget(self.summary)
        bold_last_row(self.table)
        self.layout_.addWidget(compact(self.table))
        self.finish(width=520)

    @staticmethod
    def _summary(recognizer) -> str:
        meta = recognizer.checkpoint.meta
        lines = [f"<b>{recognizer.describe()}</b>", f"File: {recognizer.source}"]
        if meta.get("val_accuracy") is not None:
            data = meta.get("val_data")
            if isinstance(data, dict):
                on = ", ".join(f"{name} ({counted(n, 'letter')})" for name, n in data.items())
            else:       # part of the training data; only letters, not writers, where a set names none
                on = "held-out letters, whose writers were in training" if recognizer.validated_on_training_writers() \
                    else "held-out training writers, not seen in training"
            lines.append(f"Accuracy: <b>{meta['val_accuracy']:.2%}</b> on {on}, each drawing read once "
                         "(one view), as training validated it. The app reads a finished drawing from "
                         f"{model.READ_VIEWS.count} views (Model ▸ Read from {model.READ_VIEWS.count} views), "
                         "which reads new writers better: the model card gives both.")
        if isinstance(meta.get("train_data"), dict):
            lines.append("Trained on: " + ", ".join(f"{k} ({v:,})" for k, v in meta["train_data"].items())
                         + (f", {counted(meta['epochs'], 'epoch')}" if meta.get("epochs") else ""))
        if recognizer.checkpoint.info.get("saved_at"):
            lines.append(f"Saved: {recognizer.checkpoint.info['saved_at']}")
        return "<br>".join(lines)


class ModelCardDialog(_Dialog):
    """The shipped network's model card (weights/README.md), rendered: its
    data, recipe, measured accuracy and known confusions, inside the app."""

    def __init__(self, parent=None, path=model.MODEL_CARD):
        super().__init__("Model card", parent)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
        try:
            Path(path).read_text(encoding="utf-8")           # says why, where setSource only goes blank
            # As a source, so the card's links to other documents (the experiments) open, and Back returns.
            self.text.setSource(QUrl.fromLocalFile(str(Path(path).resolve())),
                                QTextDocument.ResourceType.MarkdownResource)
        except (OSError, UnicodeDecodeError) as exc:
            self.text.setPlainText(f"The model card could not be read: {path}: {exc}")
        self.layout_.addWidget(self.text)
        self.layout_.addWidget(self.buttons)
        resize_within_screen(self, 860, 900)


def on_a_keyboard(keys: QKeySequence) -> bool:
    """False for the media keys ("Open", "Save", "Help", "Exit") and the
    function keys past F12 (Copy is also F16) that Linux desktops add to the
    standard shortcuts: few keyboards have them, and a list reading
    "Ctrl+O, Open" only puzzles."""
    return all(keys[i].key().value < Qt.Key.Key_F13.value or Qt.Key.Key_F35.value < keys[i].key().value
               < Qt.Key.Key_Help.value for i in range(keys.count()))


class ShortcutsDialog(_Dialog):
    """Every action that has a keyboard shortcut, read from the actions themselves."""

    def __init__(self, actions, parent=None):
        super().__init__("Keyboard shortcuts", parent)
        rows = [[action.text().replace("&", "").rstrip("…"),
                 ",  ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
                            if on_a_keyboard(k))]
                for action in actions]
        self.table = compact(_table(["Action", "Keys"], sorted(rows)))
        self.layout_.addWidget(self.table)
        self.layout_.addWidget(QLabel("Draw with the mouse, a pen tablet or a finger.\n"
                                      "Type a letter, then Enter: the drawing joins My samples with that label."))
        self.finish(width=420)
