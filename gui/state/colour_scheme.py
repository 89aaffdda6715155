"""The colour scheme the user picked under View ▸ Colour scheme, and the
one that is shown: System follows the desktop's light or dark setting."""
from __future__ import annotations

COLOUR_SCHEMES = {"system": "System", "light": "Light", "dark": "Dark"}    # the setting -> its menu item


def scheme_choice(value) -> str:
    """A remembered choice; anything else (none yet, a hand-edited file) is System."""
    return value if isinstance(value, str) and value in COLOUR_SCHEMES else "system"


def shown_scheme(choice: str, system: str | None) -> str | None:
    """"light" or "dark": the choice, or for System the desktop's ``system``
    scheme, which is None where the desktop does not say."""
    return system if choice == "system" else choice
