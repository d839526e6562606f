#!/usr/bin/env python
"""Contact sheet of images under every corruption x severity, saved as PNG.

Rows are corruption types, columns the clean image then severities 1..5 (one
block of columns per input image), so the whole benchmark can be checked by
eye on real photos:

    python tools/visualize_corruptions.py ../shared/data/cuhk01-mini/campus/0001001.png -o sheet.png
    python tools/visualize_corruptions.py a.png b.png --scale 2 --types rain fog --seed 3 -o sheet.png

``--backend torch`` puts the training backend beside the reference: per image,
a block of the reference's columns, then the same columns from the batched torch
corruptions (other random numbers, the same kind of damage):

    python tools/visualize_corruptions.py ../shared/data/cuhk01-mini/campus/0001001.png --backend torch \
        --severities 1 3 5 --scale 2 -o sheet_torch.png
"""
import argparse
import os
import sys
from typing import List, Sequence

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

import cfat_plugin  # noqa: E402,F401  (compat fixes first)
from cfat_plugin.data.corruptions import (  # noqa: E402
    CORRUPTION_TYPES, SEVERITIES, available_corruptions, corrupt, read_rgb)
from cfat_plugin.utils.drawing import default_font  # noqa: E402

LABEL_WIDTH, HEADER_HEIGHT, GAP, BACKGROUND = 150, 24, 4, (255, 255, 255)


def torch_corrupt(image: np.ndarray, name: str, severity: int, seed: int) -> np.ndarray:
    """``corrupt`` through the training backend's batched torch corruptions (a batch of one)."""
    import torch

    from cfat_plugin.data.corruptions.torch_backend import corrupt_batch

    batch = torch.from_numpy(np.array(image)).permute(2, 0, 1)[None].float()
    return corrupt_batch(batch, [name], [severity], [seed])[0].permute(1, 2, 0).numpy().astype(np.uint8)


CORRUPTERS = {"reference": corrupt, "torch": torch_corrupt}


def contact_sheet(images: Sequence[np.ndarray], types: Sequence[str] = CORRUPTION_TYPES,
                  severities: Sequence[int] = SEVERITIES, seed: int = 0, scale: int = 1,
                  backends: Sequence[str] = ("reference",)) -> Image.Image:
    """One row per type; per image and backend, the clean picture then one column per severity."""
    if not images:
        raise ValueError("contact_sheet needs at least one image")
    blocks = [(image, backend) for image in images for backend in backends]
    tile_h = max(im.shape[0] for im in images) * scale
    tile_ws = [im.shape[1] * scale for im, _ in blocks]
    columns = 1 + len(severities)
    block_ws = [columns * (w + GAP) + GAP * 2 for w in tile_ws]
    width = LABEL_WIDTH + sum(block_ws)
    height = HEADER_HEIGHT + len(types) * (tile_h + GAP) + GAP
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = default_font(14)

    def paste(array: np.ndarray, x: int, y: int) -> None:
        tile = Image.fromarray(array)
        if scale != 1:
            tile = tile.resize((array.shape[1] * scale, array.shape[0] * scale), Image.NEAREST)
        sheet.paste(tile, (x, y))

    x0 = LABEL_WIDTH
    for (image, backend), tile_w, block_w in zip(blocks, tile_ws, block_ws):
        first = "clean" if len(backends) == 1 else backend[:5]
        for column, title in enumerate([first] + [f"s{s}" for s in severities]):
            draw.text((x0 + column * (tile_w + GAP) + 2, 4), title, fill=(0, 0, 0), font=font)
        for row, name in enumerate(types):
            y = HEADER_HEIGHT + row * (tile_h + GAP)
            paste(image, x0, y)
            for column, severity in enumerate(severities, start=1):
                paste(CORRUPTERS[backend](image, name, severity, seed), x0 + column * (tile_w + GAP), y)
        x0 += block_w
    for row, name in enumerate(types):
        y = HEADER_HEIGHT + row * (tile_h + GAP) + tile_h // 2 - 8
        draw.text((6, y), name, fill=(0, 0, 0), font=font)
    return sheet


def parse_args(argv: List[str] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("images", nargs="+", help="image files (any size; corrupted at native resolution)")
    parser.add_argument("-o", "--output", default="corruptions.png", help="PNG file to write")
    parser.add_argument("--types", nargs="+", default=list(CORRUPTION_TYPES),
                        help="corruption types (default: the 20 of the benchmark)")
    parser.add_argument("--severities", nargs="+", type=int, default=list(SEVERITIES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=int, default=1, help="enlarge tiles (nearest neighbour) by this factor")
    parser.add_argument("--backend", choices=("reference", "torch"), default="reference",
                        help="torch: the training backend's torch corruptions beside the reference's")
    args = parser.parse_args(argv)
    unknown = [t for t in args.types if t not in available_corruptions()]
    if unknown:
        parser.error(f"unknown corruption types {unknown}; known: {', '.join(available_corruptions())}")
    if args.backend == "torch":
        from cfat_plugin.data.corruptions.torch_backend import torch_twins

        missing = [t for t in args.types if t not in torch_twins()]
        if missing:
            parser.error(f"no torch version of {missing}; --backend torch covers: {', '.join(torch_twins())}")
    if args.scale < 1:
        parser.error("--scale must be >= 1")
    return args


def main(argv: List[str] = None) -> str:
    args = parse_args(argv)
    for path in args.images:
        if not os.path.isfile(path):
            raise SystemExit(f"image not found: {path}")
    backends = ("reference",) if args.backend == "reference" else ("reference", "torch")
    sheet = contact_sheet([read_rgb(p) for p in args.images], args.types, args.severities, args.seed, args.scale,
                          backends)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    sheet.save(args.output, format="PNG")
    print(f"wrote {args.output} ({sheet.width}x{sheet.height}): {len(args.types)} types x "
          f"{len(args.severities)} severities x {len(args.images)} image(s), {' beside '.join(backends)}")
    return args.output


if __name__ == "__main__":
    main()
