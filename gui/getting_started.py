"""Help ▸ Getting started: what the window shows, for someone who has read a
CNN primer and nothing else, in five short steps with a small picture each.

The pictures are drawn here with QPainter in the app's own colours (the
feature maps are computed from the drawn letter with numpy); nothing is
loaded from disk.  ``should_show_getting_started`` and ``remember_dismissed``
keep the "Don't show this again" choice in the window's settings.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSettings, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QGridLayout, QLabel, QVBoxLayout

from gui.drawing_pad import GUIDE_COLOR, INK_COLOR, PAPER_COLOR
from gui.feature_maps import COLOR_MAP, GAP_COLOR

DISMISSED_KEY = "help/getting_started_dismissed"
PICTURE_SIZE = (150, 96)
HIGHLIGHT = QColor("#f2c744")      # the outline that marks a chosen value

INTRO = ("LetterLens shows a small convolutional network (a CNN) reading your handwriting, "
         "layer by layer, while you write.")
STEPS = [
    ("Draw a letter",
     "Write one letter, small or capital, on the pad on the left, with the mouse or a pen. The network "
     "reads it while you draw, and once more when you lift the pen. Esc clears the pad; Ctrl+Z undoes a "
     "stroke."),
    ("Read the bars",
     "The bars (bottom right, under the maps) are the network's answer: one bar per letter, a to z, each the probability that "
     "the last layer's softmax gives that letter. Together they make 100 %. The tallest is its guess, also "
     "shown large under the pad with the runners-up."),
    ("Watch each block's maps",
     "Each tile is a feature map, one channel's output. Block 1 slides 32 small learned kernels over the "
     "28×28 picture the network sees (under the pad: “What the network sees”); a tile lights up where its "
     "kernel's pattern is found, red for positive values, blue for negative. Each block then max-pools "
     "(halving the size) and applies GELU; blocks 2 and 3 find patterns of patterns in smaller maps. "
     "View ▸ Block 1 shows picks the stage a block's tiles show."),
    ("See one value computed",
     "Click a tile to enlarge its channel, then click one value in the enlarged channel: Explain ▸ Step "
     "through opens and recomputes it by hand, the input patch times the kernel's weights, summed, plus the "
     "bias (or, for a max-pool, the largest value in its window)."),
    ("Teach it your letters",
     "When it misreads you, type the letter you meant (or click its bar: it lands in “This is”) and press "
     "Enter: the drawing is kept in My samples. With a few of each letter, Model ▸ My samples… "
     "then Teach the model… fine-tunes the network on them in the background; Model ▸ Retrain… trains on "
     "public handwriting too. Train one from scratch there to watch it learn: the maps and bars read your "
     "letter with its random first kernels, then with better and better ones."),
]
OUTRO = "Help ▸ Getting started shows this again."


# ------------------------------------------------------------ the choice

def should_show_getting_started(settings: QSettings) -> bool:
    """True until the user ticks "Don't show this again".  A hand-edited
    value that is not true counts as not dismissed."""
    return str(settings.value(DISMISSED_KEY, "false")).lower() != "true"


def remember_dismissed(settings: QSettings, dismissed: bool = True) -> None:
    settings.setValue(DISMISSED_KEY, dismissed)
    settings.sync()


# ------------------------------------------------------------ the pictures

def letter_path(box: QRectF) -> QPainterPath:
    """A handwritten 'a' (bowl and stem) filling ``box``."""
    path = QPainterPath()
    x, y, w, h = box.x(), box.y(), box.width(), box.height()
    path.moveTo(x + 0.82 * w, y + 0.32 * h)
    path.cubicTo(x + 0.55 * w, y + 0.05 * h, x + 0.05 * w, y + 0.25 * h, x + 0.12 * w, y + 0.72 * h)
    path.cubicTo(x + 0.2 * w, y + 1.02 * h, x + 0.7 * w, y + 0.9 * h, x + 0.8 * w, y + 0.45 * h)
    path.moveTo(x + 0.82 * w, y + 0.18 * h)
    path.cubicTo(x + 0.8 * w, y + 0.5 * h, x + 0.78 * w, y + 0.85 * h, x + 0.95 * w, y + 0.95 * h)
    return path


def canvas(draw) -> QPixmap:
    """A PICTURE_SIZE pixmap (sharp on high-density screens) that ``draw(painter)`` paints."""
    ratio = 2.0
    pixmap = QPixmap(int(PICTURE_SIZE[0] * ratio), int(PICTURE_SIZE[1] * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw(painter)
    painter.end()
    return pixmap


def draw_pad(painter: QPainter) -> None:
    pad = QRectF(28, 4, 88, 88)
    painter.setPen(QPen(GUIDE_COLOR, 1))
    painter.setBrush(PAPER_COLOR)
    painter.drawRoundedRect(pad, 4, 4)
    painter.setPen(QPen(INK_COLOR, 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(letter_path(pad.adjusted(18, 18, -18, -18)))


def draw_bars(painter: QPainter) -> None:
    letters = "abcdeoqu"
    heights = [0.78, 0.02, 0.05, 0.08, 0.03, 0.10, 0.06, 0.04]
    slot = PICTURE_SIZE[0] / len(letters)
    base = PICTURE_SIZE[1] - 18
    painter.setFont(QFont(painter.font().family(), 8))
    for i, (letter, height) in enumerate(zip(letters, heights)):
        color = QColor("#d9534f") if i == 0 else QColor("#7a8594")
        bar = QRectF(i * slot + 3, base - height * (base - 4), slot - 6, height * (base - 4))
        painter.fillRect(bar, color)
        painter.setPen(QColor("#7a8594"))
        painter.drawText(QRectF(i * slot, base + 2, slot, 14), Qt.AlignmentFlag.AlignCenter, letter)


def letter_image(size: int = 24) -> np.ndarray:
    """The picture's letter as a (size, size) array of ink, 0..1."""
    image = QImage(size, size, QImage.Format.Format_Grayscale8)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("white"), size / 10, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.drawPath(letter_path(QRectF(0.2 * size, 0.2 * size, 0.6 * size, 0.6 * size)))
    painter.end()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(size, image.bytesPerLine())
    return rows[:, :size] / 255.0


