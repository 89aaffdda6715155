"""What the model in use reads each of My samples as (the dialog's misread
marks).  A few samples are read at once; many (an import of thousands takes
seconds) are read in a background thread, a batch at a time, so the dialog
stays usable and can say how far it got."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

import model

READ_AT_ONCE = 256          # about a tenth of a second, even read from 8 views
BATCH = 256


class _ReadingJob(QThread):
    """Reads ``drawings`` (in the order of ``ids``) with ``recognizer``,
    one batch after another, reporting each batch's letters."""

    batch_read = Signal(object, object)      # sample ids, their letters (CLASSES indices)

    def __init__(self, recognizer, views, drawings, ids: list[int], parent=None):
        super().__init__(parent)
        self.recognizer, self.views, self.drawings, self.ids = recognizer, views, drawings, ids

    def run(self) -> None:
        for start in range(0, len(self.ids), BATCH):
            if self.isInterruptionRequested():
                return
            indices = np.arange(start, min(start + BATCH, len(self.ids)))
            letters = self.recognizer.read_letters(self.drawings, indices, self.views)
            self.batch_read.emit(self.ids[start:start + BATCH], letters)


class SampleReadings(QObject):
    """``readings``: sample id -> the letter the model in use reads it as,
    for the model and views last given to :meth:`follow`.  The signals
    fire in the GUI thread."""

    changed = Signal()          # a background reading finished: every mark is in
    progressed = Signal()       # one more batch of it is in (``waiting`` went down)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.readings: dict[int, str] = {}
        self.read_with = (None, None)
        self._job: _ReadingJob | None = None
        self._job_ids: set[int] = set()
        self._waiting = 0                   # samples the running job has still to read

    def follow(self, recognizer, views) -> None:
        """Readings are of one model, read one way: another forgets them."""
        if (recognizer, views) != self.read_with:
            self.stop()
            self.readings, self.read_with = {}, (recognizer, views)

    def forget(self) -> None:
        """Another store: its ids name other drawings."""
        self.stop()
        self.readings = {}

    def unread(self, ids) -> list[int]:
        return [i for i in ids if i not in self.readings and not self.is_reading(i)]

    def is_reading(self, sample_id: int) -> bool:
        return self._job is not None and sample_id in self._job_ids

    @property
    def busy(self) -> bool:
        """A background thread is reading (its last marks may still be on their way)."""
        return self._job is not None

    @property
    def waiting(self) -> int:
        """How many samples the background thread has still to read."""
        return self._waiting

    def read(self, drawings, ids: list[int]) -> None:
        """Read ``drawings`` (one per id, in order) with the model last followed."""
        recognizer, views = self.read_with
        if recognizer is None or not ids:
            return
        if len(ids) <= READ_AT_ONCE and self._job is None:
            letters = recognizer.read_letters(drawings, np.arange(len(ids)), views)
            self._store(ids, letters)
            return
        self.stop()
        self._job_ids = set(ids)
        self._waiting = len(ids)
        self._job = _ReadingJob(recognizer, views, drawings, list(ids), self)
        self._job.batch_read.connect(self._batch_read)
        self._job.finished.connect(self._finished)
        self._job.start(QThread.Priority.LowPriority)

    def _store(self, ids, letters) -> None:
        self.readings.update((i, model.CLASSES[int(letter)]) for i, letter in zip(ids, letters))

    def _batch_read(self, ids, letters) -> None:
        if self.sender() is not self._job:         # a stopped job's last batch: another model's reading
            return
        self._store(ids, letters)
        self._waiting = max(0, self._waiting - len(ids))
        self.progressed.emit()

    def _finished(self) -> None:
        if self.sender() is self._job:
            self._job, self._job_ids, self._waiting = None, set(), 0
            self.changed.emit()

    def stop(self) -> None:
        """Stop reading in the background, and wait for the thread (one batch at most)."""
        job, self._job, self._job_ids, self._waiting = self._job, None, set(), 0
        if job is not None:
            job.requestInterruption()
            job.wait()
