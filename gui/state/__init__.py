"""The app's state and decisions in plain Python: no widgets, no QApplication.

The window and its helpers bind these to Qt; tests drive them without a display.
"""
from .drawing_file import MISREAD_SEARCH, MisreadSearch, OpenedDrawing
from .models import UNSAVED, ModelsInUse, is_shipped_file
from .reading import BAR_HINT, ReadingRules, TimingText, bar_hint

__all__ = ["BAR_HINT", "MISREAD_SEARCH", "MisreadSearch", "ModelsInUse", "OpenedDrawing", "ReadingRules",
           "TimingText", "UNSAVED", "bar_hint", "is_shipped_file"]
