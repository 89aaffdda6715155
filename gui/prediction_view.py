"""What the network thinks: the top letters in large type and a bar per letter."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QElapsedTimer, QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen, QStaticText
from PySide6.QtWidgets import QApplication, QGraphicsLineItem, QGraphicsRectItem, QGraphicsScene, QSizePolicy, QWidget

from gui.feature_maps import cache_as_pixmap, caption_color

BAR_COLOR = "#8fa8c8"
TOP_COLOR = "#e0662b"


class ProbabilityChart(pg.PlotWidget):
    """One bar per letter, a..z, with the most likely letter highlighted.

    Each bar is a plain Qt rectangle in the plot, resized in place on every
    prediction: it is drawn entirely in C++, where a pyqtgraph
    ``BarGraphItem`` re-prepares its arrays and runs Python on every paint.
    Clicking a letter's column emits ``letter_clicked`` (it proposes that
    letter as the drawing's label); hovering one says so in its tool tip."""

    letter_clicked = Signal(str)
    BAR_WIDTH = 0.75

    def __init__(self, letters: list[str], parent=None):
        super().__init__(parent)
        self.letters = list(letters)
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setMinimumHeight(150)
        self.setYRange(0, 1.04, padding=0)
        self.setXRange(-0.6, len(letters) - 0.4, padding=0)
        self.getAxis("bottom").setTicks([list(enumerate(self.letters))])
        self.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1.0)]])
        self.getAxis("left").setWidth(42)
        # 0 % and 100 % sit on the view's edges.  An axis drawing a grid may not
        # label past the view, and pyqtgraph drops those two: the grid is made
        # of plain lines instead, and the labels may overhang by half a line.
        # Plain Qt lines, like the bars: drawn in C++ on every frame, no Python.
        self.getAxis("left").setStyle(hideOverlappingLabels=False)
        grid = QColor(self.getAxis("left").pen().color())
        grid.setAlphaF(0.15)
        grid_pen = QPen(grid, 0)            # width 0: one pixel, whatever the view's scale
        for level in (0.25, 0.5, 0.75, 1.0):
            line = QGraphicsLineItem(-0.6, level, len(letters) - 0.4, level)
            line.setPen(grid_pen)
            self.addItem(line)
        self._match_window_colour()
        cache_as_pixmap(self.getAxis("left"), self.getAxis("bottom"))   # static: a frame is then ~1 ms cheaper
        self.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)   # bars move every frame
        self._bars = []
        for i in range(len(letters)):
            bar = QGraphicsRectItem(i - self.BAR_WIDTH / 2, 0.0, self.BAR_WIDTH, 0.0)
            bar.setPen(QPen(Qt.PenStyle.NoPen))
            bar.setBrush(QColor(BAR_COLOR))
            self.addItem(bar)
            self._bars.append(bar)
        self._heights = np.zeros(len(letters))
        self._top: int | None = None
        self.scene().sigMouseClicked.connect(self._clicked)
        self.scene().sigMouseMoved.connect(self._hovered)
        self._since_click = QElapsedTimer()            # since the last click that labelled

    def _match_window_colour(self) -> None:
        # Opaque, in the window's colour: a transparent view makes Qt repaint
        # the widgets behind it on every frame.  Labels in the captions' colour.
        self.setBackground(self.palette().color(QPalette.ColorRole.Window))
        if self.plotItem is not None:      # Qt reports a palette change before pyqtgraph made the axes
            for side in ("left", "bottom"):
                self.getAxis(side).setTextPen(caption_color(self.palette()))

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.PaletteChange:       # e.g. the desktop turned dark
            self._match_window_colour()
        super().changeEvent(event)

    def values(self) -> np.ndarray:
        """The heights now shown (probabilities, or zeros when nothing is drawn)."""
        return self._heights.copy()

    def highlighted(self) -> str | None:
        """The letter whose bar is highlighted (the top one), if any."""
        return None if self._top is None else self.letters[self._top]

    def set_probabilities(self, probabilities: np.ndarray | None) -> None:
        heights = np.zeros(len(self.letters)) if probabilities is None else np.asarray(probabilities, float)
        for i, (bar, height) in enumerate(zip(self._bars, heights.tolist())):
            if height != self._heights[i]:
                bar.setRect(i - self.BAR_WIDTH / 2, 0.0, self.BAR_WIDTH, height)
        self._heights = heights.copy()
        top = None if probabilities is None else int(np.argmax(heights))
        if top != self._top:
            if self._top is not None:
                self._bars[self._top].setBrush(QColor(BAR_COLOR))
            if top is not None:
                self._bars[top].setBrush(QColor(TOP_COLOR))
            self._top = top

    def letter_at(self, scene_position) -> str | None:
        """The letter whose column holds ``scene_position``, if any."""
        index = int(round(self.plotItem.vb.mapSceneToView(scene_position).x()))
        return self.letters[index] if 0 <= index < len(self.letters) else None

    def _hovered(self, scene_position) -> None:
        letter = self.letter_at(scene_position)
        self.setToolTip(f"Click: this drawing is '{letter}'. It goes in \"This is\"; "
                        "Enter then adds it to My samples." if letter else "")

    def _clicked(self, event) -> None:
        # A double-click is two clicks to pyqtgraph (not always marked double):
        # the second, inside the double-click interval, must not label again.
        if self._since_click.isValid() and \
                self._since_click.elapsed() < QApplication.styleHints().mouseDoubleClickInterval():
            return
        letter = self.letter_at(event.scenePos())
        if letter is not None and event.button() == Qt.MouseButton.LeftButton:
            self._since_click.start()
            self.letter_clicked.emit(letter)


