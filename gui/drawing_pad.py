"""The drawing pad: vector ink from a mouse, a pen tablet or a finger.

The pad keeps the drawing as strokes (lists of x, y points in pad pixels,
y pointing down), which is exactly the ink format of ``model.ink``: the
network reads these points through the same rasterizer it was trained with,
never a screenshot of the widget.

Finished strokes are painted once into a cached pixmap, so a 10,000-point
drawing costs no more per frame than the stroke under the pen.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.theme import LIGHT_PAD, FollowsColourScheme, pad_colours

# Light paper: what Save as PNG and the pictures of Getting started show, in either scheme.
INK_COLOR, PAPER_COLOR, GUIDE_COLOR = LIGHT_PAD.ink, LIGHT_PAD.paper, LIGHT_PAD.guide


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False      # shared between calls: no caller may change it
    return array


class DrawingPad(FollowsColourScheme, QWidget):
    """A square canvas with undo/redo.  Emits ``ink_changed`` on every pen
    move, so a listener can read the drawing live (and coalesce the calls)."""

    ink_changed = Signal()
    stroke_finished = Signal()
    resized = Signal()          # an overlay made for the old size must be made again

    DEFAULT_PEN_WIDTH = 12.0   # px on screen; cosmetic only, the network's pen is fixed

    def __init__(self, parent=None):
        super().__init__(parent)
        self._strokes: list[list[tuple[float, float]]] = []
        self._tag = None                       # what the caller said this drawing is (set_strokes)
        self._undo: list[tuple] = []           # earlier (stroke list, tag, note) steps
        self._redo: list[tuple] = []
        self._current: list[tuple[float, float]] | None = None
        self._finished: list[np.ndarray] = []           # self._strokes as arrays, for strokes()
        self._finished_from: list | None = None         # the list they were made from
        self._cache: QPixmap | None = None     # finished strokes, painted once
        self._overlay: QImage | None = None    # optional heat map over the ink (saliency)
        self._pen_width = self.DEFAULT_PEN_WIDTH
        self.follow_colour_scheme()         # light or dark paper (self.colours), as the window is
        # The ink's scale is taken against the pad's first size, not step by
        # step: each step's smaller ratio would shrink the drawing on every
        # narrowing and never grow it back (min(>1, 1) is 1).
        self._first_size: QSize | None = None
        self._ink_scale = 1.0
        self.setMinimumSize(220, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw one letter. Esc clears, Ctrl+Z undoes a stroke.")

    # ----------------------------------------------------------------- ink
    def strokes(self) -> list[np.ndarray]:
        """The drawing as ``model`` ink: one (k, 2) float array per stroke."""
        if self._finished_from is not self._strokes:
            # Finished strokes never change (every edit replaces the list), so they
            # are converted once, not on every pen move of the next stroke.
            self._finished = [_read_only(np.asarray(s, dtype=np.float32)) for s in self._strokes]
            self._finished_from = self._strokes
        current = [np.asarray(self._current, dtype=np.float32)] if self._current else []
        return self._finished + current

    def is_empty(self) -> bool:
        return not self._strokes and not self._current

    def is_drawing(self) -> bool:
        """A stroke is under way: the pen is down."""
        return self._current is not None

    def point_count(self) -> int:
        return sum(len(s) for s in self._strokes) + len(self._current or ())

    def set_strokes(self, strokes, tag=None) -> None:
        """Replace the drawing (e.g. one loaded from a file); undo brings the old one back.
        ``tag`` names where it came from: :attr:`tag` returns it until the
        drawing is changed, and again whenever undo or redo bring it back."""
        self._remember()
        self._current = None
        self._strokes = [[(float(x), float(y)) for x, y in np.asarray(s, dtype=float).reshape(-1, 2)]
                         for s in strokes]
        self._tag = tag
        self._changed()

    @property
    def tag(self):
        """The tag given with the drawing on the pad, or None once it was drawn on or cleared."""
        return self._tag

    # Undo and redo keep whole snapshots of the stroke list.  Strokes are
    # never modified once finished, so a snapshot only copies references.
    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self):
        """Take back the last stroke (or the last clear).  Returns the note
        that step was made with (see :meth:`clear`), or None."""
        if self._undo and self._current is None:
            strokes, tag, note = self._undo.pop()
            self._redo.append((self._strokes, self._tag, note))
            self._strokes, self._tag = strokes, tag
            self._changed()
            return note
        return None

    def redo(self):
        """Make the step undo took back again; returns its note, as :meth:`undo`."""
        if self._redo and self._current is None:
            strokes, tag, note = self._redo.pop()
            self._undo.append((self._strokes, self._tag, note))
            self._strokes, self._tag = strokes, tag
            self._changed()
            return note
        return None

    def clear(self, note=None) -> None:
        """Empty the pad.  Undo brings the drawing back.  ``note`` says what
        else the clear stood for (the drawing was stored as a sample, say):
        undo and redo of this step return it, for the caller to follow."""
        if self._strokes or self._current:
            self._current = None
            self._remember(note)
            self._strokes, self._tag = [], None
            self._changed()

    def _remember(self, note=None) -> None:
        self._undo.append((list(self._strokes), self._tag, note))
        self._redo.clear()       # a new edit ends the redo history, as in editors

    # ---------------------------------------------------------------- pen
    def pen_width(self) -> float:
        return self._pen_width

    def set_pen_width(self, width: float) -> None:
        self._pen_width = float(width)
        self._cache = None
        self.update()

    def set_overlay(self, image: QImage | None) -> None:
        """Draw ``image`` (with alpha) over the whole pad, or remove it."""
        if image is None and self._overlay is None:
            return            # called on every frame: no repaint when nothing changes
        self._overlay = image
        self.update()

    # -------------------------------------------------------------- input
    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())

    def mouseMoveEvent(self, event):
        if self._current is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position())

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton and self._current is not None:
            self._extend(event.position())
            self._finish()

    def tabletEvent(self, event):
        # Accepting stops Qt from synthesising a duplicate mouse event.
        event.accept()
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position())
        elif kind == QEvent.Type.TabletMove and self._current is not None:
            self._extend(event.position())
        elif kind == QEvent.Type.TabletRelease and self._current is not None:
            self._finish()

    def event(self, event):
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd):
            points = event.points()
            if points:
                position = points[0].position()   # one finger draws; others are ignored
                if kind == QEvent.Type.TouchBegin:
                    self._begin(position)
                elif self._current is not None:
                    self._extend(position)
                    if kind == QEvent.Type.TouchEnd:
                        self._finish()
            event.accept()
            return True
        if kind == QEvent.Type.TouchCancel:
            self._current = None
            self._changed()
            return True
        return super().event(event)

    def _clamped(self, position: QPointF) -> tuple[float, float]:
        # Ink that leaves the pad is pinned to its edge: what the network
        # reads is then always what the user can see.
        x = min(max(position.x(), 0.0), self.width() - 1.0)
        y = min(max(position.y(), 0.0), self.height() - 1.0)
        return (x, y)

    def _begin(self, position: QPointF) -> None:
        self._current = [self._clamped(position)]
        self._changed()

    def _extend(self, position: QPointF) -> None:
        point = self._clamped(position)
        if point != self._current[-1]:
            previous = self._current[-1]
            self._current.append(point)
            # Repaint only around the new segment: the rest of the pad is unchanged.
            margin = self._pen_width / 2 + 2
            segment = QRectF(QPointF(*previous), QPointF(*point)).normalized()
            self._changed(segment.adjusted(-margin, -margin, margin, margin).toAlignedRect())

    def _finish(self) -> None:
        self._remember()
        self._strokes, self._tag = self._strokes + [self._current], None
        self._current = None
        self._cache = None
        self._changed()
        self.stroke_finished.emit()

    def _changed(self, dirty: QRect | None = None) -> None:
        if self._current is None:
            self._cache = None
        if dirty is None or self._overlay is not None:
            self.update()
        else:
            self.update(dirty)
        self.ink_changed.emit()

    def _scale_ink(self, factor: float) -> None:
        """Scale every point, undo and redo history included, about the
        top-left corner, so the drawing keeps its place on a resized pad.
        The smaller of the two size ratios (to the pad's first size) keeps
        ink that was on the pad on it: pixels would otherwise stay put, cut
        off by a smaller pad while the network still read them.  Framing
        makes the reading the same at any scale."""
        if factor == 1.0 or (self.is_empty() and not self._undo and not self._redo):
            return
        scaled: dict[int, list] = {}      # snapshots share their strokes: scale each once

        def scale(stroke: list) -> list:
            if id(stroke) not in scaled:
                scaled[id(stroke)] = [(x * factor, y * factor) for x, y in stroke]
            return scaled[id(stroke)]

        self._strokes = [scale(s) for s in self._strokes]
        self._undo = [([scale(s) for s in strokes], tag, note) for strokes, tag, note in self._undo]
        self._redo = [([scale(s) for s in strokes], tag, note) for strokes, tag, note in self._redo]
        if self._current:
            self._current[:] = [(x * factor, y * factor) for x, y in self._current]

    # ------------------------------------------------------------ painting
    def _match_colour_scheme(self) -> None:
        self.colours = pad_colours(self.palette())
        self._cache = None
        self.update()

    def resizeEvent(self, event):
        new = event.size()
        if new.width() > 0 and new.height() > 0:
            if self._first_size is None:
                self._first_size = new
            first = self._first_size
            scale = min(new.width() / first.width(), new.height() / first.height())
            self._scale_ink(scale / self._ink_scale)
            self._ink_scale = scale
        self._cache = None
        self._overlay = None        # drawn over rect(), it would be stretched off the ink
        super().resizeEvent(event)
        self.resized.emit()

    def paintEvent(self, event):
        if self._cache is None or self._cache.size() != self.size() * self.devicePixelRatioF():
            self._cache = self._render_finished()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._cache)
        if self._current:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._draw_stroke(painter, self._current)
        if self._overlay is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF(self.rect()), self._overlay)
        if self.is_empty():
            painter.setPen(self.colours.hint)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Draw a letter here")
        painter.end()

    def _render_finished(self) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(self.size() * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(self.colours.paper)
        painter = QPainter(pixmap)
        self._draw_guides(painter)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for stroke in self._strokes:
            self._draw_stroke(painter, stroke)
        painter.end()
        return pixmap

    def _draw_guides(self, painter: QPainter) -> None:
        # A faint baseline and x-height, like ruled paper, help size letters.
        painter.setPen(QPen(self.colours.guide, 1, Qt.PenStyle.DashLine))
        for fraction in (0.3, 0.8):
            y = round(self.height() * fraction) + 0.5
            painter.drawLine(QPointF(8, y), QPointF(self.width() - 8, y))

    def _draw_stroke(self, painter: QPainter, stroke, ink: QColor | None = None) -> None:
        pen = QPen(ink if ink is not None else self.colours.ink, self._pen_width, Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if len(stroke) == 1:
            painter.drawPoint(QPointF(*stroke[0]))
            return
        path = QPainterPath(QPointF(*stroke[0]))
        for x, y in stroke[1:]:
            path.lineTo(x, y)
        painter.drawPath(path)

    def to_image(self) -> QImage:
        """The drawing on white paper at the pad's size, without guides (for Save as PNG)."""
        image = QImage(self.size(), QImage.Format.Format_RGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for stroke in self._strokes + ([self._current] if self._current else []):
            self._draw_stroke(painter, stroke, INK_COLOR)
        painter.end()
        return image
