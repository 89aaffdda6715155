"""UI benchmarks, printed as JSON: ``python -m gui.bench [--json]``.

* ``frame_ms_median`` / ``frame_ms_p99``: a letter is replayed as 60 Hz
  mouse moves on the real main window (offscreen).  Each figure is the time
  from sending one move event until the pad, the bar chart and every visible
  feature map have their new data *and* have repainted.  Each move is read
  from one view.
* ``lift_frame_ms_median``: the same for the release that ends a stroke,
  when the finished drawing is read from its 8 views (``model.READ_VIEWS``).
* ``ui_latency_during_training_ms_median`` / ``_p99``: while a retrain runs
  in the background (the app's own worker thread, fine-tuning the shipped
  network on synthetic letters), how late a 10 ms QTimer fires on the UI
  thread.  0 would be perfectly on time.
* ``ui_latency_during_watched_training_ms_median`` / ``_p99``: the same
  while a run from scratch is watched (Retrain's "Watch it learn": the
  main window reads with the training weights, copied 4 times a second)
  and a letter is drawn on the pad over and over, at 60 Hz.
* ``startup_ready_s``, ``first_paint_s``, ``import_floor_s`` and
  ``startup_ratio``: how soon a fresh app process is painted and reads a
  first drawing, against the import floor (see :mod:`gui.startup_bench`).
  Measured first, in fresh processes, before this one builds its window.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")   # before Qt loads

import numpy as np  # noqa: E402
from PySide6.QtCore import QEvent, QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import model  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.replay import fit_to_pad, mouse_events, send_mouse  # noqa: E402
from gui.startup_bench import bench_startup  # noqa: E402

FRAME_S = 1 / 60


def sample_letter() -> list[np.ndarray]:
    """A hand-speed lower-case 'e' (one stroke) and a stray second stroke: ~150 moves."""
    t = np.linspace(0, 1, 120)
    angle = 2 * np.pi * (0.05 + 0.85 * t)
    loop = np.stack([np.where(t < 0.12, t / 0.12, np.cos(angle)), np.where(t < 0.12, 0 * t, -np.sin(angle))], 1)
    tail = np.stack([np.linspace(0.4, 0.9, 30), np.linspace(0.75, 0.6, 30)], 1)
    return [loop, tail]


def settle(app: QApplication, until=lambda: True, timeout_s: float = 1.0) -> None:
    deadline = time.perf_counter() + timeout_s
    app.processEvents()
    while not until() and time.perf_counter() < deadline:
        app.processEvents()


def bench_frames(app: QApplication, window: MainWindow, rounds: int) -> dict:
    timed = {QEvent.Type.MouseMove: [], QEvent.Type.MouseButtonRelease: []}   # moves, and lifts of the pen
    for _ in range(rounds):
        window.pad.clear()
        strokes = fit_to_pad(sample_letter(), window.pad.width(), window.pad.height())
        for kind, x, y, held in mouse_events(strokes):
            tick = time.perf_counter()
            shown = window.frames_shown
            send_mouse(window.pad, kind, x, y, held)
            if kind in timed:
                settle(app, lambda: window.frames_shown > shown)
                app.processEvents()             # the repaint the new data asked for
                timed[kind].append((time.perf_counter() - tick) * 1000)
            while time.perf_counter() - tick < FRAME_S:   # the pen's next sample, 60 Hz
                app.processEvents()
    frames, lifts = np.array(timed[QEvent.Type.MouseMove]), np.array(timed[QEvent.Type.MouseButtonRelease])
    return {"frame_ms_median": float(np.median(frames)), "frame_ms_p99": float(np.percentile(frames, 99)),
            "frames": int(len(frames)), "lift_frame_ms_median": float(np.median(lifts)), "lifts": int(len(lifts))}


def synthetic_letters(n: int, seed: int = 0):
    """Jittered copies of the sample letter, as a data set (timing only)."""
    rng = np.random.default_rng(seed)
    base = sample_letter()
    inks = [[s * rng.uniform(0.8, 1.2) + rng.normal(0, 0.03, s.shape) for s in base] for _ in range(n)]
    labels = rng.integers(0, len(model.CLASSES), n)
    return model.StrokeSet("synthetic", model.InkBatch.from_inks(inks), labels, np.array(["bench"] * n))


def precise_timer(interval_ms: int, slot):
    from PySide6.QtCore import QTimer
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer


def pen_on_pad(window: MainWindow):
    """A 60 Hz timer drawing the sample letter on the pad, over and over."""
    strokes = fit_to_pad(sample_letter(), window.pad.width(), window.pad.height())
    events = []

    def next_event() -> None:
        if not events:
            window.pad.clear()
            events.extend(mouse_events(strokes))
        send_mouse(window.pad, *events.pop(0))
    return precise_timer(round(FRAME_S * 1000), next_event)


def bench_ui_during_training(app: QApplication, window: MainWindow, seconds: float, watched: bool = False) -> dict:
    """A fine-tune in the background; ``watched``: a run from scratch that
    the main window follows, while the pen draws."""
    from gui.retrain import TrainingJob, TrainingRun
    from gui.retrain.timelapse_view import TimeLapseView

    job = TrainingJob([synthetic_letters(4096)], [], None if watched else window.recognizer,
                      epochs=50, batch_size=128)
    run, view, pen = TrainingRun(job), None, pen_on_pad(window)
    if watched:
        job.timelapse, job.latest = model.TimeLapse(), model.LatestSnapshot()
        view = TimeLapseView()           # the Retrain dialog's: it polls the run and tells the window
        view.show_moment.connect(window.watch.show)
        view.show_model_in_use.connect(window.watch.stop)
        view.begin_run(job.timelapse, job.latest)
        view.switch.setChecked(True)
    ticks: list[float] = []
    timer = precise_timer(10, lambda: ticks.append(time.perf_counter()))
    run.start()
    settle(app, lambda: False, timeout_s=1.0)      # let the worker get going
    ticks.clear()
    timer.start()
    if watched:
        pen.start()
    settle(app, lambda: False, timeout_s=seconds)
    timer.stop()
    pen.stop()
    still_training = run.is_running()
    watching = window.watch.active
    run.stop()
    if view is not None:
        view.end_run()
    late = np.maximum(0.0, np.diff(ticks) * 1000 - 10.0)
    name = "ui_latency_during_watched_training" if watched else "ui_latency_during_training"
    figures = {f"{name}_ms_median": float(np.median(late)), f"{name}_ms_p99": float(np.percentile(late, 99))}
    if watched:
        return {**figures, "watched_ticks": int(len(late)), "watched_run_was_shown": bool(watching and still_training)}
    return {**figures, "ui_ticks": int(len(late)), "training_was_running": bool(still_training)}


def make_window(settings_dir: str) -> MainWindow:
    settings = QSettings(os.path.join(settings_dir, "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(model.Recognizer.load(), settings=settings)
    window.resize(1280, 800)
    window.show()
    return window


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gui.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    parser.add_argument("--rounds", type=int, default=3, help="letters replayed")
    parser.add_argument("--training-seconds", type=float, default=10.0, help="how long to watch the UI timer")
    parser.add_argument("--startup-runs", type=int, default=3, help="fresh app processes started (and floors)")
    parser.add_argument("--startup-only", action="store_true", help="only the start-up figures")
    args = parser.parse_args(argv)
    if args.startup_runs < 1:
        parser.error("--startup-runs must be at least 1")
    result = bench_startup(args.startup_runs)
    if args.startup_only:
        model.print_figures(result, args.json)
        return 0
    app = QApplication.instance() or QApplication(sys.argv[:1])
    model.set_cpu_threads(1)        # as the app does
    with tempfile.TemporaryDirectory() as settings_dir:    # never touch the user's settings
        window = make_window(settings_dir)
        settle(app, timeout_s=0.5)
        # The thousands of Qt/pyqtgraph objects built so far live as long as the app:
        # leave them out of the garbage collector's scans, which otherwise stall frames.
        gc.freeze()
        result.update(bench_frames(app, window, args.rounds))
        result.update(bench_ui_during_training(app, window, args.training_seconds))
        result.update(bench_ui_during_training(app, window, args.training_seconds, watched=True))
        result["platform"] = app.platformName()
        window.close()
    model.print_figures(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