def both_cases(letter: str) -> str:
    """The network folds case: a letter is shown as both ("B b"), since either was drawn."""
    return f"{letter.upper()} {letter.lower()}" if letter.isalpha() else letter


class TopLetters(QWidget):
    """The best guess in large type, in both cases, with its probability, and the next two.

    Painted here rather than by three QLabels: a label whose text changes
    asks the whole window to lay itself out again, and this text changes on
    every pen move.  This widget's size never depends on its text."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.letter_font = QFont()
        self.letter_font.setPointSize(34)     # two glyphs, "W w", in less room than one took at 54 pt
        self.letter_font.setBold(True)
        self.line_font = QFont()
        self.line_font.setPointSize(15)
        self.letter = "–"
        self.confidence = ""
        self.runners_up = ""              # rich text: the letters in bold
        self._runners_up_text = QStaticText()
        self._runners_up_text.setTextFormat(Qt.TextFormat.RichText)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.show_top([])

    def _letter_width(self) -> int:
        return max(96, QFontMetrics(self.letter_font).horizontalAdvance(both_cases("w")) + 16)

    def sizeHint(self) -> QSize:
        line, runners = QFontMetrics(self.line_font), self.fontMetrics()
        height = max(QFontMetrics(self.letter_font).height(), line.height() + runners.height() + 8)
        width = max(line.horizontalAdvance("100.0% sure"), runners.horizontalAdvance("then m 00.0%, n 00.0%"))
        return QSize(self._letter_width() + width + 8, height)

    def minimumSizeHint(self) -> QSize:
        # Narrowest: one runner-up per line.
        widest = QFontMetrics(self.line_font).horizontalAdvance("100.0% sure")
        return QSize(self._letter_width() + widest + 8, self.sizeHint().height())

    def show_top(self, top: list[tuple[str, float]], message: str = "Draw a letter") -> None:
        """``top`` is [(letter, probability), ...] best first; empty shows ``message``."""
        if not top:
            self.letter, self.confidence, self.runners_up = "–", message, ""
        else:
            letter, p = top[0]
            self.letter, self.confidence = letter, f"{p:.1%} sure"
            # Non-breaking spaces: a narrow box wraps after a comma, never inside "p 0.1%".
            self.runners_up = "then " + ", ".join(f"<b>{l}</b>&nbsp;{q:.1%}" for l, q in top[1:3])
        self._runners_up_text.setText(self.runners_up)
        # Painted text is invisible to screen readers: name the reading instead.
        self.setAccessibleName(f"Read as {self.letter}, {self.confidence}" if top else self.confidence)
        # A long message may not fit the box; a reading says why it shows two letters.
        self.setToolTip(f"Read as {both_cases(self.letter)}: the network folds case, so it reads "
                        f"{self.letter.upper()} and {self.letter} as one letter." if top else self.confidence)
        self.update()

    def shown_letter(self) -> str:
        return both_cases(self.letter)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        letter_box = QRect(0, 0, self._letter_width(), self.height())
        painter.setFont(self.letter_font)
        # With no reading, the dash is a placeholder: faint, so it does not
        # pass for a letter (a bold black dash looks like ink).
        painter.setPen(text_colour if self.runners_up else self.palette().color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(letter_box, Qt.AlignmentFlag.AlignCenter, self.shown_letter())
        painter.setPen(text_colour)
        text_box = QRect(letter_box.right() + 4, 0, max(1, self.width() - letter_box.width() - 4), self.height())
        if not self.runners_up:          # a message ("Draw a letter", "Can't read this: ..."), wrapped
            painter.setFont(self.font())
            painter.drawText(text_box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
                             | Qt.TextFlag.TextWordWrap, self.confidence)
            return
        self._runners_up_text.setTextWidth(text_box.width())
        # A footnote wrapped onto a second line lifts both lines, rather than being cut off below.
        half = self.height() // 2 - max(0, self.height() // 2 + 4 + round(self._runners_up_text.size().height())
                                        - self.height())
        painter.setFont(self.line_font)
        painter.drawText(text_box.adjusted(0, 0, 0, half - self.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, self.confidence)
        painter.setFont(self.font())      # the runners-up in the ordinary font, as a footnote
        painter.drawStaticText(text_box.left(), half + 4, self._runners_up_text)
