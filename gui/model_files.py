"""Model files: open weights, save a retrained model, go back to the
shipped one, and ask before a model that exists only in memory is lost."""
from __future__ import annotations

import errno
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

import model
from gui.settings import MODEL_FILE_KEY
from gui.state import ModelsInUse

DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class ModelFiles(QObject):
    """Owns which model is in use (``models``); ``changed`` carries the
    recognizer that takes over.  ``window`` shows the questions and errors."""

    changed = Signal(object)

    def __init__(self, window, models: ModelsInUse, files, settings):
        super().__init__(window)
        self.window, self.models, self.files, self.settings = window, models, files, settings

    def use(self, recognizer) -> None:
        """Read with ``recognizer`` from now on (no questions asked)."""
        self.models.in_use = recognizer
        self.changed.emit(recognizer)
        self.remember_file()

    def remember_file(self) -> None:
        """The next start reads with the model file in use now."""
        change, path = self.models.file_to_remember()
        if change and path is None:
            self.settings.remove(MODEL_FILE_KEY)
        elif change:
            self.settings.setValue(MODEL_FILE_KEY, path)

    def open_weights(self, path: str | None = None) -> bool:
        """Load a checkpoint.  On failure, explain why and keep the current model."""
        path = path or self.files.open_path("Open weights", "weights",
                                            "LetterLens checkpoints (*.pt);;All files (*)")
        if path is None:
            return False
        # Read before asking to save the outgoing model: a file that is no model asks nothing.
        recognizer = self._load(path)
        if recognizer is None:
            return False
        written = self._written_at(path)
        if not self.may_replace():
            return False
        if self._written_at(path) != written:       # the outgoing model was saved onto this very file
            recognizer = self._load(path)
            if recognizer is None:
                return False
        self.files.remember_folder("weights", path)
        self.use(recognizer)
        self.window.statusBar().showMessage(f"Loaded {Path(path).name}", 4000)
        return True

    def _load(self, path: str):
        """The checkpoint at ``path``, or None after saying why it can't be used."""
        try:
            return model.Recognizer.load(path)
        except model.CheckpointError as exc:
            kept = "The current model stays loaded." if self.models.in_use else "No model is loaded."
            self.window.show_error("Can't open these weights", f"{exc}\n\n{kept}")
            return None

    @staticmethod
    def _written_at(path: str) -> tuple | None:
        try:
            stat = Path(path).stat()
        except OSError:
            return None
        return stat.st_ino, stat.st_size, stat.st_mtime_ns

    def use_shipped_model(self) -> bool:
        return self.open_weights(str(model.SHIPPED_WEIGHTS))

    def use_model(self, recognizer) -> bool:
        """Swap in a model made in this session (e.g. just retrained)."""
        if not self.may_replace():
            return False
        self.use(recognizer)
        self.window.statusBar().showMessage("Now reading with the new model", 4000)
        return True

    def save_model_as(self, recognizer, path: str | None = None) -> bool:
        """Write a model made in this session to a checkpoint.  It is then
        that file: in use, the status bar names it and the next start opens it."""
        path = path or self.files.save_path("Save the model", "weights", "letternet-retrained.pt",
                                            "LetterLens checkpoints (*.pt)")
        if path is None:
            return False
        problem = self.models.why_not_save_to(recognizer, path)
        if problem:
            self.window.show_error("Choose another file", problem)
            return False
        checkpoint = recognizer.checkpoint
        try:
            model.save_checkpoint(path, recognizer.model, arch=checkpoint.arch, raster=checkpoint.raster,
                                  meta=checkpoint.meta)
        except model.CheckpointError as exc:
            self.window.show_error("Can't save the model", f"{exc}\n\nThe model is still in memory.")
            return False
        except OSError as exc:
            why = f"{Path(path).name} could not be written in {Path(path).parent}: {exc.strerror or exc}."
            if exc.errno in DISK_FULL:       # another disk may have room: ask again rather than give up
                answer = QMessageBox.question(self.window, "Can't save the model", f"{why}\n\nThe model is still "
                                              "in memory. Save it somewhere else?")
                return answer == QMessageBox.StandardButton.Yes and self.save_model_as(recognizer)
            self.window.show_error("Can't save the model", f"{why}\n\nThe model is still in memory.")
            return False
        self.files.remember_folder("weights", path)
        recognizer.source = str(path)
        if recognizer is self.models.in_use:
            self.remember_file()
            self.window.show_model_name()
        return True

    def save_model_in_use(self, path: str | None = None) -> bool:
        """Model ▸ Save model as…: the model in use, wherever it came from
        (a run the Retrain dialog no longer holds, too)."""
        return self.models.in_use is not None and self.save_model_as(self.models.in_use, path)

    def may_replace(self) -> bool:
        """Before another model takes over: offer to save the one in use if
        it would be lost.  False: keep it in use."""
        outgoing = self.models.lost_if_replaced()
        return outgoing is None or self.keep_retrained(outgoing, "when another model takes its place")

    def keep_retrained(self, recognizer, lost: str = "on quitting") -> bool:
        """Save a retrained model that exists only in memory, or let it go
        (``lost`` says when it would be).  False: keep it (do not quit, do not swap)."""
        buttons = QMessageBox.StandardButton
        which = "you are using" if recognizer is self.models.in_use else "from your last retrain"
        answer = QMessageBox.question(self.window, "Retrained model not saved",
                                      f"The retrained model {which} has not been saved, and it is lost {lost}."
                                      "\nSave it first?", buttons.Save | buttons.Discard | buttons.Cancel,
                                      buttons.Save)
        if answer == buttons.Save:
            return self.save_model_as(recognizer)
        return answer == buttons.Discard

    def keep_unsaved(self, asked: list) -> bool:
        """Ask about each unsaved model not yet in ``asked`` (and add it
        there).  False at the first Cancel: do not quit."""
        for unsaved in self.models.unsaved_not_in(asked):
            if not self.keep_retrained(unsaved):
                return False
            asked.append(unsaved)
        return True

    def may_quit(self, retrain) -> bool:
        """Before the app quits: stop a run only if the user agrees, and save
        or let go each model that exists only in memory.  Every question
        comes before the run is stopped: a Cancel to any of them leaves it running."""
        if retrain is not None and retrain.is_training():
            answer = QMessageBox.question(self.window, "Training is running",
                                          "A retrain is still running. Stop it and quit?\n"
                                          "The current model and your samples are kept.",
                                          defaultButton=QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return False
        asked = []
        if not self.keep_unsaved(asked):
            return False
        if retrain is not None and retrain.is_training() and not retrain.stop_training():
            # stop_training waits for the thread.  Qt must not destroy a thread still
            # running: stay open rather than crash on the way out.
            self.window.show_error("Training is still stopping", "The retrain has not stopped yet. Quit again "
                                   "in a moment; the current model and your samples are kept.")
            return False
        # A run that ended while a question was open left a model nobody was asked about.
        return self.keep_unsaved(asked)
