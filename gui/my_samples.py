"""My samples from the main window: the user's store of labelled drawings,
adding the drawing on the pad to it (undoably), and saying why it failed."""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

import model
from gui.dialogs import bring_to_front


@dataclass
class StoredSample:
    """The note on the pad's clear after "Add to my samples": undo takes the
    sample out of the store again, redo puts back what undo took out."""
    store: model.SampleStore
    sample_id: int
    removed: list = field(default_factory=list)   # the sample as undo deleted it


class MySamples(QObject):
    """``store`` is the open model.SampleStore, or None when it could not be
    opened; ``dialog`` the My samples dialog once shown."""

    def __init__(self, window, path=None):
        super().__init__(window)
        self.window = window
        self.store = None
        self.dialog = None
        self.fresh_samples_button = None
        self.open(path)

    def open(self, path=None) -> bool:
        """A broken database is reported, never overwritten: the app runs on
        without it unless the user asks for a fresh one."""
        try:
            self.store = model.SampleStore.open(path)
            return True
        except model.SampleStoreError as exc:
            self.store = None
            self.error("My samples are unavailable", exc, "LetterLens works without them; "
                       "nothing in the file was changed.")
            return False

    def close(self) -> None:
        if self.dialog is not None:
            self.dialog.readings.stop()       # its thread must not outlive the app
        if self.store is not None:
            self.store.close()
            self.store = None

    def error(self, title: str, exc: model.SampleStoreError, advice: str = "") -> QMessageBox:
        """Say why My samples failed.  A damaged, foreign or vanished file
        comes with the way out its message names: a new collection, with
        the old file kept under a new name."""
        box = self.window.show_error(title, f"{exc}\n\n{advice}".strip())
        if exc.can_set_aside:
            self.fresh_samples_button = box.addButton("Start a new collection (keep the old file)",
                                                      QMessageBox.ButtonRole.AcceptRole)
            self.fresh_samples_button.clicked.connect(lambda: self.start_fresh(exc.path))
        return box

    def start_fresh(self, path=None) -> None:
        try:
            fresh, moved = model.SampleStore.open_fresh_beside(path)
        except model.SampleStoreError as exc:
            self.window.show_error("My samples are unavailable", str(exc))
            return
        self.close()
        self.store = fresh
        self.changed()
        if moved is not None:
            self.window.statusBar().showMessage(f"The old samples file was kept as {moved.name}", 8000)

    def propose(self, letter: str) -> bool:
        """A click on a letter's column: that letter goes in "This is", and
        only Enter (or Add) stores the drawing, so a stray click stores nothing."""
        window = self.window
        if window.pad.is_empty():
            window.statusBar().showMessage("Draw a letter first, then label it", 4000)
            return False
        window.drawing.label_edit.setText(letter.lower())
        window.pad.setFocus()          # Enter on the pad stores it (MainWindow.keyPressEvent)
        window.statusBar().showMessage(f"This is '{letter.lower()}'? Press Enter (or Add to my samples) "
                                       "to keep it in My samples", 8000)
        return True

    def add(self, letter: str) -> bool:
        """Label the drawing on the pad and keep it, then clear the pad for the next one."""
        window, pad = self.window, self.window.pad
        status = window.statusBar()
        if pad.is_empty():
            status.showMessage("Draw a letter first, then label it", 4000)
            return False
        if not letter:
            status.showMessage("Type the letter you drew (it lands in \"This is\"), then press Enter", 5000)
            return False
        if self.store is None:
            window.show_error("My samples are unavailable", "The sample database could not be opened.")
            return False
        try:
            sample_id = self.store.add(pad.strokes(), letter)
        except ValueError as exc:
            status.showMessage(f"Not added: {exc}", 5000)
            return False
        except model.SampleStoreError as exc:
            self.error("Can't save the sample", exc, "The drawing is still on the pad.")
            return False
        window.drawing.label_edit.clear()
        pad.clear(note=StoredSample(self.store, sample_id))
        # Back to the pad for the next letter; and Ctrl+Z, as offered below,
        # must reach the pad rather than undo inside the field.
        pad.setFocus()
        count = self.store.counts_by_label()[letter.lower()]
        status.showMessage(f"Added as '{letter.lower()}' to My samples ({count} of that letter); "
                           "Ctrl+Z takes it out again and brings the drawing back", 5000)
        self.changed()
        return True

    def follow_history(self, note, undoing: bool) -> None:
        """Undoing the clear that stored a sample takes the sample out of My
        samples again; redo puts it back."""
        if not isinstance(note, StoredSample) or note.store is not self.store:   # another store: other ids
            return
        try:
            if undoing:
                note.removed = self.store.delete([note.sample_id])
                changed = bool(note.removed)      # not if My samples had deleted it already
            else:
                changed = self.store.restore(note.removed) > 0
        except model.SampleStoreError as exc:
            self.error("Can't change My samples", exc, "The drawing is on the pad.")
            return
        if changed:
            self.window.statusBar().showMessage("Taken out of My samples again" if undoing else
                                                "Added to My samples again", 4000)
            self.changed()

    def changed(self) -> None:
        """Samples were added, deleted, relabelled or imported, or the store
        was replaced: the views that show or count them follow."""
        self.refresh_dialog()
        retrain = self.window.retrain_dialog
        if retrain is not None:
            retrain.refresh_my_samples()

    def refresh_dialog(self) -> None:
        """The dialog re-reads the store and what the model reads, if shown:
        a hidden one catches up when it is shown."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.refresh()

    def show_dialog(self) -> None:
        from gui.samples_dialog import SamplesDialog      # imported on first use: start-up does not need it
        if self.dialog is None:
            self.dialog = SamplesDialog(self.window)
        else:
            self.dialog.refresh()
        bring_to_front(self.dialog)
