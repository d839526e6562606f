"""The two pixel ranges of DIL: FastReID batches hold 0-255 floats, the GAN works in [-1, 1] (tanh output).

The encoders take [-1, 1] images and normalise them for the ResNet trunk themselves, so generated images
go straight back into them; stage II's replayed images go back to 0-255 before its model sees them.
"""
import torch


def to_gan_range(images: torch.Tensor) -> torch.Tensor:
    """0-255 images to [-1, 1]."""
    return images / 127.5 - 1.0


def to_pixels(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] images to 0-255 (clamped)."""
    return ((images.clamp(-1.0, 1.0) + 1.0) * 127.5)
