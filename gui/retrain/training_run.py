"""Training in the background: the model package's loop on a QThread.

The worker runs ``model.train_network`` (or ``model.finetune_on_samples``)
and reports through Qt signals, which are queued across threads, so the UI
thread only ever touches widgets.  Cancelling sets a flag that the training
loop checks between batches; the caller's model is never modified (training
works on a copy), so a cancelled run changes nothing.
"""
from __future__ import annotations

import dataclasses
import threading
import traceback
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

import model


@dataclass
class TrainingJob:
    """Everything one run needs, decided in the dialog."""
    train_sets: list                    # model data sets (the replay data when fine-tuning on My samples)
    val_sets: list                      # scored after training; empty: hold out training writers
    base: model.Recognizer | None       # the model to fine-tune, None to start from scratch
    my_samples: object | None = None    # a StrokeSet of the user's drawings, or None
    current: model.Recognizer | None = None   # the model in use when the run started: the comparison
    epochs: int = 2
    batch_size: int = 128
    lr: float = 5e-4
    seed: int = 0
    timelapse: model.TimeLapse | None = None      # filled with the run's snapshots, if given
    latest: model.LatestSnapshot | None = None    # the newest weights, for watching the run live

    @property
    def fine_tune(self) -> bool:
        return self.base is not None


@dataclass
class TrainingOutcome:
    result: model.TrainResult
    raster: model.RasterConfig
    confusion: np.ndarray | None                # of the new model, on the validation sets
    current_accuracy: float | None              # the model in use at the start, on the same sets
    meta: dict = field(default_factory=dict)    # what a checkpoint should record

    @property
    def reads_worse(self) -> bool:
        """The new model reads the validation sets worse than the model in use did."""
        new, current = self.result.val_accuracy, self.current_accuracy
        return new is not None and current is not None and new < current


class TrainingWorker(QObject):
    progress = Signal(object)       # model.Progress
    finished = Signal(object)       # TrainingOutcome (result.stopped tells a cancelled run)
    failed = Signal(str)

    def __init__(self, job: TrainingJob):
        super().__init__()
        self.job = job
        self._stop = threading.Event()
        self._last_progress: model.Progress | None = None

    def _report(self, progress: model.Progress) -> None:
        self._last_progress = progress
        self.progress.emit(progress)

    def cancel(self) -> None:
        self._stop.set()

    @Slot()
    def run(self) -> None:
        try:
            self.finished.emit(self._train())
        except model.TrainingError as exc:      # a run that diverged, or settings that cannot train: said in words
            self.failed.emit(str(exc))
        except Exception as exc:        # shown to the user; the app carries on
            traceback.print_exc()
            self.failed.emit(f"{type(exc).__name__}: {exc}")

    def _train(self) -> TrainingOutcome:
        job = self.job
        raster = job.base.checkpoint.raster if job.base else model.RasterConfig()
        stop = self._stop.is_set
        common = dict(on_progress=self._report, should_stop=stop)
        if job.timelapse is not None or job.latest is not None:
            # Copies of the weights are taken here, on the training thread; they are read on the UI thread.
            common["on_batch"] = model.snapshot_taker(job.timelapse, job.latest)
        train_sets, val_sets = job.train_sets, job.val_sets
        if not val_sets:
            # Held out here rather than inside the loop, so that the model in
            # use can be scored on the same writers as the new one.
            train_sets, val_sets = model.hold_out_writers(train_sets, model.TrainConfig().val_fraction, job.seed)
            val_sets = [s for s in val_sets if len(s)]
        if job.my_samples is not None and job.fine_tune:
            finetune = model.FinetuneConfig(lr=job.lr, seed=job.seed)
            result = model.finetune_on_samples(job.base.model, job.my_samples, train_sets, finetune,
                                               val_sets=val_sets, raster=raster, **common)
            config = finetune.train_config(raster)   # the recipe that ran, for the record
        else:
            sets = train_sets + ([job.my_samples] if job.my_samples is not None else [])
            config = model.TrainConfig(epochs=job.epochs, batch_size=job.batch_size, lr=job.lr, seed=job.seed,
                                       raster=raster, batch_norm=not job.fine_tune)
            result = model.train_network(sets, config, val_sets=val_sets,
                                         model=job.base.model if job.base else None, **common)
        # The new model's counts come from the run's last validation, not a second reading.
        confusion = None if result.stopped else result.val_confusion
        current = None
        try:
            if confusion is not None and job.current is not None:
                if self._last_progress is not None:
                    activity = f"scoring the model in use on {sum(map(len, val_sets)):,} letters"
                    self.progress.emit(dataclasses.replace(self._last_progress, activity=activity))
                in_use = model.confusion_matrix(job.current.model, val_sets, job.current.checkpoint.raster,
                                                should_stop=stop)
                current = float(np.trace(in_use) / max(1, in_use.sum()))
        except model.StopRequested:
            pass
        if stop():      # a cancel after the last batch, or during the scoring, is still a cancel
            result, confusion = dataclasses.replace(result, stopped=True), None
        meta = {
            **model.run_record(config, result, job.train_sets, job.val_sets),    # the sets as ticked
            "my_samples": len(job.my_samples) if job.my_samples is not None else 0,
            "finetuned_from": job.base.source if job.base else None,
            "trained_in": "LetterLens retrain dialog",
        }
        return TrainingOutcome(result, raster, confusion, current, meta)


class TrainingRun(QObject):
    """A worker and its thread, started together and always stopped together."""

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, job: TrainingJob, parent=None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("LetterLens training")
        self.worker = TrainingWorker(job)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self.progress)
        self.worker.finished.connect(self._done)
        self.worker.failed.connect(self._failed)
        self._running = False

    def start(self) -> None:
        self._running = True
        self.thread.start(QThread.Priority.LowPriority)   # the pad's thread comes first

    def is_running(self) -> bool:
        return self._running

    def cancel(self) -> None:
        self.worker.cancel()

    def stop(self, timeout_ms: int = 30_000) -> bool:
        """Cancel and wait for the thread to end (so Qt never destroys a running thread)."""
        self.worker.cancel()
        self.thread.quit()
        ended = self.thread.wait(timeout_ms)
        self._running = not ended
        return ended

    def _done(self, outcome) -> None:
        self._finish()
        self.finished.emit(outcome)

    def _failed(self, message: str) -> None:
        self._finish()
        self.failed.emit(message)

    def _finish(self) -> None:
        self._running = False
        self.thread.quit()
        self.thread.wait()
