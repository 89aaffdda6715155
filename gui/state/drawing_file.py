"""A drawings file opened from disk: which drawing is on the pad, stepping
through the file, and the search for the next drawing the model misreads."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

import model

MISREAD_SEARCH = 2048            # views one search reads at most: about a second


class OpenedDrawing(NamedTuple):
    """Drawing ``number`` (from 1) of ``drawings`` (a model.StrokeSet) read
    from the file ``name``.  The pad keeps it as the drawing's tag, so undo
    back to an earlier drawing also steps on from there."""
    drawings: object
    name: str
    number: int

    @property
    def count(self) -> int:
        return len(self.drawings)

    @property
    def label(self) -> str:
        return model.CLASSES[self.drawings.labels[self.number - 1]]

    def ink(self):
        return self.drawings.ink.ink(self.number - 1)

    def at(self, number: int) -> "OpenedDrawing":
        return self._replace(number=number)

    def stepped(self, step: int) -> "OpenedDrawing":
        """The drawing ``step`` places on, kept within the file."""
        return self.at(min(max(self.number + step, 1), self.count))

    def can_step(self, step: int) -> bool:
        return 1 <= self.number + step <= self.count

    def message(self) -> str:
        """What the status bar says while this drawing is on the pad."""
        if self.count == 1:
            return f"Opened {self.name}, labelled '{self.label}'; Ctrl+Z takes it off the pad"
        return (f"Drawing {self.number:,} of {self.count:,} in {self.name}, labelled '{self.label}'; "
                "PgDown and PgUp step through the file, Ctrl+Z goes back")


@dataclass
class MisreadSearch:
    """One press of Next (``step`` +1) or Previous (-1) misread drawing,
    from ``start``: reads at most MISREAD_SEARCH views, so a file the
    model reads well never holds the window long."""
    start: OpenedDrawing
    step: int
    found: OpenedDrawing | None = None       # the misread drawing, if any
    reading: str | None = None               # what the model read it as
    searched: int = 0                        # how many drawings were read
    stopped_at: OpenedDrawing | None = None  # the last one read, where more remain unread

    def run(self, recognizer, views: model.Views) -> "MisreadSearch":
        drawings, count = self.start.drawings, self.start.count
        first = self.start.number - 1 + self.step                 # 0-based
        stop = min(max(first + self.step * (MISREAD_SEARCH // views.count), -1), count)
        indices = np.arange(first, stop, self.step)
        self.searched = len(indices)
        if not self.searched:
            return self
        misread = recognizer.first_misread(drawings, indices, views)
        if misread is not None:
            found, reading = misread
            self.found, self.reading = self.start.at(found + 1), model.CLASSES[reading]
        elif stop not in (-1, count):
            self.stopped_at = self.start.at(int(indices[-1]) + 1)
        return self

    def message(self) -> str:
        if self.found is not None:
            return (f"Drawing {self.found.number:,} of {self.found.count:,} in {self.found.name} is labelled "
                    f"'{self.found.label}' and reads as '{self.reading}'; "
                    "Ctrl+PgDown and Ctrl+PgUp find the next and previous misread")
        where = "before" if self.step < 0 else "after"
        more = "; press again to search on" if self.stopped_at is not None else ""
        return (f"The model reads all {self.searched:,} drawings {where} drawing {self.start.number:,} "
                f"of {self.start.name} as labelled{more}")
