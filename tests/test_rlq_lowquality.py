"""RLQ's low-quality synthesis: published ranges, severities, mixtures, seeding."""
from collections import Counter

import numpy as np
import pytest

import cfat_plugin  # noqa: F401
from cfat_plugin.data.corruptions import available_corruptions, corrupt, get_corruption
from cfat_plugin.rlq import lowquality as lq


def _image(h: int = 128, w: int = 64, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_the_family_is_registered_with_five_severities():
    assert available_corruptions("rlq_lowquality") == ("rlq_pixelate", "rlq_gaussian_blur", "rlq_motion_blur")
    for name in available_corruptions("rlq_lowquality"):
        assert get_corruption(name).severities == (1, 2, 3, 4, 5)
    assert set(available_corruptions("rlq_mixture")) == {f"rlq_lq_{m}" for m in lq.MIXTURES}


def test_severity_parts_stay_in_the_published_ranges_and_cover_them():
    for values, descending in ((lq.PIXELATE_SIDES, True), (lq.BLUR_KERNELS, False), (lq.MOTION_LENGTHS, False)):
        parts = [lq.severity_part(values, s, descending) for s in (1, 2, 3, 4, 5)]
        assert all(parts) and set().union(*parts) == set(values)
        assert all(set(p) <= set(values) for p in parts)
    assert lq.PIXELATE_SIDES[0] == 16 and lq.PIXELATE_SIDES[-1] == 63
    assert lq.BLUR_KERNELS == (5, 7, 9, 11, 13, 15, 17, 19, 21)
    assert lq.MOTION_LENGTHS[0] == 8 and lq.MOTION_LENGTHS[-1] == 19
    # severity 5 pixelates hardest (smallest sides), blurs longest
    assert max(lq.severity_part(lq.PIXELATE_SIDES, 5, True)) < min(lq.severity_part(lq.PIXELATE_SIDES, 1, True))
    assert min(lq.severity_part(lq.MOTION_LENGTHS, 5)) > max(lq.severity_part(lq.MOTION_LENGTHS, 1))


def test_pixelation_reaches_the_drawn_short_side(monkeypatch):
    sides = []
    real = lq.cv2.resize

    def spy(img, size, **kw):
        sides.append(min(size))
        return real(img, size, **kw)

    monkeypatch.setattr(lq.cv2, "resize", spy)
    for seed in range(30):
        lq.pixelate(_image(), 0, seed)
    down = sides[0::2]
    assert min(down) >= 16 and max(down) <= 63 and len(set(down)) > 5


def test_motion_kernel_is_a_normalised_line_of_the_asked_length():
    for length in (8, 13, 19):
        for angle in (0.0, 45.0, 90.0, 135.0):
            k = lq.motion_kernel(length, angle)
            assert k.shape == (length, length) and k.sum() == pytest.approx(1.0, abs=1e-5) and (k >= 0).all()
    assert np.count_nonzero(lq.motion_kernel(9, 0.0)) == 9  # horizontal: one full row


def test_corruptions_are_seeded_keep_the_shape_and_degrade():
    img = _image()
    for name in available_corruptions("rlq_lowquality") + ("rlq_lq_ltcc", "rlq_lq_prcc"):
        sev = get_corruption(name).severities[-1]
        a, b = corrupt(img, name, sev, 3), corrupt(img, name, sev, 3)
        assert a.shape == img.shape and a.dtype == np.uint8 and np.array_equal(a, b)
        # a low-pass artifact removes high-frequency energy of a noise image
        assert np.abs(np.diff(a.astype(float), axis=1)).mean() < np.abs(np.diff(img.astype(float), axis=1)).mean()


def test_mixtures_follow_the_published_probabilities():
    assert lq.MIXTURES["ltcc"] == lq.MIXTURES["last"] == {"rlq_pixelate": 0.33, "rlq_gaussian_blur": 0.37,
                                                         "rlq_motion_blur": 0.30}
    assert lq.MIXTURES["prcc"] == lq.MIXTURES["deepchange"] == {"rlq_pixelate": 0.5, "rlq_gaussian_blur": 0.5}
    img = _image(32, 16)
    n = 1500
    ltcc = Counter(lq.draw_published(img, "ltcc", s)[1] for s in range(n))
    for name, p in lq.MIXTURES["ltcc"].items():
        assert abs(ltcc[name] / n - p) < 4 * (p * (1 - p) / n) ** 0.5
    assert "rlq_motion_blur" not in Counter(lq.draw_published(img, "prcc", s)[1] for s in range(300))


def test_pair_maker_is_reproducible_and_redraws_per_visit():
    img = _image(64, 32)
    a, b = lq.LowQualityPair("ltcc", 7), lq.LowQualityPair("ltcc", 7)
    first = [a(img, i) for i in range(4)]
    assert all(np.array_equal(x, b(img, i)) for i, x in enumerate(first))
    # later visits of image 0 draw anew (five redraws all equal to the first would mean no redraw)
    assert any(not np.array_equal(a(img, 0), first[0]) for _ in range(5))
    with pytest.raises(ValueError, match="mixture"):
        lq.LowQualityPair("market", 0)


def test_the_family_makes_corrupted_test_sets_like_any_other_type(tmp_path):
    from PIL import Image

    from cfat_plugin.data.corruptions import CorruptionCache, FixedCorruption, RandomCorruption, corrupted_items

    items = []
    for i in range(3):
        path = tmp_path / f"q{i}.png"
        Image.fromarray(_image(128, 64, seed=i)).save(path)
        items.append((str(path), i, 0))
    cache = CorruptionCache(tmp_path / "cache")
    # (spec, how many of the 3 images must change): the full published ranges include near-identity
    # draws (sigma 0.1), severity 5 does not
    for spec, changed in ((FixedCorruption("rlq_motion_blur", 4, 0), 3), (FixedCorruption("rlq_lq_ltcc", 1, 0), 1),
                          (RandomCorruption(types=available_corruptions("rlq_lowquality"), severities=(5,)), 3)):
        out = corrupted_items(items, spec, cache, num_workers=0, progress=False)
        assert [o[1:] for o in out] == [i[1:] for i in items]  # labels kept, paths replaced
        pairs = [(np.asarray(Image.open(src)), np.asarray(Image.open(dst))) for (src, *_), (dst, *_) in zip(items, out)]
        assert all(a.shape == b.shape for a, b in pairs)
        assert sum(not np.array_equal(a, b) for a, b in pairs) >= changed


def test_pair_maker_in_loader_workers_draws_anew_every_pass(tmp_path):
    """A worker's copy of the visit counter starts afresh each pass; the worker seed keeps draws new."""
    import torch
    from PIL import Image

    from cfat_plugin.rlq.data import ExternalPairs

    path = tmp_path / "x.png"
    Image.fromarray(_image(128, 64)).save(path)
    to_tensor = lambda im: torch.as_tensor(np.asarray(im)).clone()  # noqa: E731
    dataset = ExternalPairs([(str(path), 0, 0)], to_tensor, lq.LowQualityPair("ltcc", 0))
    passes = []
    for _ in range(4):
        loader = torch.utils.data.DataLoader(dataset, batch_size=1, num_workers=1,
                                             generator=torch.Generator().manual_seed(len(passes)))
        passes.append(next(iter(loader))["lq_images"][0])
    assert any(not torch.equal(passes[0], p) for p in passes[1:])
    again = torch.utils.data.DataLoader(dataset, batch_size=1, num_workers=1, generator=torch.Generator().manual_seed(0))
    assert torch.equal(next(iter(again))["lq_images"][0], passes[0])  # the same seed, the same pair
