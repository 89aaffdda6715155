"""Model ▸ Retrain…: background training, progress, cancel, swap, faults."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

import model
from gui.app import start_recognizer
from gui.state import UNSAVED
from gui_helpers import LETTERS, drag_events, draw_letter, show_main_window

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def jittered_letters(n_each: int, seed: int):
    """Small, quick data: noisy copies of the test letters, labelled."""
    rng = np.random.default_rng(seed)
    inks, labels = [], []
    for letter, ink in LETTERS.items():
        for _ in range(n_each):
            shear = np.array([[1, rng.normal(0, 0.15)], [0, 1]])
            inks.append([(s @ shear) * rng.uniform(0.8, 1.2) + rng.normal(0, 0.02, s.shape) for s in ink])
            labels.append(model.CLASSES.index(letter))
    return inks, labels


@pytest.fixture
def data_folder(tmp_path):
    folder = tmp_path / "data"
    for name, n_each, seed in (("tiny_strokes.npz", 24, 1), ("chars74k_tiny_strokes.npz", 4, 2)):
        inks, labels = jittered_letters(n_each, seed)
        writers = [f"{name}-{i % 5}" for i in range(len(labels))]
        model.save_strokes(folder / name, inks, labels, writers)
    return folder


@pytest.fixture
def window(qtbot, settings, data_folder):
    """A window whose Retrain dialog starts in the tiny data folder, on its
    own load of the network (retraining replaces the window's weights)."""
    settings.setValue("retrain/data_folder", str(data_folder))
    window = show_main_window(qtbot, model.Recognizer.load(), settings)
    yield window
    if window.retrain_dialog is not None:
        window.retrain_dialog.stop_training()


def open_dialog(window, epochs=1, batch_size=16):
    window.retrain_action.trigger()
    dialog = window.retrain_dialog
    assert dialog.isVisible()
    dialog.form.epochs.setValue(epochs)
    dialog.form.batch_size.setValue(batch_size)
    return dialog


def weights(recognizer) -> torch.Tensor:
    return torch.cat([p.detach().flatten().clone() for p in recognizer.model.parameters()])


def test_dialog_lists_sources_with_counts_and_picks_validation(window):
    dialog = open_dialog(window)
    texts = [dialog.form.source_list.item(i).text() for i in range(dialog.form.source_list.count())]
    assert "tiny_strokes.npz  ·  96 letters" in texts
    assert "chars74k_tiny_strokes.npz  ·  16 letters" in texts
    assert any(t.startswith("My samples") for t in texts)
    assert dialog.form.val_box.currentText() == "chars74k_tiny_strokes.npz (16)"
    assert dialog.form.finetune_radio.isChecked()
    dialog.form.scratch_radio.setChecked(True)
    assert dialog.form.epochs.value() == model.TrainConfig().epochs      # defaults follow the mode
    dialog.close()


def test_the_validation_set_cannot_be_ticked_for_training(window):
    dialog = open_dialog(window)
    items = {dialog.form.source_list.item(i).text().split()[0]: dialog.form.source_list.item(i)
             for i in range(dialog.form.source_list.count())}
    chars, tiny = items["chars74k_tiny_strokes.npz"], items["tiny_strokes.npz"]
    enabled = Qt.ItemFlag.ItemIsEnabled
    assert not chars.flags() & enabled and "not trained on" in chars.toolTip()    # it validates
    dialog.form.val_box.setCurrentIndex(0)                                   # held-out writers instead
    assert chars.flags() & enabled and chars.checkState() == Qt.CheckState.Unchecked
    chars.setCheckState(Qt.CheckState.Checked)
    assert tiny.checkState() == Qt.CheckState.Checked
    dialog.form.val_box.setCurrentIndex(dialog.form.val_box.findData(tiny.data(Qt.ItemDataRole.UserRole)))
    assert tiny.checkState() == Qt.CheckState.Unchecked and not tiny.flags() & enabled
    assert chars.flags() & enabled and chars.checkState() == Qt.CheckState.Checked
    job = dialog.job()
    assert [len(s) for s in job.train_sets] == [16] and [len(s) for s in job.val_sets] == [96]
    dialog.close()


def test_dialog_fits_a_laptop_screen_and_keeps_its_text_readable(window):
    dialog = open_dialog(window)
    # A 1366x768 screen leaves about 700 px under the title and task bars.
    assert dialog.minimumSizeHint().height() <= 700
    dialog.resize(760, 820)
    dialog.layout().activate()
    # The result's text once got a 70 px column beside the confusion matrix.
    assert dialog.result_view.result_label.width() >= dialog.result_view.confusion_plot.width() * 0.8
    assert dialog.progress_view.loss_plot.height() >= 150


def test_retrain_reports_progress_and_swaps_the_model_live(qtbot, window):
    dialog = open_dialog(window, epochs=2)
    before = weights(window.recognizer)
    progress = []
    dialog.start_button.click()
    dialog.run.progress.connect(progress.append)
    with qtbot.waitSignal(dialog.model_ready, timeout=60_000) as finished:
        assert dialog.cancel_button.isEnabled()
        draw_letter(qtbot, window, LETTERS["o"])      # the pad stays live while it trains
        assert window.prediction is not None
    outcome = finished.args[0]
    assert progress and progress[-1].step == progress[-1].steps
    # Validations, and the scoring of the model in use, each said what held the bar up.
    said = [p.activity for p in progress if p.activity]
    assert said == ["validating on 16 letters"] * 2 + ["scoring the model in use on 16 letters"]
    assert len(dialog.progress_view.accuracies) == 2 and dialog.progress_view.losses
    assert outcome.confusion.shape == (26, 26) and outcome.confusion.sum() == 16
    assert outcome.current_accuracy is not None
    assert "new model" in dialog.result_view.result_label.text()
    assert dialog.progress_view.status.text().startswith("final loss")             # not "… so far" once it is done
    assert dialog.progress_view.acc_curve.yData.tolist() == \
        [100 * a for _, a in dialog.progress_view.accuracies]                       # in percent
    assert dialog.progress_view.loss_curve.xData[-1] == progress[-1].step == progress[-1].steps  # by batch, as labelled
    assert dialog.use_button.isEnabled()

    dialog.use_button.click()
    assert not torch.equal(weights(window.recognizer), before)
    assert not dialog.use_button.isEnabled() and dialog.use_button.text() == "In use"     # nothing left to do
    assert window.shipped_action.isEnabled()
    window.pad.clear()
    draw_letter(qtbot, window, LETTERS["x"])
    assert window.network.chart.values().sum() == pytest.approx(1.0, abs=1e-5)

    window.shipped_action.trigger()                   # and back
    assert torch.equal(weights(window.recognizer), before)


def test_a_long_validation_shows_what_runs_and_the_clock_keeps_ticking(qtbot, window):
    dialog = open_dialog(window, epochs=100)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: bool(dialog.progress_view.losses), timeout=10_000)
    dialog.run.progress.disconnect(dialog._progress)   # the run's own reports would overwrite this one
    last = dialog.run.worker._last_progress
    dialog._progress(dataclasses.replace(last, activity="validating on 87,483 letters"))
    assert "validating on 87,483 letters…" in dialog.progress_view.progress_bar.format()
    assert dialog.progress_view.status.text().startswith("validating on 87,483 letters… · 0:0")
    dialog.progress_view._started -= 65                           # as if it had run a minute longer
    qtbot.waitUntil(lambda: "1:0" in dialog.progress_view.status.text(), timeout=2500)   # with no progress sent
    dialog.cancel()
    qtbot.waitUntil(lambda: not dialog.is_training(), timeout=10_000)
    assert dialog.progress_view.status.text().startswith("stopped after")


