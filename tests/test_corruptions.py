"""The 20 benchmark corruptions, the random draw, the disk cache and the ``*C`` test sets."""
import glob
import hashlib
import multiprocessing
import os
import random

import numpy as np
import pytest
import torch
from scipy import stats

from cfat_plugin.data.corruptions import (CORRUPTION_TYPES, SEVERITIES, CorruptionCache, FixedCorruption,
                                          RandomCorruption, apply_setting, available_corruptions, corrupt,
                                          corrupted_items, corrupted_items_with_stats, image_key, read_rgb,
                                          register_corruption)

SEED = 11


def generated_image(height=128, width=64, seed=0):
    """A muted, person-like crop at Market's native size: shaded background, clothes, head, sensor noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(float)
    gray = 90 + 80 * y / height + 20 * x / width
    image = np.stack([gray, gray * 0.97, gray * 0.92], -1)
    for top, bottom, left, right in ((0.25, 0.6, 0.25, 0.75), (0.6, 0.96, 0.33, 0.67)):
        image[int(top * height):int(bottom * height), int(left * width):int(right * width)] = (
            rng.uniform(40, 200) + rng.uniform(-35, 35, 3))
    image[(y - height // 8) ** 2 + (x - width // 2) ** 2 < (height // 12) ** 2] = (200, 170, 150)
    image += rng.normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0 ** 2 / mse)


@pytest.fixture(scope="module")
def photos(cuhk01_root):
    paths = sorted(glob.glob(os.path.join(cuhk01_root, "campus", "*.png")))
    return [read_rgb(p) for p in paths[::97][:3]]


@pytest.fixture(scope="module")
def photo(photos):
    assert photos[0].shape == (160, 60, 3)
    return photos[0]


def _digests(images):
    """sha1 of every type x severity on each image (runs in a spawned process too)."""
    return [hashlib.sha1(corrupt(image, name, severity, SEED).tobytes()).hexdigest()
            for image in images for name in CORRUPTION_TYPES for severity in SEVERITIES]


def test_the_benchmark_types_in_protocol_order():
    assert CORRUPTION_TYPES == (
        "gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur", "motion_blur",
        "zoom_blur", "snow", "frost", "fog", "brightness", "contrast", "elastic_transform", "pixelate",
        "jpeg_compression", "speckle_noise", "gaussian_blur", "spatter", "saturate", "rain")
    assert set(CORRUPTION_TYPES) <= set(available_corruptions())


@pytest.mark.parametrize("name", CORRUPTION_TYPES)
def test_every_severity_keeps_shape_changes_pixels_and_repeats(name, photo):
    for image in (photo, generated_image()):
        before = image.copy()
        for severity in SEVERITIES:
            out = corrupt(image, name, severity, SEED)
            assert out.shape == image.shape and out.dtype == np.uint8
            assert np.abs(out.astype(int) - image).mean() > 0.5, (name, severity)
            np.testing.assert_array_equal(out, corrupt(image, name, severity, SEED))
        np.testing.assert_array_equal(image, before)  # the input is not modified


def test_identical_in_a_fresh_process(photo):
    images = [photo, generated_image()]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        other = pool.apply(_digests, (images,))
    assert other == _digests(images)


def test_global_random_state_neither_read_nor_changed(photo):
    np.random.seed(1), random.seed(1), torch.manual_seed(1)
    before = np.random.get_state()[1].copy(), random.getstate(), torch.get_rng_state().clone()
    outputs = [corrupt(photo, name, 3, SEED) for name in CORRUPTION_TYPES]
    assert np.array_equal(np.random.get_state()[1], before[0])
    assert random.getstate() == before[1] and torch.equal(torch.get_rng_state(), before[2])
    # Scrambling the global generators does not change the outputs either.
    np.random.seed(999), random.seed(999), torch.manual_seed(999)
    for name, out in zip(CORRUPTION_TYPES, outputs):
        np.testing.assert_array_equal(out, corrupt(photo, name, 3, SEED))


def test_seed_changes_random_corruptions(photo):
    for name in ("gaussian_noise", "glass_blur", "snow", "frost", "fog", "spatter", "rain", "elastic_transform"):
        assert not np.array_equal(corrupt(photo, name, 3, 1), corrupt(photo, name, 3, 2)), name


@pytest.mark.parametrize("name", CORRUPTION_TYPES)
def test_severity_5_changes_images_more_than_severity_1(name, photos):
    # PSNR averaged over 4 seeds per image. Single draws of fog are not always ordered:
    # its plasma pattern is random, and on about 1 draw in 20 of a flat generated image a
    # severity-1 fog costs more PSNR than a severity-5 one (mean gap over draws: ~2 dB).
    for image in photos + [generated_image(seed=s) for s in range(2)]:
        mean = [np.mean([psnr(image, corrupt(image, name, s, seed)) for seed in range(4)]) for s in (1, 5)]
        assert mean[1] < mean[0], (name, mean)


@pytest.mark.parametrize("shape", [(16, 16, 3), (20, 200, 3), (50, 30, 3), (64, 128, 3)])
def test_small_and_odd_sizes_work_for_every_type(shape):
    image = generated_image(*shape[:2])
    for name in CORRUPTION_TYPES:
        out = corrupt(image, name, 5, SEED)
        assert out.shape == shape and out.dtype == np.uint8, name


def test_rain_darkens_by_the_benchmark_brightness_drop():
    # A flat grey 128: away from the (brighter) drops, the pixels only get the additive drop
    # -(0.05 + 0.05 s) * 255, truncated like the benchmark (128 - 25.5 -> 102 at s1, -> 51 at s5).
    flat = np.full((128, 64, 3), 128, np.uint8)
    for severity, expected in ((1, 102), (5, 51)):
        out = corrupt(flat, "rain", severity, SEED)
        assert out.min() == expected and np.bincount(out.ravel()).argmax() == expected
        assert out.max() > expected + 10  # and there is rain
    short = np.full((40, 20, 3), 128, np.uint8)  # <= 60 px high: enlarged to 65 px, resized back
    assert corrupt(short, "rain", 5, SEED).shape == short.shape


def test_clear_errors_for_bad_input(photo):
    with pytest.raises(KeyError, match="unknown corruption 'fogg'.*fog"):
        corrupt(photo, "fogg", 1, 0)
    for severity in (0, 6, 2.0):
        with pytest.raises(ValueError, match="severity"):
            corrupt(photo, "fog", severity, 0)
    with pytest.raises(TypeError, match="uint8"):
        corrupt(photo.astype(np.float32), "fog", 1, 0)
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        corrupt(photo[..., 0], "fog", 1, 0)
    with pytest.raises(ValueError, match="non-negative"):
        corrupt(photo, "fog", 1, -1)
    with pytest.raises(ValueError, match="severity"):
        FixedCorruption("fog", 9)
    with pytest.raises(KeyError):
        RandomCorruption(types=("fog", "nope"))


def test_a_new_family_is_usable_without_touching_callers(photo):
    @register_corruption("test_pixelate_x4", family="test_lowres", severities=(1, 2))
    def pixelate_x4(image, severity, seed):
        h, w = image.shape[:2]
        small = image[:: 2 * severity, :: 2 * severity]
        return np.repeat(np.repeat(small, 2 * severity, 0), 2 * severity, 1)[:h, :w]

    assert available_corruptions("test_lowres") == ("test_pixelate_x4",)
    out = corrupt(photo, "test_pixelate_x4", 2, 0)
    np.testing.assert_array_equal(out[:4, :4], np.broadcast_to(photo[0, 0], (4, 4, 3)))
    assert FixedCorruption("test_pixelate_x4", 1).draw("a/b.png").name == "test_pixelate_x4"
    assert "test_pixelate_x4" not in CORRUPTION_TYPES


def test_random_draw_is_uniform_over_types_and_severities():
    spec = RandomCorruption(seed=3)
    draws = [spec.draw(f"query/{i:06d}_c1.jpg") for i in range(20000)]
    types = np.bincount([CORRUPTION_TYPES.index(d.name) for d in draws], minlength=20)
    severities = np.bincount([d.severity - 1 for d in draws], minlength=5)
    cells = np.bincount([CORRUPTION_TYPES.index(d.name) * 5 + d.severity - 1 for d in draws], minlength=100)
    for counts, dof in ((types, 19), (severities, 4), (cells, 99)):
        statistic = ((counts - counts.mean()) ** 2 / counts.mean()).sum()
        assert statistic < stats.chi2.ppf(0.999, dof), (counts, statistic)
    assert len({d.seed for d in draws}) > 19900  # every image gets its own noise


def test_draws_depend_on_identity_not_order_or_root():
    spec = RandomCorruption(seed=5)
    keys = [image_key(f"/data/Market/bounding_box_test/{i:04d}_c2s1_0.jpg") for i in range(50)]
    assert keys[0] == "bounding_box_test/0000_c2s1_0.jpg"
    assert [spec.draw(k) for k in keys] == [spec.draw(k) for k in reversed(keys)][::-1]
    assert image_key("/other/root/bounding_box_test/0000_c2s1_0.jpg") == keys[0]
    assert [spec.draw(k) for k in keys] != [RandomCorruption(seed=5, repeat=1).draw(k) for k in keys]
    assert [spec.draw(k) for k in keys] != [RandomCorruption(seed=6).draw(k) for k in keys]
    held_out = RandomCorruption(types=("fog", "rain"), severities=(4, 5), seed=5)
    assert {(d.name, d.severity) for d in map(held_out.draw, keys)} == {
        ("fog", 4), ("fog", 5), ("rain", 4), ("rain", 5)}


def _write_images(folder, count):
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    items = []
    for i in range(count):
        path = os.path.join(folder, f"{i:04d}_c{i % 2 + 1}s1_000001_00.jpg")
        Image.fromarray(generated_image(seed=i)).save(path, quality=95)
        items.append((path, i // 2, i % 2))
    return items


def test_cache_is_lossless_reused_and_order_independent(tmp_path):
    items = _write_images(str(tmp_path / "query"), 6)
    cache = CorruptionCache(tmp_path / "cache")
    spec = RandomCorruption(types=("gaussian_noise", "contrast", "rain"), seed=1)
    first, stats1 = corrupted_items_with_stats(items, spec, cache, num_workers=2, progress=False)
    second, stats2 = corrupted_items_with_stats(items[::-1], spec, cache, num_workers=2, progress=False)
    assert (stats1.computed, stats1.reused) == (6, 0) and (stats2.computed, stats2.reused) == (0, 6)
    assert second[::-1] == first
    for (path, pid, camid), (source, spid, scamid) in zip(first, items):
        assert (pid, camid) == (spid, scamid) and path.endswith(".png") and path.startswith(str(cache.root))
        draw = spec.draw(image_key(source))
        np.testing.assert_array_equal(read_rgb(path), corrupt(read_rgb(source), draw.name, draw.severity, draw.seed))
    assert not glob.glob(str(tmp_path / "cache" / "**" / "*.tmp"), recursive=True)


def _fill(root, items, spec):
    corrupted_items(items, spec, CorruptionCache(root), num_workers=1, progress=False)


def test_two_processes_filling_one_cache_at_once(tmp_path):
    items = _write_images(str(tmp_path / "gallery"), 8)
    spec = FixedCorruption("gaussian_noise", 2, seed=4)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_fill, args=(str(tmp_path / "cache"), items, spec)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    alone = corrupted_items(items, spec, CorruptionCache(tmp_path / "alone"), num_workers=1, progress=False)
    shared = corrupted_items(items, spec, CorruptionCache(tmp_path / "cache"), num_workers=1, progress=False)
    for a, b in zip(alone, shared):
        np.testing.assert_array_equal(read_rgb(a[0]), read_rgb(b[0]))
    assert not glob.glob(str(tmp_path / "cache" / "**" / "*.tmp"), recursive=True)


def test_the_four_settings(tmp_path):
    query, gallery = _write_images(str(tmp_path / "query"), 2), _write_images(str(tmp_path / "bounding_box_test"), 3)
    spec, cache = FixedCorruption("contrast", 5), CorruptionCache(tmp_path / "cache")
    cached = str(cache.root)
    for setting, corrupt_query, corrupt_gallery in (("clean", False, False), ("both", True, True),
                                                    ("query", True, False), ("gallery", False, True)):
        q, g, _ = apply_setting(query, gallery, setting, spec, cache, num_workers=1, progress=False)
        assert [i[1:] for i in q] == [i[1:] for i in query] and [i[1:] for i in g] == [i[1:] for i in gallery]
        assert all(p.startswith(cached) == corrupt_query for p, _, _ in q), setting
        assert all(p.startswith(cached) == corrupt_gallery for p, _, _ in g), setting
    with pytest.raises(ValueError, match="setting"):
        apply_setting(query, gallery, "corrupted", spec, cache)


@pytest.mark.filterwarnings("ignore:This DataLoader will create")  # FastReID's test loader: 4 workers
def test_registered_cuhk01c_through_fastreids_test_loader(cuhk01_root, tmp_path, monkeypatch):
    import fastreid.data.build as data_build
    from fastreid.config import get_cfg
    from fastreid.data import build_reid_test_loader
    from fastreid.data.datasets import DATASET_REGISTRY

    from cfat_plugin.config import add_cfat_config
    from cfat_plugin.data.datasets import corrupted

    for name in ("Market1501C", "CUHK03C", "MSMT17C", "SynthReIDC", "CUHK01C"):
        assert issubclass(DATASET_REGISTRY.get(name), corrupted.CorruptedImageDataset)
    monkeypatch.setattr(data_build, "_root", cuhk01_root)
    from cfat_plugin.utils import runtime

    monkeypatch.setattr(runtime, "_OPTIONS", runtime.runtime_options())  # restored after the test
    cfg = add_cfat_config(get_cfg())
    cfg.merge_from_list(["DATASETS.TESTS", "('CUHK01C',)", "INPUT.SIZE_TEST", "[64, 32]",
                         "DATASETS.CORRUPTION.TEST.SETTING", "query", "DATASETS.CORRUPTION.TEST.MODE", "fixed",
                         "DATASETS.CORRUPTION.TEST.TYPE", "contrast", "DATASETS.CORRUPTION.TEST.SEVERITY", "4",
                         "DATASETS.CORRUPTION.TEST.CACHE_DIR", str(tmp_path), "TEST.IMS_PER_BATCH", "256"])
    corrupted.configure_corrupted_test(cfg)
    loader, num_query = build_reid_test_loader(cfg, dataset_name="CUHK01C")
    clean = DATASET_REGISTRY.get("CUHK01")(root=cuhk01_root)
    assert num_query == len(clean.query) == 120
    batch = next(iter(loader))
    assert batch["images"].shape == (240, 3, 64, 32)
    paths = batch["img_paths"]
    assert all(p.startswith(str(tmp_path)) for p in paths[:num_query])  # corrupted query
    assert paths[num_query:] == [g[0] for g in clean.gallery]  # clean gallery
    assert batch["targets"].tolist() == [i[1] for i in clean.query + clean.gallery]
    assert batch["camids"].tolist() == [i[2] for i in clean.query + clean.gallery]
    low_contrast = read_rgb(paths[0]).std()
    assert low_contrast < 0.3 * read_rgb(clean.query[0][0]).std()

    with pytest.raises(KeyError, match="not registered"):
        corrupted.register_corrupted_dataset("NoSuchSet")(root=cuhk01_root)


def test_data_config_is_idempotent():
    from fastreid.config import get_cfg

    from cfat_plugin.data.config import add_data_config

    cfg = get_cfg()
    add_data_config(cfg)
    cfg.DATASETS.CORRUPTION.TRAIN.SEED = 7
    add_data_config(cfg)
    assert cfg.DATASETS.CORRUPTION.TRAIN.SEED == 7
    assert cfg.DATASETS.CORRUPTION.TEST.SETTING == "both" and cfg.DATASETS.CORRUPTION.TEST.SEED == 0
