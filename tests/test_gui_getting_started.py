"""Help ▸ Getting started: its five steps, its pictures, and "Don't show this again"."""
import pytest
from PySide6.QtGui import QImage

from gui.getting_started import (DISMISSED_KEY, GettingStartedDialog, remember_dismissed,
                                 should_show_getting_started)


@pytest.fixture
def dialog(qtbot, settings):
    shown = GettingStartedDialog(settings)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def test_the_steps_say_what_to_do_with_the_pad_bars_maps_values_and_samples(dialog):
    steps = [label.text() for label in dialog.step_labels]
    expected = [
        ["Draw a letter", "pad"],
        ["bars", "probability", "softmax"],
        ["feature map", "kernel", "max-pool", "GELU"],
        ["Click a tile", "enlarged channel", "Explain ▸ Step through", "bias"],
        ["“This is”", "Enter", "My samples", "Teach the model", "Model ▸ Retrain"],
    ]
    assert len(steps) == len(expected)
    for text, words in zip(steps, expected):
        assert all(word in text for word in words), (text, words)


def test_every_step_has_a_picture_with_something_drawn(dialog):
    pictures = dialog.findChildren(type(dialog.step_labels[0]))
    pixmaps = [label.pixmap() for label in pictures if not label.pixmap().isNull()]
    assert len(pixmaps) == len(dialog.step_labels)
    for pixmap in pixmaps:
        image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
        colours = {image.pixel(x, y) for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)}
        assert len(colours) > 3


def test_no_step_text_is_cut_off(dialog):
    for label in dialog.step_labels:
        assert label.height() >= label.heightForWidth(label.width())


def test_it_shows_until_dismissed_and_a_hand_edited_value_does_not_hide_it(settings):
    assert should_show_getting_started(settings)
    remember_dismissed(settings)
    assert not should_show_getting_started(settings)
    settings.setValue(DISMISSED_KEY, "perhaps")
    assert should_show_getting_started(settings)


def test_dont_show_again_is_remembered_on_closing_and_can_be_taken_back(qtbot, dialog, settings):
    assert not dialog.dont_show_again.isChecked()
    dialog.dont_show_again.setChecked(True)
    dialog.close()
    assert not should_show_getting_started(settings)

    again = GettingStartedDialog(settings)           # Help ▸ Getting started, later
    qtbot.addWidget(again)
    assert again.dont_show_again.isChecked()
    again.dont_show_again.setChecked(False)
    again.reject()
    assert should_show_getting_started(settings)


def test_closing_without_ticking_keeps_showing_it(dialog, settings):
    dialog.reject()
    assert should_show_getting_started(settings)
