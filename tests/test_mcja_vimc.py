"""VIMC (Visible-Infrared Modality Coordinator): each operation on a hand-made image, and the per-modality set."""
import random

import numpy as np
import pytest
from PIL import Image

from cfat_plugin.data.modality import PerModalityTransformDataset
from cfat_plugin.data.datasets.sysu_mm01 import SYSUMM01VI
from cfat_plugin.mcja.modality_coordinator import (ChannelCutMix, ModalityCoordinator, SpectrumJitter,
                                                   WeightedGrayscale, channel_cutmix, spectrum_jitter,
                                                   weighted_grayscale)


def _image(rgb, size=(8, 8)) -> np.ndarray:
    return np.tile(np.asarray(rgb, dtype=np.uint8), size + (1,))


def test_weighted_grayscale_hand_made():
    out = weighted_grayscale(_image((200, 100, 0)), (0.5, 0.25, 0.25))
    assert out.shape == (8, 8, 3) and (out == 125).all()


def test_channel_cutmix_pastes_the_box_of_one_channel_into_another():
    out = channel_cutmix(_image((10, 20, 30)), background=0, foreground=2, box=(1, 2, 3, 4))
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()  # one channel, three times
    inside = np.zeros((8, 8), dtype=bool)
    inside[1:4, 2:6] = True
    assert (out[..., 0][inside] == 30).all() and (out[..., 0][~inside] == 10).all()


def test_spectrum_jitter_blends_one_channel_grey_with_the_image():
    out = spectrum_jitter(_image((200, 100, 0)), channel=0, alpha=0.25)  # 0.75 * 200 + 0.25 * (200, 100, 0)
    assert np.abs(out[0, 0].astype(int) - np.array([200, 175, 150])).max() <= 1


def test_random_weighted_grayscale_draws_weights_summing_to_one():
    img = Image.fromarray(_image((240, 120, 0)))
    out = np.asarray(WeightedGrayscale(p=1.0, rng=random.Random(3))(img))
    assert (out[..., 0] == out[..., 2]).all()
    assert 0 < out[0, 0, 0] < 240  # a convex combination of 240, 120 and 0 with positive weights
    assert np.asarray(WeightedGrayscale(p=0.0)(img)).tolist() == _image((240, 120, 0)).tolist()


def test_channel_cutmix_box_respects_area_and_aspect():
    op = ChannelCutMix(p=1.0, rng=random.Random(0))
    for _ in range(50):
        top, left, h, w = op.draw_box(128, 64)
        assert 0 <= top and top + h <= 128 and 0 <= left and left + w <= 64
        assert 0.015 <= h * w / (128 * 64) <= 0.36  # 0.02-0.33, up to rounding of the sides
        assert 0.25 <= h / w <= 4.0  # 0.3-3.3, up to rounding


def test_coordinator_applies_exactly_one_operation():
    calls = []

    class Tag:
        def __init__(self, name):
            self.name = name

        def __call__(self, img):
            calls.append(self.name)
            return img

    coordinator = ModalityCoordinator([Tag("a"), Tag("b"), Tag("c")], rng=random.Random(1))
    for _ in range(30):
        coordinator(Image.new("RGB", (4, 4)))
    assert len(calls) == 30 and set(calls) == {"a", "b", "c"}


def test_spectrum_jitter_random_draw_is_a_blend_of_a_channel_grey_and_the_image():
    img = _image((200, 100, 0))
    draws = random.Random(5)
    draws.random()  # the apply-or-not draw
    channel, alpha = draws.randrange(3), draws.random()
    out = np.asarray(SpectrumJitter(p=1.0, rng=random.Random(5))(Image.fromarray(img))).astype(int)
    expected = (1 - alpha) * img[0, 0, channel] + alpha * img[0, 0].astype(float)
    assert np.abs(out[0, 0] - expected).max() <= 1


def test_per_modality_dataset_picks_the_transform_by_modality(tmp_path):
    items = []
    for cam, pid in ((1, 1), (3, 1), (6, 2), (2, 2)):
        path = tmp_path / f"cam{cam}" / f"{pid:04d}" / "0001.jpg"
        path.parent.mkdir(parents=True)
        Image.new("RGB", (4, 8)).save(path)
        items.append((str(path), pid, cam))
    data = PerModalityTransformDataset(items, SYSUMM01VI.modality_of, {0: lambda im: "visible", 1: lambda im: "ir"})
    got = [(data[i]["images"], data[i]["modalities"]) for i in range(4)]
    assert got == [("visible", 0), ("ir", 1), ("ir", 1), ("visible", 0)]
    with pytest.raises(ValueError, match="infrared"):
        PerModalityTransformDataset(items, SYSUMM01VI.modality_of, {0: lambda im: im})
