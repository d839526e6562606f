"""The torch corruptions against the reference (imagecorruptions + benchmark rain), and the torch backend
of the paired training loader."""
import numpy as np
import pytest
import torch
from PIL import Image

from cfat_plugin.data.corruptions import CORRUPTION_TYPES, SEVERITIES, corrupt
from cfat_plugin.data.corruptions.seeding import seeded_global_numpy
from cfat_plugin.data.corruptions.torch_backend import corrupt_batch, corrupt_drawn, torch_twins
from cfat_plugin.data.corruptions.torch_backend.blur import MOTION
from cfat_plugin.data.corruptions.torch_backend.ops import motion_blur_angles
from cfat_plugin.data.corruptions.torch_backend.weather import FOG, frost_texture, frost_with, fog_from_field

from test_corruptions import generated_image

HEIGHT, WIDTH, COUNT = 64, 32, 64

# The same pixels as the reference (up to one level of float rounding).
DETERMINISTIC = ("defocus_blur", "gaussian_blur", "zoom_blur", "brightness", "contrast", "saturate", "pixelate",
                 "jpeg_compression")
# Random: the same damage in distribution (mean PSNR to the clean image over COUNT images).
RANDOM = ("gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise", "glass_blur", "motion_blur", "snow",
          "fog", "elastic_transform", "spatter", "rain")
PSNR_TOLERANCE_DB = 0.5
# Spatter's light severities put a few drops of very different sizes: the mean over 64 draws moves by
# +-0.35 dB (the gap over 2000 draws: +0.15 dB), so it is compared over more images.
SAMPLES = {"spatter": 4 * COUNT}
PSNR_CAP_DB = 40.0  # an image left untouched (a spatter draw with no drop) counts as 40 dB, not infinity


@pytest.fixture(scope="module")
def images():
    return [generated_image(HEIGHT, WIDTH, seed=i) for i in range(COUNT)]


def as_batch(images):
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float()


def as_arrays(batch):
    return batch.permute(0, 2, 3, 1).numpy().astype(np.uint8)


def mean_psnr(corrupted, clean):
    diff = corrupted.astype(np.float64) - np.stack(clean).astype(np.float64)
    mse = np.mean(diff ** 2, axis=(1, 2, 3))
    return float(np.mean(np.minimum(10 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-12)), PSNR_CAP_DB)))


def test_every_training_type_has_a_torch_version():
    assert set(CORRUPTION_TYPES) <= set(torch_twins())
    assert set(DETERMINISTIC) | set(RANDOM) | {"frost"} == set(CORRUPTION_TYPES)


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_deterministic_types_give_the_reference_pixels(name, images):
    few = images[:8]
    for severity in SEVERITIES:
        ours = as_arrays(corrupt_batch(as_batch(few), [name] * len(few), [severity] * len(few), [0] * len(few)))
        reference = np.stack([corrupt(image, name, severity, 0) for image in few])
        diff = np.abs(ours.astype(int) - reference.astype(int))
        assert diff.max() <= 1 and diff.mean() < 0.1, (name, severity, diff.max(), diff.mean())


def _under_numpy_seeds(count, fn):
    """``[fn(i) for i in range(count)]``, each call under NumPy seed i: the reference's random numbers."""
    out = []
    for seed in range(count):
        with seeded_global_numpy(seed):
            out.append(fn(seed))
    return out


def _assert_reference_for_the_same_draws(name, severity, images, ours):
    """``ours`` (a float batch) is the reference's output, image i under NumPy seed i, up to one level."""
    from imagecorruptions import corruption_dict

    def reference(image):
        return np.clip(np.asarray(corruption_dict[name](Image.fromarray(image), severity)), 0, 255).astype(np.uint8)

    expected = np.stack(_under_numpy_seeds(len(images), lambda i: reference(images[i])))
    ours = as_arrays(ours.clamp(0, 255).floor())
    assert np.abs(ours.astype(int) - expected.astype(int)).max() <= 1, (name, severity)


@pytest.mark.parametrize("severity", SEVERITIES)
def test_motion_blur_matches_for_the_same_angle(severity, images):
    few = images[:4]
    angles = _under_numpy_seeds(len(few), lambda i: np.random.uniform(-45, 45))  # the reference's first draw
    ours = motion_blur_angles(as_batch(few), *MOTION[severity - 1], angles)
    _assert_reference_for_the_same_draws("motion_blur", severity, few, ours)


@pytest.mark.parametrize("severity", SEVERITIES)
def test_fog_matches_for_the_same_cloud(severity, images):
    from imagecorruptions.corruptions import plasma_fractal

    few = images[:4]
    fields = _under_numpy_seeds(len(few), lambda i: torch.from_numpy(
        plasma_fractal(mapsize=64, wibbledecay=FOG[severity - 1][1])))
    _assert_reference_for_the_same_draws("fog", severity, few, fog_from_field(as_batch(few), severity,
                                                                              torch.stack(fields)))


def _frost_draw(_):
    """The reference's frost draws, in its order: photo, then crop top and left."""
    index = np.random.randint(6)
    height, width = frost_texture(index, HEIGHT, WIDTH).shape[-2:]
    return index, np.random.randint(0, height - HEIGHT), np.random.randint(0, width - WIDTH)


@pytest.mark.parametrize("severity", SEVERITIES)
def test_frost_matches_for_the_same_photo_and_crop(severity, images):
    few = images[:6]
    draws = _under_numpy_seeds(len(few), _frost_draw)
    _assert_reference_for_the_same_draws("frost", severity, few, frost_with(as_batch(few), severity, draws))