def test_data_sets_dropped_on_the_dialog_are_added_but_not_during_a_run(qtbot, window, tmp_path):
    dialog = open_dialog(window, epochs=100)
    inks, labels = jittered_letters(2, 5)
    extra = model.save_strokes(tmp_path / "extra_strokes.npz", inks, labels)
    folder = tmp_path / "more"
    model.save_strokes(folder / "more_strokes.npz", inks, labels)
    before = dialog.form.source_list.count()
    mime, enter, drop = drag_events([extra, folder])
    QApplication.sendEvent(dialog, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(dialog, drop)
    qtbot.waitUntil(lambda: dialog.form.source_list.count() == before + 2)
    assert {dialog.form.source_list.item(i).text().split()[0] for i in range(before, before + 2)} == \
        {"extra_strokes.npz", "more_strokes.npz"}
    dialog.start_button.click()                                      # a run's data is fixed
    mime, enter, _ = drag_events([tmp_path / "other.npz"])
    QApplication.sendEvent(dialog, enter)
    assert not enter.isAccepted()
    dialog.stop_training()


def test_save_as_writes_a_loadable_checkpoint_but_never_the_shipped_one(qtbot, window, tmp_path):
    dialog = open_dialog(window)
    with qtbot.waitSignal(dialog.model_ready, timeout=60_000):
        dialog.start_button.click()
    shipped = model.SHIPPED_WEIGHTS.read_bytes()
    assert dialog.save_as(str(model.SHIPPED_WEIGHTS)) is False
    assert model.SHIPPED_WEIGHTS.read_bytes() == shipped
    window.last_error_dialog.done(0)
    path = tmp_path / "mine.pt"
    assert dialog.save_as(str(path))
    loaded = model.Recognizer.load(path)
    assert torch.equal(weights(loaded), weights(dialog.trained))
    assert loaded.checkpoint.meta["trained_in"] == "LetterLens retrain dialog"
    assert loaded.checkpoint.meta["optimizer"]["lr"] == pytest.approx(dialog.form.lr.value())  # the recipe is on record


def test_quitting_with_an_unsaved_retrained_model_offers_to_save_it(qtbot, window, tmp_path, monkeypatch):
    dialog = open_dialog(window)
    with qtbot.waitSignal(dialog.model_ready, timeout=60_000):
        dialog.start_button.click()
    dialog.use_button.click()                 # in use is not saved: it would be lost on quitting
    buttons = QMessageBox.StandardButton
    answers, asked = [buttons.Cancel, buttons.Save], []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1]) or answers.pop(0))
    path = tmp_path / "kept.pt"
    monkeypatch.setattr("gui.retrain.dialog.QFileDialog.getSaveFileName", lambda *a, **k: (str(path), ""))
    window.close()
    assert asked == ["Retrained model not saved"] and window.isVisible()      # Cancel: nothing happens
    window.close()
    assert not window.isVisible() and path.exists()                          # Save: written, then quit
    assert torch.equal(weights(model.Recognizer.load(path)), weights(window.recognizer))
    assert window.recognizer.source == str(path)          # the model in use is now that file...
    recognizer, _, _ = start_recognizer(window.settings)  # ...so the next start reads with it
    assert recognizer.source == str(path.resolve())


