"""The model in use, the retrained models that exist only in memory, and
what to ask before one of them is lost."""
from __future__ import annotations

from pathlib import Path

import model

UNSAVED = "retrained (not saved)"      # the source of a retrained model until it is saved


def is_shipped_file(path) -> bool:
    return bool(path) and Path(path).resolve() == Path(model.SHIPPED_WEIGHTS).resolve()


def is_unsaved(recognizer) -> bool:
    return recognizer is not None and recognizer.source == UNSAVED


class ModelsInUse:
    """``in_use`` reads the pad; ``last_trained()`` gives the Retrain
    dialog's latest model (maybe the same one, maybe None), which the
    dialog holds until another run replaces it."""

    def __init__(self, in_use=None, last_trained=lambda: None):
        self.in_use = in_use
        self._last_trained = last_trained

    @property
    def last_trained(self):
        return self._last_trained()

    def is_shipped(self, recognizer=None) -> bool:
        recognizer = recognizer if recognizer is not None else self.in_use
        return recognizer is not None and is_shipped_file(recognizer.source)

    def unsaved(self) -> list:
        """Retrained models that exist only in memory: the one in use, and
        the last run's if that is another (using is not saving)."""
        trained = self.last_trained
        candidates = [self.in_use] + ([trained] if trained is not self.in_use else [])
        return [r for r in candidates if is_unsaved(r)]

    def unsaved_not_in(self, asked: list) -> list:
        """The unsaved models nobody was asked about yet (``asked`` holds those that were)."""
        return [r for r in self.unsaved() if not any(r is seen for seen in asked)]

    def lost_if_replaced(self):
        """The model in use, if another taking its place would lose it: it
        exists only in memory and the Retrain dialog no longer holds it."""
        outgoing = self.in_use
        return outgoing if is_unsaved(outgoing) and outgoing is not self.last_trained else None

    def file_to_remember(self) -> tuple[bool, str | None]:
        """What the next start should open: (change the setting?, the file or
        None for the shipped model).  A model with no file yet changes nothing."""
        recognizer = self.in_use
        if recognizer is None:
            return False, None
        if self.is_shipped(recognizer):
            return True, None
        source = Path(recognizer.source)
        return (True, str(source.resolve())) if source.is_file() else (False, None)

    def why_not_save_to(self, recognizer, path) -> str | None:
        """Why ``recognizer`` must not be written to ``path``, or None if it may."""
        if is_shipped_file(path):
            return "The shipped weights are never overwritten."
        in_use = self.in_use
        if in_use is not None and in_use is not recognizer and in_use.source \
                and Path(in_use.source).resolve() == Path(path).resolve():
            return f"{Path(path).name} holds the model in use: writing another model over it would lose that one."
        return None

    def status_text(self) -> str:
        """The model in use, as the status bar names it: its file too, unless it is the shipped one."""
        recognizer = self.in_use
        text = recognizer.describe()
        if recognizer.source and not self.is_shipped(recognizer):
            text = f"{Path(recognizer.source).name} · {text}"
        return text
