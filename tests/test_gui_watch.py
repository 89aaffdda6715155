"""Watch it learn: the main window follows a training run live, a slider
and a play button scrub its time-lapse, and the time-lapse is kept in files."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

import gui.timelapse_export

import model
from gui_helpers import LETTERS, drag_events, draw_letter
from test_gui_retrain import data_folder, open_dialog, weights, window  # noqa: F401  (fixtures)

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def scratch_dialog(window, epochs=3):
    dialog = open_dialog(window)
    dialog.form.scratch_radio.setChecked(True)
    dialog.form.epochs.setValue(epochs)           # the mode's defaults are set by now
    dialog.form.batch_size.setValue(16)
    return dialog


def run_to_the_end(qtbot, dialog) -> model.TimeLapse:
    with qtbot.waitSignal(dialog.model_ready, timeout=120_000):
        dialog.start_button.click()
    return dialog.timelapse_view.timelapse


def direct_reading(window, snapshot: model.Snapshot) -> np.ndarray:
    """The pad read by a network of its own with ``snapshot``'s weights."""
    net = model.build_model("letternet")
    net.load_state_dict(snapshot.state)
    reader = model.Recognizer(model.Checkpoint(net, "letternet", model.RasterConfig(), {}), "direct")
    return reader.predict(window.pad.strokes(), window.reading_views()).probabilities


def scrub(view, index: int) -> None:
    view.slider.setValue(index)        # as the user drags it (valueChanged)


def test_watching_is_on_by_default_from_scratch_and_off_for_a_fine_tune(window):
    dialog = open_dialog(window)
    assert dialog.form.finetune_radio.isChecked() and not dialog.timelapse_view.switch.isChecked()
    dialog.form.scratch_radio.setChecked(True)
    assert dialog.timelapse_view.switch.isChecked()
    dialog.form.finetune_radio.setChecked(True)
    assert not dialog.timelapse_view.switch.isChecked()


def test_a_watched_run_from_scratch_keeps_snapshots_whose_readings_differ(qtbot, window):
    draw_letter(qtbot, window, LETTERS["o"])
    in_use = window.recognizer
    dialog = scratch_dialog(window)
    timelapse = run_to_the_end(qtbot, dialog)
    assert len(timelapse) >= 2 and timelapse[0].batch == 0 and timelapse[-1].batch == timelapse.batches
    view = dialog.timelapse_view
    scrub(view, 0)
    first = window.prediction.probabilities.copy()
    scrub(view, len(timelapse) - 1)
    last = window.prediction.probabilities.copy()
    assert np.abs(first - last).max() > 0.01               # the bars moved as it learned
    assert window.recognizer is in_use                      # scrubbing never swaps the model in use


def test_each_shown_reading_is_that_snapshots_own_reading(qtbot, window):
    dialog = scratch_dialog(window)
    timelapse = run_to_the_end(qtbot, dialog)
    draw_letter(qtbot, window, LETTERS["z"])
    for index in range(len(timelapse)):
        scrub(dialog.timelapse_view, index)
        assert window.watch.snapshot is timelapse[index]
        np.testing.assert_allclose(window.prediction.probabilities, direct_reading(window, timelapse[index]),
                                   atol=1e-6)
        assert f"batch {timelapse[index].batch:,} of" in window.windowTitle()


def test_the_first_moment_shows_the_random_kernels_it_started_from(qtbot, window):
    dialog = scratch_dialog(window)
    timelapse = run_to_the_end(qtbot, dialog)
    scrub(dialog.timelapse_view, 0)
    shown = window.network.kernel_panel.shown
    np.testing.assert_array_equal(shown, timelapse[0].state["stages.conv1.weight"].numpy()[:, 0])
    trained = timelapse[-1].state["stages.conv1.weight"].numpy()[:, 0]
    assert np.abs(shown - trained).max() > 0.05
    in_use = window.recognizer.model.stages["conv1"].weight.detach().numpy()[:, 0]
    assert not np.allclose(shown, in_use)                 # noise, not the shipped kernels


def test_the_main_window_follows_a_running_run_and_says_so_then_cancel_restores(qtbot, window):
    before, in_use = weights(window.recognizer), window.recognizer
    dialog = scratch_dialog(window, epochs=100)           # long enough to be watched for a while (then cancelled)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: window.watch.active and window.watch.live, timeout=30_000)
    assert "training model at batch" in window.windowTitle()
    assert "not the model in use" in window.windowTitle()
    assert "training model at batch" in window.model_label.text()
    assert window.reading.recognizer is not in_use
    draw_letter(qtbot, window, LETTERS["x"])              # drawing keeps working: read by the training copy
    np.testing.assert_allclose(window.prediction.probabilities, direct_reading(window, window.watch.snapshot),
                               atol=1e-6)
    dialog.cancel()
    qtbot.waitUntil(lambda: not dialog.is_training(), timeout=30_000)
    assert not window.watch.active and window.windowTitle() == "LetterLens"
    assert window.reading.recognizer is in_use and window.recognizer is in_use
    assert torch.equal(weights(window.recognizer), before)
    assert "training model" not in window.model_label.text()


