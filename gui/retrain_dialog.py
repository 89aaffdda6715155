"""Model ▸ Retrain…: pick data, train in the background, compare, swap in.

The dialog is non-modal: the pad keeps reading drawings with the current
model while a run trains.  Nothing changes until the user presses "Use this
model"; the shipped weights are never written.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QGridLayout, QGroupBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QMessageBox, QProgressBar, QPushButton, QRadioButton, QSpinBox, QVBoxLayout)

import model
from gui.dialogs import FileDropTarget, busy_cursor, counted, resize_within_screen
from gui.feature_maps import FlexibleImagePlot, FlexiblePlotWidget
from gui.retrain.training_run import TrainingJob, TrainingRun

HOLD_OUT = "hold out 5% of the training writers"
MY_SAMPLES = "my samples"
UNSAVED = "retrained (not saved)"      # the source of a retrained model until it is saved
NO_RESULT = "Train a model to compare it with the current one."


def default_data_folder() -> Path | None:
    """The handwriting kept beside a source checkout, when it is there."""
    folder = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    return folder if folder.is_dir() else None


def clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class RetrainDialog(FileDropTarget, QDialog):
    """``window`` is the main window: its recognizer is the current model,
    its ``use_model`` swaps a new one in, its ``samples`` is My samples."""

    model_ready = Signal(object)      # the finished TrainingOutcome

    def __init__(self, window, data_folder: str | Path | None = None, parent=None):
        super().__init__(parent or window)
        self.main_window = window
        self.setWindowTitle("Retrain the network")
        self.setAcceptDrops(True)           # data set files and folders dropped here are added
        self.sources: dict[str, object] = {}        # key -> data set (loaded once)
        self.run: TrainingRun | None = None
        self.outcome = None
        self.trained: model.Recognizer | None = None   # the last run's model; its source says if it is saved
        self.losses: list[float] = []
        self.loss_batches: list[int] = []     # the batch each loss was reported at (not every batch is)
        self.accuracies: list[tuple[int, float]] = []
        self._started = 0.0
        self._status_line = ""                # what the run is doing; the ticking clock is added to it
        # The clock ticks on its own: a long validation sends no progress for a while.
        self._clock_timer = QTimer(self, interval=1000, timeout=self._show_status)

        layout = QVBoxLayout(self)
        layout.addWidget(self._build_data_box())
        layout.addWidget(self._build_settings_box())
        layout.addWidget(self._build_progress_box(), 3)
        layout.addWidget(self._build_result_box(), 2)
        layout.addLayout(self._build_buttons())
        resize_within_screen(self, 760, 820)
        self._set_state("idle")
        folder = Path(data_folder) if data_folder else default_data_folder()
        self._data_folder = folder          # where "Add files…" first looks
        if folder is not None and folder.is_dir():
            try:
                self.add_sources(model.find_datasets(folder))
            except model.DatasetError as exc:      # e.g. a folder this user may not read
                self.main_window.show_error("Can't use this folder", str(exc))
        self._add_my_samples()

    # ---------------------------------------------------------------- layout
    def _build_data_box(self) -> QGroupBox:
        box = QGroupBox("Data")
        self.source_list = QListWidget()
        self.source_list.setMinimumHeight(64)
        self.source_list.setMaximumHeight(130)    # about six sets; more scroll, and the plots get the room
        self.source_list.setToolTip("Tick the sets to train on")
        self.source_list.itemChanged.connect(lambda _: self._update_recipe_fields())
        self.add_files_button = add_files = QPushButton("Add files…")
        add_files.clicked.connect(self._choose_files)
        self.add_folder_button = add_folder = QPushButton("Add folder…")
        add_folder.clicked.connect(self._choose_folder)
        self.val_box = QComboBox()
        self.val_box.addItem(HOLD_OUT, None)
        self.val_box.setToolTip("Writers used to measure accuracy: they must not be in the training data")
        self.val_box.currentIndexChanged.connect(lambda _: self._mark_validation_set())
        buttons = QHBoxLayout()
        buttons.addWidget(add_files)
        buttons.addWidget(add_folder)
        buttons.addStretch(1)
        buttons.addWidget(QLabel("Validate on"))
        buttons.addWidget(self.val_box)
        column = QVBoxLayout(box)
        column.addWidget(self.source_list)
        column.addLayout(buttons)
        return box

    def _build_settings_box(self) -> QGroupBox:
        box = QGroupBox("Training")
        self.finetune_radio = QRadioButton("Fine-tune the current model")
        self.scratch_radio = QRadioButton("Start from scratch")
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.finetune_radio)
        self.mode_group.addButton(self.scratch_radio)
        self.finetune_radio.setChecked(self.main_window.recognizer is not None)
        self.scratch_radio.setChecked(self.main_window.recognizer is None)
        self.finetune_radio.setEnabled(self.main_window.recognizer is not None)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(8, 1024)
        self.batch_size.setSingleStep(32)
        self.batch_size.setValue(model.TrainConfig().batch_size)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(1e-5, 1e-1)
        self.lr.setSingleStep(1e-4)
        self.mode_group.buttonToggled.connect(lambda *_: (self._mode_defaults(), self._update_recipe_fields()))
        self._mode_defaults()
        self.recipe_note = QLabel("")
        self.recipe_note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Learning rate", self.lr)
        grid = QGridLayout(box)
        grid.addWidget(self.finetune_radio, 0, 0)
        grid.addWidget(self.scratch_radio, 1, 0)
        grid.addLayout(form, 0, 1, 2, 1)
        grid.addWidget(self.recipe_note, 2, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        return box

    def personalising(self) -> bool:
        """Fine-tuning on My samples: a fixed, measured recipe (mixed batches with replay)."""
        return self.finetune_radio.isChecked() and MY_SAMPLES in self.checked_keys()

    def _update_recipe_fields(self) -> None:
        fixed = self.personalising()
        if not hasattr(self, "recipe_note"):
            return
        for widget in (self.epochs, self.batch_size):
            widget.setEnabled(not fixed and not self.is_training())
        steps = model.FinetuneConfig().steps
        public_ticked = any(key != MY_SAMPLES for key in self.checked_keys())
        self.recipe_note.setText(f"Fine-tuning on My samples runs {steps} mixed batches: your drawings and a replay "
                                 "of the other ticked sets, so it does not forget the other letters."
                                 + ("" if public_ticked else " Tick a public set too.") if fixed else "")
        self.recipe_note.setHidden(not fixed)      # an empty line would cost the dialog a row of height

    def _mode_defaults(self) -> None:
        """A fine-tune wants few epochs and a gentle learning rate; from scratch, the shipped recipe."""
        if self.finetune_radio.isChecked():
            self.epochs.setValue(1)
            self.lr.setValue(model.FinetuneConfig().lr)
        else:
            recipe = model.TrainConfig()
            self.epochs.setValue(recipe.epochs)
            self.lr.setValue(recipe.lr)

    def _build_progress_box(self) -> QGroupBox:
        box = QGroupBox("Progress")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("not started")
        self.status = QLabel(" ")
        # Named by their axis labels, not titles: a title row costs each plot a
        # quarter of its height when the dialog is squeezed onto a small screen.
        self.loss_plot, self.acc_plot = FlexiblePlotWidget(), FlexiblePlotWidget()
        for plot in (self.loss_plot, self.acc_plot):
            plot.setBackground(None)
            plot.setMenuEnabled(False)
            plot.setMinimumHeight(100)
            plot.showGrid(y=True, alpha=0.2)
        self.loss_plot.setLabel("bottom", "training loss, by batch")
        self.acc_plot.setLabel("bottom", "validation accuracy %, by epoch")
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen("#e0662b", width=2))
        self.acc_curve = self.acc_plot.plot(pen=pg.mkPen("#2b7de0", width=2), symbol="o", symbolSize=6)
        plots = QHBoxLayout()
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.acc_plot)
        column = QVBoxLayout(box)
        column.addWidget(self.progress_bar)
        column.addWidget(self.status)
        column.addLayout(plots, 1)
        return box

    def _build_result_box(self) -> QGroupBox:
        box = QGroupBox("Result")
        self.result_label = QLabel(NO_RESULT)
        self.result_label.setWordWrap(True)
        self.confusion_plot = FlexibleImagePlot(color_bar=False)
        self.confusion_plot.image.setColorMap(pg.colormap.get("CET-L17"))
        self.confusion_plot.setMinimumSize(140, 140)
        self.confusion_plot.pixel_hovered.connect(self._confusion_hovered)
        self.confusion_info = QLabel("Confusion matrix: rows are the true letters, columns the readings.")
        self.confusion_info.setWordWrap(True)
        text = QVBoxLayout()
        text.addWidget(self.result_label)
        text.addWidget(self.confusion_info)
        text.addStretch(1)
        row = QHBoxLayout(box)
        row.addLayout(text, 1)
        row.addWidget(self.confusion_plot, 1)
        return box

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
            item = QListWidgetItem(f"{path.name}  ·  {counted(len(dataset), 'letter')}")
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(str(path))
            # Validation sets (Chars74K here) start unticked and are offered for validation.
            validation = "chars74k" in path.name.lower()
            item.setCheckState(Qt.CheckState.Unchecked if validation else Qt.CheckState.Checked)
            self.source_list.addItem(item)
            self.val_box.addItem(f"{path.name} ({len(dataset):,})", key)
            if validation and self.val_box.currentData() is None:
                self.val_box.setCurrentIndex(self.val_box.count() - 1)
            added += 1
        return added

    def _mark_validation_set(self) -> None:
        """The set picked under Validate on cannot be ticked for training: it
        would be left out of training anyway, and a tick would say otherwise."""
        val_key = self.val_box.currentData()
        for row in range(self.source_list.count()):
            item = self.source_list.item(row)
            key = item.data(Qt.ItemDataRole.UserRole)
            if key == MY_SAMPLES:
                continue
            validating = key == val_key
            if validating:
                item.setCheckState(Qt.CheckState.Unchecked)
            flags = item.flags() | Qt.ItemFlag.ItemIsEnabled
            item.setFlags(flags & ~Qt.ItemFlag.ItemIsEnabled if validating else flags)
            item.setToolTip(f"{key}\nValidates the run (Validate on), so it is not trained on" if validating else key)

    def _add_my_samples(self) -> None:
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, MY_SAMPLES)
        item.setCheckState(Qt.CheckState.Unchecked)
        self.my_samples_item = item
        self.source_list.addItem(item)
        self.refresh_my_samples()

    def refresh_my_samples(self) -> None:
        """Recount My samples: the main window calls this whenever they change.
        With none left (or none readable), the row cannot stay ticked."""
        item = self.my_samples_item
        store = getattr(self.main_window, "samples", None)
        try:
            count = store.count() if store is not None else None
        except model.SampleStoreError:        # locked or damaged: My samples says why when opened
            count = None
        item.setText(f"My samples  ·  {counted(count, 'letter') if count is not None else 'unavailable'}")
        enabled = item.flags() | Qt.ItemFlag.ItemIsEnabled
        item.setFlags(enabled if count else enabled & ~Qt.ItemFlag.ItemIsEnabled)
        if not count and not self.is_training():
            item.setCheckState(Qt.CheckState.Unchecked)
        item.setToolTip("Your labelled drawings; fine-tuning mixes in the other ticked sets as replay"
                        if count else "Label drawings in the main window to collect samples of your own")

    def prepare_to_teach_my_samples(self) -> None:
        """Set up the usual personal run: fine-tune the current model on My
        samples (the ticked public sets are mixed in as replay).  Not during
        a run, whose settings are fixed."""
        if not self.source_list.isEnabled() or not self.my_samples_item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return
        self.my_samples_item.setCheckState(Qt.CheckState.Checked)
        if self.finetune_radio.isEnabled():
            self.finetune_radio.setChecked(True)

    def _choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add data sets",
                                                self.main_window.last_folder("data", self._data_folder),
                                                "Handwriting (*.npz *idx3-ubyte.gz);;All files (*)")
        if paths:
            self.main_window.remember_folder("data", paths[0])
        self.add_sources(paths)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add every data set in a folder",
                                                  self.main_window.last_folder("data", self._data_folder))
        if folder:
            self.main_window.remember_folder("data", folder)
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
        folder… do; not during a run, whose data is fixed."""
        return (lambda: self._add_dropped(paths)) if paths and self.source_list.isEnabled() else None

    def _add_dropped(self, paths) -> None:
        for path in paths:
            if path.is_dir():
                self.add_folder(path)
            else:
                self.add_sources([path])

    def checked_keys(self) -> list[str]:
        items = (self.source_list.item(i) for i in range(self.source_list.count()))
        return [item.data(Qt.ItemDataRole.UserRole) for item in items
                if item.checkState() == Qt.CheckState.Checked]

    def set_checked(self, keys: set[str]) -> None:
        for i in range(self.source_list.count()):
            item = self.source_list.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in keys
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    # -------------------------------------------------------------- training
    def job(self) -> TrainingJob | None:
        keys = self.checked_keys()
        val_key = self.val_box.currentData()
        train_sets = [self.sources[k] for k in keys if k != MY_SAMPLES and k != val_key]
        my_samples = None
        if MY_SAMPLES in keys:
            try:
                my_samples = self.main_window.samples.as_dataset()
            except model.SampleStoreError as exc:
                self.main_window.samples_error("Can't read My samples", exc, "Nothing was trained.")
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
        base = current if self.finetune_radio.isChecked() else None
        return TrainingJob(train_sets, [self.sources[val_key]] if val_key else [], base, my_samples, current,
                           epochs=self.epochs.value(), batch_size=self.batch_size.value(), lr=self.lr.value())

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
        self.losses, self.loss_batches, self.accuracies = [], [], []
        self.loss_curve.setData([], [])
        self.acc_curve.setData([], [])
        self.result_label.setText(NO_RESULT)          # nothing of the last run may pass for this one's
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("preparing the data…")
        self.confusion_plot.image.clear()
        if self.run is not None:
            self.run.deleteLater()                     # its thread has ended; let its objects go
        every = max(1, round(job.epochs / 8))          # whole epochs only, about eight labels
        self.acc_plot.getAxis("bottom").setTickSpacing(every, every)
        # An empty chart keeps the last run's scale unless given this run's: its epochs, 0-100 %.
        # (A one-epoch run's single point sits in the middle, not at the left edge of 1 to 2.)
        self.acc_plot.setRange(xRange=(1, job.epochs) if job.epochs > 1 else (0.5, 1.5), yRange=(0, 100))
        self.run = TrainingRun(job, self)
        self.run.progress.connect(self._progress)
        self.run.finished.connect(self._finished)
        self.run.failed.connect(self._failed)
        self._started = time.perf_counter()
        self.run.start()
        self._set_state("training")
        self._show_status("preparing the data…")
        return True

    def cancel(self) -> None:
        if self.run is not None and self.run.is_running():
            self.run.cancel()
            self.cancel_button.setEnabled(False)
            self._show_status("stopping after this batch…")

    def is_training(self) -> bool:
        return self.run is not None and self.run.is_running()

    def stop_training(self) -> bool:
        """Cancel and wait for the thread (used when the app closes)."""
        return self.run.stop() if self.run is not None else True

    def _show_status(self, line: str | None = None) -> None:
        """The status line, with the run's time so far while it runs."""
        if line is not None:
            self._status_line = line
        if self._clock_timer.isActive():
            self.status.setText(f"{self._status_line} · {clock(time.perf_counter() - self._started)} so far")

    def _progress(self, p) -> None:
        if self.cancel_button.isEnabled():        # after Cancel, "stopping…" stays until it has
            self._show_status(p.activity + "…" if p.activity else
                              f"loss {p.loss:.3f} · {p.samples_per_s:,.0f} samples/s")
        if p.activity:                           # no batch ran: the bar and the charts wait
            self.progress_bar.setFormat(f"{p.phase} · epoch {p.epoch}/{p.epochs} · {p.activity}…")
            return
        self.progress_bar.setValue(int(1000 * p.step / max(1, p.steps)))
        self.progress_bar.setFormat(f"{p.phase} · epoch {p.epoch}/{p.epochs} · %p% · ETA {clock(p.eta_s)}")
        self.losses.append(p.loss)
        self.loss_batches.append(p.step)
        self.loss_curve.setData(np.array(self.loss_batches), np.array(self.losses))
        if p.val_accuracy is not None:
            self.accuracies.append((p.epoch, p.val_accuracy))
            epochs, accuracies = zip(*self.accuracies)
            self.acc_curve.setData(np.array(epochs), 100 * np.array(accuracies))
            self.acc_plot.enableAutoRange(axis=pg.ViewBox.YAxis)   # the accuracies; the x axis spans the run

    def _finished(self, outcome) -> None:
        result = outcome.result
        if result.stopped:
            self._set_state("idle")
            self.progress_bar.setFormat("cancelled: the current model is unchanged")
            self.status.setText(f"stopped after {clock(result.seconds)}")
            return
        self.outcome = outcome
        info = {"meta": outcome.meta, "saved_at": None}
        self.trained = model.Recognizer(model.Checkpoint(result.model, "letternet", outcome.raster, info),
                                        source=UNSAVED)
        self._set_state("done")
        self.progress_bar.setValue(1000)
        self.progress_bar.setFormat(f"done in {clock(result.seconds)}")
        if self.losses:
            self.status.setText(f"final loss {self.losses[-1]:.3f}")
        self.result_label.setText(self._result_text(outcome))
        if outcome.confusion is not None:
            matrix = outcome.confusion.astype(np.float32)
            rates = matrix / np.maximum(1, matrix.sum(axis=1, keepdims=True))
            self.confusion_plot.show_image(rates, (0.0, 1.0))
        self.model_ready.emit(outcome)

    @staticmethod
    def _result_text(outcome) -> str:
        result, meta = outcome.result, outcome.meta
        mine, total = meta.get("my_samples", 0), f"{result.train_size:,} drawings"
        # Said from what ran: a fine-tune starts from a model, and replays other letters only if sets were ticked.
        if meta.get("finetuned_from") is None:
            trained_on = f"Trained from scratch on {total}" + (f", {mine:,} of them yours." if mine else ".")
        elif not mine:
            trained_on = f"Fine-tuned on {total}."
        elif meta.get("train_data"):
            trained_on = f"Fine-tuned on {mine:,} of your drawings, mixed with other letters: {total} in all."
        else:
            trained_on = f"Fine-tuned on {mine:,} of your drawings alone: no other letters kept it from forgetting."
        trained_on = f"<p>{trained_on}</p>"
        if result.val_accuracy is None:
            return ("<p>Validation accuracy: not measured. There were no writers to hold out; pick a set under "
                    "Validate on, or tick a public set.</p>" + trained_on)
        val_data = outcome.meta["val_data"]
        on = ", ".join(val_data) if isinstance(val_data, dict) else val_data
        current = (f"the model in use at the start {outcome.current_accuracy:.2%}"
                   if outcome.current_accuracy is not None else "no model was in use to compare")
        # Training validates each drawing once; the pad reads a finished drawing from its views.
        worse = ""
        if outcome.reads_worse:
            points = 100 * (outcome.current_accuracy - result.val_accuracy)
            worse = f"<p><b>It reads these letters {points:.2f} points worse than the model in use.</b> "
            worse += ("Learning your drawings can cost some of that: use it if your own letters now read better "
                      "(Model ▸ My samples marks the misread ones).</p>" if mine else
                      "Unless you have another reason to prefer it, keep the model in use.</p>")
        return (f"<p>Validation accuracy on {on}, each drawing read once (one view):</p>"
                f"<p><b>new model {result.val_accuracy:.2%}</b> &nbsp;·&nbsp; {current}</p>"
                + worse + trained_on)

    def _failed(self, message: str) -> None:
        self._set_state("idle")
        self.progress_bar.setFormat("failed")
        self.status.setText(message)
        self.main_window.show_error("Training failed", f"{message}\n\nThe current model is unchanged.")

    def _confusion_hovered(self, row: int, col: int) -> None:
        if row < 0 or self.outcome is None or self.outcome.confusion is None:
            return
        matrix = self.outcome.confusion
        self.confusion_info.setText(f"'{model.CLASSES[row]}' read as '{model.CLASSES[col]}': "
                                    f"{matrix[row, col]} of {matrix[row].sum()}")

    def _set_state(self, state: str) -> None:
        training = state == "training"
        if training:
            self._clock_timer.start()
        else:
            self._clock_timer.stop()
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
        for widget in (self.source_list, self.val_box, self.finetune_radio, self.scratch_radio, self.epochs,
                       self.batch_size, self.lr, self.add_files_button, self.add_folder_button):
            widget.setEnabled(not training)
        if not training:
            self.follow_model()
            if hasattr(self, "my_samples_item"):
                self.refresh_my_samples()       # samples deleted during the run cannot stay ticked
        self._update_recipe_fields()

    def _update_use_button(self) -> None:
        in_use = self.trained is not None and self.trained is self.main_window.recognizer
        self.use_button.setEnabled(self._state == "done" and not in_use)
        self.use_button.setText("In use" if self._state == "done" and in_use else "Use this model")

    def follow_model(self) -> None:
        """Fine-tuning needs a model in use; without one, start from scratch.
        The finished run's model can be used unless it is already in use."""
        self._update_use_button()
        has_model = self.main_window.recognizer is not None
        if not self.is_training():
            self.finetune_radio.setEnabled(has_model)
            if not has_model:
                self.scratch_radio.setChecked(True)

    # ---------------------------------------------------------------- result
    def use_model(self) -> None:
        if self.trained is not None:
            self.main_window.use_model(self.trained)

    def save_as(self, path: str | None = None) -> bool:
        """Write the last run's model to a file; in use or not, it is then that file."""
        if self.trained is None or not self.main_window.save_model_as(self.trained, path):
            return False
        self.status.setText(f"saved {Path(self.trained.source).name}")
        return True

    def reject(self):
        # Esc, Close and the title bar's close button all end here (a dialog's
        # closeEvent calls reject()), so each asks before stopping a run:
        # plain reject() would hide the dialog with its run still going.
        if self.is_training():
            answer = QMessageBox.question(self, "Training is running",
                                          "Stop training and close this window?")
            if answer != QMessageBox.StandardButton.Yes:
                return
            self.stop_training()
        super().reject()
