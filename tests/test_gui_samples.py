"""My samples from the window: labelling drawings, browsing, undo, files, faults."""
from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

import model
from gui.samples_dialog import MISREAD
from gui_helpers import LETTERS, drag_events, draw_letter, show_main_window


def make_window(qtbot, settings, **kwargs):
    """A window on a fresh load of the shipped network."""
    return show_main_window(qtbot, model.Recognizer.load(), settings, **kwargs)


def samples_dialog_with(qtbot, settings, labelled=(("o", "o"), ("x", "x"), ("z", "z"))):
    """A window whose My samples holds LETTERS[drawn] labelled ``label`` for
    each pair, and its open My samples dialog."""
    window = make_window(qtbot, settings)
    for drawn, label in labelled:
        draw_letter(qtbot, window, LETTERS[drawn])
        window.my_samples.add(label)
    window.samples_action.trigger()
    return window, window.my_samples.dialog


def test_typing_the_letter_labels_the_drawing_and_it_survives_a_restart(qtbot, settings):
    window = make_window(qtbot, settings)
    draw_letter(qtbot, window, LETTERS["o"])
    strokes = window.pad.strokes()
    QTest.keyClicks(window.drawing.label_edit, "K")
    QTest.keyClick(window.drawing.label_edit, Qt.Key.Key_Return)
    assert window.pad.is_empty()                        # ready for the next sample
    assert window.samples.counts_by_label()["k"] == 1
    window.close()

    again = make_window(qtbot, settings)               # a new session, the same user folder
    assert again.samples.count() == 1
    (info,) = again.samples.list()
    assert info.label == "k"
    stored = again.samples.ink(info.id)
    assert [len(s) for s in stored] == [len(s) for s in strokes]