def test_the_end_of_a_run_brings_back_the_model_in_use(qtbot, window):
    in_use = window.recognizer
    dialog = scratch_dialog(window)
    run_to_the_end(qtbot, dialog)
    assert not window.watch.active and window.reading.recognizer is in_use and window.watch_banner.isHidden()
    assert dialog.timelapse_view.switch.isChecked()       # as the user left it: the next run is watched too
    scrub(dialog.timelapse_view, 1)                       # a moment shown, then the run's model used:
    dialog.use_model()                                    # only "Use this model" changes the model in use
    assert window.recognizer is dialog.trained and window.reading.recognizer is dialog.trained
    assert not window.watch.active and window.windowTitle() == "LetterLens"


def test_every_run_from_scratch_is_watched_by_default(qtbot, window, monkeypatch):
    dialog = scratch_dialog(window)
    run_to_the_end(qtbot, dialog)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)  # the last model may go
    seen = []
    window.prediction_shown.connect(lambda: seen.append(window.watch.live))
    run_to_the_end(qtbot, dialog)                         # a second run: watched live as the first was
    assert any(seen)


def test_closing_the_dialog_during_a_watched_run_leaves_the_model_in_use(qtbot, window, monkeypatch):
    before, in_use = weights(window.recognizer), window.recognizer
    dialog = scratch_dialog(window, epochs=100)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: window.watch.active, timeout=30_000)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.close()
    assert not dialog.is_training() and not dialog.isVisible()
    assert not window.watch.active and window.windowTitle() == "LetterLens"
    assert window.recognizer is in_use and window.reading.recognizer is in_use
    assert torch.equal(weights(window.recognizer), before)


def test_switching_watching_off_brings_back_the_model_in_use_and_a_scrub_brings_it_back(qtbot, window):
    dialog = scratch_dialog(window)
    timelapse = run_to_the_end(qtbot, dialog)
    view = dialog.timelapse_view
    scrub(view, 1)
    assert view.switch.isChecked() and window.watch.snapshot is timelapse[1]
    view.switch.setChecked(False)
    assert not window.watch.active and window.reading.recognizer is window.recognizer


def test_play_animates_the_run_to_its_end(qtbot, window):
    dialog = scratch_dialog(window)
    timelapse = run_to_the_end(qtbot, dialog)
    view = dialog.timelapse_view
    seen = []
    window.prediction_shown.connect(lambda: seen.append(window.watch.snapshot))
    view.play_button.click()                              # from the start, as the slider is at the end
    assert view.slider.value() == 0
    qtbot.waitUntil(lambda: not view.play_button.isChecked(), timeout=10_000)
    assert view.slider.value() == len(timelapse) - 1
    assert [s.batch for s in dict.fromkeys(seen) if s is not None] == [s.batch for s in timelapse.snapshots]


def test_a_saved_time_lapse_opens_again_from_the_file_menu(qtbot, window, tmp_path, monkeypatch):
    dialog = scratch_dialog(window)
    timelapse = run_to_the_end(qtbot, dialog)
    path = tmp_path / "run.timelapse.npz"
    assert dialog.timelapse_files.save(str(path))
    monkeypatch.setattr("gui.file_dialogs.QFileDialog.getOpenFileName", lambda *a, **k: (str(path), ""))
    window.open_timelapse_action.trigger()
    opened = dialog.timelapse_view.timelapse
    assert opened is not timelapse and len(opened) == len(timelapse) and opened.batches == timelapse.batches
    for saved, loaded in zip(timelapse.snapshots, opened.snapshots):
        assert saved.batch == loaded.batch and saved.loss == loaded.loss
        assert all(torch.equal(saved.state[name], loaded.state[name]) for name in saved.state)
    assert window.watch.snapshot is opened[0] and "batch 0 of" in window.windowTitle()


def test_a_time_lapse_dropped_on_the_window_opens(qtbot, window, tmp_path):
    dialog = scratch_dialog(window)
    run_to_the_end(qtbot, dialog)
    path = tmp_path / "dropped.timelapse.npz"
    assert dialog.timelapse_files.save(str(path))
    assert window.drop_action([path]) is not None
    _mime, _enter, drop = drag_events([path])
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: window.watch.active, timeout=5000)
    assert len(dialog.timelapse_view.timelapse) == len(model.load_timelapse(path))


def test_a_corrupt_time_lapse_gets_a_clear_error(qtbot, window, tmp_path):
    path = tmp_path / "broken.timelapse.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip file")
    assert not window.open_timelapse(str(path))
    box = window.last_error_dialog
    assert box.windowTitle() == "Can't open this time-lapse" and "broken.timelapse.npz" in box.text()
    assert not window.watch.active and window.windowTitle() == "LetterLens"