def test_a_saved_retrained_model_lets_the_app_quit_without_asking(qtbot, window, tmp_path, monkeypatch):
    dialog = open_dialog(window)
    with qtbot.waitSignal(dialog.model_ready, timeout=60_000):
        dialog.start_button.click()
    assert dialog.save_as(str(tmp_path / "kept.pt"))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No)
    window.close()
    assert not asked and not window.isVisible()


def test_cancel_stops_within_a_second_and_keeps_the_model(qtbot, window):
    dialog = open_dialog(window, epochs=100)
    current = window.recognizer
    before = weights(current)
    dialog.start_button.click()
    (_, right), (bottom, top) = dialog.progress_view.acc_plot.viewRange()
    assert right >= 100 and bottom <= 0 and top >= 100      # until its first epoch, this run's scale, no other's
    with qtbot.waitSignal(dialog.run.progress, timeout=30_000):
        pass
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.is_training(), timeout=1000)
    assert window.recognizer is current and torch.equal(weights(current), before)
    assert "cancelled" in dialog.progress_view.progress_bar.format()
    assert dialog.start_button.isEnabled() and not dialog.use_button.isEnabled()


def test_closing_the_window_during_training_asks_then_stops_the_thread(qtbot, window, monkeypatch):
    dialog = open_dialog(window, epochs=100)
    dialog.start_button.click()
    with qtbot.waitSignal(dialog.run.progress, timeout=30_000):
        pass
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No)
    window.close()
    assert asked and window.isVisible() and dialog.is_training()      # "No" keeps everything running
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with monkeypatch.context() as slow:          # a thread that outlasts the wait keeps the window open
        slow.setattr(dialog, "stop_training", lambda: False)
        window.close()
        assert window.isVisible() and "still stopping" in window.last_error_dialog.windowTitle()
        window.last_error_dialog.done(0)
    window.close()
    assert not window.isVisible()
    assert dialog.run.thread.isFinished() and not dialog.is_training()


def test_cancelling_the_save_question_on_quitting_leaves_the_retrain_running(qtbot, window, monkeypatch):
    dialog = open_dialog(window)
    with qtbot.waitSignal(dialog.model_ready, timeout=60_000):
        dialog.start_button.click()
    dialog.use_button.click()                    # an unsaved model in use
    dialog.form.epochs.setValue(100)
    dialog.start_button.click()                  # and a second run under way
    with qtbot.waitSignal(dialog.run.progress, timeout=30_000):
        pass
    buttons = QMessageBox.StandardButton
    answers, asked = [buttons.Yes, buttons.Cancel], []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1]) or answers.pop(0))
    window.close()
    assert asked == ["Training is running", "Retrained model not saved"]
    assert window.isVisible() and dialog.is_training()       # Cancel: the run was not stopped first
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: buttons.Yes if a[1] == "Training is running"
                        else buttons.Discard)
    window.close()
    assert not window.isVisible() and dialog.run.thread.isFinished()


@pytest.mark.parametrize("how", ["Escape", "Close button"])
def test_closing_the_dialog_during_training_asks_first(qtbot, window, monkeypatch, how):
    dialog = open_dialog(window, epochs=100)
    dialog.start_button.click()
    with qtbot.waitSignal(dialog.run.progress, timeout=30_000):
        pass
    close = {"Escape": lambda: QTest.keyClick(dialog, Qt.Key.Key_Escape),
             "Close button": dialog.close_button.click}[how]
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No)
    close()
    assert len(asked) == 1 and dialog.isVisible() and dialog.is_training()    # "No" keeps the run
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    close()
    assert not dialog.isVisible() and not dialog.is_training()
    assert dialog.run.thread.isFinished()


