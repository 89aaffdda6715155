"""The Retrain dialog's time-lapse files: open a saved run, save the last
one, and export its conv1 kernels as an animated GIF."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

import model
from gui.dialogs import busy_cursor
from gui.file_dialogs import TIMELAPSE_SUFFIX

FILE_FILTER = f"Time-lapses (*{TIMELAPSE_SUFFIX} *.npz);;All files (*)"
WATCHABLE_ARCH = "letternet"      # the network the main window's maps are laid out for


class TimeLapseFiles:
    """``window`` is the main window (its file dialogs, errors and pad);
    ``view`` the dialog's TimeLapseView; ``progress`` its ProgressView (a
    saved run's curves, and its status line)."""

    def __init__(self, parent: QWidget, window, view, progress):
        self.parent, self.window, self.view, self.progress = parent, window, view, progress

    def say(self, text: str) -> None:
        self.progress.status.setText(text)

    def open(self, path: str | None = None) -> bool:
        """Scrub through a saved run (File ▸ Open time-lapse…)."""
        path = path or self.window.files.open_path("Open a time-lapse", "timelapse", FILE_FILTER)
        if not path:
            return False
        try:
            with busy_cursor():
                timelapse = model.load_timelapse(path)
        except model.TimeLapseError as exc:
            self.window.show_error("Can't open this time-lapse", str(exc))
            return False
        if timelapse.arch != WATCHABLE_ARCH:
            self.window.show_error("Can't show this time-lapse", f"{path}: it is a run of the {timelapse.arch!r} "
                                   f"network; the main window shows {WATCHABLE_ARCH!r} runs.")
            return False
        self.window.files.remember_folder("timelapse", path)
        self.progress.show_timelapse(timelapse, Path(path).name)
        self.view.open(timelapse)
        return True

    def save(self, path: str | None = None) -> bool:
        timelapse = self.view.timelapse
        path = path or self.window.files.save_path("Save the time-lapse", "timelapse",
                                                   "letterlens-run" + TIMELAPSE_SUFFIX, FILE_FILTER,
                                                   suffix=TIMELAPSE_SUFFIX)
        if timelapse is None or not path:
            return False
        try:
            with busy_cursor():
                saved = model.save_timelapse(path, timelapse)
        except (OSError, ValueError) as exc:
            self.window.show_error("Can't save the time-lapse", f"{path}: {exc}")
            return False
        self.window.files.remember_folder("timelapse", saved)
        self.say(f"saved {saved.name}")
        return True

    def export_kernels(self, path: str | None = None) -> bool:
        """The conv1 kernels' time-lapse, with the pad's reading beside them, as an animated GIF."""
        from gui.timelapse_export import export_kernels_gif     # imported on first use (Pillow)
        timelapse, window = self.view.timelapse, self.window
        path = path or window.files.save_path("Export the kernels' time-lapse", "export",
                                              "conv1-kernels.gif", "Animated GIF (*.gif)")
        if timelapse is None or not path:
            return False
        progress = QProgressDialog("Drawing the frames…", "Cancel", 0, len(timelapse), self.parent)
        progress.setWindowTitle("Export the kernels' time-lapse")
        # Window-modal: setValue then lets the event loop run, so Cancel is seen and the app repaints.
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)

        def on_frame(done: int, total: int) -> bool:
            progress.setMaximum(total)
            progress.setValue(done)
            return not progress.wasCanceled()
        try:
            frames = export_kernels_gif(path, timelapse, None if window.pad.is_empty() else window.pad.strokes(),
                                        window.reading_views(), on_frame)
        except OSError as exc:
            window.show_error("Can't export the time-lapse", f"{path}: {exc}")
            return False
        finally:
            progress.close()
        if frames:
            window.files.remember_folder("export", path)
            self.say(f"exported {Path(path).name}: {frames} frames")
        else:
            self.say("export cancelled: nothing was written")
        return bool(frames)
