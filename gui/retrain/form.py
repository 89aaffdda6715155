"""The Retrain dialog's form: which data sets to train and validate on,
fine-tune or start from scratch, and the recipe (epochs, batch, learning
rate).  It lists the data sets the dialog has loaded and reads the user's
choices into one plain value; it loads nothing and trains nothing."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QRadioButton,
                               QSpinBox, QVBoxLayout, QWidget)

import model
from gui.dialogs import counted

HOLD_OUT = "hold out 5% of the training writers"
MY_SAMPLES = "my samples"      # the key of the My samples row, beside the data sets' paths


@dataclass(frozen=True)
class TrainingChoices:
    """What the form says to train, read when a run starts."""
    ticked: tuple[str, ...]         # the keys of the ticked rows, MY_SAMPLES among them
    validation_key: str | None      # None: hold out some of the training writers
    fine_tune: bool                 # False: start from scratch
    epochs: int
    batch_size: int
    lr: float


class RetrainForm(QWidget):
    """The Data and Training boxes.  ``has_model``: a model is in use, so
    fine-tuning it is the first choice."""

    def __init__(self, has_model: bool, parent=None):
        super().__init__(parent)
        self.my_samples_item: QListWidgetItem | None = None    # added after the data sets found at start
        self._locked = False          # during a run its choices are fixed
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._build_data_box())
        column.addWidget(self._build_settings_box(has_model))
        self._mode_defaults()
        self.source_list.itemChanged.connect(lambda _: self._update_recipe_fields())
        self.val_box.currentIndexChanged.connect(lambda _: self._mark_validation_set())
        self.mode_group.buttonToggled.connect(lambda *_: (self._mode_defaults(), self._update_recipe_fields()))
        self._update_recipe_fields()

    # ---------------------------------------------------------------- layout
    def _build_data_box(self) -> QGroupBox:
        box = QGroupBox("Data")
        self.source_list = QListWidget()
        self.source_list.setMinimumHeight(64)
        self.source_list.setToolTip("Tick the sets to train on")
        self.add_files_button = QPushButton("Add files…")
        self.add_folder_button = QPushButton("Add folder…")
        self.val_box = QComboBox()
        self.val_box.addItem(HOLD_OUT, None)
        self.val_box.setToolTip("Writers used to measure accuracy: they must not be in the training data")
        # A long set name is cut short here rather than widening the dialog past a small screen.
        self.val_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.val_box.setMinimumContentsLength(16)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_files_button)
        buttons.addWidget(self.add_folder_button)
        buttons.addStretch(1)
        validation = QHBoxLayout()
        validation.addWidget(QLabel("Validate on"))
        validation.addWidget(self.val_box, 1)
        column = QVBoxLayout(box)
        column.addWidget(self.source_list, 1)
        column.addLayout(buttons)
        column.addLayout(validation)
        return box

    def _build_settings_box(self, has_model: bool) -> QGroupBox:
        box = QGroupBox("Training")
        self.finetune_radio = QRadioButton("Fine-tune the current model")
        self.scratch_radio = QRadioButton("Start from scratch")
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.finetune_radio)
        self.mode_group.addButton(self.scratch_radio)
        self.finetune_radio.setChecked(has_model)
        self.scratch_radio.setChecked(not has_model)
        self.finetune_radio.setEnabled(has_model)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(8, 1024)
        self.batch_size.setSingleStep(32)
        self.batch_size.setValue(model.TrainConfig().batch_size)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(*model.LR_RANGE)
        self.lr.setSingleStep(1e-4)
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

    # --------------------------------------------------------------- choices
    def choices(self) -> TrainingChoices:
        return TrainingChoices(tuple(self.checked_keys()), self.val_box.currentData(),
                               self.finetune_radio.isChecked(), self.epochs.value(), self.batch_size.value(),
                               self.lr.value())

    def checked_keys(self) -> list[str]:
        items = (self.source_list.item(i) for i in range(self.source_list.count()))
        return [item.data(Qt.ItemDataRole.UserRole) for item in items
                if item.checkState() == Qt.CheckState.Checked]

    def set_checked(self, keys: set[str]) -> None:
        for i in range(self.source_list.count()):
            item = self.source_list.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in keys
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def personalising(self) -> bool:
        """Fine-tuning on My samples: a fixed, measured recipe (mixed batches with replay)."""
        return self.finetune_radio.isChecked() and MY_SAMPLES in self.checked_keys()

    def _update_recipe_fields(self) -> None:
        fixed = self.personalising()
        for widget in (self.epochs, self.batch_size):
            widget.setEnabled(not fixed and not self._locked)
        steps = model.FinetuneConfig().steps
        public_ticked = any(key != MY_SAMPLES for key in self.checked_keys())
        self.recipe_note.setText(f"Fine-tuning on My samples runs {steps} mixed batches: your drawings and a replay "
                                 "of the other ticked sets, so it does not forget the other letters."
                                 + ("" if public_ticked else " Tick a public set too.") if fixed else "")
        self.recipe_note.setHidden(not fixed)      # an empty line would cost the dialog a row of height

    def expectation(self) -> str:
        """What a run with these choices typically does, said before it starts
        (measured on Chars74K, each letter read once)."""
        if self.personalising():
            return ("Expect your own letters to read better; in trials Chars74K accuracy moved by "
                    "−0.35 to +0.18 points.")
        if self.scratch_radio.isChecked():
            return (f"From scratch: the shipped model, trained {model.TrainConfig().epochs} epochs this way, "
                    "reads about 97.5 % of Chars74K; fewer epochs read worse.")
        gentle = self.lr.value() <= model.FinetuneConfig().lr
        return ("Expect little change: 1 epoch on UNIPEN at this rate moved Chars74K 97.48 → 97.45 %. "
                "It helps most on new data." if gentle else
                "Expect little change, or a loss: 1 epoch on UNIPEN at 0.0005 moved Chars74K 97.48 → 97.45 %; "
                "a higher rate shakes the model more.")

    def _mode_defaults(self) -> None:
        """A fine-tune wants few epochs and a gentle learning rate; from scratch, the shipped recipe."""
        if self.finetune_radio.isChecked():
            self.epochs.setValue(1)
            self.lr.setValue(model.FinetuneConfig().lr)
        else:
            recipe = model.TrainConfig()
            self.epochs.setValue(recipe.epochs)
            self.lr.setValue(recipe.lr)

    # ------------------------------------------------------------------ rows
    def add_source(self, key: str, path: Path, size: int) -> None:
        """A row for a loaded data set, and its entry under Validate on."""
        item = QListWidgetItem(f"{path.name}  ·  {counted(size, 'letter')}")
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setToolTip(str(path))
        # Validation sets (Chars74K here) start unticked and are offered for validation.
        validation = "chars74k" in path.name.lower()
        item.setCheckState(Qt.CheckState.Unchecked if validation else Qt.CheckState.Checked)
        self.source_list.addItem(item)
        self.val_box.addItem(f"{path.name} ({size:,})", key)
        if validation and self.val_box.currentData() is None:
            self.val_box.setCurrentIndex(self.val_box.count() - 1)

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

    def add_my_samples_row(self) -> None:
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, MY_SAMPLES)
        item.setCheckState(Qt.CheckState.Unchecked)
        self.my_samples_item = item
        self.source_list.addItem(item)

    def show_my_samples_count(self, count: int | None, keep_tick: bool) -> None:
        """``count`` None: the store cannot be read.  With none left the row
        cannot stay ticked, unless ``keep_tick`` (a run is using it)."""
        item = self.my_samples_item
        item.setText(f"My samples  ·  {counted(count, 'letter') if count is not None else 'unavailable'}")
        enabled = item.flags() | Qt.ItemFlag.ItemIsEnabled
        item.setFlags(enabled if count else enabled & ~Qt.ItemFlag.ItemIsEnabled)
        if not count and not keep_tick:
            item.setCheckState(Qt.CheckState.Unchecked)
        item.setToolTip("Your labelled drawings; fine-tuning mixes in the other ticked sets as replay"
                        if count else "Label drawings in the main window to collect samples of your own")

    def prepare_to_teach_my_samples(self) -> None:
        """Tick My samples and fine-tune (the ticked public sets are mixed in
        as replay).  Not during a run, whose settings are fixed."""
        if self._locked or not self.my_samples_item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return
        self.my_samples_item.setCheckState(Qt.CheckState.Checked)
        if self.finetune_radio.isEnabled():
            self.finetune_radio.setChecked(True)

    # ------------------------------------------------------------ enabling
    @property
    def locked(self) -> bool:
        return self._locked

    def set_locked(self, locked: bool) -> None:
        """Fix every choice while a run trains; free them again after."""
        self._locked = locked
        for widget in (self.source_list, self.val_box, self.finetune_radio, self.scratch_radio, self.epochs,
                       self.batch_size, self.lr, self.add_files_button, self.add_folder_button):
            widget.setEnabled(not locked)
        self._update_recipe_fields()

    def follow_model(self, has_model: bool) -> None:
        """Fine-tuning needs a model in use; without one, start from scratch."""
        self.finetune_radio.setEnabled(has_model)
        if not has_model:
            self.scratch_radio.setChecked(True)
