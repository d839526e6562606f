"""``corrupt_batch``: each image of a batch under its own (type, severity, seed), on the batch's device.

Images that share a (type, severity) are corrupted together; every image
draws its random numbers from its own generator, seeded by its draw's seed
(and the type, as the reference backend does), so an image's damage does not
depend on the rest of the batch, the device or the worker count.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..imagecorruptions_family import MIN_SIZE
from ..seeding import derive_seed
from .registry import get_torch_twin


def generator_for(seed: int, name: str) -> torch.Generator:
    """The CPU random stream of one image's corruption ``name`` with draw seed ``seed``."""
    return torch.Generator().manual_seed(derive_seed(int(seed), name))


def corrupt_batch(images: torch.Tensor, names: Sequence[str], severities: Sequence[int],
                  seeds: Sequence[int], size: Optional[Sequence[int]] = None) -> torch.Tensor:
    """``images`` (N, 3, H, W) in 0..255, image i under ``names[i]`` at ``severities[i]``; an empty name
    leaves the image clean. Returns a new float tensor in 0..255, truncated to whole levels like the
    reference's 8-bit output.

    ``size`` (H, W): corrupt at that size and bring the result back, the way the
    benchmark corrupts at the native size before the resize to the input size
    (blur radii, drop lengths and noise grain are in pixels); None: at the batch's size.
    """
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"images must be a (N, 3, H, W) batch, got shape {tuple(images.shape)}")
    if not len(names) == len(severities) == len(seeds) == images.shape[0]:
        raise ValueError(f"one name, severity and seed per image: {images.shape[0]} images, {len(names)} names, "
                         f"{len(severities)} severities, {len(seeds)} seeds")
    out = images.float().clone()
    groups: Dict[Tuple[str, int], List[int]] = {}
    for i, (name, severity) in enumerate(zip(names, severities)):
        if name:
            groups.setdefault((name, int(severity)), []).append(i)
    for (name, severity), members in groups.items():
        fn = get_torch_twin(name)
        index = torch.tensor(members, device=images.device)
        group = out.index_select(0, index)
        generators = [generator_for(int(seeds[i]), name) for i in members]
        out[index] = _at_size(group, lambda g: fn(g, severity, generators), work_size(group, name, size))
    return out.clamp_(0, 255).floor_()


def corrupt_drawn(images: torch.Tensor, draws: Sequence, size: Optional[Sequence[int]] = None) -> torch.Tensor:
    """:func:`corrupt_batch` with image i under ``draws[i]``, a draw of the benchmark's specs (its ``name``,
    ``severity`` and ``seed``): how a batch gets the damage the benchmark's test images get."""
    return corrupt_batch(images, [d.name for d in draws], [d.severity for d in draws], [d.seed for d in draws], size)


def work_size(images: torch.Tensor, name: str, size: Optional[Sequence[int]]) -> Tuple[int, int]:
    """Where ``name`` corrupts ``images``: ``size`` or their own, enlarged to the reference's minimum side
    (32 px, imagecorruptions' limit; rain has its own rule)."""
    height, width = (int(size[0]), int(size[1])) if size else images.shape[-2:]
    if name == "rain" or min(height, width) >= MIN_SIZE:
        return height, width
    scale = MIN_SIZE / min(height, width)
    return max(MIN_SIZE, round(height * scale)), max(MIN_SIZE, round(width * scale))


def _at_size(group: torch.Tensor, fn, size: Tuple[int, int]) -> torch.Tensor:
    """``fn(group)`` at ``size``: resized there (8-bit levels, anti-aliased when shrinking) and back."""
    height, width = group.shape[-2:]
    if (height, width) == tuple(size):
        return fn(group)
    work = F.interpolate(group, size=size, mode="bicubic", align_corners=False, antialias=True)
    out = fn(work.clamp(0, 255).round()).clamp(0, 255)
    return F.interpolate(out, size=(height, width), mode="bicubic", align_corners=False, antialias=True)
