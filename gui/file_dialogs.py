"""File dialogs that open where such files were last, and save paths that
keep their suffix."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from gui.settings import text_setting

TIMELAPSE_SUFFIX = ".timelapse.npz"     # what tells a time-lapse from a drawing file (both .npz) when dropped


def is_timelapse_file(path: Path) -> bool:
    return path.name.lower().endswith(TIMELAPSE_SUFFIX)


class FileDialogs:
    """``kind`` names a family of files (drawings, weights, data): each
    family's dialogs open in the folder of the last such file."""

    def __init__(self, parent: QWidget, settings):
        self.parent = parent
        self.settings = settings

    def last_folder(self, kind: str, first: Path | None = None) -> str:
        """The folder of the last ``kind`` file, else ``first``, else home;
        never the folder the app happened to start in."""
        return text_setting(self.settings, f"folders/{kind}") or str(first or Path.home())

    def remember_folder(self, kind: str, path) -> None:
        """The next dialog for ``kind`` opens where ``path`` is (a file's folder, or a folder)."""
        path = Path(path)
        self.settings.setValue(f"folders/{kind}", str(path if path.is_dir() else path.parent))

    def open_path(self, title: str, kind: str, file_filter: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, title, self.last_folder(kind), file_filter)
        return path or None

    def save_path(self, title: str, kind: str, name: str, file_filter: str, suffix: str = "") -> str | None:
        """Where to save, asked in the last folder used for ``kind``, or None
        if cancelled.  A name typed without ``suffix`` (default: that of
        ``name``) gets it, or the file could not be opened again by its type."""
        suffix = suffix or Path(name).suffix
        start = str(Path(self.last_folder(kind)) / name)
        while True:
            path, _ = QFileDialog.getSaveFileName(self.parent, title, start, file_filter)
            if not path or path.lower().endswith(suffix):
                return path or None
            # The dialog asked about replacing the name as typed, not this one.
            path += suffix
            if not Path(path).exists() or self._may_replace(title, path):
                return path
            start = path           # "No": back to the file dialog, to choose another name

    def _may_replace(self, title: str, path: str) -> bool:
        answer = QMessageBox.question(self.parent, title, f"{Path(path).name} already exists in "
                                      f"{Path(path).parent}. Replace it?",
                                      defaultButton=QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes
