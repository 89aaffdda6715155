"""The live reading's rules: pen moves coalesced into one reading, one view
while the pen moves and several once it lifts, and how the timing is shown."""
from __future__ import annotations

import model

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


class ReadingRules:
    """Decides when and how the drawing is read; the caller owns the timer."""

    def __init__(self):
        self.pending = False

    def request(self) -> bool:
        """A pen move asks for a reading: True if one must be scheduled, False
        if one already is (a burst of moves makes one reading)."""
        if self.pending:
            return False
        self.pending = True
        return True

    @staticmethod
    def views(pen_down: bool, several_views: bool) -> model.Views:
        """One view while the pen moves (the hot path stays one forward pass
        of one image); a finished drawing gets several, unless turned off."""
        return model.READ_VIEWS if several_views and not pen_down else model.ONE_VIEW

    def read(self, recognizer, strokes, pen_down: bool, several_views: bool):
        """(prediction or None, the message shown when there is none)."""
        self.pending = False
        if recognizer is None:
            return None, "No model loaded"
        if not strokes:
            return None, "Draw a letter"
        try:
            return recognizer.predict(strokes, self.views(pen_down, several_views)), "Draw a letter"
        except ValueError as exc:          # e.g. a single dot: the network can't read it
            return None, f"Can't read this: {exc}"


class TimingText:
    """The status bar's timing, a few times a second: a figure that changes
    every frame only flickers.  A change of views shows at once (the pen has
    just lifted, or gone down)."""
    INTERVAL_S = 0.25

    def __init__(self):
        self.text, self._shown_at, self._views = "", 0.0, None

    def update(self, prediction, now: float) -> bool:
        """Take a new reading at time ``now`` (seconds); True if ``text`` changed."""
        views = prediction.views if prediction is not None else None
        if not (prediction is None or not self.text or now - self._shown_at > self.INTERVAL_S
                or views != self._views):
            return False
        self._shown_at, self._views = now, views
        text = ("" if prediction is None else f"read in {prediction.elapsed_ms:.1f} ms" if views == 1
                else f"{views} views in {prediction.elapsed_ms:.1f} ms")
        changed, self.text = text != self.text, text
        return changed
