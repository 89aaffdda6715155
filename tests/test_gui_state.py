"""The app's state without widgets: no QApplication is made here."""
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

import model
from gui.state import (BAR_HINT, COLOUR_SCHEMES, MISREAD_SEARCH, UNSAVED, MisreadSearch, ModelsInUse,
                       OpenedDrawing, ReadingRules, TimingText, bar_hint, scheme_choice, shown_scheme)


def fake_recognizer(source):
    return SimpleNamespace(source=source, describe=lambda: "letternet · 1 parameters")


class FakeDrawings:
    """Drawings whose labels are given; the fake recognizer reads ``readings``."""
    def __init__(self, labels):
        self.labels = np.array([model.CLASSES.index(letter) for letter in labels])

    def __len__(self):
        return len(self.labels)


class ReadsAs:
    """A recognizer that reads drawing i as ``readings[i]`` and counts what it was asked."""
    def __init__(self, readings):
        self.readings, self.asked = readings, []

    def first_misread(self, drawings, indices, views):
        self.asked.append(list(indices))
        for i in indices:
            if model.CLASSES.index(self.readings[i]) != drawings.labels[i]:
                return int(i), model.CLASSES.index(self.readings[i])
        return None


def test_state_needs_no_qt():
    # In a fresh process: other tests in this one have loaded Qt already.
    code = "import gui.state, sys; print('PySide6' in ' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_unsaved_models_are_the_one_in_use_and_the_last_run_each_once():
    in_use, trained = fake_recognizer(UNSAVED), fake_recognizer(UNSAVED)
    models = ModelsInUse(in_use, last_trained=lambda: trained)
    assert models.unsaved() == [in_use, trained]
    assert models.unsaved_not_in([trained]) == [in_use]
    same = ModelsInUse(in_use, last_trained=lambda: in_use)
    assert same.unsaved() == [in_use]


def test_a_replaced_model_is_lost_only_if_unsaved_and_no_longer_held_by_retrain():
    in_use = fake_recognizer(UNSAVED)
    assert ModelsInUse(in_use).lost_if_replaced() is in_use
    assert ModelsInUse(in_use, last_trained=lambda: in_use).lost_if_replaced() is None
    assert ModelsInUse(fake_recognizer(str(model.SHIPPED_WEIGHTS))).lost_if_replaced() is None


def test_the_file_to_remember(tmp_path):
    assert ModelsInUse(fake_recognizer(str(model.SHIPPED_WEIGHTS))).file_to_remember() == (True, None)
    mine = tmp_path / "mine.pt"
    mine.write_bytes(b"x")
    assert ModelsInUse(fake_recognizer(str(mine))).file_to_remember() == (True, str(mine.resolve()))
    assert ModelsInUse(fake_recognizer(UNSAVED)).file_to_remember() == (False, None)
    assert ModelsInUse(None).file_to_remember() == (False, None)


def test_saving_never_overwrites_the_shipped_weights_or_the_model_in_use(tmp_path):
    in_use = fake_recognizer(str(tmp_path / "in_use.pt"))
    models = ModelsInUse(in_use)
    trained = fake_recognizer(UNSAVED)
    assert "never overwritten" in models.why_not_save_to(trained, model.SHIPPED_WEIGHTS)
    assert "holds the model in use" in models.why_not_save_to(trained, tmp_path / "in_use.pt")
    assert models.why_not_save_to(in_use, tmp_path / "in_use.pt") is None       # saving it again is fine
    assert models.why_not_save_to(trained, tmp_path / "other.pt") is None


def test_the_status_text_names_a_file_but_not_the_shipped_one(tmp_path):
    assert ModelsInUse(fake_recognizer(str(model.SHIPPED_WEIGHTS))).status_text() == "letternet · 1 parameters"
    assert ModelsInUse(fake_recognizer(str(tmp_path / "me.pt"))).status_text().startswith("me.pt · ")


def test_stepping_through_a_file_stays_within_it():
    opened = OpenedDrawing(FakeDrawings("abc"), "abc.npz", 1)
    assert opened.label == "a" and opened.count == 3
    assert not opened.can_step(-1) and opened.can_step(+1)
    assert opened.stepped(+5).number == 3 and opened.stepped(-1).number == 1
    assert "Drawing 2 of 3 in abc.npz, labelled 'b'" in opened.at(2).message()
    assert OpenedDrawing(FakeDrawings("z"), "one.npz", 1).message().startswith("Opened one.npz, labelled 'z'")


