"""Checks against the real handwriting data beside the checkout (skipped when it is absent)."""
import numpy as np
import pytest

from model import RasterConfig, SHIPPED_WEIGHTS, ImageSet, StrokeSet, evaluate_network, load_checkpoint, load_dataset

pytestmark = pytest.mark.data

CHARS74K = "chars74k_hnd_letters"


@pytest.fixture(scope="module")
def chars74k_strokes(shared_data_dir):
    path = shared_data_dir / f"{CHARS74K}_strokes.npz"
    if not path.is_file():
        pytest.skip(f"{path.name} is not in the shared data")
    data = load_dataset(path)
    assert isinstance(data, StrokeSet)
    return data


def test_our_rasterizer_matches_the_shipped_renders(shared_data_dir, chars74k_strokes):
    images = load_dataset(shared_data_dir / f"{CHARS74K}.npz")
    assert isinstance(images, ImageSet)
    np.testing.assert_array_equal(images.labels, chars74k_strokes.labels)   # same samples, same order
    ours = chars74k_strokes.images(np.arange(len(chars74k_strokes)), RasterConfig()).numpy()
    theirs = images.pixels.astype(np.float32) / 255
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).mean() < 0.03
    assert ours.mean() / theirs.mean() == pytest.approx(1.0, abs=0.10)


def test_shipped_weights_read_chars74k(chars74k_strokes):
    """Chars74K's writers are not in the training data.  The floor is the plain
    baseline the project must beat (about 0.97); the issue's target, 0.975, is
    not reached yet (see weights/README.md).  The figure must also be the one
    the model card and the checkpoint report."""
    checkpoint = load_checkpoint(SHIPPED_WEIGHTS)
    result = evaluate_network(checkpoint.model, chars74k_strokes, checkpoint.raster)
    assert result["n"] == len(chars74k_strokes) == 2860
    assert result["accuracy"] >= 0.97
    assert result["top3"] >= 0.995
    assert result["accuracy"] == pytest.approx(checkpoint.meta["val_accuracy"], abs=1e-6)
