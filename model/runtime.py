"""Process-wide compute settings."""
import torch


def set_cpu_threads(threads: int) -> None:
    """Use ``threads`` CPU threads for torch operations.

    The desktop app uses one: a letter is too small to split across threads,
    and when a background retrain shares the CPU, torch's multi-threaded
    kernels stall (spinning workers wait for a busy core) and the pad stutters.
    """
    torch.set_num_threads(max(1, int(threads)))