def test_an_error_inside_training_is_shown_and_the_app_stays_usable(qtbot, window, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("out of paper")
    monkeypatch.setattr(model, "train_network", broken)
    dialog = open_dialog(window)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: window.last_error_dialog is not None, timeout=10_000)
    assert "out of paper" in window.last_error_dialog.text()
    window.last_error_dialog.done(0)
    assert dialog.start_button.isEnabled() and not dialog.is_training()
    draw_letter(qtbot, window, LETTERS["z"])
    assert window.prediction.top(1)[0][0] == "z"


def test_nothing_ticked_explains_instead_of_training(window):
    dialog = open_dialog(window)
    dialog.form.set_checked(set())
    assert dialog.start() is False
    assert "Nothing to train on" in window.last_error_dialog.windowTitle() + window.last_error_dialog.text() \
        or "Tick" in window.last_error_dialog.text()
    window.last_error_dialog.done(0)


@pytest.mark.slow
def test_twenty_drawings_of_an_unusual_shape_teach_it_from_the_menu(qtbot, window, data_folder):
    """The personal-handwriting loop, as a user does it: draw a star 20 times,
    label each as 'k', fine-tune on My samples (with replay), use the model."""
    from model.bench import star_inks
    stars = star_inks(40, seed=3)
    assert window.recognizer.predict(stars.ink(39)).top(1)[0][0] != "k"
    for i in range(20):
        window.show_drawing(stars.ink(i))
        assert window.my_samples.add("k")
    dialog = open_dialog(window)
    # My samples plus the tiny public set as replay; validation on the other tiny set.
    keys = {dialog.form.source_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(dialog.form.source_list.count())}
    tiny = next(k for k in keys if k.endswith("tiny_strokes.npz") and "chars74k" not in k)
    dialog.refresh_my_samples()
    dialog.form.set_checked({tiny, "my samples"})
    with qtbot.waitSignal(dialog.model_ready, timeout=120_000):
        dialog.start_button.click()
    dialog.use_button.click()
    fresh = [window.recognizer.predict(stars.ink(i)).top(1)[0][0] for i in range(20, 40)]
    assert fresh.count("k") >= 18, fresh


def test_my_samples_fine_tune_says_its_recipe_is_fixed(qtbot, window):
    draw_letter(qtbot, window, LETTERS["o"])
    window.my_samples.add("o")
    dialog = open_dialog(window)
    assert dialog.form.my_samples_item.text() == "My samples  ·  1 letter"        # not "1 letters"
    assert dialog.form.epochs.isEnabled() and not dialog.form.recipe_note.text()
    dialog.form.set_checked({"my samples"})
    assert not dialog.form.epochs.isEnabled() and not dialog.form.batch_size.isEnabled()
    assert "replay" in dialog.form.recipe_note.text() and "Tick a public set too" in dialog.form.recipe_note.text()
    keys = [dialog.form.source_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(dialog.form.source_list.count())]
    public = next(key for key in keys if key != "my samples")
    dialog.form.set_checked({"my samples", public})
    assert "replay" in dialog.form.recipe_note.text() and "Tick a public" not in dialog.form.recipe_note.text()  # it is
    dialog.form.scratch_radio.setChecked(True)
    assert dialog.form.epochs.isEnabled() and not dialog.form.recipe_note.text()


def finish_a_run(qtbot, dialog):
    with qtbot.waitSignal(dialog.model_ready, timeout=60_000):
        dialog.start_button.click()
    return dialog.trained


def test_a_second_run_loses_neither_model_quitting_offers_to_save_each(qtbot, window, tmp_path, monkeypatch):
    dialog = open_dialog(window)
    first = finish_a_run(qtbot, dialog)
    dialog.outcome.current_accuracy = None          # no worse than the model in use (test below)
    dialog._set_state("done")
    assert dialog.use_button.isDefault() and not dialog.start_button.isDefault()   # Enter uses it
    QTest.keyClick(dialog.form.lr, Qt.Key.Key_Return)
    assert window.recognizer is first and not dialog.is_training()
    dialog.form.lr.setValue(0.01)
    second = finish_a_run(qtbot, dialog)        # the first is in use, so nothing is lost: no question
    assert second is not first and window.recognizer is first
    buttons = QMessageBox.StandardButton
    answers, asked = [buttons.Save, buttons.Discard], []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or answers.pop(0))
    path = tmp_path / "in_use.pt"
    monkeypatch.setattr("gui.file_dialogs.QFileDialog.getSaveFileName", lambda *a, **k: (str(tmp_path / "in_use"), ""))
    window.close()
    assert not window.isVisible() and len(asked) == 2
    assert "you are using" in asked[0] and "from your last retrain" in asked[1]
    assert torch.equal(weights(model.Recognizer.load(path)), weights(first))     # the one in use was saved


