"""Resizing learned ViT position embeddings between patch grids.

ImageNet checkpoints carry a square grid (14x14 at 224 px), person images a
tall one (16x8 at 256x128, 21x10 with stride 12); test images may differ from
training images too. The grid is interpolated bilinearly (the TransReID
convention); prefix tokens (CLS) keep their embedding untouched.
"""
import math
from typing import Sequence, Tuple

import torch

Grid = Tuple[int, int]


def infer_grid(num_patches: int, target_grid: Sequence[int]) -> Grid:
    """Guess the (rows, cols) grid a checkpoint's ``num_patches`` position embeddings came from.

    A perfect square is taken as square (every ImageNet checkpoint); otherwise
    the factor pair whose aspect ratio is closest to ``target_grid``'s (person
    checkpoints such as TransReID's 21x10).
    """
    if num_patches <= 0:
        raise ValueError(f"cannot infer a patch grid from {num_patches} position embeddings")
    side = math.isqrt(num_patches)
    if side * side == num_patches:
        return side, side
    want = math.log(target_grid[0] / target_grid[1])
    pairs = [(h, num_patches // h) for h in range(1, num_patches + 1) if num_patches % h == 0]
    return min(pairs, key=lambda hw: abs(math.log(hw[0] / hw[1]) - want))


def resize_pos_embed(
    pos_embed: torch.Tensor,
    old_grid: Sequence[int],
    new_grid: Sequence[int],
    num_prefix_tokens: int = 1,
    interpolation: str = "bilinear",
) -> torch.Tensor:
    """Return ``pos_embed`` (1, prefix + old_h*old_w, D) resampled to ``new_grid``.

    ``interpolation``: bilinear (TransReID's convention, the default) or bicubic (CLIP's, as IRRA resizes it).

    Checks the shapes (a mismatch is an error here, not a silent reshape), then lets
    ``timm.layers.resample_abs_pos_embed`` interpolate. Row-major token order is kept (token
    ``1 + r*cols + c`` is grid cell (r, c)), as patch embedding flattens the conv output that way.
    """
    old_h, old_w = int(old_grid[0]), int(old_grid[1])
    new_h, new_w = int(new_grid[0]), int(new_grid[1])
    if pos_embed.dim() != 3 or pos_embed.shape[0] != 1:
        raise ValueError(f"expected a (1, tokens, dim) position embedding, got {tuple(pos_embed.shape)}")
    if pos_embed.shape[1] != num_prefix_tokens + old_h * old_w:
        raise ValueError(
            f"position embedding has {pos_embed.shape[1]} tokens, not {num_prefix_tokens} + "
            f"{old_h}x{old_w}")
    if (old_h, old_w) == (new_h, new_w):
        return pos_embed
    from timm.layers import resample_abs_pos_embed  # timm only when a ViT is built (import time)

    # timm's resampler in float32 (bilinear on half precision loses the small values), prefix kept.
    return resample_abs_pos_embed(pos_embed, [new_h, new_w], [old_h, old_w], num_prefix_tokens=num_prefix_tokens,
                                  interpolation=interpolation, antialias=False, align_corners=False)