def test_a_letter_typed_on_the_pad_goes_to_the_label_field(qtbot, settings):
    window = make_window(qtbot, settings)
    window.activateWindow()
    qtbot.waitActive(window)        # for the window's keyboard shortcuts (Ctrl+Z)
    window.drawing.pen_width.setFocus()                 # a field that would swallow the letter...
    draw_letter(qtbot, window, LETTERS["x"])
    # ...loses the focus to the pad when it is drawn on: one more stroke, by
    # QTest, whose events count as the user's (replayed ones change no focus).
    QTest.mousePress(window.pad, Qt.MouseButton.LeftButton, pos=QPoint(60, 60))
    QTest.mouseMove(window.pad, QPoint(80, 70))
    QTest.mouseRelease(window.pad, Qt.MouseButton.LeftButton, pos=QPoint(90, 75))
    assert window.focusWidget() is window.pad
    assert len(window.pad.strokes()) == 3
    QTest.keyClick(window.pad, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)    # not a plain letter
    assert window.drawing.label_edit.text() == ""
    QTest.keyClick(window.pad, Qt.Key.Key_X, Qt.KeyboardModifier.ShiftModifier)
    assert window.drawing.label_edit.text() == "x"
    # The pad keeps the focus, so Ctrl+Z still undoes a stroke (not the field's text).
    assert window.focusWidget() is window.pad
    QTest.keyClick(window.pad, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.pad.strokes()) == 2 and window.drawing.label_edit.text() == "x"
    QTest.keyClick(window.pad, Qt.Key.Key_Z, Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(window.pad, "qX")                        # a change of mind replaces the letter
    assert window.drawing.label_edit.text() == "x"
    QTest.keyClick(window.pad, Qt.Key.Key_Return)            # Enter labels it, from the pad
    assert window.samples.counts_by_label()["x"] == 1
    assert window.pad.is_empty()
    assert window.focusWidget() is window.pad
    QTest.keyClick(window.focusWidget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.pad.strokes()) == 3                    # Ctrl+Z brings the drawing back, as the status bar says


def click_then_enter(window, letter):
    """A click on ``letter``'s column proposes it; Enter on the pad stores it."""
    window.network.chart.letter_clicked.emit(letter)
    QTest.keyClick(window.pad, Qt.Key.Key_Return)


def test_clicking_a_bar_labels_the_drawing_with_that_letter(qtbot, settings):
    window = make_window(qtbot, settings)
    draw_letter(qtbot, window, LETTERS["x"])
    click_then_enter(window, "y")
    assert window.samples.counts_by_label()["y"] == 1
    stored = window.samples.list()[0]
    window.undo_action.trigger()                        # a stray click: the drawing comes back...
    assert len(window.pad.strokes()) == 2
    assert window.samples.count() == 0                  # ...and the sample leaves My samples
    assert "Taken out of My samples" in window.statusBar().currentMessage()
    window.redo_action.trigger()                        # redo stores it again, as it was
    assert window.pad.is_empty() and window.samples.list() == [stored]
    window.undo_action.trigger()
    draw_letter(qtbot, window, LETTERS["o"][:1])        # a new stroke ends the redo: nothing comes back
    assert not window.pad.can_redo() and window.samples.count() == 0
    window.pad.clear()
    draw_letter(qtbot, window, LETTERS["x"])
    click_then_enter(window, "x")
    window.samples.delete([info.id for info in window.samples.list()])     # deleted in My samples meanwhile
    window.statusBar().clearMessage()
    window.undo_action.trigger()                        # the drawing comes back; there is nothing to take out
    assert len(window.pad.strokes()) == 2 and "Taken out" not in window.statusBar().currentMessage()


def test_an_empty_pad_or_a_bad_label_adds_nothing(qtbot, settings):
    window = make_window(qtbot, settings)
    assert window.my_samples.add("a") is False
    assert not window.drawing.add_sample_button.isEnabled()         # nothing to add yet
    draw_letter(qtbot, window, LETTERS["x"])
    assert window.drawing.add_sample_button.isEnabled()
    assert window.my_samples.add("7") is False
    assert window.samples.count() == 0
    assert not window.pad.is_empty()


def test_samples_dialog_browses_deletes_undoes_exports_and_imports(qtbot, settings, tmp_path):
    window, dialog = samples_dialog_with(qtbot, settings)
    assert dialog.grid.count() == 3
    assert "3 samples" in dialog.summary.text()
    dialog.grid.item(0).setSelected(True)
    QTest.keyClick(dialog.grid, Qt.Key.Key_Return)                # Enter is no delete key
    assert window.samples.count() == 3
    assert dialog.delete_selected() == 1
    assert dialog.grid.count() == 2 and window.samples.count() == 2
    assert dialog.undo()
    assert window.samples.count() == 3

    path = tmp_path / "mine_strokes.npz"
    assert dialog.export(str(path))
    exported = model.load_dataset(path)
    assert sorted(model.CLASSES[i] for i in exported.labels) == ["o", "x", "z"]
    window.samples.delete([s.id for s in window.samples.list()])
    assert dialog.import_(str(path)) == 3
    assert dialog.grid.count() == 3
    window.samples.delete([s.id for s in window.samples.list()])
    dialog.refresh()
    assert dialog.grid.count() == 0
    mime, enter, drop = drag_events([path])                       # dropping the file imports it too
    QApplication.sendEvent(dialog, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(dialog, drop)
    qtbot.waitUntil(lambda: dialog.grid.count() == 3)

    dialog.filter.setCurrentIndex(dialog.filter.findData("z"))
    assert dialog.grid.count() == 1
    dialog.grid.itemDoubleClicked.emit(dialog.grid.item(0))      # back onto the pad
    qtbot.waitUntil(lambda: window.prediction is not None)
    assert window.prediction.top(1)[0][0] == "z"


def test_selected_samples_get_another_letter_by_typing_it_and_undo_takes_it_back(qtbot, settings):
    window, dialog = samples_dialog_with(qtbot, settings)
    assert not dialog.relabel_button.isEnabled()                   # nothing selected yet
    dialog.grid.setFocus()
    for row in (0, 1):
        dialog.grid.item(row).setSelected(True)
    QTest.keyClick(dialog.grid, Qt.Key.Key_Q, Qt.KeyboardModifier.ShiftModifier)    # "Q"
    assert [info.label for info in window.samples.list()] == ["q", "q", "z"]
    assert "reads" in dialog.grid.item(0).text()                   # an o labelled q is now misread
    dialog.activateWindow()                                        # for its Ctrl+Z shortcut
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    QTest.keyClick(dialog.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [info.label for info in window.samples.list()] == ["o", "x", "z"]

    dialog.grid.clearSelection()
    dialog.grid.item(2).setSelected(True)                          # by the button, asked in a dialog
    dialog.relabel_button.click()
    asker = dialog.letter_asker
    qtbot.waitExposed(asker)
    assert asker.labelText() == "The letter for the selected sample:"      # not "the 1 selected sample"
    asker.setTextValue("AB")
    asker.accept()
    # Refused, in a sentence that says what a label is, and nothing changed.
    assert window.last_error_dialog.text().startswith("A label is one letter, a to z (either case), not 'AB'.")
    window.last_error_dialog.done(0)
    assert window.samples.list()[2].label == "z"
    dialog.relabel_button.click()                                  # and OK with nothing typed
    dialog.letter_asker.setTextValue("  ")
    dialog.letter_asker.accept()
    assert window.last_error_dialog.text().startswith("A label is one letter, a to z (either case), and none was given.")
    window.last_error_dialog.done(0)
    assert window.samples.list()[2].label == "z"


def test_an_empty_list_says_how_to_fill_it(qtbot, settings):
    window = make_window(qtbot, settings)
    window.samples_action.trigger()
    dialog = window.my_samples.dialog
    assert dialog.pages.currentWidget() is dialog.empty
    assert "No samples yet" in dialog.empty.text() and "press Enter" in dialog.empty.text()
    dialog.close()
    draw_letter(qtbot, window, LETTERS["o"])
    window.my_samples.add("o")
    window.samples_action.trigger()
    assert dialog.pages.currentWidget() is dialog.grid and dialog.grid.count() == 1
    dialog.filter.setCurrentIndex(dialog.filter.findData("q"))     # a letter with no samples
    assert dialog.pages.currentWidget() is dialog.empty
    assert "No samples of 'q'" in dialog.empty.text()
    dialog.filter.setCurrentIndex(0)
    assert dialog.pages.currentWidget() is dialog.grid


def test_the_samples_the_model_misreads_are_marked_and_can_be_shown_alone(qtbot, settings):
    # The x stands for this user's odd k.
    window, dialog = samples_dialog_with(qtbot, settings, [("o", "o"), ("x", "k"), ("z", "z")])
    assert "misreads 1 of them" in dialog.summary.text()
    assert sorted(dialog.grid.item(i).text() for i in range(3))[0] == "k · reads x"
    dialog.filter.setCurrentIndex(dialog.filter.findData(MISREAD))
    assert [dialog.grid.item(i).text() for i in range(dialog.grid.count())] == ["k · reads x"]
    # Another model, another reading: the marks follow the model in use.
    window.model_files.use_model(ReadsEverythingAsK(window.recognizer.checkpoint))
    assert "misreads 2 of them" in dialog.summary.text()
    assert sorted(dialog.grid.item(i).text() for i in range(dialog.grid.count())) == ["o · reads k", "z · reads k"]
    window.samples.delete([info.id for info in window.samples.list() if info.label != "k"])
    dialog.refresh()
    assert dialog.pages.currentWidget() is dialog.empty
    assert "reads every one" in dialog.empty.text()
    # What fixes a misread sample: fine-tuning on them, one click away.
    dialog.teach_button.click()
    retrain = window.retrain_dialog
    assert retrain.isVisible()
    assert retrain.form.my_samples_item.checkState() == Qt.CheckState.Checked
    assert retrain.form.finetune_radio.isChecked()
    retrain.close()


class ReadsEverythingAsK(model.Recognizer):
    def read_letters(self, drawings, indices, views=model.READ_VIEWS):
        return np.full(len(indices), model.CLASSES.index("k"))


def test_a_corrupt_database_is_reported_kept_and_can_be_set_aside(qtbot, settings, tmp_path):
    path = model.default_store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    garbage = b"this is not an SQLite database, but it might be someone's only copy" * 50
    path.write_bytes(garbage)
    window = make_window(qtbot, settings)
    assert window.samples is None                       # the app still starts
    dialog = window.last_error_dialog
    assert dialog.isVisible() and str(path) in dialog.text()
    assert path.read_bytes() == garbage                 # nothing lost
    draw_letter(qtbot, window, LETTERS["o"])
    assert window.prediction.top(1)[0][0] == "o"        # and reads letters
    window.my_samples.fresh_samples_button.click()
    assert window.samples is not None and window.samples.count() == 0
    kept = [p for p in os.listdir(path.parent) if p.startswith(path.name + ".corrupt-")]
    assert len(kept) == 1 and (path.parent / kept[0]).read_bytes() == garbage


def test_a_locked_database_is_reported_and_the_app_still_starts(qtbot, settings):
    import sqlite3
    path = model.default_store_path()
    first = model.SampleStore.open()
    first.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")   # in WAL mode, what keeps readers out too
    holder.execute("BEGIN EXCLUSIVE")
    try:
        window = make_window(qtbot, settings)
        assert window.samples is None
        assert "lock" in window.last_error_dialog.text().lower()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_store_locked_while_in_use_refuses_delete_and_undo_and_keeps_the_undo_step(qtbot, settings):
    import sqlite3
    window, dialog = samples_dialog_with(qtbot, settings)
    dialog.grid.item(0).setSelected(True)
    QTest.keyClick(dialog.grid, Qt.Key.Key_Q)                      # o relabelled q
    holder = sqlite3.connect(window.samples.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")                              # another program writes meanwhile
    try:
        dialog.grid.item(1).setSelected(True)
        assert dialog.delete_selected() == 0
        assert "in use by another program" in window.last_error_dialog.text()
        window.last_error_dialog.done(0)
        assert not dialog.undo()
        assert "Nothing was changed" in window.last_error_dialog.text()
        window.last_error_dialog.done(0)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert window.samples.count() == 3 and len(dialog.undo_stack) == 1
    assert dialog.undo()                                           # the lock is gone: the step still works
    assert [info.label for info in window.samples.list()] == ["o", "x", "z"]


def test_a_store_damaged_or_deleted_while_in_use_is_explained_and_can_be_replaced(qtbot, settings):
    window, dialog = samples_dialog_with(qtbot, settings)
    dialog.close()
    path = window.samples.path
    with open(path, "r+b") as damaged:                             # a disk or a sync tool, while the app runs
        damaged.write(b"X" * 200)
    window.samples_action.trigger()                                # no crash: says why instead
    assert "unavailable" in dialog.summary.text() and dialog.pages.currentWidget() is dialog.empty
    assert not dialog.export_button.isEnabled()
    draw_letter(qtbot, window, LETTERS["o"])
    assert not window.my_samples.add("o")
    assert "damaged" in window.last_error_dialog.text() and not window.pad.is_empty()
    window.my_samples.fresh_samples_button.click()                            # the way out the message names
    assert window.samples.count() == 0 and "0 samples" in dialog.summary.text()
    assert window.my_samples.add("o") and window.samples.count() == 1
    path.unlink()                                                  # now deleted under the app
    draw_letter(qtbot, window, LETTERS["x"])
    assert not window.my_samples.add("x")
    assert "moved or deleted" in window.last_error_dialog.text()
    window.my_samples.fresh_samples_button.click()
    assert window.my_samples.add("x") and path.exists()
    # Its id 1 is a new drawing: not the last collection's picture and reading under a new label.
    assert [dialog.grid.item(i).text() for i in range(dialog.grid.count())] == ["x · #1"]


def test_a_sample_deleted_elsewhere_is_reported_on_double_click(qtbot, settings):
    window, dialog = samples_dialog_with(qtbot, settings)
    with model.SampleStore.open(window.samples.path) as other:    # a second window, or the command line
        other.delete([info.id for info in other.list()][:1])
    dialog.grid.itemDoubleClicked.emit(dialog.grid.item(0))
    assert "no longer in the store" in dialog.summary.text()
    assert dialog.grid.count() == 2 and window.pad.is_empty()


def test_import_says_what_it_added_and_undo_takes_it_back(qtbot, settings, tmp_path, monkeypatch):
    window, dialog = samples_dialog_with(qtbot, settings)
    path = tmp_path / "mine_strokes.npz"
    dialog.filter.setCurrentIndex(dialog.filter.findData("o"))
    assert dialog.export(str(path))
    assert "Exported 3 samples (all of them" in dialog.summary.text()
    assert dialog.import_(str(path)) == 0
    assert "Nothing new in mine_strokes.npz" in dialog.summary.text()
    dialog.grid.item(0).setSelected(True)
    assert dialog.delete_selected() == 1
    real_import, store = window.samples.import_, window.samples

    cursors = []

    def while_another_program_adds_one(path):
        cursors.append(QApplication.overrideCursor().shape())
        store.add([np.array([[0.0, 0.0], [10.0, 20.0]])], "k")
        return real_import(path)

    monkeypatch.setattr(store, "import_", while_another_program_adds_one)
    assert dialog.import_(str(path)) == 1
    assert cursors == [Qt.CursorShape.WaitCursor] and QApplication.overrideCursor() is None   # busy, then not
    assert "Imported 1 new drawing from" in dialog.summary.text()
    assert dialog.undo() and window.samples.count() == 3           # the import, not the delete before it
    assert "k" in [s.label for s in window.samples.list()]         # nor the other program's sample


def test_a_second_typed_letter_corrects_the_first(qtbot, settings):
    window, dialog = samples_dialog_with(qtbot, settings)
    dialog.grid.setFocus()
    dialog.grid.item(0).setSelected(True)
    QTest.keyClick(dialog.grid, Qt.Key.Key_P)                      # a slip of the finger...
    QTest.keyClick(dialog.grid, Qt.Key.Key_Q)                      # ...put right: the sample stays selected
    assert [info.label for info in window.samples.list()] == ["q", "x", "z"]


def test_a_double_click_on_a_bar_labels_the_drawing_once(qtbot, settings):
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    window = make_window(qtbot, settings)
    draw_letter(qtbot, window, LETTERS["x"])
    chart, view = window.network.chart, window.network.chart.viewport()
    at = QPointF(chart.mapFromScene(chart.plotItem.vb.mapViewToScene(QPointF(chart.letters.index("y"), 0.5))))
    left, none, kinds = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton, QEvent.Type
    for kind, button, held in [(kinds.MouseButtonPress, left, left), (kinds.MouseButtonRelease, left, none),
                               (kinds.MouseButtonPress, left, left), (kinds.MouseButtonDblClick, left, left),
                               (kinds.MouseButtonRelease, left, none)]:       # Qt's double-click
        QApplication.sendEvent(view, QMouseEvent(kind, at, view.mapToGlobal(at), button, held,
                                                 Qt.KeyboardModifier.NoModifier))
    qtbot.wait(100)
    assert window.samples.count() == 0 and window.drawing.label_edit.text() == "y"    # proposed, not stored
    assert window.statusBar().currentMessage().startswith("This is 'y'?")    # not "Draw a letter first"
    window.drawing.add_sample_button.click()
    assert window.samples.count() == 1
    assert window.statusBar().currentMessage().startswith("Added as 'y'")


def test_the_typed_letter_goes_with_its_drawing(qtbot, settings):
    window = make_window(qtbot, settings)
    draw_letter(qtbot, window, LETTERS["x"])
    QTest.keyClick(window.pad, Qt.Key.Key_X)
    window.pad.clear()                                  # Esc: that drawing, and its label, are gone
    assert window.drawing.label_edit.text() == ""
    draw_letter(qtbot, window, LETTERS["o"])
    window.drawing.add_sample_button.click()                    # no letter typed for this one
    assert window.samples.count() == 0 and "Type the letter you drew" in window.statusBar().currentMessage()


def test_a_new_collection_drops_the_old_ones_undo_steps(qtbot, settings, tmp_path):
    window, dialog = samples_dialog_with(qtbot, settings)
    exported = tmp_path / "mine_strokes.npz"
    assert dialog.export(str(exported))
    dialog.grid.item(0).setSelected(True)
    assert dialog.delete_selected() == 1 and dialog.undo_button.isEnabled()
    window.samples.path.unlink()                                   # gone under the app
    assert dialog.import_(str(exported)) == 0
    assert "moved or deleted" in window.last_error_dialog.text()
    window.my_samples.fresh_samples_button.click()                            # the way out, offered here too
    assert not dialog.undo_button.isEnabled() and not dialog.undo()
    assert window.samples.count() == 0                             # the old delete was not replayed here


def test_undo_back_to_another_drawing_takes_the_typed_letter_with_it(qtbot, settings, tmp_path):
    window = make_window(qtbot, settings)
    draw_letter(qtbot, window, LETTERS["x"])
    path = model.save_strokes(tmp_path / "o.npz", [LETTERS["o"]], [model.CLASSES.index("o")])
    assert window.drawing_files.open_drawing(str(path))
    QTest.keyClick(window.pad, Qt.Key.Key_O)                       # for the o on the pad
    window.undo_action.trigger()                                   # the x is back
    assert window.drawing.label_edit.text() == ""
    QTest.keyClick(window.pad, Qt.Key.Key_X)
    window.pad.undo()                                              # a stroke of the same x: the letter stays
    assert window.drawing.label_edit.text() == "x"


def test_export_and_import_dialogs_open_where_the_last_drawing_file_was(qtbot, settings, tmp_path, monkeypatch):
    window, dialog = samples_dialog_with(qtbot, settings)
    asked = []

    def save_dialog(parent, title, start, file_filter):
        asked.append(start)
        return str(tmp_path / "out" / "mine.npz"), ""

    def open_dialog(parent, title, start, file_filter):
        asked.append(start)
        return str(tmp_path / "out" / "mine.npz"), ""

    monkeypatch.setattr("gui.samples_dialog.QFileDialog.getSaveFileName", save_dialog)
    monkeypatch.setattr("gui.samples_dialog.QFileDialog.getOpenFileName", open_dialog)
    (tmp_path / "out").mkdir()
    assert dialog.export()
    # At first in the home folder, not wherever the app was started from...
    assert asked[0] == os.path.join(os.path.expanduser("~"), "my_samples_strokes.npz")
    assert dialog.import_() == 0                       # ...then where the export went
    assert asked[1] == str(tmp_path / "out")
    assert window.files.last_folder("drawings") == str(tmp_path / "out")     # and so does File ▸ Open drawing


def test_a_letter_typed_on_an_empty_pad_does_not_label_the_next_drawing(qtbot, settings):
    window = make_window(qtbot, settings)
    window.pad.clear()                                             # Esc
    QTest.keyClick(window.pad, Qt.Key.Key_A)
    QTest.keyClick(window.pad, Qt.Key.Key_Return)
    assert "Draw a letter first" in window.statusBar().currentMessage()
    draw_letter(qtbot, window, LETTERS["x"])                       # the drawing the 'a' was not typed for
    assert window.drawing.label_edit.text() == ""
    QTest.keyClick(window.pad, Qt.Key.Key_Return)
    assert window.samples.count() == 0
    QTest.keyClick(window.pad, Qt.Key.Key_X)                       # typed after drawing: it labels
    QTest.keyClick(window.pad, Qt.Key.Key_Return)
    assert [info.label for info in window.samples.list()] == ["x"]


def test_a_click_on_the_chart_proposes_the_letter_and_only_enter_stores_it(qtbot, settings):
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    window = make_window(qtbot, settings)
    draw_letter(qtbot, window, LETTERS["x"])
    chart, view = window.network.chart, window.network.chart.viewport()
    at = QPointF(chart.mapFromScene(chart.plotItem.vb.mapViewToScene(QPointF(chart.letters.index("k"), 0.5))))
    QApplication.sendEvent(view, QMouseEvent(QEvent.Type.MouseMove, at, view.mapToGlobal(at), Qt.MouseButton.NoButton,
                                             Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    assert "Click: this drawing is 'k'" in chart.toolTip()          # what a click will do, before it
    window.network.chart.letter_clicked.emit("k")                  # the reading was right: x, not k
    assert window.samples.count() == 0 and not window.pad.is_empty()
    assert window.drawing.label_edit.text() == "k"
    window.network.chart.letter_clicked.emit("x")                  # changed its mind
    QTest.keyClick(window.pad, Qt.Key.Key_Return)
    assert [info.label for info in window.samples.list()] == ["x"]


def test_thousands_of_imported_samples_are_read_for_their_marks_in_the_background(qtbot, settings, tmp_path,
                                                                                  monkeypatch):
    import threading
    from gui import sample_readings
    window, dialog = samples_dialog_with(qtbot, settings, [("x", "k")])
    monkeypatch.setattr(sample_readings, "BATCH", 50)
    many = 3 * sample_readings.READ_AT_ONCE
    rng = np.random.default_rng(0)
    inks = [[s * rng.uniform(0.9, 1.1) for s in LETTERS["o"]] for _ in range(many - 1)] + [LETTERS["z"]]
    path = model.save_strokes(tmp_path / "many_strokes.npz", inks,         # each drawing its own
                              [model.CLASSES.index("o")] * (many - 1) + [model.CLASSES.index("k")])
    threads, read_letters = [], model.Recognizer.read_letters

    def reading(recognizer, *args):
        threads.append(threading.current_thread() is threading.main_thread())
        return read_letters(recognizer, *args)

    monkeypatch.setattr(model.Recognizer, "read_letters", reading)
    assert dialog.import_(str(path)) == many
    assert "Reading" in dialog.summary.text() and "for the misread marks" in dialog.summary.text()
    assert dialog.grid.count() == many + 1                   # every thumbnail is there while they are read
    qtbot.waitUntil(lambda: not dialog.readings.busy, timeout=30_000)
    assert threads and not any(threads)                      # none read on the window's thread
    assert "misreads 2 of them" in dialog.summary.text()     # the odd k, and the z labelled k
    assert f"Imported {many:,} new drawings" in dialog.summary.text()     # still said, once the marks came
