"""LetterLens model package: ink, rasterizer, network, data, training, evaluation.

Pure PyTorch/numpy, no Qt.  The GUI uses only the names exported here.

Each name is imported from its submodule on first use (PEP 562), so
``import model`` costs nothing and the app's first window loads only what
it reads with; ``from model import X`` and ``model.X`` work as usual.
"""
import importlib

# Every public name, by the submodule that defines it.
_SUBMODULE_NAMES = {
    # ink and the one rasterizer
    "ink": ["Augment", "Ink", "InkBatch", "RasterConfig", "frame_transform", "render", "render_batch",
            "shift_image"],
    # the network, and the flat one it is compared with (Explain ▸ Why convolutions)
    "network": ["CLASSES", "FlatNet", "LetterNet", "build_model", "count_parameters", "layer_table"],
    "translation": ["MAX_SHIFT", "accuracy_by_shift", "random_shifts", "recorded_curve"],
    # data sets
    "data": ["DatasetError", "ImageSet", "StrokeSet", "find_datasets", "load_dataset", "load_many", "save_strokes"],
    # training and evaluation
    "training": ["HELD_OUT_LETTERS", "LR_RANGE", "WRITER_BALANCE_RANGE", "Progress", "TrainConfig",
                 "TrainingDiverged", "TrainingError", "TrainingMoment", "TrainResult", "hold_out_writers",
                 "run_record", "train_network"],
    # a run's time-lapse: snapshots of the weights, and the newest for watching it live
    "timelapse": ["LatestSnapshot", "Snapshot", "TimeLapse", "WATCH_INTERVAL_S", "is_snapshot_batch",
                  "snapshot_batches", "snapshot_taker"],
    "timelapse_file": ["TimeLapseError", "load_timelapse", "save_timelapse"],
    "evaluation": ["confusion_matrix", "evaluate_network", "StopRequested", "ONE_VIEW", "READ_VIEWS", "Views"],
    # checkpoints, and the reader the app uses
    "checkpoint": ["Checkpoint", "CheckpointError", "load_checkpoint", "save_checkpoint"],
    "paths": ["FLAT_WEIGHTS", "MODEL_CARD", "SHIPPED_WEIGHTS"],
    "recognizer": ["Prediction", "Recognizer"],
    # process settings and the benchmarks' output
    # Explain ▸ Backward: one step of learning on one drawing
    "backward": ["DEFAULT_LEARNING_RATE", "BackwardPass", "InputGradientStep", "SgdStep", "WeightGradientStep",
                 "backward_pass", "conv_stages", "input_gradient_step", "sgd_step", "weight_gradient_step"],
    "runtime": ["library_versions", "print_figures", "set_cpu_threads"],
    # the Explain window
    "explain": [
        "CLASSIC_KERNELS", "ConvStep", "GeluRow", "KERNEL_LABELS", "PRIMER_DEAD_NEURON_INPUTS",
        "PRIMER_GELU_INPUTS", "PoolStep", "activation_curves", "activation_histograms",
        "apply_kernel", "architecture_table", "as_kernel", "conv_step", "dead_unit_report",
        "dead_unit_stats", "gelu", "gelu_table", "learned_kernels", "max_pool", "output_size",
        "pool_step", "primer_digit_net", "primer_digit_table", "relu", "saliency",
    ],
    # My samples: the user's own drawings, and fine-tuning on them
    "sample_store": ["Sample", "SampleInfo", "SampleStore", "SampleStoreError", "default_store_path",
                     "home_from_environment"],
    "personalize": ["FinetuneConfig", "finetune_on_samples"],
}
_SUBMODULE_OF = {name: module for module, names in _SUBMODULE_NAMES.items() for name in names}

__all__ = [name for names in _SUBMODULE_NAMES.values() for name in names]


def __getattr__(name: str):
    module = _SUBMODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value     # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
