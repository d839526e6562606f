"""The training corruptions in torch: batched, on any device, each image with its own type, severity and seed.

The twins follow ``imagecorruptions`` (and the benchmark's rain) formula by
formula; deterministic ones give the reference's pixels, random ones its
damage in distribution (tests/test_corruptions_torch.py). Test sets stay on
the reference implementation, which defines the protocol.
"""
from . import blur, digital, noise, rain, weather  # noqa: F401  (registration)
from .batch import corrupt_batch, corrupt_drawn, generator_for
from .registry import get_torch_twin, register_torch_twin, torch_twins

__all__ = ["corrupt_batch", "corrupt_drawn", "generator_for", "get_torch_twin", "register_torch_twin", "torch_twins"]