def test_starting_over_an_unused_unsaved_model_asks_first_and_clears_the_result(qtbot, window, monkeypatch):
    dialog = open_dialog(window, epochs=100)
    dialog.form.epochs.setValue(1)
    finish_a_run(qtbot, dialog)
    assert "new model" in dialog.result_view.result_label.text()
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    dialog.form.epochs.setValue(100)
    assert dialog.start() is False and dialog.trained is not None      # No: the model is kept
    assert dialog.start() is True                                      # Yes: a new run, with a clean slate
    assert dialog.trained is None and "new model" not in dialog.result_view.result_label.text()
    assert not dialog.form.add_files_button.isEnabled() and not dialog.form.add_folder_button.isEnabled()
    dialog.stop_training()


def test_saved_then_used_the_model_is_that_file(qtbot, window, tmp_path):
    dialog = open_dialog(window)
    finish_a_run(qtbot, dialog)
    assert dialog.save_as(str(tmp_path / "mine.pt"))
    dialog.use_button.click()
    assert window.recognizer.source == str(tmp_path / "mine.pt")
    assert window.model_label.text().startswith("mine.pt · ")
    recognizer, _, _ = start_recognizer(window.settings)              # the next start reads with it
    assert recognizer.source == str((tmp_path / "mine.pt").resolve())
    window.close()                                                     # nothing unsaved: no question
    assert not window.isVisible()


def test_held_out_writers_score_the_current_model_too(qtbot, window):
    dialog = open_dialog(window)
    dialog.form.val_box.setCurrentIndex(dialog.form.val_box.findData(None))      # hold out training writers
    outcome = finish_a_run(qtbot, dialog) and dialog.outcome
    assert outcome.current_accuracy is not None and outcome.confusion.sum() > 0
    assert "held-out training writers" in dialog.result_view.result_label.text()
    assert "—" not in dialog.result_view.result_label.text()


def test_the_my_samples_row_follows_the_store(qtbot, window):
    dialog = open_dialog(window)
    row = dialog.form.my_samples_item
    assert row.text() == "My samples  ·  0 letters" and not row.flags() & Qt.ItemFlag.ItemIsEnabled
    for letter in "oxz":                                               # labelled while Retrain is open
        draw_letter(qtbot, window, LETTERS[letter])
        assert window.my_samples.add(letter)
    assert row.text() == "My samples  ·  3 letters" and row.flags() & Qt.ItemFlag.ItemIsEnabled
    dialog.form.set_checked({"my samples"})
    assert not dialog.form.epochs.isEnabled()
    window.samples_action.trigger()                                    # all deleted in My samples
    samples = window.my_samples.dialog
    samples.grid.selectAll()
    assert samples.delete_selected() == 3
    assert row.text() == "My samples  ·  0 letters" and row.checkState() == Qt.CheckState.Unchecked
    assert dialog.form.epochs.isEnabled()                                   # no fixed recipe without samples
    samples.undo()
    assert row.text() == "My samples  ·  3 letters"


def test_a_locked_my_samples_store_is_explained_not_raised(qtbot, window, monkeypatch):
    import sqlite3
    draw_letter(qtbot, window, LETTERS["o"])
    assert window.my_samples.add("o")
    dialog = open_dialog(window)
    dialog.form.set_checked({"my samples"})
    # In WAL mode another program's write no longer keeps readers out, so
    # SQLite's own answer to a lock stands in for it.
    class Locked:
        def __init__(self, db):
            self.db = db

        def execute(self, *args, **kwargs):
            raise sqlite3.OperationalError("database is locked")

        def __getattr__(self, name):          # close() and the rest still reach the real connection
            return getattr(self.db, name)
    monkeypatch.setattr(window.samples, "_db", Locked(window.samples._db))
    assert dialog.start() is False
    assert "in use by another program" in window.last_error_dialog.text()
    window.last_error_dialog.done(0)
    window.retrain_action.trigger()
    assert dialog.form.my_samples_item.text() == "My samples  ·  unavailable"


def test_a_cancel_after_the_last_batch_still_cancels(qtbot, window):
    from gui.retrain.training_run import TrainingWorker
    dialog = open_dialog(window)
    job = dialog.job()
    worker = TrainingWorker(job)
    outcomes = []
    worker.progress.connect(lambda p: p.step == p.steps and worker.cancel())    # the last batch is done
    worker.finished.connect(outcomes.append)
    worker.run()                                                       # here, not on a thread
    assert outcomes and outcomes[0].result.stopped and outcomes[0].confusion is None


