"""The rasterizer: ink (strokes, y down, any unit) -> the network's 28x28 input."""
import numpy as np
import pytest
import torch

from model import Augment, InkBatch, RasterConfig, render, render_batch

SIZE = RasterConfig().size


def L_shape(scale=1.0, offset=(0.0, 0.0)):
    """Down the left side, then right along the bottom (y points down)."""
    return [np.array([[0, 0], [0, 10], [6, 10]], dtype=float) * scale + offset]


def letter_k():
    return [np.array([[0, 0], [0, 12]], dtype=float),
            np.array([[6, 3], [0, 8], [6, 12]], dtype=float)]


def random_walk(n, seed=0):
    return [np.cumsum(np.random.default_rng(seed).normal(size=(n, 2)), axis=0)]


def inked(image, threshold=0.5):
    """Indices of the rows and of the columns holding ink above ``threshold``."""
    mask = image > threshold
    return np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))


def assert_valid_image(image):
    assert image.shape == (SIZE, SIZE)
    assert image.dtype == np.float32
    assert np.isfinite(image).all()
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert image.max() > 0.5, "no ink in the image"


# ----------------------------------------------------------------- degenerate ink

@pytest.mark.parametrize("ink", [
    pytest.param([np.array([[5.0, 7.0]])], id="one-point"),
    pytest.param([np.array([[5.0, 7.0]] * 6)], id="identical-points"),
    pytest.param([np.array([[5.0, 7.0]]), np.array([[5.0, 7.0], [5.0, 7.0]])], id="two-dot-strokes"),
    pytest.param([np.array([[1e6, 1e6], [1e6 + 1e-5, 1e6]])], id="too-small-to-measure"),
])
def test_dot_renders_as_small_dot_in_the_centre(ink):
    image = render(ink)
    assert_valid_image(image)
    assert (image > 0).sum() <= 16, "a dot must not be blown up to fill the frame"
    rows, cols = np.indices(image.shape)
    centroid = ((rows * image).sum() / image.sum(), (cols * image).sum() / image.sum())
    np.testing.assert_allclose(centroid, ((SIZE - 1) / 2, (SIZE - 1) / 2), atol=1e-4)


