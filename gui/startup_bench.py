"""The start-up benchmark, part of ``python -m gui.bench``.

Each figure is a median over fresh processes, timed from the moment the
parent starts the process (``time.time()`` just before spawning it, read
against the child's own clock at the moment reached; the child then leaves
with ``os._exit``, so no interpreter teardown is counted):

* ``import_floor_s``: a bare process has imported torch,
  PySide6.QtWidgets and pyqtgraph, the least any start of the app pays;
* ``first_paint_s``: the app, started by ``gui.app.main()`` exactly as
  ``main.py`` does, has painted its main window for the first time;
* ``startup_ready_s``: that window, shown, has read a first drawing (a
  letter drawn with mouse events as soon as it has a network to read with);
* ``startup_ratio``: startup_ready_s / import_floor_s.

The app's processes get a fresh, empty ``LETTERLENS_HOME`` each (a first
start, with no user settings read or written).
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from gui.replay import draw, fit_to_pad

PROJECT_ROOT = Path(__file__).resolve().parent.parent
IMPORT_FLOOR = ("import os, time, torch, PySide6.QtWidgets, pyqtgraph\n"
                "print(time.time(), flush=True)\n"
                "os._exit(0)")
# The app's module first, as main.py imports it: the watcher's own imports
# (Qt among them) must not change the order in which the app loads its own.
APP_PROBE = "import gui.app\nimport gui.startup_bench\ngui.startup_bench.probe_app_start()"
PROBE_TIMEOUT_S = 120.0


def spawn_and_read(code: str, env: dict[str, str]) -> dict:
    """Start ``python -c code``; returns what its last output line says (a
    JSON object of timestamps, or one plain timestamp) as seconds after
    the spawn."""
    started = time.time()
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=PROBE_TIMEOUT_S)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"start-up probe failed (exit {done.returncode}):\n{done.stderr.strip()[-2000:]}")
    report = json.loads(lines[-1])
    stamps = report if isinstance(report, dict) else {"imported": report}
    return {key: stamp - started for key, stamp in stamps.items()}


def bench_startup(runs: int = 3) -> dict:
    """The figures above, the floor and the app taking turns, ``runs`` times each."""
    floors, paints, readies = [], [], []
    for _ in range(runs):
        floors.append(spawn_and_read(IMPORT_FLOOR, dict(os.environ))["imported"])
        with tempfile.TemporaryDirectory() as home:
            app = spawn_and_read(APP_PROBE, dict(os.environ, LETTERLENS_HOME=home))
        paints.append(app["first_paint"])
        readies.append(app["ready"])
    floor, ready = statistics.median(floors), statistics.median(readies)
    return {"startup_ready_s": ready, "first_paint_s": statistics.median(paints), "import_floor_s": floor,
            "startup_ratio": ready / floor, "startup_runs": runs}


# ------------------------------------------------------------ in the child

def a_letter_o() -> list[np.ndarray]:
    angle = np.linspace(-np.pi / 2, 1.5 * np.pi + 0.2, 40)
    return [np.stack([np.cos(angle), np.sin(angle)], 1)]


class StartWatcher(QObject):
    """Watches the app from inside its own event loop: the main window's first
    paint, then (once it has a network) a first drawing read; prints the
    timestamps as JSON and ends the process."""

    def __init__(self, app: QApplication):
        super().__init__()
        self.stamps: dict[str, float] = {}
        self.window = None
        app.installEventFilter(self)
        self.poll = QTimer()
        self.poll.setInterval(0)
        self.poll.timeout.connect(self._draw_when_ready)
        QTimer.singleShot(int(PROBE_TIMEOUT_S * 1000), lambda: self._finish("no first drawing read in time"))

    def eventFilter(self, watched, event) -> bool:
        # Every event of the app's start passes here: the cheapest test first,
        # and the filter goes once it has seen the paint, so the watching
        # costs the start as little as it can.
        if event.type() != QEvent.Type.Paint or not isinstance(watched, QWidget):
            return False
        from gui.main_window import MainWindow      # the app has imported it by the time it paints
        if self.window is None and isinstance(watched.window(), MainWindow):
            self.window = watched.window()
            QApplication.instance().removeEventFilter(self)
            QTimer.singleShot(0, self._painted)      # after this paint pass has run
        return False

    def _painted(self) -> None:
        self.stamps["first_paint"] = time.time()
        self.poll.start()

    def _draw_when_ready(self) -> None:
        if self.window.recognizer is None:
            return      # still loading the network
        self.poll.stop()
        # The events are sent at once, so the first reading is of the whole letter.
        self.window.prediction_shown.connect(self._read)
        pad = self.window.pad
        draw(pad, fit_to_pad(a_letter_o(), pad.width(), pad.height()))

    def _read(self) -> None:
        self.stamps["ready"] = time.time()
        self._finish()

    def _finish(self, problem: str = "") -> None:
        if problem:
            print(f"start-up probe: {problem}", file=sys.stderr, flush=True)
            os._exit(1)
        print(json.dumps(self.stamps), flush=True)
        os._exit(0)


def probe_app_start() -> None:
    """Run in the child: the app's own start, watched (see :class:`StartWatcher`)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Made here so the watcher sees the window's first paint; gui.app.main() takes it up.
    watcher = StartWatcher(QApplication(sys.argv[:1]))     # noqa: F841  (lives as long as the event loop)
    import gui.app
    gui.app.main()
    os._exit(2)                     # the window closed before it was ready
