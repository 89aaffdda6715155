"""Model ▸ Retrain…: pick data, train in the background, compare, swap in.

The dialog is non-modal: the pad keeps reading drawings with the current
model while a run trains.  Nothing changes until the user presses "Use this
model"; the shipped weights are never written.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QMessageBox, QPushButton, QVBoxLayout

import model
from gui.dialogs import FileDropTarget, busy_cursor, resize_within_screen
from gui.file_dialogs import is_timelapse_file
from gui.retrain.form import MY_SAMPLES, RetrainForm
from gui.retrain.progress_view import ProgressView
from gui.retrain.result_view import ResultView
from gui.retrain.timelapse_files import WATCHABLE_ARCH, TimeLapseFiles
from gui.retrain.timelapse_view import TimeLapseView
from gui.retrain.training_run import TrainingJob, TrainingRun
from gui.state import UNSAVED


def default_data_folder() -> Path | None:
    """The handwriting kept beside a source checkout, when it is there."""
    folder = Path(__file__).resolve().parents[3] / "shared" / "data"
    return folder if folder.is_dir() else None


class RetrainDialog(FileDropTarget, QDialog):
    """``window`` is the main window: its recognizer is the current model,
    its ``use_model`` swaps a new one in, its ``samples`` is My samples.
    The dialog loads the data sets, owns the run and its model, and lays out
    the form, the progress view and the result view above its buttons."""

    model_ready = Signal(object)      # the finished TrainingOutcome

    def __init__(self, window, data_folder: str | Path | None = None, parent=None):
        super().__init__(parent or window)
        self.main_window = window
        self.setWindowTitle("Retrain the network")
        self.setAcceptDrops(True)           # data set files and folders dropped here are added
        # Out of the way while the main window is watched: its banner has the slider too.
        self.setWindowFlag(Qt.WindowType.WindowMinimizeButtonHint)
        self.sources: dict[str, object] = {}        # key -> data set (loaded once)
        self.run: TrainingRun | None = None
        self.outcome = None
        self.trained: model.Recognizer | None = None   # the last run's model; its source says if it is saved

        self.form = RetrainForm(has_model=window.recognizer is not None)
        self.form.add_files_button.clicked.connect(self._choose_files)
        self.form.add_folder_button.clicked.connect(self._choose_folder)
        self.progress_view = ProgressView()
        self.result_view = ResultView()
        self.timelapse_view = TimeLapseView()
        self.timelapse_view.show_moment.connect(window.watch.show)
        self.timelapse_view.show_model_in_use.connect(window.watch.stop)
        self.timelapse_view.show_moment.connect(lambda _t, snapshot, _live: self.progress_view.mark_moment(snapshot.batch))
        self.timelapse_view.show_model_in_use.connect(lambda: self.progress_view.mark_moment(None))
        self.timelapse_view.mirror_to(window.watch_banner.slider, window.watch_banner.play_button)
        window.watch_banner.back_button.clicked.connect(self.timelapse_view.stop_showing)
        self.timelapse_files = TimeLapseFiles(self, window, self.timelapse_view, self.progress_view)
        self.timelapse_view.save_button.clicked.connect(lambda: self.timelapse_files.save())
        self.timelapse_view.export_button.clicked.connect(lambda: self.timelapse_files.export_kernels())
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_columns(), 1)
        layout.addLayout(self._build_buttons())
        resize_within_screen(self, 1000, 700)
        self._set_state("idle")
        folder = Path(data_folder) if data_folder else default_data_folder()
        self._data_folder = folder          # where "Add files…" first looks
        if folder is not None and folder.is_dir():
            try:
                self.add_sources(model.find_datasets(folder))
            except model.DatasetError as exc:      # e.g. a folder this user may not read
                self.main_window.show_error("Can't use this folder", str(exc))
        self.form.add_my_samples_row()
        self.refresh_my_samples()
        for changed in (self.form.source_list.itemChanged, self.form.mode_group.buttonToggled,
                        self.form.lr.valueChanged):
            changed.connect(self._show_expectation)
        self._show_expectation()
        self.form.mode_group.buttonToggled.connect(
            lambda *_: self.timelapse_view.set_default_switch(self.form.scratch_radio.isChecked()))
        self.timelapse_view.set_default_switch(self.form.scratch_radio.isChecked())

    def _show_expectation(self, *_) -> None:
        """Before a run, the status line says what such a run typically does."""
        if not self.is_training():
            self.progress_view.show_expectation(self.form.expectation())

    def _build_columns(self) -> QHBoxLayout:
        """The choices on the left, the run and its result on the right: side
        by side, the dialog fits a 1024x640 screen with its buttons on it."""
        run = QVBoxLayout()
        run.addWidget(self.progress_view, 1)
        run.addWidget(self.timelapse_view)
        run.addWidget(self.result_view, 1)      # as tall as the charts: after a run, it is what is read
        columns = QHBoxLayout()
        columns.addWidget(self.form, 2)
        columns.addLayout(run, 3)
        return columns

    def _build_buttons(self) -> QHBoxLayout:
        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel training")
        self.use_button = QPushButton("Use this model")
        self.save_button = QPushButton("Save as…")
        self.close_button = QPushButton("Close")
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.use_button.clicked.connect(self.use_model)
        self.save_button.clicked.connect(lambda: self.save_as())
        self.close_button.clicked.connect(self.close)
        row = QHBoxLayout()
        for button in (self.start_button, self.cancel_button):
            row.addWidget(button)
        row.addStretch(1)
        for button in (self.use_button, self.save_button, self.close_button):
            row.addWidget(button)
        return row

    # --------------------------------------------------------------- sources
    def add_sources(self, paths) -> int:
        """Load data set files (checked, named, counted); returns how many were added."""
        added = 0
        for path in map(Path, paths):
            key = str(path.resolve())
            if key in self.sources:
                continue
            try:
                with busy_cursor():          # all of UNIPEN takes a second or so
                    dataset = model.load_dataset(path)
            except model.DatasetError as exc:
                self.main_window.show_error("Can't use this data set", str(exc))
                continue
            self.sources[key] = dataset
            self.form.add_source(key, path, len(dataset))
            added += 1
        return added

    def refresh_my_samples(self) -> None:
        """Recount My samples: the main window calls this whenever they change.
        With none left (or none readable), the row cannot stay ticked."""
        store = getattr(self.main_window, "samples", None)
        try:
            count = store.count() if store is not None else None
        except model.SampleStoreError:        # locked or damaged: My samples says why when opened
            count = None
        self.form.show_my_samples_count(count, keep_tick=self.is_training())

    def prepare_to_teach_my_samples(self) -> None:
        """Set up the usual personal run: fine-tune the current model on My
        samples (the ticked public sets are mixed in as replay)."""
        self.form.prepare_to_teach_my_samples()

    def _choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add data sets",
                                                self.main_window.files.last_folder("data", self._data_folder),
                                                "Handwriting (*.npz *idx3-ubyte.gz);;All files (*)")
        if paths:
            self.main_window.files.remember_folder("data", paths[0])
        self.add_sources(paths)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add every data set in a folder",
                                                  self.main_window.files.last_folder("data", self._data_folder))
        if folder:
            self.main_window.files.remember_folder("data", folder)
            self.add_folder(folder)

    def add_folder(self, folder) -> int:
        """Add every data set in ``folder``; returns how many were added."""
        try:
            found = model.find_datasets(folder)
        except model.DatasetError as exc:
            self.main_window.show_error("Can't use this folder", str(exc))
            return 0
        if not found:
            self.main_window.show_error("No data sets found", f"{folder} holds no .npz or EMNIST IDX files.")
        return self.add_sources(found)

    def drop_action(self, paths):
        """Dropped files and folders are added, as Add files… and Add
        folder… do; not during a run, whose data is fixed.  A time-lapse opens."""
        if not paths or self.form.locked:
            return None
        if len(paths) == 1 and is_timelapse_file(paths[0]):
            return lambda: self.open_timelapse(str(paths[0]))
        return lambda: self._add_dropped(paths)

    def _add_dropped(self, paths) -> None:
        for path in paths:
            if path.is_dir():
                self.add_folder(path)
            else:
                self.add_sources([path])

    # -------------------------------------------------------------- training
    def job(self) -> TrainingJob | None:
        choices = self.form.choices()
        val_key = choices.validation_key
        train_sets = [self.sources[k] for k in choices.ticked if k != MY_SAMPLES and k != val_key]
        my_samples = None
        if MY_SAMPLES in choices.ticked:
            try:
                my_samples = self.main_window.samples.as_dataset()
            except model.SampleStoreError as exc:
                self.main_window.my_samples.error("Can't read My samples", exc, "Nothing was trained.")
                return None
            if not len(my_samples):
                self.refresh_my_samples()
                self.main_window.show_error("My samples is empty", "Label some drawings first (type the letter "
                                            "after drawing it), or untick My samples.")
                return None
        if not train_sets and my_samples is None:
            self.main_window.show_error("Nothing to train on", "Tick at least one data set (not the validation set).")
            return None
        current = self.main_window.recognizer
        base = current if choices.fine_tune else None
        return TrainingJob(train_sets, [self.sources[val_key]] if val_key else [], base, my_samples, current,
                           epochs=choices.epochs, batch_size=choices.batch_size, lr=choices.lr)

    def _replace_unsaved_model(self) -> bool:
        """A new run replaces the last run's model: ask first if it would be
        lost (neither saved nor in use).  False: keep it, start nothing."""
        trained = self.trained
        if trained is None or trained.source != UNSAVED or trained is self.main_window.recognizer:
            return True
        answer = QMessageBox.question(self, "The last model is not saved",
                                      "The model from the last run is neither saved nor in use, and a new run "
                                      "replaces it.\nStart anyway?")
        return answer == QMessageBox.StandardButton.Yes

    def start(self) -> bool:
        if self.run is not None and self.run.is_running():
            return False
        if not self._replace_unsaved_model():
            return False
        job = self.job()
        if job is None:
            return False
        self.outcome = self.trained = None
        arch = job.base.checkpoint.arch if job.base else "letternet"
        if arch == WATCHABLE_ARCH:
            job.timelapse = model.TimeLapse(arch, job.base.checkpoint.raster if job.base else model.RasterConfig())
            job.latest = model.LatestSnapshot()
            self.timelapse_view.begin_run(job.timelapse, job.latest)
        self.result_view.clear()
        self.progress_view.begin_run(job.epochs)
        if self.run is not None:
            self.run.deleteLater()                     # its thread has ended; let its objects go
        self.run = TrainingRun(job, self)
        self.run.progress.connect(self._progress)
        self.run.finished.connect(self._finished)
        self.run.failed.connect(self._failed)
        self.run.start()
        self._set_state("training")
        self.progress_view.show_status("preparing the data…")
        return True

    def cancel(self) -> None:
        if self.run is not None and self.run.is_running():
            self.run.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_view.show_status("stopping after this batch…")

    def is_training(self) -> bool:
        return self.run is not None and self.run.is_running()

    def stop_training(self) -> bool:
        """Cancel and wait for the thread (used when the app closes)."""
        return self.run.stop() if self.run is not None else True

    def _progress(self, p) -> None:
        # After Cancel, "stopping…" stays until it has.
        self.progress_view.show_progress(p, status=self.cancel_button.isEnabled())

    def _finished(self, outcome) -> None:
        self.timelapse_view.end_run()
        result = outcome.result
        if result.stopped:
            self._set_state("idle")
            self.progress_view.show_stopped(result.seconds)
            return
        self.outcome = outcome
        info = {"meta": outcome.meta, "saved_at": None}
        self.trained = model.Recognizer(model.Checkpoint(result.model, "letternet", outcome.raster, info),
                                        source=UNSAVED)
        self._set_state("done")
        self.progress_view.show_done(result.seconds)
        self.result_view.show_outcome(outcome)
        self.model_ready.emit(outcome)

    def _failed(self, message: str) -> None:
        self.timelapse_view.end_run()
        self._set_state("idle")
        self.progress_view.show_failed(message)
        self.main_window.show_error("Training failed", f"{message}\n\nThe current model is unchanged.")

    def _set_state(self, state: str) -> None:
        training = state == "training"
        self.progress_view.set_clock_running(training)
        self.start_button.setEnabled(not training)
        self.cancel_button.setEnabled(training)
        self._state = state
        self._update_use_button()
        self.save_button.setEnabled(state == "done")
        # Enter uses a finished run's model, rather than starting a run that would replace it,
        # unless that model reads worse, or was never measured: then Enter must not swap it in unasked.
        doubtful = self.outcome is not None and (self.outcome.reads_worse or self.outcome.result.val_accuracy is None)
        self.use_button.setDefault(state == "done" and not doubtful)
        self.start_button.setDefault(state != "done")
        self.form.set_locked(training)
        if not training:
            self.follow_model()
            if self.form.my_samples_item is not None:
                self.refresh_my_samples()       # samples deleted during the run cannot stay ticked

    def _update_use_button(self) -> None:
        in_use = self.trained is not None and self.trained is self.main_window.recognizer
        self.use_button.setEnabled(self._state == "done" and not in_use)
        self.use_button.setText("In use" if self._state == "done" and in_use else "Use this model")

    def follow_model(self) -> None:
        """Fine-tuning needs a model in use; without one, start from scratch.
        The finished run's model can be used unless it is already in use."""
        self._update_use_button()
        if not self.is_training():
            self.form.follow_model(self.main_window.recognizer is not None)

    # ---------------------------------------------------------------- result
    def use_model(self) -> None:
        if self.trained is not None:
            self.timelapse_view.stop_showing()      # the window then reads with the model it now uses
            self.main_window.model_files.use_model(self.trained)

    def save_as(self, path: str | None = None) -> bool:
        """Write the last run's model to a file; in use or not, it is then that file."""
        if self.trained is None or not self.main_window.model_files.save_model_as(self.trained, path):
            return False
        self.progress_view.status.setText(f"saved {Path(self.trained.source).name}")
        return True

    def reject(self):
        # Esc, Close and the title bar's close button all end here (a dialog's
        # closeEvent calls reject()), so each asks before stopping a run:
        # plain reject() would hide the dialog with its run still going.
        if self.is_training():
            answer = QMessageBox.question(self, "Training is running", "Stop training and close this window?",
                                          defaultButton=QMessageBox.StandardButton.No)   # Enter keeps it running
            if answer != QMessageBox.StandardButton.Yes:
                return
            self.stop_training()
        self.timelapse_view.end_run()
        self.timelapse_view.stop_showing()       # the main window back to the model in use
        super().reject()

    def open_timelapse(self, path: str | None = None) -> bool:
        """Scrub through a saved run (File ▸ Open time-lapse…), once no run is training."""
        if self.is_training():
            self.main_window.show_error("Training is running", "Open a saved time-lapse once this run has ended.")
            return False
        return self.timelapse_files.open(path)
