"""``corrupt_batch``: each image of a batch under its own (type, severity, seed), on the batch's device.

Images that share a (type, severity) are corrupted together; every image
draws its random numbers from its own generator, seeded by its draw's seed
(and the type, as the reference backend does), so an image's damage does not
depend on the rest of the batch, the device or the worker count.
"""
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..imagecorruptions_family import MIN_SIZE
from ..seeding import derive_seed
from .registry import get_torch_twin


def generator_for(seed: int, name: str) -> torch.Generator:
    """The CPU random stream of one image's corruption ``name`` with draw seed ``seed``."""
    return torch.Generator().manual_seed(derive_seed(int(seed), name))


def corrupt_batch(images: torch.Tensor, names: Sequence[str], severities: Sequence[int],
                  seeds: Sequence[int]) -> torch.Tensor:
    """``images`` (N, 3, H, W) in 0..255, image i under ``names[i]`` at ``severities[i]``; an empty name
    leaves the image clean. Returns a new float tensor in 0..255, truncated to whole levels like the
    reference's 8-bit output."""
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
        out[index] = _at_min_size(group, lambda g: fn(g, severity, generators), name)
    return out.clamp_(0, 255).floor_()


def _at_min_size(group: torch.Tensor, fn, name: str) -> torch.Tensor:
    """``fn(group)``, on a copy enlarged to the reference's minimum side when the images are smaller."""
    height, width = group.shape[-2:]
    if name == "rain" or min(height, width) >= MIN_SIZE:
        return fn(group)
    scale = MIN_SIZE / min(height, width)
    size = (max(MIN_SIZE, round(height * scale)), max(MIN_SIZE, round(width * scale)))
    big = F.interpolate(group, size=size, mode="bicubic", align_corners=False).clamp(0, 255).round()
    return F.interpolate(fn(big).clamp(0, 255), size=(height, width), mode="bicubic", align_corners=False)
