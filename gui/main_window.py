"""The LetterLens main window: draw on the left, watch the network on the right.

Data flow: the pad emits ``ink_changed`` on every pen move; the window
coalesces those into at most one prediction per event-loop pass (a zero-delay
single-shot timer), asks the recognizer for the probabilities and every
activation in one forward pass, and hands the result to each visible view,
which replaces its pixel data in place.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import PySide6
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSettings, Qt, QTimer, Signal, qVersion
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QApplication, QFileDialog, QHBoxLayout, QInputDialog, QLabel, QLineEdit,
                               QMainWindow, QMessageBox, QPushButton, QSizePolicy, QSpinBox, QSplitter, QVBoxLayout,
                               QWidget)

import model
from gui.dialogs import FileDropTarget, ModelCardDialog, ModelInfoDialog, ShortcutsDialog, resize_within_screen
from gui.drawing_pad import DrawingPad
from gui.explain_window import ExplainWindow, saliency_overlay
from gui.feature_maps import (ChannelPanel, ConvBlockPanel, DenseStrips, ImagePlot, KernelPanel,
                              PanelFrame)
from gui.prediction_view import ProbabilityChart, TopLetters
from gui.replay import fit_to_pad
from gui.retrain import UNSAVED, RetrainDialog
from gui.samples_dialog import SamplesDialog

SETTINGS_VERSION = 1
MISREAD_SEARCH = 2048            # views File ▸ Next misread reads at most, per press
MODEL_FILE_KEY = "model/file"     # the weights file in use at the last close (none: the shipped one)
# The model card's first known confusion, said where it happens.
BAR_HINT = ("i or l? A lone bar is a capital I or a small l, and no picture can tell them apart: "
            "a dot, serifs or a hook settle it.")


def bar_hint(top: list[tuple[str, float]]) -> str:
    """BAR_HINT when the network hesitates between i and l, else "".
    ``top``: the best letters with their probabilities, best first."""
    if len(top) < 2:
        return ""
    (first, _), (second, p) = top[:2]
    return BAR_HINT if {first, second} == {"i", "l"} and p >= 0.1 else ""


def text_setting(settings: QSettings, key: str) -> str | None:
    """A path or name kept in the settings, or None.  A hand-edited file can
    hold a list or a number there (Qt reads "a, b" as a list): that counts as
    no setting, not as a reason not to start."""
    value = settings.value(key)
    return value if isinstance(value, str) and value else None


def is_shipped_file(path) -> bool:
    return Path(path).resolve() == Path(model.SHIPPED_WEIGHTS).resolve()


def bring_to_front(window: QWidget) -> None:
    """Show a non-modal window, or bring it forward when it is already open."""
    window.show()
    window.raise_()
    window.activateWindow()


def network_shapes(net) -> dict[str, tuple[int, ...]]:
    """Each activation's shape for one drawing, e.g. {"conv1": (32, 26, 26), ...}."""
    return {row["name"]: tuple(row["output_shape"]) for row in model.layer_table(net)}


def conv_blocks(shapes: dict[str, tuple]) -> dict[int, dict[str, tuple]]:
    """Group the (C, H, W) stages by their block number: conv1, pool1, gelu1 -> block 1."""
    blocks: dict[int, dict[str, tuple]] = {}
    for name, shape in shapes.items():
        digits = name.lstrip("abcdefghijklmnopqrstuvwxyz_")
        if len(shape) == 3 and name != "input" and digits.isdigit():
            blocks.setdefault(int(digits), {})[name] = shape
    return blocks


def dense_stages(shapes: dict[str, tuple]) -> dict[str, int]:
    """The fully connected layers' outputs (after their activation), in order."""
    return {name: shape[0] for name, shape in shapes.items()
            if len(shape) == 1 and name not in ("flatten", "log_softmax")}


@dataclass
class StoredSample:
    """The note on the pad's clear after "Add to my samples": undo takes the
    sample out of the store again, redo puts back what undo took out."""
    store: model.SampleStore
    sample_id: int
    removed: list = field(default_factory=list)   # the sample as undo deleted it


