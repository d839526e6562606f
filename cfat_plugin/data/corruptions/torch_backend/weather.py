"""Weather and dirt: snow, frost, fog and spatter (water at severities 1-3, mud at 4-5)."""
import importlib.resources
from functools import lru_cache
from typing import Sequence, Tuple

import cv2
import numpy as np
import torch

from .ops import (clipped_zoom, gaussian_filter, motion_blur_angles, normal, random_floats,
                  random_ints, uniform)
from .registry import register_torch_twin

# imagecorruptions' constants per severity 1-5.
# snow: (flake mean, flake std, zoom, threshold, blur radius, blur sigma, share of the image kept)
SNOW = ((0.1, 0.3, 3, 0.5, 10, 4, 0.8), (0.2, 0.3, 2, 0.5, 12, 4, 0.7), (0.55, 0.3, 4, 0.9, 12, 8, 0.7),
        (0.55, 0.3, 4.5, 0.85, 12, 8, 0.65), (0.55, 0.3, 2.5, 0.85, 12, 12, 0.55))
FROST = ((1, 0.4), (0.8, 0.6), (0.7, 0.7), (0.65, 0.7), (0.6, 0.75))  # (image weight, frost weight)
FROST_FILES = ("frost1.png", "frost2.png", "frost3.png", "frost4.jpg", "frost5.jpg", "frost6.jpg")
FOG = ((1.5, 2), (2.0, 2), (2.5, 1.7), (2.5, 1.5), (3.0, 1.4))  # (fog strength, fractal roughness decay)
# spatter: (liquid mean, liquid std, blur sigma, threshold, intensity or mud blur sigma, 0 water / 1 mud)
SPATTER = ((0.65, 0.3, 4, 0.69, 0.6, 0), (0.65, 0.3, 3, 0.68, 0.6, 0), (0.65, 0.3, 2, 0.68, 0.5, 0),
           (0.65, 0.3, 1, 0.65, 1.5, 1), (0.67, 0.4, 1, 0.65, 1.5, 1))
WATER_RGB = (175, 238, 238)  # pale turquoise
MUD_RGB = (63, 42, 20)  # brown