def test_a_model_file_in_use_is_not_overwritten_by_another_model(qtbot, window, tmp_path):
    path = tmp_path / "a.pt"
    path.write_bytes(model.SHIPPED_WEIGHTS.read_bytes())
    assert window.model_files.open_weights(str(path))
    dialog = open_dialog(window)
    finish_a_run(qtbot, dialog)
    assert not dialog.save_as(str(path))                     # it holds the model being read with
    assert "holds the model in use" in window.last_error_dialog.text()
    window.last_error_dialog.done(0)
    assert path.read_bytes() == model.SHIPPED_WEIGHTS.read_bytes()


def test_a_model_that_reads_worse_says_so_and_enter_does_not_take_it(qtbot, window):
    dialog = open_dialog(window)
    finish_a_run(qtbot, dialog)
    (left, right), _ = dialog.progress_view.acc_plot.viewRange()
    assert left < 1 < right and abs((left + right) / 2 - 1) < 0.1      # one epoch's point, in the middle
    outcome = dataclasses.replace(dialog.outcome, current_accuracy=dialog.outcome.result.val_accuracy + 0.0063)
    dialog._finished(outcome)                        # as if the model in use had read 0.63 points better
    assert "0.63 points worse than the model in use" in dialog.result_view.result_label.text()
    assert "keep the model in use" in dialog.result_view.result_label.text()      # no drawings of yours were learned
    assert dialog.use_button.isEnabled() and not dialog.use_button.isDefault() and not dialog.start_button.isDefault()
    better = dataclasses.replace(outcome, current_accuracy=outcome.result.val_accuracy - 0.01)
    dialog._finished(better)
    assert "worse" not in dialog.result_view.result_label.text() and dialog.use_button.isDefault()
    unmeasured = dataclasses.replace(outcome, result=dataclasses.replace(outcome.result, val_accuracy=None))
    dialog._finished(unmeasured)                     # no writers to validate on: nothing says it reads
    assert "not measured" in dialog.result_view.result_label.text()
    assert dialog.use_button.isEnabled() and not dialog.use_button.isDefault()


def test_swapping_out_an_unsaved_model_in_use_asks_first(qtbot, window, monkeypatch):
    dialog = open_dialog(window)
    first = finish_a_run(qtbot, dialog)
    dialog.use_button.click()
    second = finish_a_run(qtbot, dialog)           # the first is in use, not the dialog's any more
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Cancel)
    dialog.use_button.click()
    assert window.recognizer is first and "you are using" in asked[0]      # Cancel keeps it
    assert "lost when another model takes its place" in asked[0]           # nobody is quitting
    assert not window.model_files.use_shipped_model() and window.recognizer is first
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    dialog.use_button.click()
    assert window.recognizer is second


def test_after_a_run_the_dialog_follows_the_samples_and_the_model(qtbot, recognizer, settings, data_folder):
    settings.setValue("retrain/data_folder", str(data_folder))
    window = show_main_window(qtbot, None, settings)                  # no model at all
    draw_letter(qtbot, window, LETTERS["o"])
    assert window.my_samples.add("o")
    dialog = open_dialog(window)
    assert not dialog.form.finetune_radio.isEnabled() and dialog.form.scratch_radio.isChecked()
    dialog.form.epochs.setValue(1)
    dialog.form.set_checked({k for k in dialog.sources} | {"my samples"})
    dialog.start_button.click()
    assert dialog.progress_view.progress_bar.value() == 0
    window.samples.delete([info.id for info in window.samples.list()])   # emptied during the run
    window.my_samples.changed()
    with qtbot.waitSignal(dialog.model_ready, timeout=60_000):
        pass
    assert dialog.form.my_samples_item.checkState() == Qt.CheckState.Unchecked     # nothing left to tick
    dialog.use_button.click()
    assert dialog.form.finetune_radio.isEnabled()                           # now there is a model to fine-tune
    dialog.close()


def test_held_out_letters_of_a_set_without_writers_are_not_called_new_writers(qtbot, window, tmp_path):
    inks, labels = jittered_letters(24, 7)
    model.save_strokes(tmp_path / "one_writer_strokes.npz", inks, labels)     # no writer ids
    dialog = open_dialog(window)
    dialog.add_sources([tmp_path / "one_writer_strokes.npz"])
    dialog.form.set_checked({str((tmp_path / "one_writer_strokes.npz").resolve())})
    dialog.form.val_box.setCurrentIndex(dialog.form.val_box.findData(None))
    finish_a_run(qtbot, dialog)
    assert "held-out letters" in dialog.result_view.result_label.text()
    assert "writers</p>" not in dialog.result_view.result_label.text()
    assert "on held-out letters" in dialog.trained.describe()


