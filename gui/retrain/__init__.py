"""Model ▸ Retrain…: the dialog (``dialog``) composes its form, its progress
view and its result view, and runs the training on a worker thread
(``training_run``)."""
from gui.retrain.dialog import UNSAVED, RetrainDialog
from gui.retrain.training_run import TrainingJob, TrainingOutcome, TrainingRun

__all__ = ["UNSAVED", "RetrainDialog", "TrainingJob", "TrainingOutcome", "TrainingRun"]
