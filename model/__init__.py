"""LetterLens model package: ink, rasterizer, network, data, training, evaluation.

Pure PyTorch/numpy, no Qt.  The GUI uses only the names exported here.
"""
from .checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from .data import DatasetError, ImageSet, StrokeSet, find_datasets, load_dataset, load_many, save_strokes
from .evaluation import ONE_VIEW, READ_VIEWS, StopRequested, Views, confusion_matrix, evaluate_network
from .explain import (
    CLASSIC_KERNELS, KERNEL_LABELS, PRIMER_DEAD_NEURON_INPUTS, PRIMER_DIGIT_NET, PRIMER_GELU_INPUTS,
    ConvStep, GeluRow, PoolStep, activation_curves, activation_histograms, apply_kernel,
    architecture_table, as_kernel, conv_step, dead_unit_report, dead_unit_stats, gelu, gelu_table,
    learned_kernels, max_pool, output_size, pool_step, primer_digit_net, relu, saliency,
)
from .ink import Augment, Ink, InkBatch, RasterConfig, frame_transform, render, render_batch
from .network import CLASSES, LetterNet, build_model, count_parameters, layer_table
from .paths import MODEL_CARD, SHIPPED_WEIGHTS
from .personalize import FinetuneConfig, finetune_on_samples
from .recognizer import Prediction, Recognizer
from .runtime import library_versions, print_figures, set_cpu_threads
from .sample_store import Sample, SampleInfo, SampleStore, SampleStoreError, default_store_path
from .training import (HELD_OUT_LETTERS, LR_RANGE, WRITER_BALANCE_RANGE, Progress, TrainConfig, TrainingDiverged,
                       TrainingError, TrainResult, hold_out_writers, run_record, train_network)

__all__ = [
    # ink and the one rasterizer
    "Augment", "Ink", "InkBatch", "RasterConfig", "frame_transform", "render", "render_batch",
    # the network
    "CLASSES", "LetterNet", "build_model", "count_parameters", "layer_table",
    # data sets
    "DatasetError", "ImageSet", "StrokeSet", "find_datasets", "load_dataset", "load_many", "save_strokes",
    # training and evaluation
    "HELD_OUT_LETTERS", "LR_RANGE", "WRITER_BALANCE_RANGE", "Progress", "TrainConfig", "TrainingDiverged",
    "TrainingError", "TrainResult", "hold_out_writers", "run_record", "train_network",
    "confusion_matrix", "evaluate_network", "StopRequested", "ONE_VIEW", "READ_VIEWS", "Views",
    # checkpoints, and the reader the app uses
    "Checkpoint", "CheckpointError", "MODEL_CARD", "SHIPPED_WEIGHTS", "load_checkpoint", "save_checkpoint",
    "Prediction", "Recognizer",
    # process settings and the benchmarks' output
    "library_versions", "print_figures", "set_cpu_threads",
    # the Explain window (model.explain)
    "CLASSIC_KERNELS", "ConvStep", "GeluRow", "KERNEL_LABELS", "PRIMER_DEAD_NEURON_INPUTS",
    "PRIMER_DIGIT_NET", "PRIMER_GELU_INPUTS", "PoolStep", "activation_curves", "activation_histograms",
    "apply_kernel", "architecture_table", "as_kernel", "conv_step", "dead_unit_report",
    "dead_unit_stats", "gelu", "gelu_table", "learned_kernels", "max_pool", "output_size",
    "pool_step", "primer_digit_net", "relu", "saliency",
    # My samples: the user's own drawings, and fine-tuning on them
    "FinetuneConfig", "Sample", "SampleInfo", "SampleStore", "SampleStoreError",
    "default_store_path", "finetune_on_samples",
]
