"""The LetterLens main window: draw on the left, watch the network on the right.

The window lays out the panels, builds the actions, menus and status bar,
and hands each job to the object that owns it:

- ``reading`` (gui.live_reading): pen moves → one reading → ``_show_reading``;
- ``network`` (gui.network_view): the chart and every layer's panels;
- ``model_files`` (gui.model_files) over ``models`` (gui.state): the model in use;
- ``watch`` (gui.watching): a training run's moment shown instead of it;
- ``drawing_files`` (gui.drawing_files): drawing files, saving and copying the pad;
- ``my_samples`` (gui.my_samples): the user's labelled drawings.
"""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QSplitter, QVBoxLayout, QWidget

import model
from gui import settings as saved
from gui.dialogs import (FileDropTarget, ModelCardDialog, ModelInfoDialog, ShortcutsDialog, about_box,
                         bring_to_front, error_box)
from gui.drawing_files import DrawingFiles
from gui.drawing_panel import DrawingPanel
from gui.explain.saliency import saliency_overlay
from gui.file_dialogs import FileDialogs, is_timelapse_file
from gui.getting_started import GettingStartedDialog
from gui.live_reading import LiveReading, warm_up
from gui.model_files import ModelFiles
from gui.my_samples import MySamples
from gui.network_view import NetworkView
from gui.replay import fit_to_pad
from gui.state import ModelsInUse, ReadingRules
from gui.status_line import StatusLine
from gui.theme import ColourScheme
from gui.view_menu import fill_view_menu
from gui.watching import TITLE, TrainingWatch, WatchBanner