def feature_maps() -> list[np.ndarray]:
    """The letter convolved (no padding, as Conv2d) with the primer's
    vertical-edge, horizontal-edge and diagonal kernels."""
    ink = letter_image()
    kernels = [np.array([[1, 0, -1]] * 3), np.array([[1, 0, -1]] * 3).T, np.eye(3) * 2 - 1]
    windows = np.lib.stride_tricks.sliding_window_view(ink, (3, 3))
    return [np.einsum("ijkl,kl->ij", windows, kernel) for kernel in kernels]


def map_image(values: np.ndarray) -> QImage:
    """``values`` coloured as the app colours feature maps (0 is black)."""
    peak = max(float(np.abs(values).max()), 1e-9)
    rgba = COLOR_MAP.map((values / peak + 1) / 2, mode="byte")
    rgba = np.ascontiguousarray(rgba[..., :3])
    height, width = values.shape
    return QImage(rgba.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def draw_maps(painter: QPainter) -> None:
    painter.fillRect(QRectF(0, 0, *PICTURE_SIZE), QColor(GAP_COLOR))
    tile = 44
    for i, values in enumerate(feature_maps()):
        painter.drawImage(QRectF(4 + i * (tile + 5), (PICTURE_SIZE[1] - tile) / 2, tile, tile), map_image(values))


def draw_step(painter: QPainter) -> None:
    values = feature_maps()[0][6:14, 6:14]      # an enlarged corner of the first channel
    cell = 10
    origin = QPointF(4, (PICTURE_SIZE[1] - 8 * cell) / 2)
    painter.drawImage(QRectF(origin, origin + QPointF(8 * cell, 8 * cell)), map_image(values))
    chosen = QRectF(origin + QPointF(5 * cell, 3 * cell), origin + QPointF(6 * cell, 4 * cell))
    painter.setPen(QPen(HIGHLIGHT, 2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(chosen)
    # The pointer that clicked it, then an arrow to the sum it came from.
    tip = chosen.center()
    pointer = QPolygonF([tip, tip + QPointF(0, 14), tip + QPointF(4, 10), tip + QPointF(9, 11)])
    painter.setPen(QPen(QColor("black"), 1))
    painter.setBrush(QColor("white"))
    painter.drawPolygon(pointer)
    painter.setPen(QPen(QColor("#7a8594"), 2))
    painter.drawLine(QPointF(90, 48), QPointF(106, 48))
    painter.drawPolygon(QPolygonF([QPointF(106, 44), QPointF(112, 48), QPointF(106, 52)]))
    box = QRectF(116, 30, 30, 36)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(HIGHLIGHT, 2))
    painter.drawRect(box)
    painter.setFont(QFont(painter.font().family(), 15))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "Σ")


def draw_box(painter: QPainter, box: QRectF, text: str, fill: str, radius: float) -> None:
    """A small rounded box with centred text: a field or a key."""
    painter.setPen(QPen(QColor("#7a8594"), 1))
    painter.setBrush(QColor(fill))
    painter.drawRoundedRect(box, radius, radius)
    painter.setPen(QColor("black"))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def draw_teach(painter: QPainter) -> None:
    painter.setFont(QFont(painter.font().family(), 9))
    painter.setPen(QColor("#7a8594"))
    painter.drawText(QRectF(0, 12, 46, 24), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, "This is")
    draw_box(painter, QRectF(52, 12, 26, 24), "a", "white", 3)            # the "This is" field
    draw_box(painter, QRectF(86, 12, 58, 24), "Enter ↵", "#eef0f3", 4)    # the key
    # Three kept drawings: My samples.
    for i in range(3):
        sample = QRectF(34 + i * 30, 50, 26, 26)
        painter.setPen(QPen(GUIDE_COLOR, 1))
        painter.setBrush(PAPER_COLOR)
        painter.drawRect(sample)
        painter.setPen(QPen(INK_COLOR, 2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(letter_path(sample.adjusted(5, 5, -5, -5)))


PICTURES = [draw_pad, draw_bars, draw_maps, draw_step, draw_teach]


# ------------------------------------------------------------ the dialog

class GettingStartedDialog(QDialog):
    """The five steps, and "Don't show this again" (kept in ``settings``
    when the dialog closes; unticked, the dialog shows at the next start)."""

    def __init__(self, settings: QSettings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Getting started")
        layout = QVBoxLayout(self)
        layout.addWidget(self._text(INTRO))
        steps = QGridLayout()
        steps.setHorizontalSpacing(14)
        steps.setVerticalSpacing(10)
        self.step_labels: list[QLabel] = []
        for row, ((title, text), draw) in enumerate(zip(STEPS, PICTURES)):
            picture = QLabel()
            picture.setPixmap(canvas(draw))
            picture.setAlignment(Qt.AlignmentFlag.AlignTop)
            label = self._text(f"<b>{row + 1}. {title}.</b> {text}")
            self.step_labels.append(label)
            steps.addWidget(picture, row, 0)
            steps.addWidget(label, row, 1)
        steps.setColumnStretch(1, 1)
        layout.addLayout(steps)
        layout.addWidget(self._text(OUTRO))
        self.dont_show_again = QCheckBox("Don't show this again")
        self.dont_show_again.setChecked(not should_show_getting_started(settings))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom = QGridLayout()
        bottom.addWidget(self.dont_show_again, 0, 0)
        bottom.addWidget(buttons, 0, 1)
        layout.addLayout(bottom)
        self.finished.connect(lambda _: remember_dismissed(self.settings, self.dont_show_again.isChecked()))
        width = 720
        # The height the wrapped text needs at that width, not at the narrower default.
        self.resize(width, max(self.layout().heightForWidth(width), self.minimumSizeHint().height()))

    @staticmethod
    def _text(text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        return label