@pytest.mark.parametrize("finetuned_from, mine, train_data, says", [
    (None, 0, {"unipen": 900}, "Trained from scratch on 1,000 drawings."),
    (None, 40, {"unipen": 960}, "Trained from scratch on 1,000 drawings, 40 of them yours."),
    ("letternet.pt", 0, {"unipen": 1000}, "Fine-tuned on 1,000 drawings."),
    ("letternet.pt", 40, {"unipen": 960},
     "Fine-tuned on 40 of your drawings, mixed with other letters: 1,000 drawings in all."),
    ("letternet.pt", 40, {}, "Fine-tuned on 40 of your drawings alone: no other letters kept it from forgetting."),
], ids=["scratch", "scratch-with-mine", "fine-tune", "mine-with-replay", "mine-alone"])
def test_the_result_says_how_the_model_was_trained_as_it_was(finetuned_from, mine, train_data, says):
    """A from-scratch run with My samples ticked is no fine-tune, and a
    fine-tune on My samples alone mixed in no other letters."""
    from gui.retrain.result_view import result_text
    from gui.retrain.training_run import TrainingOutcome
    result = model.TrainResult(model.LetterNet(), [], 0.9, False, 1.0, 1000)
    meta = {"my_samples": mine, "finetuned_from": finetuned_from, "train_data": train_data, "val_data": {"c74k": 50}}
    text = result_text(TrainingOutcome(result, model.RasterConfig(), None, 0.8, meta))
    assert f"<p>{says}" in text and text.count("<p>") == 3


def test_an_unsaved_model_saved_onto_the_weights_being_opened_is_the_one_opened(qtbot, window, tmp_path,
                                                                                   monkeypatch):
    """Open weights asks about the outgoing model before it reads the file:
    saved onto that very file, the model in use and the file agree."""
    path = tmp_path / "theirs.pt"
    path.write_bytes(model.SHIPPED_WEIGHTS.read_bytes())
    dialog = open_dialog(window)
    first = finish_a_run(qtbot, dialog)
    dialog.use_button.click()
    finish_a_run(qtbot, dialog)                    # the dialog holds another: the first would be lost
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Save)
    monkeypatch.setattr("gui.file_dialogs.QFileDialog.getSaveFileName", lambda *a, **k: (str(path), ""))
    assert window.model_files.open_weights(str(path))
    assert torch.equal(weights(window.recognizer), weights(first))
    assert torch.equal(weights(model.Recognizer.load(path)), weights(first))


def test_add_files_opens_in_the_data_folder_then_where_files_were_last_added(qtbot, window, data_folder,
                                                                             tmp_path, monkeypatch):
    dialog = open_dialog(window)
    other = tmp_path / "more"
    other.mkdir()
    inks, labels = jittered_letters(2, 7)
    model.save_strokes(other / "extra_strokes.npz", inks, labels, ["w"] * len(labels))
    asked = []

    def choose(parent, title, start, file_filter):
        asked.append(start)
        return [str(other / "extra_strokes.npz")], ""

    monkeypatch.setattr("gui.retrain.dialog.QFileDialog.getOpenFileNames", choose)
    dialog.form.add_files_button.click()
    dialog.form.add_files_button.click()
    assert asked == [str(data_folder), str(other)]


def test_the_form_reads_its_choices_into_one_value_and_fixes_them_during_a_run(qtbot, tmp_path):
    """The form alone, with no window or data behind it: what is ticked,
    validated on and typed in comes out as one plain value."""
    from gui.retrain.form import MY_SAMPLES, RetrainForm, TrainingChoices
    form = RetrainForm(has_model=True)
    qtbot.addWidget(form)
    form.add_source("unipen", tmp_path / "unipen_strokes.npz", 100)
    form.add_source("c74k", tmp_path / "chars74k_strokes.npz", 20)      # offered for validation
    form.add_my_samples_row()
    form.show_my_samples_count(3, keep_tick=False)
    form.set_checked({"unipen", MY_SAMPLES})
    form.lr.setValue(0.002)
    batch = model.TrainConfig().batch_size
    assert form.choices() == TrainingChoices(("unipen", MY_SAMPLES), "c74k", True, 1, batch, 0.002)
    form.set_locked(True)
    assert not form.source_list.isEnabled() and not form.lr.isEnabled() and not form.scratch_radio.isEnabled()
    form.set_locked(False)
    assert form.lr.isEnabled() and not form.epochs.isEnabled()       # My samples' fine-tune has a fixed recipe
    form.scratch_radio.setChecked(True)
    assert form.choices().fine_tune is False and form.epochs.isEnabled()


def test_a_diverged_run_is_said_in_words_and_the_model_in_use_stays(qtbot, window, monkeypatch):
    def diverging(*args, **kwargs):
        raise model.TrainingDiverged("training diverged at batch 3 of epoch 1: the loss is NaN; nothing was kept")
    in_use = window.recognizer
    monkeypatch.setattr(model, "train_network", diverging)
    dialog = open_dialog(window)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: window.last_error_dialog is not None, timeout=10_000)
    text = window.last_error_dialog.text()
    assert "training diverged at batch 3" in text and "TrainingDiverged" not in text
    assert "The current model is unchanged" in text
    window.last_error_dialog.done(0)
    assert window.recognizer is in_use and dialog.trained is None