def test_horizontal_line_is_a_thin_line_through_the_centre():
    image = render([np.array([[-3.0, 2.0], [7.0, 2.0], [20.0, 2.0]])])
    assert_valid_image(image)
    rows, cols = inked(image)
    assert rows.tolist() == [SIZE // 2 - 1, SIZE // 2]        # 2 px thick, centred
    assert (image[:SIZE // 2 - 2] == 0).all() and (image[SIZE // 2 + 2:] == 0).all()
    assert cols[0] + cols[-1] == SIZE - 1                       # centred left-right
    assert 25 <= len(cols) <= 27                                # long side ~24 px plus the pen


def test_vertical_line_is_the_transposed_horizontal_line():
    horizontal = render([np.array([[0.0, 5.0], [10.0, 5.0]])])
    vertical = render([np.array([[5.0, 0.0], [5.0, 10.0]])])
    np.testing.assert_allclose(vertical, horizontal.T, atol=1e-6)


def test_ten_thousand_point_random_walk_renders():
    image = render(random_walk(10_000))
    assert_valid_image(image)
    assert (image > 0.5).mean() > 0.2   # a long scribble covers much of the frame


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_coordinates_are_refused(bad):
    stroke = np.array([[0.0, 0.0], [3.0, 4.0], [5.0, 1.0]])
    stroke[1, 0] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        render([stroke])


def test_coordinates_too_large_to_frame_are_refused():
    with pytest.raises(ValueError, match="too large"):
        render([np.array([[-1e308, 0.0], [1e308, 1.0]])])


@pytest.mark.parametrize("ink", [
    pytest.param([], id="no-strokes"),
    pytest.param([np.zeros((0, 2))], id="stroke-with-no-points"),
    pytest.param([np.zeros((0, 2)), np.zeros((0, 2))], id="several-empty-strokes"),
])
def test_empty_drawing_is_refused(ink):
    with pytest.raises(ValueError, match="empty"):
        render(ink)


def test_empty_drawing_in_a_batch_is_named():
    batch = InkBatch.from_inks([L_shape(), [], letter_k()])
    with pytest.raises(ValueError, match="drawing 1 is empty"):
        render_batch(batch)


def test_empty_stroke_beside_real_ones_is_ignored():
    np.testing.assert_array_equal(render([np.zeros((0, 2))] + letter_k()), render(letter_k()))


@pytest.mark.parametrize("stroke", [
    pytest.param(np.arange(12.0).reshape(4, 3), id="three-columns"),
    pytest.param(np.arange(8.0).reshape(2, 2, 2), id="three-dimensions"),
    pytest.param(np.array([0.0, 0.0, 10.0, 10.0]), id="flat"),
])
def test_a_stroke_that_is_not_k_by_2_is_refused_not_reshaped(stroke):
    with pytest.raises(ValueError, match=r"must be a \(k, 2\) array .* got shape"):
        InkBatch.from_inks([[np.array([[0.0, 0.0], [5.0, 5.0]]), stroke]])


@pytest.mark.parametrize("empty", [[], np.zeros(0), np.zeros((0, 2))], ids=["list", "flat", "k-by-2"])
def test_an_empty_stroke_of_any_shape_is_still_no_ink(empty):
    batch = InkBatch.from_inks([[empty] + letter_k()])
    assert batch.point_counts().tolist() == [5] and len(batch.ink(0)[0]) == 0


@pytest.mark.parametrize("settings, field", [
    ({"size": 0}, "size"), ({"size": "28"}, "size"), ({"size": 28.0}, "size"), ({"size": True}, "size"),
    ({"long_side": 0.0}, "long_side"), ({"pen_radius": -1.0}, "pen_radius"), ({"softness": 0}, "softness"),
    ({"step": 0.0}, "step"), ({"step": float("nan")}, "step"), ({"long_side": float("inf")}, "long_side"),
    ({"softness": "0.7"}, "softness"),
])
def test_raster_settings_the_rasterizer_cannot_draw_with_are_refused(settings, field):
    with pytest.raises(ValueError, match=f"'{field}' must be"):
        RasterConfig(**settings)


def test_empty_batch_gives_no_images():
    images = render_batch(InkBatch.from_inks([]))
    assert images.shape == (0, SIZE, SIZE)


# -------------------------------------------------------------- framing, orientation

def test_L_shape_is_upright_ink_in_the_bottom_left():
    image = render(L_shape())
    assert_valid_image(image)
    half = SIZE // 2
    assert (image[:half, half:] == 0).all(), "top-right quadrant must be empty"
    left_band, bottom_band = image[:, :10], image[-10:, :]
    assert (left_band > 0.5).any(axis=1).sum() >= 20, "the left side must be inked top to bottom"
    assert (bottom_band > 0.5).any(axis=0).sum() >= 12, "the bottom must be inked left to right"
    assert image[:half, :half].sum() < image[half:, :half].sum()   # more ink low than high on the left


@pytest.mark.parametrize("ink", [L_shape(), letter_k(), random_walk(200, seed=3)],
                         ids=["L", "k", "scribble"])
def test_ink_is_framed_centred_with_long_side_about_24px(ink):
    image = render(ink)
    rows, cols = inked(image)
    # The pen's reach is the same on all four sides, so the inked box is centred.
    assert rows[0] + rows[-1] == SIZE - 1
    assert cols[0] + cols[-1] == SIZE - 1
    long_side = max(len(rows), len(cols))
    assert 25 <= long_side <= 27   # 24 px of skeleton plus about 1 px of pen each side


@pytest.mark.parametrize("scale, offset", [(10.0, (0, 0)), (0.01, (0, 0)), (1.0, (-500, 300)),
                                           (37.0, (1e4, -2e4))])
def test_framing_ignores_units_and_position(scale, offset):
    reference = render(L_shape())
    np.testing.assert_allclose(render(L_shape(scale, offset)), reference, atol=1e-5)


@pytest.mark.parametrize("width, height", [(2, 10), (10, 2), (1, 4), (10, 10)])
def test_aspect_ratio_is_kept(width, height):
    rectangle = [np.array([[0, 0], [width, 0], [width, height], [0, height], [0, 0]], dtype=float)]
    rows, cols = inked(render(rectangle))
    scale = 24.0 / max(width, height)
    # Inked extent = skeleton extent + about 2 px of pen.
    assert abs((len(cols) - 2) - width * scale) <= 1.5
    assert abs((len(rows) - 2) - height * scale) <= 1.5


def test_long_side_follows_the_config():
    rows, cols = inked(render(L_shape(), RasterConfig(long_side=12.0)))
    assert 13 <= len(rows) <= 15
    image = render(L_shape(), RasterConfig(size=40))
    assert image.shape == (40, 40)


# ------------------------------------------------------------- batch == single drawing

INKS = [L_shape(), letter_k(), [np.array([[3.0, 3.0]])], [np.array([[0.0, 1.0], [9.0, 1.0]])],
        random_walk(500, seed=1), random_walk(10, seed=2) + random_walk(15, seed=4)]


def test_render_batch_equals_render_of_each():
    images = render_batch(InkBatch.from_inks(INKS))
    assert isinstance(images, torch.Tensor)
    assert images.shape == (len(INKS), SIZE, SIZE) and images.dtype == torch.float32
    for i, ink in enumerate(INKS):
        np.testing.assert_allclose(images[i].numpy(), render(ink), atol=1e-6, err_msg=f"drawing {i}")


# --------------------------------------------------------------------- augmentation

def test_augmentation_is_reproducible_and_changes_the_image():
    batch = InkBatch.from_inks(INKS)
    plain = render_batch(batch)
    first = render_batch(batch, augment=Augment(), rng=np.random.default_rng(42))
    again = render_batch(batch, augment=Augment(), rng=np.random.default_rng(42))
    other = render_batch(batch, augment=Augment(), rng=np.random.default_rng(43))
    assert torch.equal(first, again)
    assert torch.isfinite(first).all() and first.min() >= 0 and first.max() <= 1
    for i in range(len(INKS)):
        assert not torch.allclose(first[i], plain[i], atol=1e-3), f"drawing {i} was not distorted"
        assert not torch.allclose(first[i], other[i], atol=1e-3), f"drawing {i} ignores the seed"


def test_augmentation_of_zero_strength_is_no_augmentation():
    none = Augment(rotate_deg=0, shear=0, aspect=0, scale=0, shift_px=0, stroke_shift_px=0,
                   jitter_px=0, elastic_px=0, pen_scale=(1.0, 1.0))
    batch = InkBatch.from_inks(INKS)
    torch.testing.assert_close(render_batch(batch, augment=none, rng=np.random.default_rng(0)),
                               render_batch(batch), rtol=0, atol=1e-5)


def test_stroke_shift_moves_the_strokes_against_each_other():
    """An '=' of two bars: the shift moves each bar on its own, so their
    centres no longer line up, as a writer's t bar sits off centre."""
    equals = [np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([[0.0, 6.0], [10.0, 6.0]])]
    only_shift = Augment(rotate_deg=0, shear=0, aspect=0, scale=0, shift_px=0, stroke_shift_px=1.5,
                         jitter_px=0, elastic_px=0, pen_scale=(1.0, 1.0))
    images = render_batch(InkBatch.from_inks([equals] * 8), augment=only_shift,
                          rng=np.random.default_rng(0)).numpy()
    columns = np.arange(SIZE)

    def bar_centres(image):
        top, bottom = image[:SIZE // 2], image[SIZE // 2:]
        return [(half.sum(0) * columns).sum() / half.sum() for half in (top, bottom)]

    plain_top, plain_bottom = bar_centres(render(equals))
    assert plain_top == pytest.approx(plain_bottom, abs=1e-3)
    offsets = [abs(top - bottom) for top, bottom in map(bar_centres, images)]
    assert max(offsets) > 0.5, offsets


# ------------------------------------------------------------------------- InkBatch

def assert_same_ink(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_array_equal(a, np.asarray(e, dtype=float).reshape(-1, 2))


def test_inkbatch_round_trip_and_subset():
    batch = InkBatch.from_inks(INKS)
    assert len(batch) == len(INKS)
    for i, ink in enumerate(INKS):
        assert_same_ink(batch.ink(i), ink)
    assert batch.point_counts().tolist() == [sum(len(s) for s in ink) for ink in INKS]

    picked = [4, 0, 2, 0]
    sub = batch.subset(np.array(picked))
    assert len(sub) == len(picked)
    for j, i in enumerate(picked):
        assert_same_ink(sub.ink(j), INKS[i])
    torch.testing.assert_close(render_batch(sub), render_batch(batch)[picked])

    whole = batch.subset(np.arange(len(batch)))
    for name in ("points", "stroke_offsets", "sample_offsets"):
        np.testing.assert_array_equal(getattr(whole, name), getattr(batch, name))
    assert len(batch.subset(np.array([], dtype=np.int64))) == 0


# ------------------------------------------------------------------ the splat itself

def brute_force_splat(points, owner, n, pen_radius, config):
    """The splat's definition, pixel by pixel: the brightest ramp of any point."""
    centres = np.arange(config.size) + 0.5
    images = np.zeros((n, config.size, config.size))
    for (x, y), i in zip(points.T, owner):
        dist = np.hypot(centres[None, :] - x, centres[:, None] - y)
        ramp = np.clip((pen_radius[i] + config.softness - dist) / (2 * config.softness), 0, 1)
        images[i] = np.maximum(images[i], ramp)
    return images


@pytest.mark.parametrize("config", [RasterConfig(), RasterConfig(size=12, pen_radius=1.6, softness=0.3)],
                         ids=["default", "small-wide-pen"])
def test_splat_matches_its_pixel_by_pixel_definition(config):
    from model.ink import _splat
    rng = np.random.default_rng(5)
    n = 3
    # Points inside, on the edge of, just off and far off the frame, in three
    # drawings with different pen radii (as augmentation makes them).
    points = np.concatenate([rng.uniform(-3, config.size + 3, (2, 300)),
                             [[-0.5, config.size, 0.0, config.size - 0.5, -40.0, 1e4],
                              [0.5, config.size + 1.0, 0.0, config.size + 0.2, 3.0, -1e4]]], axis=1)
    owner = np.concatenate([np.arange(300) % n, [0, 1, 2, 0, 1, 2]])
    pen_radius = config.pen_radius * np.array([0.8, 1.0, 1.25])
    images = _splat(points, owner, n, pen_radius, config)
    assert images.shape == (n, config.size, config.size) and images.dtype == torch.float32
    np.testing.assert_allclose(images.numpy(), brute_force_splat(points, owner, n, pen_radius, config),
                               rtol=0, atol=1e-6)


def test_splat_in_several_passes_paints_the_same_images(monkeypatch):
    import model.ink
    batch = InkBatch.from_inks(INKS)
    whole = render_batch(batch, augment=Augment(), rng=np.random.default_rng(1))
    monkeypatch.setattr(model.ink, "_SPLAT_CHUNK", 7)     # many passes, the last one short
    torch.testing.assert_close(render_batch(batch, augment=Augment(), rng=np.random.default_rng(1)),
                               whole, rtol=0, atol=0)


# ------------------------------------------------------------ frame_transform

@pytest.mark.parametrize("ink", [L_shape(), L_shape(37.0, (500.0, -80.0)), letter_k(), random_walk(200, seed=3)],
                         ids=["L", "L-scaled-shifted", "k", "random-walk"])
def test_frame_transform_puts_every_ink_point_on_a_lit_pixel(ink):
    from model import frame_transform
    image = render(ink)
    scale, offset = frame_transform(ink)
    points = np.concatenate(ink) * scale + offset
    cols, rows = np.floor(points).astype(int).T
    assert ((0 <= rows) & (rows < SIZE) & (0 <= cols) & (cols < SIZE)).all()
    assert (image[rows, cols] > 0.5).all()         # each point lies on ink, not beside it
    # Long side spans RasterConfig.long_side, centred in the frame.
    low, high = points.min(0), points.max(0)
    assert (high - low).max() == pytest.approx(RasterConfig().long_side)
    np.testing.assert_allclose((low + high) / 2, [SIZE / 2, SIZE / 2], atol=1e-9)


def test_frame_transform_follows_the_config_and_refuses_what_render_refuses():
    from model import frame_transform
    config = RasterConfig(size=40, long_side=30.0)
    scale, offset = frame_transform(letter_k(), config)
    assert scale == pytest.approx(30.0 / 12.0)        # the k is 12 units tall
    np.testing.assert_allclose(np.array([3.0, 6.0]) * scale + offset, [20.0, 20.0])   # box centre
    assert frame_transform([np.array([[5.0, 7.0]])])[0] == 0.0      # a dot is not blown up
    with pytest.raises(ValueError):
        frame_transform([])
    with pytest.raises(ValueError):
        frame_transform([np.array([[np.nan, 1.0], [2.0, 3.0]])])


# ------------------------------------------------- bad and enormous ink (issue 27)

def scribble(crossings, seed=0):
    """One stroke whose every segment crosses the whole letter, left edge to right edge."""
    y = np.random.default_rng(seed).uniform(0, 100, crossings + 1)
    x = np.where(np.arange(crossings + 1) % 2 == 0, 0.0, 100.0)
    return [np.stack([x, y], 1)]


def test_a_scribble_beyond_the_budget_is_refused_in_words():
    with pytest.raises(ValueError, match="too long to read"):
        render(scribble(100_000))       # once 1.5 s and 0.6 GB; 10^6 crossings 16 s and 3.3 GB


def test_a_scribble_beyond_the_budget_is_refused_in_training_batches_too():
    batch = InkBatch.from_inks([L_shape(), scribble(100_000)])
    with pytest.raises(ValueError, match="drawing 1 is too long"):
        render_batch(batch, augment=Augment(), rng=np.random.default_rng(0))


def test_a_drawing_of_too_many_points_is_refused_before_any_work():
    from model.ink import MAX_RENDER_POINTS
    dots = np.zeros((MAX_RENDER_POINTS + 1, 2))     # all on one spot: a short path, but too many points
    with pytest.raises(ValueError, match="too long to read"):
        render([dots])


def test_a_long_scribble_within_the_budget_is_read_a_bounded_chunk_at_a_time():
    from model.ink import _DENSIFY_CHUNK, MAX_RENDER_POINTS, _Path, frame_transform
    ink = scribble(9_000)
    scale, offset = frame_transform(ink)
    points = ink[0] * scale + offset
    path = _Path(points, np.zeros(len(points), dtype=np.int64), np.array([0, len(points)]), RasterConfig())
    sizes = [dense.shape[1] for dense, _ in path.chunks()]
    longest_segment = int(path.pieces.max())
    assert len(sizes) > 1 and max(sizes) <= _DENSIFY_CHUNK + longest_segment
    assert sum(sizes) <= MAX_RENDER_POINTS
    assert (render(ink) > 0.5).mean() > 0.5          # read, as a blot


@pytest.mark.parametrize("stroke, kind", [
    pytest.param(np.array([[0.0, 0.0], [3.0, 4.0j]]), "complex", id="complex"),
    pytest.param(np.array([[True, False], [False, True]]), "bool", id="bool"),
    pytest.param(np.array([["1", "2"], ["3", "4"]]), "<U1", id="strings"),
    pytest.param(np.array([[0.0, None], [1.0, 2.0]], dtype=object), "object", id="object-with-None"),
])
def test_coordinates_that_are_not_real_numbers_are_refused(stroke, kind):
    with pytest.raises(ValueError, match=f"real numbers, got {kind}"):
        render([stroke])


def test_complex_points_in_a_batch_are_refused_not_cut_to_their_real_part():
    batch = InkBatch.from_inks([L_shape()])
    batch.points = batch.points + 1j
    with pytest.raises(ValueError, match="real numbers"):
        render_batch(batch)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int32, np.uint16, object])
def test_real_coordinates_of_any_numeric_type_draw_alike(dtype):
    stroke = np.array([[0, 0], [10, 30], [20, 0]])
    np.testing.assert_array_equal(render([stroke.astype(dtype)]), render([stroke.astype(np.float64)]))


@pytest.mark.parametrize("augment", [None, Augment()], ids=["plain", "augmented"])
@pytest.mark.parametrize("stroke", [[[0.0, 0.0], [1e308, 1e308]], [[0.0, 0.0], [1e308, 1e307]],
                                    [[0.0, 0.0], [-4e38, 1.0]]])
def test_coordinates_near_the_float_limit_get_the_projects_message(stroke, augment):
    batch = InkBatch.from_inks([[np.array(stroke)]])
    with pytest.raises(ValueError, match="too large"):
        render_batch(batch, augment=augment, rng=np.random.default_rng(0))