def test_the_misread_search_finds_the_next_misread_drawing_in_either_direction():
    drawings = FakeDrawings("abcde")
    reader = ReadsAs("abxdx")                              # drawings 3 and 5 are misread
    found = MisreadSearch(OpenedDrawing(drawings, "f.npz", 1), +1).run(reader, model.ONE_VIEW)
    assert (found.found.number, found.reading) == (3, "x")
    assert "Drawing 3 of 5 in f.npz is labelled 'c' and reads as 'x'" in found.message()
    back = MisreadSearch(OpenedDrawing(drawings, "f.npz", 5), -1).run(reader, model.ONE_VIEW)
    assert back.found.number == 3 and reader.asked[-1] == [3, 2, 1, 0]


def test_the_misread_search_reads_a_bounded_number_of_views_and_says_where_it_stopped():
    count = MISREAD_SEARCH // model.READ_VIEWS.count + 10
    drawings = FakeDrawings("a" * count)
    reader = ReadsAs("a" * count)
    search = MisreadSearch(OpenedDrawing(drawings, "f.npz", 1), +1).run(reader, model.READ_VIEWS)
    assert search.found is None and search.searched == MISREAD_SEARCH // model.READ_VIEWS.count
    assert search.stopped_at.number == search.searched + 1
    assert search.message().endswith("press again to search on")
    last = MisreadSearch(OpenedDrawing(drawings, "f.npz", count), +1).run(reader, model.READ_VIEWS)
    assert last.searched == 0 and last.stopped_at is None


def test_a_burst_of_pen_moves_makes_one_reading():
    rules = ReadingRules()
    assert rules.request() and not rules.request() and not rules.request()
    rules.read(None, None, False, True)
    assert rules.request()


def test_one_view_while_the_pen_moves_and_several_once_it_lifts():
    assert ReadingRules.views(pen_down=True, several_views=True) is model.ONE_VIEW
    assert ReadingRules.views(pen_down=False, several_views=True) is model.READ_VIEWS
    assert ReadingRules.views(pen_down=False, several_views=False) is model.ONE_VIEW


def test_reading_says_why_there_is_no_reading():
    rules = ReadingRules()
    assert rules.read(None, [np.zeros((2, 2))], False, True) == (None, "No model loaded")
    asked = []
    reader = SimpleNamespace(predict=lambda strokes, views: asked.append(views) or "reading")
    assert rules.read(reader, None, False, True) == (None, "Draw a letter")
    assert rules.read(reader, [np.zeros((2, 2))], True, True) == ("reading", "Draw a letter")
    assert asked == [model.ONE_VIEW]

    def unreadable(strokes, views):
        raise ValueError("a single dot")
    assert rules.read(SimpleNamespace(predict=unreadable), [np.zeros((1, 2))], False, True) == \
        (None, "Can't read this: a single dot")


def test_the_timing_changes_a_few_times_a_second_but_at_once_for_new_views():
    timing = TimingText()
    one = SimpleNamespace(views=1, elapsed_ms=1.25)
    assert timing.update(one, 10.0) and timing.text == "read in 1.2 ms"
    assert not timing.update(SimpleNamespace(views=1, elapsed_ms=3.0), 10.1)      # too soon: unchanged
    assert timing.text == "read in 1.2 ms"
    assert timing.update(SimpleNamespace(views=8, elapsed_ms=9.0), 10.15)         # the pen lifted
    assert timing.text == "8 views in 9.0 ms"
    assert timing.update(None, 10.2) and timing.text == ""


@pytest.mark.parametrize("top, hint", [([("i", 0.6), ("l", 0.3)], BAR_HINT), ([("l", 0.9), ("i", 0.05)], ""),
                                       ([("a", 0.6), ("l", 0.3)], ""), ([("i", 1.0)], "")])
def test_the_i_or_l_hint_only_when_the_network_hesitates_between_them(top, hint):
    assert bar_hint(top) == hint


def test_the_colour_scheme_choice_is_one_of_three_and_system_shows_the_desktops():
    assert list(COLOUR_SCHEMES) == ["system", "light", "dark"]
    for remembered, choice in (("dark", "dark"), ("light", "light"), ("system", "system"), (None, "system"),
                               ("Dark", "system"), (["dark"], "system"), (2, "system")):   # hand-edited settings
        assert scheme_choice(remembered) == choice, remembered
    assert shown_scheme("dark", "light") == "dark" and shown_scheme("light", "dark") == "light"
    assert shown_scheme("system", "dark") == "dark" and shown_scheme("system", "light") == "light"
    assert shown_scheme("system", None) is None       # the desktop does not say: its palette stays