def test_the_kernels_time_lapse_exports_as_an_animated_gif(qtbot, window, tmp_path):
    draw_letter(qtbot, window, LETTERS["e"])
    dialog = scratch_dialog(window)
    timelapse = run_to_the_end(qtbot, dialog)
    path = tmp_path / "kernels.gif"
    assert dialog.timelapse_files.export_kernels(str(path))
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == len(timelapse) and gif.size == (760, 380)
    assert not list(tmp_path.glob(".*partial"))


def test_the_main_windows_banner_says_what_it_shows_scrubs_and_goes_back(qtbot, window):
    dialog = scratch_dialog(window)
    timelapse = run_to_the_end(qtbot, dialog)
    banner = window.watch_banner
    assert banner.isHidden()                              # the model in use: no banner
    dialog.showMinimized()                                # the dialog out of the way: the banner drives
    scrub(dialog.timelapse_view, 0)
    assert banner.isVisible() and "batch 0 of" in banner.label.text()
    assert banner.slider.maximum() == len(timelapse) - 1 and banner.slider.value() == 0
    banner.slider.setValue(2)
    assert dialog.timelapse_view.slider.value() == 2 and window.watch.snapshot is timelapse[2]
    assert f"batch {timelapse[2].batch:,} of" in banner.label.text()
    draw_letter(qtbot, window, LETTERS["x"])              # a new drawing is read by the scrubbed moment
    np.testing.assert_allclose(window.prediction.probabilities, direct_reading(window, timelapse[2]), atol=1e-6)
    banner.back_button.click()
    assert banner.isHidden() and not window.watch.active
    assert window.reading.recognizer is window.recognizer and window.windowTitle() == "LetterLens"


def test_an_export_leaves_the_shown_moment_alone_and_a_cancelled_one_writes_nothing(qtbot, window, tmp_path,
                                                                                   monkeypatch):
    draw_letter(qtbot, window, LETTERS["o"])
    dialog = scratch_dialog(window)
    timelapse = run_to_the_end(qtbot, dialog)
    scrub(dialog.timelapse_view, 1)
    assert dialog.timelapse_files.export_kernels(str(tmp_path / "all.gif"))
    window.reading.refresh()                              # read again after the export
    np.testing.assert_allclose(window.prediction.probabilities, direct_reading(window, timelapse[1]), atol=1e-6)
    # Cancel pressed on the progress dialog, shown at once as a long export's is.
    show_at_once = QProgressDialog.setMinimumDuration
    monkeypatch.setattr(QProgressDialog, "setMinimumDuration", lambda self, _ms: show_at_once(self, 0))
    drawn = []
    draw_frame = gui.timelapse_export.render_frame
    monkeypatch.setattr("gui.timelapse_export.render_frame", lambda *a: drawn.append(1) or draw_frame(*a))
    QTimer.singleShot(0, lambda: next(w for w in QApplication.topLevelWidgets()
                                      if isinstance(w, QProgressDialog) and w.isVisible()).cancel())
    assert not dialog.timelapse_files.export_kernels(str(tmp_path / "cancelled.gif"))
    assert len(drawn) < len(timelapse)
    assert not (tmp_path / "cancelled.gif").exists() and not list(tmp_path.glob(".*partial"))


def test_a_time_lapse_saved_under_a_plain_name_keeps_its_suffix(qtbot, window, tmp_path, monkeypatch):
    dialog = scratch_dialog(window)
    run_to_the_end(qtbot, dialog)
    monkeypatch.setattr("gui.file_dialogs.QFileDialog.getSaveFileName", lambda *a, **k: (str(tmp_path / "mine"), ""))
    assert dialog.timelapse_files.save()
    assert (tmp_path / "mine.timelapse.npz").exists()      # so that dropped on the window, it opens as one


def test_a_time_lapse_of_another_network_is_refused_in_words(qtbot, window, tmp_path):
    flat = model.TimeLapse("flat")
    net = model.build_model("flat")
    flat.add(model.Snapshot(0, 0, None, None, {k: v.float() for k, v in net.state_dict().items()}), batches=1)
    path = model.save_timelapse(tmp_path / "flat.timelapse.npz", flat)
    assert not window.open_timelapse(str(path))
    assert window.last_error_dialog.windowTitle() == "Can't show this time-lapse"
    assert "'flat'" in window.last_error_dialog.text() and not window.watch.active


def test_a_time_lapse_dropped_on_the_retrain_dialog_opens(qtbot, window, tmp_path):
    dialog = scratch_dialog(window)
    run_to_the_end(qtbot, dialog)
    path = tmp_path / "run.timelapse.npz"
    assert dialog.timelapse_files.save(str(path))
    sources = len(dialog.sources)
    dialog.drop_action([path])()
    assert window.watch.active and len(dialog.sources) == sources      # opened, not added as a data set


def test_the_slider_jumps_to_where_it_is_clicked(qtbot, window):
    dialog = scratch_dialog(window)
    timelapse = run_to_the_end(qtbot, dialog)
    slider = dialog.timelapse_view.slider
    scrub(dialog.timelapse_view, 0)
    QTest.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(slider.width() - 2, slider.height() // 2))
    assert slider.value() == len(timelapse) - 1 and window.watch.snapshot is timelapse[-1]
