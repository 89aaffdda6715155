"""LetterLens Qt user interface (PySide6 + pyqtgraph) over the `model` package."""
