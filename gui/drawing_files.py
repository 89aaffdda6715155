"""Drawing files: open a stroke .npz, step through it or to the drawings
the model misreads, save the pad as PNG or strokes, copy it."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QInputDialog

import model
from gui.dialogs import busy_cursor
from gui.state import MisreadSearch, OpenedDrawing


class DrawingFiles(QObject):
    """``opened`` is the drawing of a file last put on the pad; ``moved``
    fires when that changes (the window enables its stepping actions)."""

    moved = Signal()

    def __init__(self, window, files):
        super().__init__(window)
        self.window, self.files, self.pad = window, files, window.pad
        self.opened: OpenedDrawing | None = None
        self.picker: QInputDialog | None = None
        self._message: str | None = None        # what the status bar said of it, while it may still say so
        self.pad.ink_changed.connect(self._follow_pad)

    @property
    def opened_drawing(self) -> tuple[str, int] | None:
        """The file name and number (from 1) of the drawing last opened from a file."""
        return (self.opened.name, self.opened.number) if self.opened else None

    def can_step(self, step: int) -> bool:
        return self.opened is not None and self.opened.can_step(step)

    def open_drawing(self, path: str | None = None, number: int | None = None) -> bool:
        """Put drawing ``number`` (from 1) of a stroke .npz on the pad, undoably.
        A file of several drawings asks which one, without blocking: the
        drawing appears when the user answers."""
        path = path or self.files.open_path("Open drawing", "drawings", "Stroke data (*.npz);;All files (*)")
        if path is None:
            return False
        name = Path(path).name
        try:
            drawings = model.load_dataset(path)
        except model.DatasetError as exc:
            self.window.show_error("Can't open this drawing", f"{exc}\n\nThe pad is unchanged.")
            return False
        if not isinstance(drawings, model.StrokeSet) or len(drawings) == 0:
            what = "holds no drawings" if len(drawings) == 0 else "holds 28×28 images, not pen strokes"
            self.window.show_error("Can't open this drawing", f"{name} {what}. The pad draws pen strokes only; "
                                   "images can still train the network (Model ▸ Retrain).\n\nThe pad is unchanged.")
            return False
        self.files.remember_folder("drawings", path)
        first = OpenedDrawing(drawings, name, 1)
        if number is not None or len(drawings) == 1:
            return self.show(first.at(number or 1))
        picker = QInputDialog(self.window)
        picker.setWindowTitle("Open drawing")
        picker.setLabelText(f"{name} holds {len(drawings):,} drawings. Which one?")
        # setIntRange alone leaves the dialog a text box that never sends intValueSelected.
        picker.setInputMode(QInputDialog.InputMode.IntInput)
        picker.setIntRange(1, len(drawings))
        picker.setIntValue(1)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.intValueSelected.connect(lambda chosen: self.show(first.at(chosen)))
        picker.open()
        self.picker = picker
        return True

    def show(self, drawing: OpenedDrawing) -> bool:
        if not 1 <= drawing.number <= drawing.count:
            self.window.show_error("Can't open this drawing", f"{drawing.name} holds {drawing.count:,} drawings, "
                                   f"so there is no drawing {drawing.number:,}.")
            return False
        self.window.show_drawing(drawing.ink(), tag=drawing)
        return True

    def step(self, step: int) -> None:
        if self.opened is not None:
            self.show(self.opened.stepped(step))

    def step_to_misread(self, step: int) -> None:
        """Go to the nearest drawing, in the direction of ``step``, that the
        model reads as another letter than its label."""
        recognizer = self.window.recognizer
        if self.opened is None or recognizer is None:
            return
        status = self.window.statusBar()
        # Reading up to a couple of thousand views takes a second or more: say so before the pause.
        status.showMessage(f"Looking for the {'next' if step > 0 else 'previous'} misread drawing in "
                           f"{self.opened.name}…")
        status.repaint()
        with busy_cursor():
            search = MisreadSearch(self.opened, step).run(recognizer, self.window.reading_views())
        status.clearMessage()
        if not search.searched:
            return
        landing = search.found or search.stopped_at     # stand on the last one read, to search on from there
        if landing is not None:
            self.show(landing)
        status.showMessage(search.message(), 8000)

    def _follow_pad(self) -> None:
        """A drawing opened from a file is on the pad again (just opened, or
        brought back by undo or redo): step on from it, and say which it is."""
        opened = self.pad.tag
        status = self.window.statusBar()
        if opened is None and self._message is not None:
            # Drawn on or cleared: the message names a drawing no longer on the pad.
            if status.currentMessage() == self._message:
                status.clearMessage()
            self._message = None
        if opened is None or opened is self.opened:
            return
        self.opened = opened
        self.moved.emit()
        self._message = opened.message()
        status.showMessage(self._message, 8000)

    # ------------------------------------------------------------- saving
    def _drawing_or_warn(self) -> bool:
        if self.pad.is_empty():
            self.window.show_error("Nothing to save", "The pad is empty: draw a letter first.")
            return False
        return True

    def _saved(self, path: str, detail: str = "") -> None:
        self.files.remember_folder("drawings", path)
        self.window.statusBar().showMessage(f"Saved {Path(path).name}{detail}", 4000)

    def save_png(self, path: str | None = None) -> bool:
        if not self._drawing_or_warn():
            return False
        path = path or self.files.save_path("Save drawing as PNG", "drawings", "letter.png", "PNG images (*.png)")
        if path is None:
            return False
        # Encoded in memory and written by Python, whose error says why a file
        # could not be written (QImage.save only says that it could not).
        png = QByteArray()
        buffer = QBuffer(png)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self.pad.to_image().save(buffer, "PNG")
        try:
            Path(path).write_bytes(png.data())
        except OSError as exc:
            self.window.show_error("Can't save the drawing", f"{Path(path).name} could not be written in "
                                   f"{Path(path).parent}: {exc.strerror or exc}.\n\nThe drawing is still on the pad.")
            return False
        self._saved(path)
        return True

    def label_for_saving(self) -> str:
        """The letter typed in "This is", else the label of the drawing
        opened from a file (while it is on the pad unchanged), else the
        network's reading."""
        typed = self.window.drawing.label_edit.text().lower()
        if typed in model.CLASSES:
            return typed
        if self.pad.tag is not None:
            return self.pad.tag.label
        prediction = self.window.prediction
        return prediction.top(1)[0][0] if prediction is not None else "a"

    def save_strokes(self, path: str | None = None, label: str | None = None) -> bool:
        """Save the strokes as a one-drawing stroke .npz, labelled ``label``
        or as :meth:`label_for_saving` says."""
        if not self._drawing_or_warn():
            return False
        path = path or self.files.save_path("Save drawing as strokes", "drawings", "letter.npz",
                                            "Stroke data (*.npz)")
        if path is None:
            return False
        label = label or self.label_for_saving()
        try:
            model.save_strokes(path, [self.pad.strokes()], [model.CLASSES.index(label)], ["me"])
        except (OSError, ValueError) as exc:
            self.window.show_error("Can't save the strokes", str(exc))
            return False
        self._saved(path, f" (labelled '{label}')")
        return True

    def copy_drawing(self) -> bool:
        if not self._drawing_or_warn():
            return False
        QApplication.clipboard().setImage(self.pad.to_image())
        self.window.statusBar().showMessage("Drawing copied to the clipboard", 3000)
        return True