@register_torch_twin("snow")
def snow(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Falling flakes: thresholded enlarged noise streaked along a steep angle, on a paler image."""
    mean, std, zoom, threshold, radius, sigma, kept = SNOW[severity - 1]
    height, width = x.shape[-2:]
    x = x / 255
    flakes = clipped_zoom(normal(generators, (1, height, width), mean, std, x.device), zoom)
    flakes = torch.where(flakes < threshold, torch.zeros_like(flakes), flakes).clamp(0, 1)
    flakes = motion_blur_angles(flakes, radius, sigma, random_floats(generators, -135, -45))
    flakes = (torch.round(flakes * 255) / 255)[..., :height, :width]
    gray = (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]).unsqueeze(1)
    x = kept * x + (1 - kept) * torch.maximum(x, gray * 1.5 + 0.5)
    return (x + flakes + flakes.flip(-1, -2)).clamp(0, 1) * 255


@lru_cache(maxsize=None)
def frost_texture(index: int, height: int, width: int) -> torch.Tensor:
    """Frost photo ``index`` scaled the reference's way (1.1x past covering the image, bicubic), RGB."""
    ref = importlib.resources.files("imagecorruptions") / "frost" / FROST_FILES[index]
    with importlib.resources.as_file(ref) as path:
        frost = cv2.imread(str(path))
    fh, fw = frost.shape[:2]
    scale = max(1.0, height / fh, width / fw) * 1.1
    frost = cv2.resize(frost, (int(np.ceil(fw * scale)), int(np.ceil(fh * scale))), interpolation=cv2.INTER_CUBIC)
    return torch.from_numpy(np.ascontiguousarray(frost[..., ::-1])).permute(2, 0, 1).float()


def frost_with(x: torch.Tensor, severity: int, draws: Sequence[Tuple[int, int, int]]) -> torch.Tensor:
    """The reference's frost blend given each image's draw (frost photo index, crop top, crop left)."""
    image_weight, frost_weight = FROST[severity - 1]
    height, width = x.shape[-2:]
    crops = [frost_texture(index, height, width)[:, top:top + height, left:left + width]
             for index, top, left in draws]
    return image_weight * x + frost_weight * torch.stack(crops).to(x.device)


@register_torch_twin("frost")
def frost(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Ice on the lens: a random crop of one of six frost photos blended in."""
    height, width = x.shape[-2:]
    draws = []
    for g in generators:
        index = random_ints([g], 0, len(FROST_FILES))[0]
        texture_h, texture_w = frost_texture(index, height, width).shape[-2:]
        draws.append((index, random_ints([g], 0, texture_h - height)[0], random_ints([g], 0, texture_w - width)[0]))
    return frost_with(x, severity, draws)


def plasma_fractal(size: int, decay: float, generators: Sequence[torch.Generator],
                   device: torch.device) -> torch.Tensor:
    """The reference's diamond-square height map, one (size, size) map per image, scaled to 0..1."""
    maps = torch.zeros(len(generators), size, size, device=device)
    step, wibble = size, 100.0

    def wibbled_mean(total: torch.Tensor) -> torch.Tensor:
        return total / 4 + wibble * uniform(generators, total.shape[1:], -wibble, wibble, device)

    while step >= 2:
        half = step // 2
        corners = maps[:, 0::step, 0::step]
        squares = corners + corners.roll(-1, 1)
        squares = squares + squares.roll(-1, 2)
        maps[:, half::step, half::step] = wibbled_mean(squares)
        centres = maps[:, half::step, half::step]
        corners = maps[:, 0::step, 0::step]
        maps[:, 0::step, half::step] = wibbled_mean(centres + centres.roll(1, 1) + corners + corners.roll(-1, 2))
        maps[:, half::step, 0::step] = wibbled_mean(centres + centres.roll(1, 2) + corners + corners.roll(-1, 1))
        step //= 2
        wibble /= decay
    maps = maps - maps.amin(dim=(1, 2), keepdim=True)
    return maps / maps.amax(dim=(1, 2), keepdim=True)


def fog_from_field(x: torch.Tensor, severity: int, field: torch.Tensor) -> torch.Tensor:
    """The reference's fog formula, given each image's height map (N, >=H, >=W) in 0..1."""
    strength = FOG[severity - 1][0]
    height, width = x.shape[-2:]
    x = x / 255
    peak = x.amax(dim=(1, 2, 3), keepdim=True)
    x = x + strength * field[:, None, :height, :width]
    return (x * peak / (peak + strength)).clamp(0, 1) * 255


@register_torch_twin("fog")
def fog(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Haze: a fractal cloud added, the image dimmed to keep its peak."""
    size = 1 << (max(x.shape[-2:] + (3,)) - 1).bit_length()
    return fog_from_field(x, severity, plasma_fractal(size, FOG[severity - 1][1], generators, x.device))


def water_mask(liquid: np.ndarray) -> np.ndarray:
    """Water drops' shading from the thresholded liquid layer (OpenCV's edges, distance, equalisation,
    emboss, as the reference): float32 HxW, scaled to a maximum of 1 (all 0 when there is no drop)."""
    liquid = (liquid * 255).astype(np.uint8)
    dist = cv2.distanceTransform(255 - cv2.Canny(liquid, 50, 150), cv2.DIST_L2, 5)
    _, dist = cv2.threshold(dist, 20, 20, cv2.THRESH_TRUNC)
    dist = cv2.equalizeHist(cv2.blur(dist, (3, 3)).astype(np.uint8))
    dist = cv2.filter2D(dist, cv2.CV_8U, np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]))
    mask = liquid * cv2.blur(dist, (3, 3)).astype(np.float32)
    peak = mask.max()
    return mask / peak if peak > 0 else np.zeros_like(mask)


@register_torch_twin("spatter")
def spatter(x: torch.Tensor, severity: int, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Drops on the lens: shaded turquoise water (severities 1-3) or opaque brown mud (4-5)."""
    mean, std, sigma, threshold, strength, mud = SPATTER[severity - 1]
    height, width = x.shape[-2:]
    liquid = gaussian_filter(normal(generators, (height, width), mean, std, torch.device("cpu")), sigma)
    if mud:
        mask = gaussian_filter((liquid > threshold).float(), strength)
        mask = torch.where(mask < 0.8, torch.zeros_like(mask), mask).to(x.device).unsqueeze(1)
        color = torch.tensor(MUD_RGB, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
        return x * (1 - mask) + color * mask
    liquid = torch.where(liquid < threshold, torch.zeros_like(liquid), liquid).numpy()
    mask = torch.from_numpy(np.stack([water_mask(layer) for layer in liquid])).to(x.device).unsqueeze(1)
    color = torch.tensor(WATER_RGB, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    return (x / 255 + strength * mask * color / 255).clamp(0, 1) * 255