class MainWindow(FileDropTarget, QMainWindow):
    """``recognizer`` is a :class:`model.Recognizer` (or None when no weights
    could be loaded); ``settings`` defaults to the user's LetterLens settings."""

    prediction_shown = Signal()      # after every view shows a new drawing (tests, bench)

    def __init__(self, recognizer=None, load_error: str | None = None, settings: QSettings | None = None,
                 samples_path=None, parent=None):
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.recognizer = recognizer
        self.prediction: model.Prediction | None = None
        self.frames_shown = 0
        self._refresh_pending = False
        self._hint = ""                 # the hint in the status bar, shown once per hesitation
        self._timing_shown_at = 0.0
        self._timing_views: int | None = None    # how many views the timing shown took
        self.last_error_dialog: QMessageBox | None = None
        self.drawing_picker: QInputDialog | None = None
        self._opened_file = None        # (drawings, file name, number) of the drawing last opened
        self._opened_message: str | None = None     # what the status bar said of it, while it may still say so
        self.explain_window: ExplainWindow | None = None
        self.retrain_dialog: RetrainDialog | None = None
        self.samples = None                 # My samples (a model.SampleStore), when it opens
        self.samples_dialog: SamplesDialog | None = None
        self.setWindowTitle("LetterLens")

        self._build_central()
        self._build_actions()
        self._build_menus()
        self._build_status_bar(load_error)
        self._use_recognizer(recognizer)
        self._restore_settings()
        self.open_samples(samples_path)
        # A click on the pad takes the keyboard focus from a list or a field,
        # so the letter typed next labels the drawing (keyPressEvent).
        self.pad.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.pad.setFocus()
        self.setAcceptDrops(True)

    # ------------------------------------------------------------------ layout
    def _build_central(self) -> None:
        self.pad = DrawingPad()
        self.pad.ink_changed.connect(self.schedule_refresh)
        self.pad.ink_changed.connect(self._update_edit_actions)
        self.pad.ink_changed.connect(self._follow_opened_drawing)
        self.pad.ink_changed.connect(self._forget_label_of_cleared_drawing)
        self.pad.resized.connect(lambda: self.saliency_action.isChecked() and self.schedule_refresh())

        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.clear_button = QPushButton("Clear")
        self.pen_width = QSpinBox()
        self.pen_width.setRange(2, 40)
        self.pen_width.setSuffix(" px")
        self.pen_width.setValue(int(DrawingPad.DEFAULT_PEN_WIDTH))
        self.pen_width.setToolTip("Pen width on screen (Ctrl+] and Ctrl+[). The network always reads the same "
                                  "thin pen.")
        # Clicking its arrows must not take the keyboard from the pad: typed
        # letters label the drawing, and Ctrl+Z undoes a stroke.
        self.pen_width.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pen_width.valueChanged.connect(self.pad.set_pen_width)
        self.undo_button.clicked.connect(self.undo_drawing)
        self.redo_button.clicked.connect(self.redo_drawing)
        self.clear_button.clicked.connect(self.pad.clear)
        controls = QHBoxLayout()
        for button in (self.undo_button, self.redo_button, self.clear_button):
            controls.addWidget(button)
        controls.addStretch(1)
        controls.addWidget(QLabel("Pen"))
        controls.addWidget(self.pen_width)

        # Teaching: label the drawing and keep it in My samples.
        self.label_edit = QLineEdit()
        self.label_edit.setMaxLength(1)
        self.label_edit.setFixedWidth(44)
        self.label_edit.setPlaceholderText("a–z")
        self.label_edit.setToolTip("The letter you drew (typed on the pad, it lands here); Enter adds it to My samples")
        self.label_edit.returnPressed.connect(lambda: self.add_sample(self.label_edit.text()))
        # One letter, kept selected, so the next key replaces it instead of being refused.
        self.label_edit.textChanged.connect(lambda _: self.label_edit.selectAll())
        self.add_sample_button = QPushButton("Add to my samples")
        self.add_sample_button.setToolTip("Keep this drawing, labelled, to teach the network your handwriting. "
                                          "Clicking a bar in the chart does the same.")
        self.add_sample_button.clicked.connect(lambda: self.add_sample(self.label_edit.text()))
        teach = QHBoxLayout()
        teach.addWidget(QLabel("This is"))
        teach.addWidget(self.label_edit)
        teach.addWidget(self.add_sample_button)
        teach.addStretch(1)

        self.input_plot = ImagePlot(color_bar=False)
        self.input_plot.image.setColorMap(pg.colormap.get("CET-L1"))   # grey: ink is white on black
        self.input_plot.setFixedSize(124, 124)
        self.input_view = PanelFrame("What the network sees", self.input_plot)
        self.input_view.info.setText("28×28 pixels")
        self.top_letters = TopLetters()
        seen_and_top = QHBoxLayout()
        seen_and_top.addWidget(self.input_view)
        seen_and_top.addWidget(self.top_letters, 1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 6, 6)
        left_layout.addWidget(self.pad, 1)
        left_layout.addLayout(controls)
        left_layout.addLayout(teach)
        left_layout.addLayout(seen_and_top)

        self.chart = ProbabilityChart(list(model.CLASSES))
        self.chart.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.chart.setMaximumHeight(220)
        self.chart.letter_clicked.connect(self.add_sample)
        self.network_area = QWidget()
        self.network_layout = QVBoxLayout(self.network_area)
        self.network_layout.setContentsMargins(6, 6, 6, 6)
        self.network_layout.addWidget(self.chart, 2)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.network_area)
        # A larger window grows the pad too (a third of the extra width), so a
        # big screen gives a big drawing surface rather than a tall, thin one.
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([400, 880])
        self.setCentralWidget(self.splitter)
        self.block_panels: dict[int, ConvBlockPanel] = {}
        self._shapes: dict[str, tuple] = {}

    def _build_network_views(self, shapes: dict[str, tuple]) -> None:
        """(Re)create the per-layer panels for a network with these activations."""
        if shapes == self._shapes:
            return
        self._shapes = shapes
        for panel in getattr(self, "_network_rows", []):
            panel.setParent(None)
            panel.deleteLater()
        self.block_panels = {block: ConvBlockPanel(block, stages)
                             for block, stages in conv_blocks(shapes).items()}
        self.kernel_panel = KernelPanel()
        self.dense_panel = DenseStrips(dense_stages(shapes))
        self.channel_panel = ChannelPanel()
        self.channel_panel.position_clicked.connect(self.step_through)
        blocks_row, details_row = QWidget(), QWidget()
        for row, panels in ((blocks_row, list(self.block_panels.values())),
                            (details_row, [self.kernel_panel, self.dense_panel, self.channel_panel])):
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            for panel in panels:
                layout.addWidget(panel, 1)
        details_row.layout().setStretch(1, 2)     # the dense strips are wide and flat
        self.network_layout.addWidget(blocks_row, 5)
        self.network_layout.addWidget(details_row, 3)
        self._network_rows = [blocks_row, details_row]
        first_block = next(iter(self.block_panels.values()), None)
        if first_block is not None:        # never an empty panel: start on the first map
            self.channel_panel.select(first_block.stage(), 0, None)
        for panel in self.block_panels.values():
            panel.channel_clicked.connect(self.enlarge_channel)
            panel.stage_changed.connect(lambda _stage: self._refresh_views())

    def panels(self) -> dict[str, QWidget]:
        """Every view that can be shown or hidden, by its settings key."""
        views = {f"block{block}": panel for block, panel in self.block_panels.items()}
        views.update(kernels=self.kernel_panel, dense=self.dense_panel, channel=self.channel_panel,
                     input=self.input_view)
        return views

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
        a = self._action
        self.open_weights_action = a("&Open weights…", self.open_weights, QKeySequence.StandardKey.Open,
                                     "Load a trained network from a checkpoint file "
                                     "(or drop the .pt file on the window)")
        self.open_drawing_action = a("Open &drawing…", self.open_drawing, "Ctrl+Shift+O",
                                     "Put a drawing from a stroke .npz on the pad: one you saved, or any "
                                     "from a data set (or drop the file on the window)")
        self.next_drawing_action = a("&Next drawing in file", lambda: self._step_drawing(+1), "PgDown",
                                     "The next drawing of the file last opened")
        self.previous_drawing_action = a("Pre&vious drawing in file", lambda: self._step_drawing(-1), "PgUp",
                                         "The previous drawing of the file last opened")
        self.next_misread_action = a("Next &misread drawing in file", lambda: self._step_to_misread(+1),
                                     "Ctrl+PgDown", "The next drawing of the file that the model reads "
                                     "differently from its label")
        self.previous_misread_action = a("Previous misr&ead drawing in file", lambda: self._step_to_misread(-1),
                                         "Ctrl+PgUp", "The previous drawing of the file that the model reads "
                                         "differently from its label")
        self.save_png_action = a("Save drawing as &PNG…", self.save_png, QKeySequence.StandardKey.Save)
        self.save_strokes_action = a("Save drawing as &strokes…", self.save_strokes, "Ctrl+Shift+S",
                                     "Save the pen strokes as a stroke .npz (loadable for training)")
        self.quit_action = a("&Quit", self.close, QKeySequence.StandardKey.Quit)
        if not self.quit_action.shortcuts():       # Windows defines no standard Quit key
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.undo_action = a("&Undo", self.undo_drawing, "Ctrl+Z")
        self.redo_action = a("&Redo", self.redo_drawing, "Ctrl+Shift+Z")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.clear_action = a("C&lear", self.pad.clear, "Esc")
        self.copy_action = a("&Copy drawing", self.copy_drawing, QKeySequence.StandardKey.Copy,
                             "Put the drawing on the clipboard as an image, for slides and notes")
        self.shipped_action = a("Use s&hipped model", self.use_shipped_model, None,
                                "Go back to the network that comes with LetterLens")
        self.model_info_action = a("Model &info…", self.show_model_info, "Ctrl+I")
        self.samples_action = a("My &samples…", self.show_samples, "Ctrl+M",
                                "Browse, delete, export and import the drawings you labelled")
        self.retrain_action = a("&Retrain…", self.show_retrain, "Ctrl+R",
                                "Train or fine-tune the network in the background, on public data or your own")
        self.shortcuts_action = a("&Keyboard shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents)
        self.model_card_action = a("Model &card", self.show_model_card, None,
                                   "The shipped network's data, training, measured accuracy and known confusions")
        self.about_action = a("&About LetterLens", self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.explain_action = a("&Explain…", self.show_explain, "Ctrl+E",
                                "Kernels, convolution step by step, activations and the architecture, "
                                "on your drawing")
        self.saliency_action = a("&Saliency overlay", self.schedule_refresh, "Ctrl+L",
                                 "Tint the pad where the ink pushed the network towards its answer")
        self.saliency_action.setCheckable(True)
        views = model.READ_VIEWS.count
        self.views_action = a(f"Read from {views} &views", self._reading_changed, None,
                              f"When the pen lifts, average the network's reading of the drawing and of "
                              f"{views - 1} slightly turned, sheared and shifted copies: new handwriting reads "
                              "better. While the pen moves, or with this off, it reads the drawing alone.")
        self.views_action.setCheckable(True)
        self.views_action.setChecked(True)
        self.pen_wider_action = a("Wider pen", lambda: self.pen_width.stepUp(), "Ctrl+]")
        self.pen_thinner_action = a("Thinner pen", lambda: self.pen_width.stepDown(), "Ctrl+[")
        self.pen_width.valueChanged.connect(self._update_pen_actions)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.open_drawing_action, self.next_drawing_action, self.previous_drawing_action,
                              self.next_misread_action, self.previous_misread_action])
        file_menu.addSeparator()
        file_menu.addActions([self.save_png_action, self.save_strokes_action])
        file_menu.addSeparator()
        file_menu.addAction(self.open_weights_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action, self.clear_action, self.copy_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.pen_wider_action, self.pen_thinner_action])
        model_menu = bar.addMenu("&Model")
        model_menu.addActions([self.retrain_action, self.samples_action])
        model_menu.addSeparator()
        model_menu.addActions([self.shipped_action, self.model_info_action])
        model_menu.addSeparator()
        model_menu.addAction(self.views_action)
        self.model_menu = model_menu
        self.view_menu = bar.addMenu("&View")
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts_action, self.model_card_action, self.about_action])
        self.menus = {"file": file_menu, "edit": edit_menu, "model": model_menu, "view": self.view_menu,
                      "help": help_menu}

    def _build_view_menu(self) -> None:
        """View: show or hide each panel, and pick each block's stage."""
        menu = self.view_menu
        menu.clear()
        menu.addActions([self.explain_action, self.saliency_action])
        menu.addSeparator()
        self.panel_actions: dict[str, QAction] = {}
        titles = {f"block{b}": f"Block {b} feature maps" for b in self.block_panels}
        titles.update(kernels="Learned conv1 kernels", dense="Fully connected layers",
                      channel="Enlarged channel", input="What the network sees")
        for key, panel in self.panels().items():
            action = QAction(titles[key], self, checkable=True, checked=True)
            action.toggled.connect(lambda on, key=key: self.set_panel_visible(key, on))
            self.panel_actions[key] = action
            menu.addAction(action)
        menu.addSeparator()
        self.stage_actions: dict[str, QAction] = {}
        for block, panel in self.block_panels.items():
            stage_menu = menu.addMenu(f"Block {block} shows")
            group = QActionGroup(stage_menu)
            for name in panel.stage_shapes:
                action = QAction(panel._stage_label(name), stage_menu, checkable=True)
                action.setChecked(name == panel.stage())
                action.triggered.connect(lambda _=False, panel=panel, name=name: panel.set_stage(name))
                group.addAction(action)
                stage_menu.addAction(action)
                self.stage_actions[name] = action
            panel.stage_changed.connect(lambda name: self.stage_actions[name].setChecked(True))

    def _build_status_bar(self, load_error: str | None) -> None:
        # Widgets rather than showMessage(): temporary messages are wiped as
        # soon as the pointer passes over a menu item.
        self.model_label = QLabel()
        self.timing_label = QLabel("")
        self.timing_label.setToolTip("Time to rasterize the drawing and run the network, last drawing "
                                     "(a finished drawing: all its views)")
        # A fixed size: otherwise each new time re-lays out the whole window.
        widest = self.timing_label.fontMetrics().horizontalAdvance("88 views in 0000.0 ms") + 8
        self.timing_label.setFixedSize(widest, self.timing_label.sizeHint().height())
        self.statusBar().addWidget(self.model_label, 1)
        self.statusBar().addPermanentWidget(self.timing_label)
        self._load_error = load_error

    # ------------------------------------------------------------------- model
    def _use_recognizer(self, recognizer) -> None:
        self.recognizer = recognizer
        net = recognizer.model if recognizer is not None else model.build_model()
        rebuild = network_shapes(net) != self._shapes
        self._build_network_views(network_shapes(net))
        if rebuild:
            self._build_view_menu()
            self._apply_view_settings()
        if recognizer is not None:
            self._warm_up(recognizer)
            self.kernel_panel.set_kernels(recognizer.model.stages["conv1"].weight.detach().numpy()[:, 0])
            self._show_model_name()
        else:
            error = self._load_error
            self.model_label.setText(f"No model loaded: {error}" if error else "No model loaded")
        self._remember_model_file()
        self.model_info_action.setEnabled(recognizer is not None)
        if self.retrain_dialog is not None:
            self.retrain_dialog.follow_model()      # fine-tuning needs a model to start from
        self.shipped_action.setEnabled(recognizer is None or not self.is_shipped(recognizer))
        self._refresh_views()
        self._refresh_samples_dialog()        # which samples it misreads has changed

    def _show_model_name(self) -> None:
        """The model in use, in the status bar: its file too, unless it is the shipped one."""
        recognizer = self.recognizer
        text = recognizer.describe()
        if recognizer.source and not self.is_shipped(recognizer):
            text = f"{Path(recognizer.source).name} · {text}"
        self.model_label.setText(text)

    def _remember_model_file(self) -> None:
        """The next start reads with the model file in use now (MODEL_FILE_KEY
        in the settings; none means the shipped one).  A retrained model
        that is not saved has no file to remember until it is saved."""
        recognizer = self.recognizer
        if recognizer is None:
            return
        if self.is_shipped(recognizer):
            self.settings.remove(MODEL_FILE_KEY)
        elif Path(recognizer.source).is_file():
            self.settings.setValue(MODEL_FILE_KEY, str(Path(recognizer.source).resolve()))

    def save_model_as(self, recognizer, path: str | None = None) -> bool:
        """Write a model made in this session (retrained) to a checkpoint,
        asked for in the last weights folder.  It is then that file: in use,
        the status bar names it and the next start opens it."""
        path = path or self._save_path("Save the model", "weights", "letternet-retrained.pt",
                                       "LetterLens checkpoints (*.pt)")
        if path is None:
            return False
        if is_shipped_file(path):
            self.show_error("Choose another file", "The shipped weights are never overwritten.")
            return False
        in_use = self.recognizer
        if in_use is not None and in_use is not recognizer and in_use.source \
                and Path(in_use.source).resolve() == Path(path).resolve():
            self.show_error("Choose another file", f"{Path(path).name} holds the model in use: writing another "
                            "model over it would lose that one.")
            return False
        checkpoint = recognizer.checkpoint
        try:
            model.save_checkpoint(path, recognizer.model, arch=checkpoint.arch, raster=checkpoint.raster,
                                  meta=checkpoint.meta)
        except OSError as exc:
            self.show_error("Can't save the model", f"{Path(path).name} could not be written in "
                            f"{Path(path).parent}: {exc.strerror or exc}.\n\nThe model is still in memory.")
            return False
        self.remember_folder("weights", path)
        recognizer.source = str(path)
        if recognizer is self.recognizer:
            self._remember_model_file()
            self._show_model_name()
        return True

    @staticmethod
    def _warm_up(recognizer) -> None:
        # torch picks its kernels on the first call of each batch size (~100 ms):
        # pay that now, for the pen's one view and the lifted pen's views, not
        # on the user's first stroke.
        ink = [np.array([[0.0, 0.0], [10.0, 20.0]])]
        recognizer.predict(ink)
        recognizer.predict(ink, model.READ_VIEWS)

    @staticmethod
    def is_shipped(recognizer) -> bool:
        return is_shipped_file(recognizer.source)

    def open_weights(self, path: str | None = None) -> bool:
        """Load a checkpoint.  On failure, explain why and keep the current model."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open weights", self.last_folder("weights"),
                                                  "LetterLens checkpoints (*.pt);;All files (*)")
            if not path:
                return False
        # Asked before the file is read: the outgoing model may be saved onto this very file.
        if not self._may_replace_model():
            return False
        try:
            recognizer = model.Recognizer.load(path)
        except model.CheckpointError as exc:
            kept = "The current model stays loaded." if self.recognizer else "No model is loaded."
            self.show_error("Can't open these weights", f"{exc}\n\n{kept}")
            return False
        self.remember_folder("weights", path)
        self._use_recognizer(recognizer)
        self.statusBar().showMessage(f"Loaded {Path(path).name}", 4000)
        return True

    def _may_replace_model(self) -> bool:
        """Before another model takes over: a retrained one in use that exists
        only in memory, and that the Retrain dialog no longer holds, would be
        lost; offer to save it.  False: keep it in use."""
        outgoing = self.recognizer
        if outgoing is None or outgoing.source != UNSAVED:
            return True
        if self.retrain_dialog is not None and outgoing is self.retrain_dialog.trained:
            return True                     # still there to save, or to use again
        return self._keep_retrained_model(outgoing, "when another model takes its place")

    def drop_action(self, paths):
        """One dropped file opens as File ▸ Open weights (.pt) or Open drawing (.npz) would."""
        if len(paths) != 1:
            return None
        opener = {".pt": self.open_weights, ".npz": self.open_drawing}.get(paths[0].suffix.lower())
        return (lambda: opener(str(paths[0]))) if opener else None

    def use_model(self, recognizer) -> bool:
        """Swap in a model made in this session (e.g. just retrained)."""
        if not self._may_replace_model():
            return False
        self._use_recognizer(recognizer)
        self.statusBar().showMessage("Now reading with the new model", 4000)
        return True

    # ------------------------------------------------------------ my samples
    def open_samples(self, path=None) -> bool:
        """Open My samples.  A broken database is reported, never overwritten:
        the app runs on without it unless the user asks for a fresh one."""
        try:
            self.samples = model.SampleStore.open(path)
            return True
        except model.SampleStoreError as exc:
            self.samples = None
            self.samples_error("My samples are unavailable", exc, "LetterLens works without them; "
                               "nothing in the file was changed.")
            return False

    def samples_error(self, title: str, exc: model.SampleStoreError, advice: str = "") -> QMessageBox:
        """Say why My samples failed.  A damaged, foreign or vanished file
        comes with the way out its message names: a new collection, with
        the old file kept under a new name."""
        box = self.show_error(title, f"{exc}\n\n{advice}".strip())
        if exc.can_set_aside:
            self.fresh_samples_button = box.addButton("Start a new collection (keep the old file)",
                                                      QMessageBox.ButtonRole.AcceptRole)
            self.fresh_samples_button.clicked.connect(lambda: self.start_fresh_samples(exc.path))
        return box

    def start_fresh_samples(self, path=None) -> None:
        try:
            fresh, moved = model.SampleStore.open_fresh_beside(path)
        except model.SampleStoreError as exc:
            self.show_error("My samples are unavailable", str(exc))
            return
        if self.samples is not None:
            self.samples.close()
        self.samples = fresh
        self.my_samples_changed()
        if moved is not None:
            self.statusBar().showMessage(f"The old samples file was kept as {moved.name}", 8000)

    def add_sample(self, letter: str) -> bool:
        """Label the drawing on the pad and keep it in My samples, then clear the pad for the next one."""
        if self.pad.is_empty():
            self.statusBar().showMessage("Draw a letter first, then label it", 4000)
            return False
        if not letter:
            self.statusBar().showMessage("Type the letter you drew (it lands in \"This is\"), then press Enter",
                                         5000)
            return False
        if self.samples is None:
            self.show_error("My samples are unavailable", "The sample database could not be opened.")
            return False
        try:
            sample_id = self.samples.add(self.pad.strokes(), letter)
        except ValueError as exc:
            self.statusBar().showMessage(f"Not added: {exc}", 5000)
            return False
        except model.SampleStoreError as exc:
            self.samples_error("Can't save the sample", exc, "The drawing is still on the pad.")
            return False
        self.label_edit.clear()
        self.pad.clear(note=StoredSample(self.samples, sample_id))
        # Back to the pad for the next letter; and Ctrl+Z, as offered below,
        # must reach the pad rather than undo inside the field.
        self.pad.setFocus()
        count = self.samples.counts_by_label()[letter.lower()]
        self.statusBar().showMessage(f"Added as '{letter.lower()}' to My samples ({count} of that letter); "
                                     "Ctrl+Z takes it out again and brings the drawing back", 5000)
        self.my_samples_changed()
        return True

    def my_samples_changed(self) -> None:
        """Samples were added, deleted, relabelled or imported, or the store
        was replaced: the views that show or count them follow."""
        self._refresh_samples_dialog()
        if self.retrain_dialog is not None:
            self.retrain_dialog.refresh_my_samples()

    def _refresh_samples_dialog(self) -> None:
        """My samples re-reads the store and what the model reads, if shown:
        a hidden one catches up when it is shown (its readings know which
        model and how many views made them)."""
        if self.samples_dialog is not None and self.samples_dialog.isVisible():
            self.samples_dialog.refresh()

    def show_samples(self) -> None:
        if self.samples_dialog is None:
            self.samples_dialog = SamplesDialog(self)        # reads the store as it is built
        else:
            self.samples_dialog.refresh()
        bring_to_front(self.samples_dialog)

    def show_drawing(self, ink, tag=None) -> None:
        """Put a stored drawing on the pad (undoable), scaled to fit; ``tag``
        as in :meth:`DrawingPad.set_strokes`."""
        self.label_edit.clear()                 # typed for the drawing this one replaces
        self.pad.set_strokes(fit_to_pad(ink, self.pad.width(), self.pad.height()), tag=tag)

    def show_retrain(self, teach_my_samples: bool = False) -> None:
        """Model ▸ Retrain…; ``teach_my_samples`` sets it up to fine-tune on My samples."""
        if self.retrain_dialog is None:
            self.retrain_dialog = RetrainDialog(self, text_setting(self.settings, "retrain/data_folder"))
        self.retrain_dialog.refresh_my_samples()
        if teach_my_samples:
            self.retrain_dialog.prepare_to_teach_my_samples()
        bring_to_front(self.retrain_dialog)

    def use_shipped_model(self) -> bool:
        return self.open_weights(str(model.SHIPPED_WEIGHTS))

    # ------------------------------------------------------------- prediction
    def schedule_refresh(self) -> None:
        """Coalesce bursts of pen moves: at most one prediction per event-loop pass."""
        if not self._refresh_pending:
            self._refresh_pending = True
            QTimer.singleShot(0, self._refresh_views)

    def reading_views(self) -> model.Views:
        """How the app reads a finished drawing: from several views, unless
        Model ▸ Read from 8 views is off.  The misread search and My samples'
        marks read the same way, so they agree with the pad."""
        return model.READ_VIEWS if self.views_action.isChecked() else model.ONE_VIEW

    def _reading_changed(self) -> None:
        self.schedule_refresh()
        self._refresh_samples_dialog()              # its marks say what the model reads

    def _refresh_views(self) -> None:
        self._refresh_pending = False
        self.prediction, message = None, "Draw a letter"
        if self.recognizer is None:
            message = "No model loaded"
        elif not self.pad.is_empty():
            # While the pen moves, one view: the hot path stays one forward pass
            # of one image.  The finished drawing gets its views when the pen lifts.
            views = model.ONE_VIEW if self.pad.is_drawing() else self.reading_views()
            try:
                self.prediction = self.recognizer.predict(self.pad.strokes(), views)
            except ValueError as exc:          # e.g. a single dot: the network can't read it
                message = f"Can't read this: {exc}"
        self._show(self.prediction, message)

    def _show(self, prediction, message: str) -> None:
        activations = prediction.activations if prediction is not None else None
        top = prediction.top(3) if prediction is not None else []      # ranked once, read twice below
        self.top_letters.show_top(top, message)
        self.chart.set_probabilities(prediction.probabilities if prediction is not None else None)
        image = prediction.image if prediction is not None else np.zeros((28, 28), np.float32)
        if not self.input_view.isHidden() or prediction is None:
            self.input_plot.show_image(image, (0.0, 1.0))
        for panel in [*self.block_panels.values(), self.dense_panel, self.channel_panel]:
            if not panel.isHidden() or prediction is None:    # hidden panels cost nothing
                panel.show_activations(activations)
        self.pad.set_overlay(saliency_overlay(self.recognizer, prediction, self.pad.strokes(), self.pad.size())
                             if prediction is not None and self.saliency_action.isChecked() else None)
        self._show_timing(prediction)
        hint = bar_hint(top)
        # A message already showing (a drawing opened from a file says its
        # label) is not covered: the hint waits for a frame without one.
        if hint != self._hint and (not hint or not self.statusBar().currentMessage()):
            if hint:
                self.statusBar().showMessage(hint, 8000)
            elif self.statusBar().currentMessage() == self._hint:
                self.statusBar().clearMessage()     # no longer a lone bar: the hint would mislead
            self._hint = hint
        self.frames_shown += 1
        self.prediction_shown.emit()

    def show_explain(self) -> None:
        if self.explain_window is None:
            self.explain_window = ExplainWindow(self)
        bring_to_front(self.explain_window)

    def step_through(self, stage: str, channel: int, row: int, col: int) -> None:
        """A click on a value of the enlarged channel: Explain shows how the
        network computed it (Step through), opening if it was not open."""
        self.show_explain()
        self.explain_window.explain_position(stage, channel, row, col)

    def _show_timing(self, prediction) -> None:
        # A few times a second is readable: a figure that changes every frame only
        # flickers.  (The label's fixed size already keeps a change from re-laying out.)
        # A change of views is shown at once: the pen has just lifted, or gone down.
        views = prediction.views if prediction is not None else None
        now = time.perf_counter()
        if (prediction is None or not self.timing_label.text() or now - self._timing_shown_at > 0.25
                or views != self._timing_views):
            self._timing_shown_at, self._timing_views = now, views
            self.timing_label.setText("" if prediction is None else
                                      f"read in {prediction.elapsed_ms:.1f} ms" if views == 1 else
                                      f"{views} views in {prediction.elapsed_ms:.1f} ms")

    def enlarge_channel(self, stage: str, channel: int) -> None:
        self.set_panel_visible("channel", True)
        self.channel_panel.select(stage, channel, self.prediction.activations if self.prediction else None)

    # ------------------------------------------------------------------ files
    def last_folder(self, kind: str, first: Path | None = None) -> str:
        """Where a file dialog for ``kind`` (drawings, weights, data) opens:
        the folder of the last such file, else ``first``, else home; never
        the folder the app happened to start in."""
        return text_setting(self.settings, f"folders/{kind}") or str(first or Path.home())

    def remember_folder(self, kind: str, path) -> None:
        """The next file dialog for ``kind`` opens where ``path`` is (a file's folder, or a folder)."""
        path = Path(path)
        self.settings.setValue(f"folders/{kind}", str(path if path.is_dir() else path.parent))

    def _drawing_or_warn(self) -> bool:
        if self.pad.is_empty():
            self.show_error("Nothing to save", "The pad is empty: draw a letter first.")
            return False
        return True

    def _save_path(self, title: str, kind: str, name: str, file_filter: str) -> str | None:
        """Where to save: asked in the last folder used for ``kind`` (drawings,
        weights), or None if cancelled.  A name typed without the suffix of
        ``name`` gets it, or the file could not be opened again by its type."""
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path(self.last_folder(kind)) / name), file_filter)
        suffix = Path(name).suffix
        if not path or path.lower().endswith(suffix):
            return path or None
        # The dialog asked about replacing the name as typed, not this one.
        path += suffix
        if Path(path).exists():
            answer = QMessageBox.question(self, title, f"{Path(path).name} already exists in {Path(path).parent}. "
                                          "Replace it?", defaultButton=QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return None
        return path

    def _drawing_saved(self, path: str, detail: str = "") -> None:
        self.remember_folder("drawings", path)
        self.statusBar().showMessage(f"Saved {Path(path).name}{detail}", 4000)

    def open_drawing(self, path: str | None = None, number: int | None = None) -> bool:
        """Put drawing ``number`` (counted from 1) of a stroke .npz on the pad,
        undoably.  A file of several drawings asks which one, without
        blocking: the drawing appears when the user answers."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open drawing", self.last_folder("drawings"),
                                                  "Stroke data (*.npz);;All files (*)")
            if not path:
                return False
        name = Path(path).name
        try:
            drawings = model.load_dataset(path)
        except model.DatasetError as exc:
            self.show_error("Can't open this drawing", f"{exc}\n\nThe pad is unchanged.")
            return False
        if not isinstance(drawings, model.StrokeSet) or len(drawings) == 0:
            what = "holds no drawings" if len(drawings) == 0 else "holds 28×28 images, not pen strokes"
            self.show_error("Can't open this drawing", f"{name} {what}. The pad draws pen strokes only; "
                            "images can still train the network (Model ▸ Retrain).\n\nThe pad is unchanged.")
            return False
        self.remember_folder("drawings", path)
        if number is not None or len(drawings) == 1:
            return self._show_stored_drawing(drawings, name, number or 1)
        picker = QInputDialog(self)
        picker.setWindowTitle("Open drawing")
        picker.setLabelText(f"{name} holds {len(drawings):,} drawings. Which one?")
        # setIntRange alone leaves the dialog a text box that never sends intValueSelected.
        picker.setInputMode(QInputDialog.InputMode.IntInput)
        picker.setIntRange(1, len(drawings))
        picker.setIntValue(1)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.intValueSelected.connect(lambda chosen: self._show_stored_drawing(drawings, name, chosen))
        picker.open()
        self.drawing_picker = picker
        return True

    @property
    def opened_drawing(self) -> tuple[str, int] | None:
        """The file name and number (from 1) of the drawing last opened from a file."""
        return (self._opened_file[1], self._opened_file[2]) if self._opened_file else None

    def _step_to_misread(self, step: int) -> None:
        """Go to the nearest drawing of the open file, in the direction of
        ``step``, that the model reads as another letter than its label.
        Reads at most MISREAD_SEARCH views a press (about a second: 2,048
        drawings read once, 256 from 8 views), so a file the model reads well
        never holds the window long."""
        if self._opened_file is None or self.recognizer is None:
            return
        drawings, name, number = self._opened_file
        views = self.reading_views()
        start = number - 1 + step                     # 0-based, the first drawing to look at
        stop = min(max(start + step * (MISREAD_SEARCH // views.count), -1), len(drawings))
        searched = np.arange(start, stop, step)
        if not len(searched):
            return
        misread = self.recognizer.first_misread(drawings, searched, views)
        if misread is not None:
            found, reading = misread
            self._show_stored_drawing(drawings, name, found + 1)
            self.statusBar().showMessage(
                f"Drawing {found + 1:,} of {len(drawings):,} in {name} is labelled "
                f"'{model.CLASSES[drawings.labels[found]]}' and reads as '{model.CLASSES[reading]}'; "
                "Ctrl+PgDown and Ctrl+PgUp find the next and previous misread", 8000)
            return
        more = stop not in (-1, len(drawings))
        if more:          # stand on the last one read, so the next press searches on from there
            self._show_stored_drawing(drawings, name, int(searched[-1]) + 1)
        where = "before" if step < 0 else "after"
        self.statusBar().showMessage(f"The model reads all {len(searched):,} drawings {where} drawing {number:,} "
                                     f"of {name} as labelled" + ("; press again to search on" if more else ""),
                                     8000)

    def _show_stored_drawing(self, drawings, name: str, number: int) -> bool:
        if not 1 <= number <= len(drawings):
            self.show_error("Can't open this drawing", f"{name} holds {len(drawings):,} drawings, "
                            f"so there is no drawing {number:,}.")
            return False
        # The pad keeps the file position with the drawing, so Ctrl+Z back to
        # an earlier one also steps on from there (_follow_opened_drawing).
        self.show_drawing(drawings.ink.ink(number - 1), tag=(drawings, name, number))
        return True

    def _follow_opened_drawing(self) -> None:
        """A drawing opened from a file is on the pad again (just opened, or
        brought back by undo or redo): step on from it, and say which it is."""
        opened = self.pad.tag
        if opened is None and self._opened_message is not None:
            # Drawn on or cleared: the message names a drawing no longer on the pad.
            if self.statusBar().currentMessage() == self._opened_message:
                self.statusBar().clearMessage()
            self._opened_message = None
        if opened is None or opened is self._opened_file:
            return
        self._opened_file = opened
        self._update_file_actions()
        drawings, name, number = opened
        label = model.CLASSES[drawings.labels[number - 1]]
        if len(drawings) == 1:
            message = f"Opened {name}, labelled '{label}'; Ctrl+Z takes it off the pad"
        else:
            message = (f"Drawing {number:,} of {len(drawings):,} in {name}, labelled '{label}'; "
                       "PgDown and PgUp step through the file, Ctrl+Z goes back")
        self.statusBar().showMessage(message, 8000)
        self._opened_message = message

    def _step_drawing(self, step: int) -> None:
        if self._opened_file is not None:
            drawings, name, number = self._opened_file
            self._show_stored_drawing(drawings, name, min(max(number + step, 1), len(drawings)))

    def copy_drawing(self) -> bool:
        if not self._drawing_or_warn():
            return False
        QApplication.clipboard().setImage(self.pad.to_image())
        self.statusBar().showMessage("Drawing copied to the clipboard", 3000)
        return True

    def save_png(self, path: str | None = None) -> bool:
        if not self._drawing_or_warn():
            return False
        path = path or self._save_path("Save drawing as PNG", "drawings", "letter.png", "PNG images (*.png)")
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
            self.show_error("Can't save the drawing", f"{Path(path).name} could not be written in "
                            f"{Path(path).parent}: {exc.strerror or exc}.\n\nThe drawing is still on the pad.")
            return False
        self._drawing_saved(path)
        return True

    def save_strokes(self, path: str | None = None, label: str | None = None) -> bool:
        """Save the strokes as a one-drawing stroke .npz, labelled with the
        given label, else the letter typed in "This is", else the label of the
        drawing opened from a file (while it is on the pad unchanged), else
        the network's reading."""
        if not self._drawing_or_warn():
            return False
        path = path or self._save_path("Save drawing as strokes", "drawings", "letter.npz", "Stroke data (*.npz)")
        if path is None:
            return False
        typed = self.label_edit.text().lower()
        if label is None and typed in model.CLASSES:
            label = typed
        if label is None and self.pad.tag is not None:
            drawings, _, number = self.pad.tag
            label = model.CLASSES[drawings.labels[number - 1]]
        if label is None:
            label = self.prediction.top(1)[0][0] if self.prediction is not None else "a"
        try:
            model.save_strokes(path, [self.pad.strokes()], [model.CLASSES.index(label)], ["me"])
        except (OSError, ValueError) as exc:
            self.show_error("Can't save the strokes", str(exc))
            return False
        self._drawing_saved(path, f" (labelled '{label}')")
        return True

    # ---------------------------------------------------------------- dialogs
    def show_error(self, title: str, text: str) -> QMessageBox:
        """A window-modal error that does not block the event loop."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_error_dialog = box
        return box

    def show_model_info(self) -> None:
        if self.recognizer is not None:
            dialog = ModelInfoDialog(self.recognizer, self)
            dialog.open()
            self.model_info_dialog = dialog

    def show_model_card(self) -> None:
        dialog = ModelCardDialog(self)
        dialog.open()
        self.model_card_dialog = dialog

    def show_shortcuts(self) -> None:
        dialog = ShortcutsDialog([a for a in self.actions() if a.shortcuts()], self)
        dialog.open()
        self.shortcuts_dialog = dialog

    def show_about(self) -> QMessageBox:
        gui_versions = {"Qt": qVersion(), "PySide6": PySide6.__version__, "pyqtgraph": pg.__version__}
        versions = "<br>".join(" · ".join(f"{name} {version}" for name, version in group.items())
                               for group in (model.library_versions(), gui_versions))
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About LetterLens",
                          "<h3>LetterLens</h3><p>Draw a letter and watch a convolutional network read it: "
                          "every layer's feature maps and the probability of each letter update as you draw."
                          "</p><p>The network is the letters CNN from Bert Hubert's <i>Hello Deep Learning</i>, "
                          "trained on UNIPEN pen strokes (CC BY 4.0) drawn by the same rasterizer as this pad."
                          f"</p><p>Reading with {self.recognizer.describe() if self.recognizer else 'no model'}."
                          f"</p><p><small>{versions}</small></p>", QMessageBox.StandardButton.Close, self)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)    # copied into bug reports
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    # ----------------------------------------------------------- view state
    def set_panel_visible(self, key: str, visible: bool) -> None:
        panel = self.panels()[key]
        panel.setVisible(visible)
        action = self.panel_actions.get(key)
        if action is not None and action.isChecked() != visible:
            action.setChecked(visible)
        if visible and self.prediction is not None:
            self.schedule_refresh()       # it missed the drawings made while hidden

    def _update_pen_actions(self) -> None:
        self.pen_wider_action.setEnabled(self.pen_width.value() < self.pen_width.maximum())
        self.pen_thinner_action.setEnabled(self.pen_width.value() > self.pen_width.minimum())

    def undo_drawing(self) -> None:
        self._step_history(undoing=True)

    def redo_drawing(self) -> None:
        self._step_history(undoing=False)

    def _step_history(self, undoing: bool) -> None:
        """Undo or redo on the pad.  One that brings back another drawing (one
        opened from a file, or the one it replaced) takes the typed letter
        with it: it was typed for the drawing that left.  Undoing the clear
        that stored a sample takes the sample out of My samples again; redo
        puts it back."""
        before = self.pad.tag
        note = self.pad.undo() if undoing else self.pad.redo()
        if self.pad.tag is not before:
            self.label_edit.clear()
        if isinstance(note, StoredSample) and note.store is self.samples:   # another store: its ids are others'
            try:
                if undoing:
                    note.removed = self.samples.delete([note.sample_id])
                    changed = bool(note.removed)      # not if My samples had deleted it already
                else:
                    changed = self.samples.restore(note.removed) > 0
            except model.SampleStoreError as exc:
                self.samples_error("Can't change My samples", exc, "The drawing is on the pad.")
                return
            if changed:
                self.statusBar().showMessage("Taken out of My samples again" if undoing else
                                             "Added to My samples again", 4000)
                self.my_samples_changed()

    def _forget_label_of_cleared_drawing(self) -> None:
        """The letter typed in "This is" names the drawing on the pad: once the
        pad is empty, it must not label the next drawing by mistake."""
        if self.pad.is_empty() and self.label_edit.text():
            self.label_edit.clear()

    def _update_edit_actions(self) -> None:
        for widget in (self.undo_action, self.undo_button):
            widget.setEnabled(self.pad.can_undo())
        for widget in (self.redo_action, self.redo_button):
            widget.setEnabled(self.pad.can_redo())
        for widget in (self.clear_action, self.clear_button, self.copy_action, self.save_png_action,
                       self.save_strokes_action, self.add_sample_button):
            widget.setEnabled(not self.pad.is_empty())

    def _update_file_actions(self) -> None:
        """Stepping through a file: possible while there is a drawing that way."""
        number, count = (self._opened_file[2], len(self._opened_file[0])) if self._opened_file else (1, 1)
        for action in (self.next_drawing_action, self.next_misread_action):
            action.setEnabled(number < count)
        for action in (self.previous_drawing_action, self.previous_misread_action):
            action.setEnabled(number > 1)

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            resize_within_screen(self, 1280, 800)
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        try:
            pen = int(self.settings.value("pad/pen_width", DrawingPad.DEFAULT_PEN_WIDTH))
        except (TypeError, ValueError, OverflowError):     # a hand-edited settings file
            pen = int(DrawingPad.DEFAULT_PEN_WIDTH)
        self.pen_width.setValue(pen)
        self.saliency_action.setChecked(self.settings.value("view/saliency", False) in (True, "true", "1"))
        self.views_action.setChecked(self.settings.value("model/read_views", True) not in (False, "false", "0"))
        self._update_pen_actions()
        self._update_edit_actions()
        self._update_file_actions()

    def _apply_view_settings(self) -> None:
        for key in self.panels():
            visible = self.settings.value(f"view/{key}", True)
            self.set_panel_visible(key, visible not in (False, "false", "0"))
        for block, panel in self.block_panels.items():
            stage = self.settings.value(f"view/block{block}_stage")
            if stage:
                panel.set_stage(str(stage))

    def save_settings(self) -> None:
        self.settings.setValue("version", SETTINGS_VERSION)
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("pad/pen_width", self.pen_width.value())
        self.settings.setValue("view/saliency", self.saliency_action.isChecked())
        self.settings.setValue("model/read_views", self.views_action.isChecked())
        for key, action in self.panel_actions.items():
            self.settings.setValue(f"view/{key}", action.isChecked())
        for block, panel in self.block_panels.items():
            self.settings.setValue(f"view/block{block}_stage", panel.stage())
        self.settings.sync()
        if self.settings.status() != QSettings.Status.NoError:     # e.g. a settings file this user cannot write
            print(f"LetterLens: could not save the settings to {self.settings.fileName()}: the window, the view "
                  "and the model in use will not be remembered", file=sys.stderr)

    def keyPressEvent(self, event):
        # Keys no widget took (the pad takes none): a plain letter goes to the
        # "This is" field, so labelling is draw, type the letter, press Enter.
        # The focus stays where it was (the pad), so Ctrl+Z and Ctrl+C still
        # act on the drawing rather than on the field's text.
        text = event.text()
        if (len(text) == 1 and text.isascii() and text.isalpha()
                and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier):
            self.label_edit.setText(text.lower())
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.label_edit.text():
            self.add_sample(self.label_edit.text())
            return
        super().keyPressEvent(event)

    def _unsaved_models(self) -> list:
        """Retrained models that exist only in memory: the one in use, and the
        Retrain dialog's last one if that is another (using is not saving)."""
        trained = self.retrain_dialog.trained if self.retrain_dialog is not None else None
        candidates = [self.recognizer] + ([trained] if trained is not self.recognizer else [])
        return [r for r in candidates if r is not None and r.source == UNSAVED]

    def _keep_retrained_model(self, recognizer, lost: str = "on quitting") -> bool:
        """Before quitting or another model takes over (``lost`` says which):
        save a retrained model that exists only in memory, or let it go.
        False: keep it (do not quit, do not swap)."""
        buttons = QMessageBox.StandardButton
        which = "you are using" if recognizer is self.recognizer else "from your last retrain"
        answer = QMessageBox.question(self, "Retrained model not saved",
                                      f"The retrained model {which} has not been saved, and it is lost {lost}."
                                      "\nSave it first?", buttons.Save | buttons.Discard | buttons.Cancel,
                                      buttons.Save)
        if answer == buttons.Save:
            return self.save_model_as(recognizer)
        return answer == buttons.Discard

    def _keep_unsaved_models(self, asked: list) -> bool:
        """Ask about each unsaved retrained model not yet in ``asked`` (and
        add it there).  False at the first Cancel: do not quit."""
        for unsaved in self._unsaved_models():
            if not any(unsaved is seen for seen in asked):
                if not self._keep_retrained_model(unsaved):
                    return False
                asked.append(unsaved)
        return True

    def closeEvent(self, event):
        dialog = self.retrain_dialog
        if dialog is not None and dialog.is_training():
            answer = QMessageBox.question(self, "Training is running",
                                          "A retrain is still running. Stop it and quit?\n"
                                          "The current model and your samples are kept.")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        # Every question comes before the run is stopped: a Cancel to any of them leaves it running.
        asked = []
        if not self._keep_unsaved_models(asked):
            event.ignore()
            return
        if dialog is not None and dialog.is_training() and not dialog.stop_training():
            # stop_training waits for the thread.  Qt must not destroy a thread still
            # running: stay open rather than crash on the way out.
            self.show_error("Training is still stopping", "The retrain has not stopped yet. Quit again "
                            "in a moment; the current model and your samples are kept.")
            event.ignore()
            return
        # A run that ended while a question was open left a model nobody was asked about.
        if not self._keep_unsaved_models(asked):
            event.ignore()
            return
        self.save_settings()
        for child in (self.retrain_dialog, self.explain_window, self.samples_dialog):
            if child is not None:
                child.close()
        if self.samples is not None:
            self.samples.close()
            self.samples = None
        super().closeEvent(event)
