"""Model ▸ Retrain…: the training runs on a worker thread (``training_run``)."""
from gui.retrain.training_run import TrainingJob, TrainingOutcome, TrainingRun

__all__ = ["TrainingJob", "TrainingOutcome", "TrainingRun"]