def test_the_learning_rate_box_takes_the_training_range(window):
    dialog = open_dialog(window)
    assert (dialog.form.lr.minimum(), dialog.form.lr.maximum()) == model.LR_RANGE


def test_a_full_disk_keeps_the_model_in_memory_and_offers_another_place(qtbot, window, tmp_path, monkeypatch):
    import errno
    trained = model.Recognizer(window.recognizer.checkpoint, UNSAVED)
    real_save, tries = model.save_checkpoint, []

    def save(path, *args, **kwargs):
        tries.append(Path(path))
        if len(tries) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(path, *args, **kwargs)
    monkeypatch.setattr(model, "save_checkpoint", save)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    monkeypatch.setattr("gui.file_dialogs.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "elsewhere.pt"), ""))
    assert window.model_files.save_model_as(trained, str(tmp_path / "full" / "me.pt"))
    assert "No space left on device" in asked[0] and "still in memory" in asked[0]
    assert tries == [tmp_path / "full" / "me.pt", tmp_path / "elsewhere.pt"]
    assert trained.source == str(tmp_path / "elsewhere.pt") and (tmp_path / "elsewhere.pt").is_file()


def test_the_confusion_matrix_names_its_letters_and_its_hover_line_resets(qtbot):
    from gui.retrain.result_view import CONFUSION_EXPLAINED, ResultView
    from gui.retrain.training_run import TrainingOutcome
    view = ResultView()
    qtbot.addWidget(view)
    view.resize(520, 260)
    view.show()
    qtbot.waitExposed(view)
    confusion = np.zeros((26, 26), np.int64)
    confusion[1, 1], confusion[1, 3] = 3, 1                          # b: three read right, one as d
    result = model.TrainResult(model.LetterNet(), [], 0.9, False, 1.0, 1000)
    view.show_outcome(TrainingOutcome(result, model.RasterConfig(), confusion, 0.8, {"val_data": "c74k"}))
    plot = view.confusion_plot
    for side in ("left", "bottom"):
        ticks = sorted(tick for level in plot.axes[side]._tickLevels for tick in level)
        assert [text for _, text in ticks] == list(model.CLASSES)
    matrix_at, line_height = plot.geometry(), view.hover_line.height()
    plot.pixel_hovered.emit(1, 3)
    QApplication.processEvents()
    assert view.hover_line.text() == "'b' read as 'd': 1 of 4"
    assert view.confusion_info.text() == CONFUSION_EXPLAINED            # the explanation stays
    assert plot.geometry() == matrix_at and view.hover_line.height() == line_height   # nothing moves
    plot.pixel_hovered.emit(-1, -1)                                   # the pointer leaves
    assert "'b'" not in view.hover_line.text()


def test_stopping_a_run_is_never_the_default_answer(qtbot, window, monkeypatch):
    dialog = open_dialog(window)
    monkeypatch.setattr(dialog, "is_training", lambda: True)        # as during a run
    defaults = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: defaults.append(k.get("defaultButton"))
                        or QMessageBox.StandardButton.No)
    dialog.reject()                           # "Stop training and close this window?"
    window.close()                            # "A retrain is still running. Stop it and quit?"
    assert defaults == [QMessageBox.StandardButton.No] * 2
    assert dialog.isVisible() and window.isVisible()


def test_the_dialog_says_what_a_run_typically_does_before_it_starts(window):
    dialog = open_dialog(window)
    assert dialog.form.finetune_radio.isChecked()
    assert "97.48 → 97.45 %" in dialog.progress_view.status.text()          # a fine-tune on public data
    dialog.form.lr.setValue(0.01)
    assert "higher rate" in dialog.progress_view.status.text()
    dialog.form.scratch_radio.setChecked(True)
    assert dialog.progress_view.status.text().startswith("From scratch")
    assert dialog.progress_view.status.toolTip() == dialog.progress_view.status.text()   # whole, if shortened


def test_the_validation_chart_is_scaled_to_the_accuracies(qtbot):
    from gui.retrain.progress_view import ProgressView
    view = ProgressView()
    qtbot.addWidget(view)
    view.begin_run(1)
    view.show_progress(model.Progress("train", 1, 1, 10, 10, 0.1, 1000.0, 0.0, val_accuracy=0.9745))
    low, high = view.acc_plot.viewRange()[1]
    assert low < 97.45 < high and high - low <= 1.0         # not a dot at the top of 0-100 %
    view.begin_run(2)
    for epoch, accuracy in ((1, 0.9745), (2, 0.9748)):
        view.show_progress(model.Progress("train", epoch, 2, 10, 10, 0.1, 1000.0, 0.0, val_accuracy=accuracy))
    low, high = view.acc_plot.viewRange()[1]
    assert low < 97.45 and 97.48 < high and high - low <= 1.0