class MainWindow(FileDropTarget, QMainWindow):
    """``recognizer`` is a :class:`model.Recognizer` (or None when no weights
    could be loaded); ``settings`` defaults to the user's LetterLens settings."""

    prediction_shown = Signal()      # after every view shows a new drawing (tests, bench)

    def __init__(self, recognizer=None, load_error: str | None = None, settings: QSettings | None = None,
                 samples_path=None, parent=None):
        super().__init__(parent)
        self.settings = settings if settings is not None else saved.open_settings()
        self.frames_shown = 0
        self._load_error = load_error
        self.last_error_dialog: QMessageBox | None = None
        self.explain_window = None
        self.retrain_dialog = None
        self.setWindowTitle(TITLE)

        self.files = FileDialogs(self, self.settings)
        self.models = ModelsInUse(last_trained=lambda: self.retrain_dialog.trained if self.retrain_dialog else None)
        self._build_central()
        self.reading = LiveReading(self.pad, lambda: self.views_action.isChecked(), self)
        self.reading.read.connect(self._show_reading)
        self.watch = TrainingWatch(self, self.watch_banner)
        self.model_files = ModelFiles(self, self.models, self.files, self.settings)
        self.model_files.changed.connect(self._use_recognizer)
        self.drawing_files = DrawingFiles(self, self.files)
        self.drawing_files.moved.connect(self._update_file_actions)
        self.my_samples = MySamples(self, samples_path)
        self._build_actions()
        self._build_menus()
        self.status_line = StatusLine(self.statusBar())
        self.model_label, self.timing_label = self.status_line.model_label, self.status_line.timing_label
        self.model_files.use(recognizer)
        self._restore_settings()
        # A click on the pad takes the keyboard focus from a list or a field,
        # so the letter typed next labels the drawing (keyPressEvent).
        self.pad.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.pad.setFocus()
        self.setAcceptDrops(True)

    # What the other windows and dialogs read and call.
    @property
    def recognizer(self):
        return self.models.in_use

    @property
    def prediction(self) -> model.Prediction | None:
        return self.reading.prediction

    @property
    def samples(self):
        return self.my_samples.store

    def show_error(self, title: str, text: str) -> QMessageBox:
        self.last_error_dialog = error_box(self, title, text)
        return self.last_error_dialog

    def reading_views(self) -> model.Views:
        """How the app reads a finished drawing; the misread search and My
        samples' marks read the same way, so they agree with the pad."""
        return ReadingRules.views(pen_down=False, several_views=self.views_action.isChecked())

    # ------------------------------------------------------------------ layout
    def _build_central(self) -> None:
        self.drawing = DrawingPanel()
        self.pad = self.drawing.pad         # the window's reason to be: everything reads it
        self.pad.ink_changed.connect(self._update_edit_actions)
        self.pad.resized.connect(lambda: self.saliency_action.isChecked() and self.reading.schedule())
        self.drawing.undo_button.clicked.connect(self.undo_drawing)
        self.drawing.redo_button.clicked.connect(self.redo_drawing)
        self.drawing.label_edit.returnPressed.connect(self.add_typed_sample)
        self.drawing.add_sample_button.clicked.connect(self.add_typed_sample)

        self.network = NetworkView()
        self.network.chart.letter_clicked.connect(lambda letter: self.my_samples.propose(letter))
        self.network.channel_clicked.connect(self.enlarge_channel)
        self.network.position_clicked.connect(self.step_through)
        self.network.stage_changed.connect(lambda _stage: self.reading.refresh())
        self.network.rebuilt.connect(self._network_rebuilt)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.drawing)
        self.splitter.addWidget(self.network)
        # A larger window grows the pad too (a third of the extra width), so a
        # big screen gives a big drawing surface rather than a tall, thin one.
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([400, 880])
        self.watch_banner = WatchBanner()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.watch_banner)
        column.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

    def panels(self) -> dict[str, QWidget]:
        """Every view that can be shown or hidden, by its settings key."""
        return {**self.network.panels(), "input": self.drawing.input_view}

    # ----------------------------------------------------------------- actions
    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            keys = QKeySequence.keyBindings(shortcut) if isinstance(shortcut, QKeySequence.StandardKey) \
                else [QKeySequence(shortcut)]
            action.setShortcuts(keys)
        action.setStatusTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        self.addAction(action)       # shortcuts work even while the menu bar is hidden
        return action

    def _build_actions(self) -> None:
        a, drawings, models = self._action, self.drawing_files, self.model_files
        self.open_weights_action = a("&Open weights…", models.open_weights, QKeySequence.StandardKey.Open,
                                     "Load a trained network from a checkpoint file "
                                     "(or drop the .pt file on the window)")
        self.open_drawing_action = a("Open &drawing…", drawings.open_drawing, "Ctrl+Shift+O",
                                     "Put a drawing from a stroke .npz on the pad: one you saved, or any "
                                     "from a data set (or drop the file on the window)")
        self.next_drawing_action = a("&Next drawing in file", lambda: drawings.step(+1), "PgDown",
                                     "The next drawing of the file last opened")
        self.previous_drawing_action = a("Pre&vious drawing in file", lambda: drawings.step(-1), "PgUp",
                                         "The previous drawing of the file last opened")
        self.next_misread_action = a("Next &misread drawing in file", lambda: drawings.step_to_misread(+1),
                                     "Ctrl+PgDown", "The next drawing of the file that the model reads "
                                     "differently from its label")
        self.previous_misread_action = a("Previous misr&ead drawing in file",
                                         lambda: drawings.step_to_misread(-1), "Ctrl+PgUp",
                                         "The previous drawing of the file that the model reads "
                                         "differently from its label")
        self.save_png_action = a("Save drawing as &PNG…", drawings.save_png, QKeySequence.StandardKey.Save)
        self.save_strokes_action = a("Save drawing as &strokes…", drawings.save_strokes, "Ctrl+Shift+S",
                                     "Save the pen strokes as a stroke .npz (loadable for training)")
        self.open_timelapse_action = a("Open &time-lapse…", self.open_timelapse, None,
                                       "Scrub through a saved training run, reading your drawing at every moment")
        self.quit_action = a("&Quit", self.close, QKeySequence.StandardKey.Quit)
        if not self.quit_action.shortcuts():       # Windows defines no standard Quit key
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.undo_action = a("&Undo", self.undo_drawing, "Ctrl+Z")
        self.redo_action = a("&Redo", self.redo_drawing, "Ctrl+Shift+Z")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.clear_action = a("C&lear", self.pad.clear, "Esc")
        self.copy_action = a("&Copy drawing", drawings.copy_drawing, QKeySequence.StandardKey.Copy,
                             "Put the drawing on the clipboard as an image, for slides and notes")
        self.shipped_action = a("Use s&hipped model", models.use_shipped_model, None,
                                "Go back to the network that comes with LetterLens")
        self.model_info_action = a("Model &info…", self._dialog("model_info_dialog",
                                   lambda: ModelInfoDialog(self.recognizer, self)), "Ctrl+I")
        self.save_model_action = a("Save model &as…", models.save_model_in_use, None,
                                   "Write the model in use to a checkpoint file, e.g. one from an earlier retrain")
        self.samples_action = a("My &samples…", self.my_samples.show_dialog, "Ctrl+M",
                                "Browse, delete, export and import the drawings you labelled")
        self.retrain_action = a("&Retrain…", self.show_retrain, "Ctrl+R",
                                "Train or fine-tune the network in the background, on public data or your own")
        self.shortcuts_action = a("&Keyboard shortcuts", self._dialog("shortcuts_dialog", lambda: ShortcutsDialog(
            [action for action in self.actions() if action.shortcuts()], self)), QKeySequence.StandardKey.HelpContents)
        self.model_card_action = a("Model &card", self._dialog("model_card_dialog", lambda: ModelCardDialog(self)),
                                   None, "The shipped network's data, training, measured accuracy and known confusions")
        self.show_getting_started = self._dialog("getting_started_dialog",
                                                 lambda: GettingStartedDialog(self.settings, self))
        self.getting_started_action = a("&Getting started", self.show_getting_started, None,
                                        "What the window shows, in five short steps")
        self.about_action = a("&About LetterLens", lambda: about_box(self, self.recognizer))
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.explain_action = a("&Explain…", self.show_explain, "Ctrl+E",
                                "Kernels, convolution step by step, activations and the architecture, "
                                "on your drawing")
        self.saliency_action = a("&Saliency overlay", self.reading.schedule, "Ctrl+L",
                                 "Tint the pad where the ink pushed the network towards its answer")
        self.saliency_action.setCheckable(True)
        views = model.READ_VIEWS.count
        self.views_action = a(f"Read from {views} &views", self._reading_changed, None,
                              f"When the pen lifts, average the network's reading of the drawing and of "
                              f"{views - 1} slightly turned, sheared and shifted copies: new handwriting reads "
                              "better. While the pen moves, or with this off, it reads the drawing alone.")
        self.views_action.setCheckable(True)
        self.views_action.setChecked(True)
        self.pen_wider_action = a("Wider pen", lambda: self.drawing.pen_width.stepUp(), "Ctrl+]")
        self.pen_thinner_action = a("Thinner pen", lambda: self.drawing.pen_width.stepDown(), "Ctrl+[")
        self.drawing.pen_width.valueChanged.connect(self._update_pen_actions)
        self.colour_scheme = ColourScheme(self)       # its submenu joins the View menu

    def _build_menus(self) -> None:
        bar = self.menuBar()
        menus = {"file": [self.open_drawing_action, self.next_drawing_action, self.previous_drawing_action,
                          self.next_misread_action, self.previous_misread_action, None, self.save_png_action,
                          self.save_strokes_action, None, self.open_weights_action, self.open_timelapse_action, None,
                          self.quit_action],
                 "edit": [self.undo_action, self.redo_action, self.clear_action, self.copy_action, None,
                          self.pen_wider_action, self.pen_thinner_action],
                 "model": [self.retrain_action, self.samples_action, None, self.shipped_action,
                           self.save_model_action, self.model_info_action, None, self.views_action],
                 "view": [],
                 "help": [self.getting_started_action, self.shortcuts_action, self.model_card_action,
                          self.about_action]}
        self.menus = {}
        for key, actions in menus.items():
            menu = self.menus[key] = bar.addMenu(f"&{key.title()}")
            for action in actions:
                menu.addAction(action) if action is not None else menu.addSeparator()
        self.model_menu, self.view_menu = self.menus["model"], self.menus["view"]

    def _network_rebuilt(self) -> None:
        """A network of another shape: the View menu lists its panels and stages, as last chosen."""
        self.panel_actions, self.stage_actions = fill_view_menu(
            self.view_menu, [self.explain_action, self.saliency_action, self.colour_scheme.menu.menuAction()],
            self.panels(), self.network.block_panels, self.set_panel_visible)
        saved.restore_view(self, self.settings)

    # ------------------------------------------------------------------- model
    def _use_recognizer(self, recognizer) -> None:
        """Every view follows the model now in use (model_files.changed),
        unless a training run's moment is shown: then they follow it once it ends."""
        if recognizer is not None:
            warm_up(recognizer)
        if not self.watch.active:
            self.read_with(recognizer)
        self.show_model_name()
        for action in (self.model_info_action, self.save_model_action):
            action.setEnabled(recognizer is not None)
        if self.retrain_dialog is not None:
            self.retrain_dialog.follow_model()      # fine-tuning needs a model to start from
        self.shipped_action.setEnabled(recognizer is None or not self.models.is_shipped(recognizer))
        self.my_samples.refresh_dialog()        # which samples it misreads has changed

    def read_with(self, recognizer) -> None:
        """Every view reads the pad with ``recognizer``: the model in use, or a training run's moment."""
        self.reading.recognizer = recognizer
        self.network.show_network(recognizer.model if recognizer is not None else model.build_model())
        if recognizer is not None:
            self.network.set_kernels(recognizer.model)
        self.reading.refresh()

    def show_model_name(self) -> None:
        if self.recognizer is not None:
            text = self.models.status_text()
        else:
            text = f"No model loaded: {self._load_error}" if self._load_error else "No model loaded"
        self.status_line.show_model(self.watch.status_text(text) if self.watch.active else text, self.watch.active)

    def drop_action(self, paths):
        """One dropped file opens as File ▸ Open weights (.pt) or Open drawing (.npz) would."""
        if len(paths) != 1:
            return None
        if is_timelapse_file(paths[0]):
            return lambda: self.open_timelapse(str(paths[0]))
        opener = {".pt": self.model_files.open_weights,
                  ".npz": self.drawing_files.open_drawing}.get(paths[0].suffix.lower())
        return (lambda: opener(str(paths[0]))) if opener else None

    def add_typed_sample(self) -> bool:
        return self.my_samples.add(self.drawing.label_edit.text())

    def show_drawing(self, ink, tag=None) -> None:
        """Put a stored drawing on the pad (undoable), scaled to fit; ``tag``
        as in :meth:`DrawingPad.set_strokes`."""
        self.drawing.label_edit.clear()                 # typed for the drawing this one replaces
        self.pad.set_strokes(fit_to_pad(ink, self.pad.width(), self.pad.height()), tag=tag)

    def show_retrain(self, teach_my_samples: bool = False) -> None:
        """Model ▸ Retrain…; ``teach_my_samples`` sets it up to fine-tune on My samples."""
        from gui.retrain import RetrainDialog      # imported on first use: start-up does not need it
        if self.retrain_dialog is None:
            self.retrain_dialog = RetrainDialog(self, saved.text_setting(self.settings, "retrain/data_folder"))
        self.retrain_dialog.refresh_my_samples()
        if teach_my_samples:
            self.retrain_dialog.prepare_to_teach_my_samples()
        bring_to_front(self.retrain_dialog)

    def open_timelapse(self, path: str | None = None) -> bool:
        """File ▸ Open time-lapse…: a saved run, scrubbed in the Retrain dialog."""
        self.show_retrain()
        return self.retrain_dialog.open_timelapse(path)

    # ------------------------------------------------------------- reading
    def _reading_changed(self) -> None:
        self.reading.schedule()
        self.my_samples.refresh_dialog()              # its marks say what the model reads

    def _show_reading(self, prediction, message: str) -> None:
        top = prediction.top(3) if prediction is not None else []      # ranked once, read twice below
        self.drawing.show_reading(prediction, top, message)
        self.network.show_prediction(prediction)
        if prediction is not None and self.saliency_action.isChecked():
            self.pad.set_overlay(saliency_overlay(self.reading.recognizer, prediction, self.pad.strokes(), self.pad.size()))
        else:
            self.pad.set_overlay(None)
        self.status_line.show_reading(prediction, top)
        self.frames_shown += 1
        self.prediction_shown.emit()

    def show_explain(self) -> None:
        from gui.explain_window import ExplainWindow      # imported on first use: start-up does not need it
        if self.explain_window is None:
            self.explain_window = ExplainWindow(self)
        bring_to_front(self.explain_window)

    def step_through(self, stage: str, channel: int, row: int, col: int) -> None:
        """A click on a value of the enlarged channel: Explain shows how the
        network computed it (Step through), opening if it was not open."""
        self.show_explain()
        self.explain_window.explain_position(stage, channel, row, col)

    def enlarge_channel(self, stage: str, channel: int) -> None:
        self.set_panel_visible("channel", True)
        self.network.enlarge_channel(stage, channel, self.prediction)

    # ---------------------------------------------------------------- dialogs
    def _dialog(self, name: str, make):
        """A slot showing a fresh ``make()``, kept as ``name`` until the next one."""
        return lambda: (setattr(self, name, make()), bring_to_front(getattr(self, name)))

    # ----------------------------------------------------------- view state
    def set_panel_visible(self, key: str, visible: bool) -> None:
        self.panels()[key].setVisible(visible)
        action = self.panel_actions.get(key)
        if action is not None and action.isChecked() != visible:
            action.setChecked(visible)
        if visible and self.prediction is not None:
            self.reading.schedule()       # it missed the drawings made while hidden

    def _update_pen_actions(self) -> None:
        self.pen_wider_action.setEnabled(self.drawing.pen_width.value() < self.drawing.pen_width.maximum())
        self.pen_thinner_action.setEnabled(self.drawing.pen_width.value() > self.drawing.pen_width.minimum())

    def undo_drawing(self) -> None:
        self._step_history(undoing=True)

    def redo_drawing(self) -> None:
        self._step_history(undoing=False)

    def _step_history(self, undoing: bool) -> None:
        """Undo or redo on the pad.  One that brings back another drawing (one
        opened from a file, or the one it replaced) takes the typed letter
        with it: it was typed for the drawing that left."""
        before = self.pad.tag
        note = self.pad.undo() if undoing else self.pad.redo()
        if self.pad.tag is not before:
            self.drawing.label_edit.clear()
        self.my_samples.follow_history(note, undoing)

    def _update_edit_actions(self) -> None:
        for widget in (self.undo_action, self.drawing.undo_button):
            widget.setEnabled(self.pad.can_undo())
        for widget in (self.redo_action, self.drawing.redo_button):
            widget.setEnabled(self.pad.can_redo())
        for widget in (self.clear_action, self.drawing.clear_button, self.copy_action, self.save_png_action,
                       self.save_strokes_action, self.drawing.add_sample_button):
            widget.setEnabled(not self.pad.is_empty())

    def _update_file_actions(self) -> None:
        """Stepping through a file: possible while there is a drawing that way."""
        for action, step in ((self.next_drawing_action, +1), (self.next_misread_action, +1),
                             (self.previous_drawing_action, -1), (self.previous_misread_action, -1)):
            action.setEnabled(self.drawing_files.can_step(step))

    def _restore_settings(self) -> None:
        saved.restore(self, self.settings)
        self._update_pen_actions()
        self._update_edit_actions()
        self._update_file_actions()

    def save_settings(self) -> None:
        saved.save(self, self.settings)

    def keyPressEvent(self, event):
        # Keys no widget took (the pad takes none): a plain letter goes to the
        # "This is" field, so labelling is draw, type the letter, press Enter.
        # The focus stays where it was (the pad), so Ctrl+Z and Ctrl+C still
        # act on the drawing rather than on the field's text.
        text = event.text()
        if (len(text) == 1 and text.isascii() and text.isalpha()
                and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier):
            self.drawing.label_edit.setText(text.lower())
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.drawing.label_edit.text():
            self.add_typed_sample()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event):
        if not self.model_files.may_quit(self.retrain_dialog):
            event.ignore()
            return
        self.save_settings()
        for child in (self.retrain_dialog, self.explain_window, self.my_samples.dialog):
            if child is not None:
                child.close()
        self.my_samples.close()
        super().closeEvent(event)
