"""LetterLens model package: ink, rasterizer, network, data, training, evaluation.

Pure PyTorch/numpy, no Qt.  The GUI uses only the names exported here.
"""
from .checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from .data import DatasetError, ImageSet, StrokeSet, find_datasets, load_dataset, load_many
from .evaluation import evaluate_network
from .ink import Augment, Ink, InkBatch, RasterConfig, render, render_batch
from .network import CLASSES, LetterNet, build_model, count_parameters, layer_table
from .paths import SHIPPED_WEIGHTS
from .recognizer import Prediction, Recognizer
from .training import Progress, TrainConfig, TrainResult, train_network

__all__ = [
    "Augment", "CLASSES", "Checkpoint", "CheckpointError", "DatasetError", "ImageSet", "Ink",
    "InkBatch", "LetterNet", "Prediction", "Progress", "RasterConfig", "Recognizer",
    "SHIPPED_WEIGHTS", "StrokeSet", "TrainConfig", "TrainResult", "build_model",
    "count_parameters", "evaluate_network", "find_datasets", "layer_table", "load_checkpoint",
    "load_dataset", "load_many", "render", "render_batch", "save_checkpoint", "train_network",
]