@pytest.mark.parametrize("name", RANDOM)
def test_random_types_do_the_reference_damage_in_distribution(name, images):
    count = SAMPLES.get(name, COUNT)
    images = (images * (count // COUNT))[:count]
    gaps = []
    for severity in SEVERITIES:
        seeds = list(range(severity * 1000, severity * 1000 + count))
        ours = as_arrays(corrupt_batch(as_batch(images), [name] * count, [severity] * count, seeds))
        reference = np.stack([corrupt(image, name, severity, seed) for image, seed in zip(images, seeds)])
        gaps.append(mean_psnr(ours, images) - mean_psnr(reference, images))
    assert max(abs(g) for g in gaps) < PSNR_TOLERANCE_DB, (name, np.round(gaps, 2))
    assert mean_psnr(reference, images) < PSNR_CAP_DB - 5  # the damage is real


def test_each_image_depends_only_on_its_own_draw(images):
    names = ["fog", "glass_blur", "", "rain", "fog", "gaussian_noise"]
    severities = [3, 2, 0, 5, 3, 4]
    seeds = [7, 8, 9, 10, 11, 12]
    batch = as_batch(images[:6])
    out = corrupt_batch(batch, names, severities, seeds)
    assert torch.equal(out[2], batch[2])  # no type: left clean
    assert not torch.equal(out[0], corrupt_batch(batch[4:5], ["fog"], [3], [11])[0])  # other seed: other fog
    for i in (0, 1, 3, 5):
        alone = corrupt_batch(batch[i:i + 1], [names[i]], [severities[i]], [seeds[i]])
        assert torch.equal(alone[0], out[i]), names[i]
        assert torch.equal(out[i], out[i].floor()) and 0 <= out[i].min() and out[i].max() <= 255


def test_benchmark_draws_corrupt_each_image_under_its_own_type_severity_and_seed(images):
    from cfat_plugin.data.corruptions import RandomCorruption

    draws = [RandomCorruption(seed=3).draw(f"0/{i}") for i in range(4)]
    batch = as_batch(images[:4])
    expected = corrupt_batch(batch, [d.name for d in draws], [d.severity for d in draws], [d.seed for d in draws])
    assert torch.equal(corrupt_drawn(batch, draws), expected)
    assert not torch.equal(corrupt_drawn(batch, draws), batch)


def test_small_images_are_corrupted_at_the_reference_minimum_size():
    small = as_batch([generated_image(40, 20, seed=1)])
    out = corrupt_batch(small, ["defocus_blur"], [3], [0])
    reference = corrupt(generated_image(40, 20, seed=1), "defocus_blur", 3, 0)
    assert out.shape == small.shape
    assert np.abs(as_arrays(out)[0].astype(int) - reference.astype(int)).mean() < 1.0


def test_a_smaller_work_size_scales_the_damage_like_a_native_size(images):
    # Defocus on a 128x64 view at the work size 64x32 (the benchmark blurs the native crop, then enlarges):
    # the disk covers twice the content, as when the reference blurs the 64x32 image and it is enlarged.
    import torch.nn.functional as F

    small = as_batch(images[:8])
    large = F.interpolate(small, size=(128, 64), mode="bicubic", align_corners=False).clamp(0, 255).round()
    names, severities, seeds = ["defocus_blur"] * 8, [2] * 8, list(range(8))
    at_input = corrupt_batch(large, names, severities, seeds)
    at_native = corrupt_batch(large, names, severities, seeds, size=(64, 32))
    assert at_native.shape == large.shape
    reference = np.stack([corrupt(image, "defocus_blur", 2, 0) for image in images[:8]])
    enlarged = F.interpolate(as_batch(list(reference)), size=(128, 64), mode="bicubic", align_corners=False)
    clean = as_arrays(large)
    psnr_native, psnr_input = mean_psnr(as_arrays(at_native), list(clean)), mean_psnr(as_arrays(at_input), list(clean))
    psnr_reference = mean_psnr(as_arrays(enlarged.clamp(0, 255).floor()), list(clean))
    assert psnr_native < psnr_input - 1.5
    assert abs(psnr_native - psnr_reference) < 0.5


def test_contact_sheet_puts_the_torch_backend_beside_the_reference(tmp_path):
    import importlib.util
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "tools", "visualize_corruptions.py")
    spec = importlib.util.spec_from_file_location("visualize_corruptions", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    image = generated_image(HEIGHT, WIDTH, seed=3)
    one = tool.contact_sheet([image], ["contrast", "gaussian_noise"], [1, 5])
    both = tool.contact_sheet([image], ["contrast", "gaussian_noise"], [1, 5], backends=("reference", "torch"))
    block = one.width - tool.LABEL_WIDTH
    assert both.width == tool.LABEL_WIDTH + 2 * block and both.height == one.height
    # Contrast is deterministic: the torch block shows the reference's tiles.
    left = np.asarray(both)[:, tool.LABEL_WIDTH:tool.LABEL_WIDTH + block]
    right = np.asarray(both)[:, tool.LABEL_WIDTH + block:]
    top = tool.HEADER_HEIGHT
    assert np.array_equal(left[top:top + HEIGHT], right[top:top + HEIGHT])
    # Noise is not: the torch block draws its own.
    noise_row = slice(top + HEIGHT + tool.GAP, top + 2 * HEIGHT + tool.GAP)
    assert not np.array_equal(left[noise_row], right[noise_row])
