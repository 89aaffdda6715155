"""The feature-map building blocks: the heat-map item's colours, the colour levels, the captions."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from gui.feature_maps import (COLOR_MAP, GAP_COLOR, ElidedLabel, HeatmapItem, MapScales, steady_levels,
                               symmetric_levels)


def test_heatmap_colours_follow_the_colour_map_and_gaps_take_the_gap_colour(qtbot):
    item = HeatmapItem()
    item.setImage(np.array([[-1.0, 0.0], [1.0, np.nan]], np.float32), autoLevels=False, levels=(-1.0, 1.0))
    item.render()
    table = COLOR_MAP.getLookupTable(nPts=256, alpha=False)
    pixel = lambda row, col: item.qimage.pixelColor(col, row).getRgb()[:3]
    assert pixel(0, 0) == tuple(table[0])          # the low end
    assert pixel(1, 0) == tuple(table[255])        # the high end
    assert pixel(0, 1) == tuple(table[128])        # zero: the middle
    assert pixel(1, 1) == QColor(GAP_COLOR).getRgb()[:3]


def test_heatmap_clips_values_outside_the_levels(qtbot):
    item = HeatmapItem()
    item.setImage(np.array([[-50.0, 50.0]], np.float32), autoLevels=False, levels=(-1.0, 1.0))
    item.render()
    table = COLOR_MAP.getLookupTable(nPts=256, alpha=False)
    assert item.qimage.pixelColor(0, 0).getRgb()[:3] == tuple(table[0])
    assert item.qimage.pixelColor(1, 0).getRgb()[:3] == tuple(table[255])


def test_symmetric_levels_round_the_peak_up_to_a_nice_number():
    assert symmetric_levels(np.array([0.2, -2.6])) == (-3.0, 3.0)
    assert symmetric_levels(np.zeros(4)) == (-1.0, 1.0)


def test_steady_levels_hold_while_the_new_ones_fit():
    assert steady_levels((-2.0, 2.0), (-3.0, 3.0)) == (-3.0, 3.0)      # fits: hold still
    assert steady_levels((-5.0, 5.0), (-3.0, 3.0)) == (-5.0, 5.0)      # outgrows: follow
    assert steady_levels((-0.5, 0.5), (-3.0, 3.0)) == (-0.5, 0.5)      # far narrower: follow


def test_heatmap_takes_a_colour_map_by_name_after_construction(qtbot):
    item = HeatmapItem()
    item.setColorMap("CET-L1")                      # grey, as the input view uses
    item.setImage(np.array([[0.0, 1.0]], np.float32), autoLevels=False, levels=(0.0, 1.0))
    item.render()
    assert item.qimage.pixelColor(0, 0).getRgb()[:3] == (0, 0, 0)
    assert item.qimage.pixelColor(1, 0).getRgb()[:3] == (255, 255, 255)


def test_symmetric_levels_skip_nan_padding():
    assert symmetric_levels(np.array([np.nan, 0.4, -1.2, np.nan])) == (-1.5, 1.5)
    assert symmetric_levels(np.full(3, np.nan)) == (-1.0, 1.0)


def test_live_levels_hold_but_a_blank_frame_resets_them():
    scales = MapScales()              # what every view's levels come from (map_levels)
    maps = np.ones((4, 4), np.float32)
    assert scales.levels("conv1", {"conv1": maps * 2.6}) == (-3.0, 3.0)
    assert scales.levels("conv1", {"conv1": maps * 1.6}) == (-3.0, 3.0)       # fits: the bar holds still
    scales.forget()                                                           # the pad was cleared
    assert scales.levels("conv1", {"conv1": maps * 0.6}) == symmetric_levels(maps * 0.6)  # a new drawing


def test_panel_captions_end_in_an_ellipsis_where_they_do_not_fit(qtbot):
    caption = "32 channels of 26×26 · hover or click a tile"
    label = ElidedLabel(caption)
    qtbot.addWidget(label)
    label.resize(90, 20)
    shown = label.shown_text()
    assert shown.endswith("…") and len(shown) < len(caption)
    assert label.fontMetrics().horizontalAdvance(shown) <= 90
    label.resize(1000, 20)
    assert label.shown_text() == caption
