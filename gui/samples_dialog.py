"""Model ▸ My samples…: browse, delete (with undo), export and import the
user's own labelled drawings, kept in the model package's SQLite store."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QHBoxLayout, QInputDialog, QLabel, QListView,
                               QListWidget, QListWidgetItem, QPushButton, QStackedWidget, QVBoxLayout)

import model
from gui.dialogs import FileDropTarget, busy_cursor, counted
from gui.sample_readings import SampleReadings

THUMB = 56
MISREAD = "misread"         # the filter that shows the samples the model in use gets wrong
MISREAD_COLOUR = QColor(190, 40, 30)
NO_SAMPLES = ("<b>No samples yet.</b><br><br>Draw a letter in the main window, then type that letter "
              "(or click its bar) and press Enter to keep the drawing here. A few drawings of each letter the "
              "network misreads are enough to teach it your handwriting: Model ▸ Retrain…")


def thumbnail(ink) -> QIcon:
    """The drawing as the network sees it (dark ink on white, for a light list)."""
    try:
        image = model.render(ink)
    except ValueError:
        image = np.zeros((28, 28), np.float32)
    pixels = np.ascontiguousarray(255 - (image * 255).astype(np.uint8))
    qimage = QImage(pixels.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
    return QIcon(QPixmap.fromImage(qimage).scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation))


class SamplesDialog(FileDropTarget, QDialog):
    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.main_window = window
        self._total = 0                         # samples in the store, at the last refresh
        # What Undo takes back, newest last: each entry undoes one delete or relabel.
        self.undo_stack: list[Callable[[], object]] = []
        self.readings = SampleReadings(self)    # what the model in use reads each sample as
        # Each batch read moves the count on; the list is redrawn once, with every mark.
        self.readings.progressed.connect(lambda: self.isVisible() and self._show_summary())
        self.readings.changed.connect(lambda: self.isVisible() and self.refresh(keep_note=True))
        self._note = ""                          # the last action's line under the summary
        self._counts, self._misread_shown = "", None     # the summary's first lines, at the last refresh
        self._thumbnails: dict[int, QIcon] = {}   # sample id -> its picture, in ...
        self._drawn_from = None                 # ... this store (a new collection reuses ids)
        self._ids: set[int] = set()             # every sample id, at the last refresh
        self.setWindowTitle("My samples")
        self.setAcceptDrops(True)           # stroke files dropped here are imported

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.filter = QComboBox()
        self.filter.addItem("all letters", None)
        self.filter.addItem("misread now", MISREAD)
        for letter in model.CLASSES:
            self.filter.addItem(letter, letter)
        self.filter.currentIndexChanged.connect(lambda _: self.refresh())
        self.grid = QListWidget()
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(QSize(THUMB + 24, THUMB + 34))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.grid.itemDoubleClicked.connect(self._open_on_pad)
        self.grid.itemSelectionChanged.connect(self._update_buttons)
        self.grid.installEventFilter(self)
        self.letter_asker: QInputDialog | None = None
        # In place of an empty list: what to do to fill it.
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setMargin(24)
        self.empty.setTextFormat(Qt.TextFormat.RichText)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.grid)
        self.pages.addWidget(self.empty)

        self.delete_button = QPushButton("Delete")
        self.relabel_button = QPushButton("Change letter…")
        self.relabel_button.setToolTip("Give the selected samples another letter (or type it while they are selected)")
        self.undo_button = QPushButton("Undo")
        self.export_button = QPushButton("Export…")
        self.import_button = QPushButton("Import…")
        self.teach_button = QPushButton("Teach the model…")
        self.teach_button.setToolTip("Open Retrain, set to fine-tune the current model on these samples")
        close = QPushButton("Close")
        self.delete_button.clicked.connect(self.delete_selected)
        self.relabel_button.clicked.connect(lambda: self.relabel_selected())
        self.undo_button.clicked.connect(self.undo)
        self.export_button.clicked.connect(lambda: self.export())
        self.import_button.clicked.connect(lambda: self.import_())
        self.teach_button.clicked.connect(lambda: self.main_window.show_retrain(teach_my_samples=True))
        close.clicked.connect(self.close)
        QShortcut(QKeySequence.StandardKey.Delete, self, self.delete_selected)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.undo)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(QLabel("Show"))
        top.addWidget(self.filter)
        buttons = QHBoxLayout()
        for button in (self.delete_button, self.relabel_button, self.undo_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.teach_button, self.import_button, self.export_button, close):
            buttons.addWidget(button)
        for button in (self.delete_button, self.relabel_button, self.undo_button, self.teach_button,
                       self.import_button, self.export_button, close):
            # A dialog's first button takes Enter by default: here that was Delete.
            button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)
        hint = QLabel("Double-click a sample to put it on the pad; select samples and type a letter to change "
                      "theirs. Label new drawings in the main window: type the letter (or click its bar) and "
                      "press Enter.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        self.resize(640, 480)
        self.refresh()

    @property
    def store(self):
        """The main window's store: it may start a new one (or have none)."""
        return self.main_window.samples

    def refresh(self, keep_note: bool = False) -> None:
        """Re-read the store (it is small: thumbnails are 28×28 renders).
        The selection is kept, so a second typed letter fixes a first one;
        ``keep_note`` keeps the last action's line (marks read meanwhile)."""
        self._note = self._note if keep_note else ""
        selected = set(self.selected_ids())
        self.grid.clear()
        self._total, self._ids = 0, set()
        problem = "the sample database could not be opened" if self.store is None else None
        if problem is None:
            try:
                infos = self.store.list()
                self._catch_up(infos)
            except model.SampleStoreError as exc:
                problem = str(exc)
        if problem is not None:
            self.summary.setText(f"My samples are unavailable: {problem}.")
            self._show_empty("Nothing to show: see the message above.")
            self._update_buttons()
            return
        letter = self.filter.currentData()
        misread = 0
        for info in infos:
            reading = self.readings.readings.get(info.id)
            wrong = reading not in (None, info.label)
            misread += wrong
            if (letter == MISREAD and not wrong) or letter not in (None, MISREAD, info.label):
                continue
            caption = f"{info.label} · reads {reading}" if wrong else f"{info.label} · #{info.id}"
            item = QListWidgetItem(self._thumbnails[info.id], caption)
            item.setData(Qt.ItemDataRole.UserRole, info.id)
            item.setToolTip(f"#{info.id}, '{info.label}', drawn {info.created.replace('T', ' ')}"
                            + (f"; the model in use reads it as '{reading}'" if wrong else ""))
            if wrong:
                item.setForeground(QBrush(MISREAD_COLOUR))
            self.grid.addItem(item)
            item.setSelected(info.id in selected)
        labels = Counter(info.label for info in infos)
        counts = {c: labels[c] for c in model.CLASSES if labels[c]}
        self._total, self._ids = len(infos), {info.id for info in infos}
        total = self._total
        if not total:
            self._show_empty(NO_SAMPLES)
        elif not self.grid.count() and letter == MISREAD:
            self._show_empty("The model in use reads every one of your samples right.")
        elif not self.grid.count():
            self._show_empty(f"No samples of '{letter}' yet. Pick another letter above, or all letters.")
        else:
            self.pages.setCurrentWidget(self.grid)
        per_letter = ", ".join(f"{k} {v}" for k, v in counts.items())
        self._counts = (f"<b>{total} sample{'s' if total != 1 else ''}</b>"
                        + (f": {per_letter}" if per_letter else " yet"))
        self._misread_shown = misread if total and self.readings.read_with[0] else None
        self._show_summary()
        self._update_buttons()

    def _show_summary(self) -> None:
        """The counts, the misread marks (or how many are still being read), the file, the last action."""
        read = "" if self._misread_shown is None else f"<br>The model in use misreads {self._misread_shown} of them."
        if self.readings.waiting:
            read = f"<br>Reading {counted(self.readings.waiting, 'more sample')} for the misread marks…"
        self.summary.setText(self._counts + read + f"<br>Stored in {self.store.path}" + self._note)

    def _catch_up(self, infos) -> None:
        """Draw the thumbnails of new samples, and read every sample the
        main window's model has not read yet: one pass over the store, one
        batch through the network.  Both are kept (readings until the model
        changes), so adding a sample costs one of each, not one per sample."""
        recognizer = self.main_window.recognizer
        self.readings.follow(recognizer, self.main_window.reading_views())
        if self.store is not self._drawn_from:
            self.readings.forget()
            self._thumbnails, self._drawn_from = {}, self.store
            self.undo_stack.clear()         # its steps name the old store's ids: never apply them here
        unread = self.readings.unread(info.id for info in infos) if recognizer is not None else []
        new = sorted({info.id for info in infos if info.id not in self._thumbnails} | set(unread))
        if not new:
            return
        drawings = self.store.as_dataset(ids=new)           # in id order, as ``new`` is
        for k, sample_id in enumerate(new):
            if sample_id not in self._thumbnails:          # a sample's ink never changes: draw it once
                self._thumbnails[sample_id] = thumbnail(drawings.ink.ink(k))
        if unread:         # many are read in the background: the marks appear as they come
            positions = {sample_id: k for k, sample_id in enumerate(new)}
            self.readings.read(drawings.subset(np.array([positions[i] for i in sorted(unread)])), sorted(unread))

    def _add_note(self, line: str) -> None:
        self._note += f"<br>{line}"
        self.summary.setText(self.summary.text() + f"<br>{line}")

    def hideEvent(self, event) -> None:
        # No thread outlives the dialog's view: shown again, it reads on from where it stopped.
        self.readings.stop()
        super().hideEvent(event)

    def _changed(self) -> None:
        """After a write: this list and the counts elsewhere (Retrain) follow."""
        self.main_window.my_samples.changed()       # refreshes this dialog too, while it is shown
        if not self.isVisible():
            self.refresh()

    def _show_empty(self, text: str) -> None:
        self.empty.setText(text)
        self.pages.setCurrentWidget(self.empty)

    def selected_ids(self) -> list[int]:
        return [item.data(Qt.ItemDataRole.UserRole) for item in self.grid.selectedItems()]

    def _write(self, title: str, change: Callable[[], object]):
        """Apply ``change`` to the store and return what it returns, or None
        when the store refuses (locked, damaged, gone), after saying why."""
        try:
            return change()
        except model.SampleStoreError as exc:
            self.main_window.my_samples.error(title, exc, "Nothing was changed.")
            return None

    def delete_selected(self) -> int:
        ids = self.selected_ids()
        if not ids or self.store is None:
            return 0
        removed = self._write("Can't delete the samples", lambda: self.store.delete(ids))
        if removed is None:
            return 0
        self.undo_stack.append(lambda: self.store.restore(removed))
        self._changed()
        return len(ids)

    def relabel_selected(self, letter: str | None = None) -> bool:
        """Give the selected samples the letter ``letter``; without one, ask
        for it (without blocking).  Undo gives them their old letters back."""
        ids = self.selected_ids()
        if not ids or self.store is None:
            return False
        if letter is None:
            asker = QInputDialog(self)
            asker.setWindowTitle("Change letter")
            asker.setLabelText("The letter for the selected sample:" if len(ids) == 1 else
                               f"The letter for the {len(ids):,} selected samples:")
            asker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            asker.textValueSelected.connect(lambda text: self.relabel_selected(text.strip()))
            asker.open()
            self.letter_asker = asker
            return False
        try:
            old = self._write("Can't change the letter", lambda: self.store.relabel(dict.fromkeys(ids, letter)))
        except ValueError as exc:
            reason = str(exc)
            self.main_window.show_error("Can't change the letter",
                                        f"{reason[:1].upper()}{reason[1:]}.\n\nThe samples keep their letters.")
            return False
        if old is None:
            return False
        self.undo_stack.append(lambda: self.store.relabel(old))
        self._changed()
        return True

    def eventFilter(self, watched, event) -> bool:
        # A letter typed while samples are selected relabels them: the same
        # gesture as labelling a drawing in the main window.  (The list would
        # otherwise take it as a search for an item starting with it.)
        if watched is self.grid and event.type() == QEvent.Type.KeyPress and self.selected_ids():
            text = event.text()
            if len(text) == 1 and text.isascii() and text.isalpha() \
                    and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier:
                self.relabel_selected(text)
                return True
        return super().eventFilter(watched, event)

    def undo(self) -> bool:
        """Take back the last delete, change of letter or import.  If the
        store refuses, the step stays on the stack, to try again."""
        if not self.undo_stack or self.store is None:
            return False
        if self._write("Can't undo", self.undo_stack[-1]) is None:
            return False
        self.undo_stack.pop()
        self._changed()
        return True

    def export(self, path: str | None = None) -> bool:
        if path is None:
            start = Path(self.main_window.files.last_folder("drawings")) / "my_samples_strokes.npz"
            path, _ = QFileDialog.getSaveFileName(self, "Export my samples", str(start), "Stroke data (*.npz)")
            if not path:
                return False
        try:
            written = self.store.export(path)
            self.main_window.files.remember_folder("drawings", written)
        except model.SampleStoreError as exc:
            self.main_window.my_samples.error("Can't export the samples", exc)
            return False
        except (OSError, ValueError) as exc:
            said = f"{exc.filename or path}: {exc.strerror}" if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.main_window.show_error("Can't export the samples", said)
            return False
        shown = "" if self.filter.currentData() is None else " (all of them, whatever is shown)"
        self._add_note(f"Exported {self._total:,} samples{shown} to {written.name}")
        return True

    def import_(self, path: str | None = None) -> int:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import samples", self.main_window.files.last_folder("drawings"),
                                                  "Stroke data (*.npz)")
            if not path:
                return 0
        with busy_cursor():           # the store takes a moment; the marks are read later, in the background
            try:
                new = self.store.import_(path)
            except model.SampleStoreError as exc:
                self.main_window.my_samples.error("Can't import these samples", exc, "Nothing was imported.")
                return 0
            except model.DatasetError as exc:
                self.main_window.show_error("Can't import these samples", str(exc))
                return 0
            self.main_window.files.remember_folder("drawings", path)
            self._changed()
        added = len(new)
        if new:
            self.undo_stack.append(lambda: self.store.delete(new))
            self._update_buttons()
        name = Path(path).name
        self._add_note(f"Imported {counted(added, 'new drawing')} from {name}" if added
                       else f"Nothing new in {name}: its drawings are here already")
        return added

    def drop_action(self, paths):
        """Dropped stroke files are imported, as Import… does."""
        strokes = [p for p in paths if p.suffix.lower() == ".npz"]
        return (lambda: self._import_all(strokes)) if strokes and self.store is not None else None

    def _import_all(self, paths) -> None:
        for path in paths:
            self.import_(str(path))

    def _open_on_pad(self, item: QListWidgetItem) -> None:
        sample_id = item.data(Qt.ItemDataRole.UserRole)
        try:
            ink = self.store.ink(sample_id)
        except (KeyError, model.SampleStoreError):     # deleted meanwhile, by another window or the CLI
            self.refresh()
            self._add_note(f"Sample #{sample_id} is no longer in the store")
            return
        self.main_window.show_drawing(ink)

    def _update_buttons(self) -> None:
        usable = self.store is not None
        self.delete_button.setEnabled(usable and bool(self.grid.selectedItems()))
        self.relabel_button.setEnabled(usable and bool(self.grid.selectedItems()))
        self.undo_button.setEnabled(usable and bool(self.undo_stack))
        has_samples = usable and self._total > 0
        self.export_button.setEnabled(has_samples)
        self.import_button.setEnabled(usable)
        self.teach_button.setEnabled(has_samples)
