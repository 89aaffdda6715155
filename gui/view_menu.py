"""The View menu: Explain and the saliency overlay, a check per panel, and
which stage each conv block shows."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

PANEL_TITLES = {"kernels": "Learned conv1 kernels", "dense": "Fully connected layers",
                "channel": "Enlarged channel", "input": "What the network sees"}


def fill_view_menu(menu: QMenu, first: list[QAction], panels: dict[str, QWidget], block_panels: dict,
                   set_panel_visible: Callable[[str, bool], None]) -> tuple[dict, dict]:
    """Fill ``menu`` anew for these panels; returns the panel checks and the
    stage choices, by panel key and by stage name."""
    menu.clear()
    menu.addActions(first)
    menu.addSeparator()
    titles = {**{f"block{b}": f"Block {b} feature maps" for b in block_panels}, **PANEL_TITLES}
    panel_actions: dict[str, QAction] = {}
    for key in panels:
        action = QAction(titles[key], menu, checkable=True, checked=True)
        action.toggled.connect(lambda on, key=key: set_panel_visible(key, on))
        panel_actions[key] = action
        menu.addAction(action)
    menu.addSeparator()
    stage_actions: dict[str, QAction] = {}
    for block, panel in block_panels.items():
        stage_menu = menu.addMenu(f"Block {block} shows")
        group = QActionGroup(stage_menu)
        for name in panel.stage_shapes:
            action = QAction(panel._stage_label(name), stage_menu, checkable=True)
            action.setChecked(name == panel.stage())
            action.triggered.connect(lambda _=False, panel=panel, name=name: panel.set_stage(name))
            group.addAction(action)
            stage_menu.addAction(action)
            stage_actions[name] = action
        panel.stage_changed.connect(lambda name: stage_actions[name].setChecked(True))
    return panel_actions, stage_actions
