"""The app's state and decisions in plain Python: no widgets, no QApplication.

The window and its helpers bind these to Qt; tests drive them without a display.
"""
from .colour_scheme import COLOUR_SCHEMES, scheme_choice, shown_scheme
from .drawing_file import MISREAD_SEARCH, MisreadSearch, OpenedDrawing
from .models import UNSAVED, ModelsInUse, is_shipped_file
from .reading import BAR_HINT, ReadingRules, TimingText, bar_hint

__all__ = ["BAR_HINT", "COLOUR_SCHEMES", "MISREAD_SEARCH", "MisreadSearch", "ModelsInUse", "OpenedDrawing",
           "ReadingRules", "TimingText", "UNSAVED", "bar_hint", "is_shipped_file", "scheme_choice", "shown_scheme"]
