"""Contact sheets of DIL, as the published ``visualize.py`` shows them.

- **Degradation swap** (:func:`swap_sheet`): the top row holds the images whose degradation codes are used,
  the left column the images whose content is used; the cell in row i, column j is G(c_i, d_j), the
  content of image i with the degradation of image j (the diagonal reconstructs each image).
- **Memory replay** (:func:`replay_sheet`): one row per image, its original first, then G(c, d) for
  codes drawn from the memory bank, the same codes down each column.

Images: the first test set's low-resolution queries and full-resolution gallery images, alternately
(``MODEL.DIL.STAGE1.SHEET_IMAGES`` of them), through the test transforms. From the command line:

    python -m cfat_plugin.dil.visualize --config-file projects/DIL/synth_mlr_r18_stage1.yml \\
        MODEL.WEIGHTS output/dil/synth_mlr_r18_stage1/model_final.pth
writes ``dil_swap.png`` and ``dil_replay.png`` (codes from a bank over the training set) to ``OUTPUT_DIR``
and prints :func:`~.memory_bank.replay_measures` of the test images replayed with bank codes.
"""
from __future__ import annotations

import os
from typing import List, Optional, Sequence

import numpy as np
import torch
from fastreid.data.data_utils import read_image
from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.data.transforms import build_transforms
from PIL import Image, ImageDraw

from ..data.config import datasets_root
from ..utils.drawing import default_font
from .degradation_encoder import REAL
from .image_range import to_gan_range, to_pixels

GAP = 2  # pixels between cells


def sheet_images(cfg, count: int) -> torch.Tensor:
    """``count`` test images (0-255), low-resolution queries and full-resolution gallery images alternately."""
    reader = DATASET_REGISTRY.get(cfg.DATASETS.TESTS[0])(root=datasets_root(cfg))
    transform = build_transforms(cfg, is_train=False)
    paths = []
    for q, g in zip(reader.query, _one_per_id(reader.gallery)):
        paths += [q[0], g[0]]
    if not paths:
        paths = [item[0] for item in reader.train]
    return torch.stack([transform(read_image(p)) for p in paths[:count]])


def _one_per_id(items: Sequence[tuple]) -> List[tuple]:
    seen, out = set(), []
    for item in items:
        if item[1] not in seen:
            seen.add(item[1])
            out.append(item)
    return out[::-1]  # other ids than the first queries' where possible


@torch.no_grad()
def swap_grid(content_encoder, degradation_encoder, generator, images: torch.Tensor) -> torch.Tensor:
    """(N x N x 3 x H x W) 0-255: cell [i, j] = G(c_i, d_j) for 0-255 ``images``."""
    x = to_gan_range(images.float())
    contents, codes = content_encoder.content(x), degradation_encoder(x, REAL)
    n = len(x)
    rows = [generator(contents[i:i + 1].expand(n, *contents.shape[1:]), codes) for i in range(n)]
    return to_pixels(torch.stack(rows))


@torch.no_grad()
def replay_grid(content_encoder, generator, images: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """(N x K x 3 x H x W) 0-255: image i re-degraded with each of the K ``codes``."""
    contents = content_encoder.content(to_gan_range(images.float()))
    k = len(codes)
    return to_pixels(torch.stack([generator(c[None].expand(k, *c.shape), codes) for c in contents]))


def _to_array(image: torch.Tensor) -> np.ndarray:
    return image.clamp(0, 255).round().byte().permute(1, 2, 0).cpu().numpy()


def draw_sheet(cells: List[List[Optional[torch.Tensor]]], title: str, path: str) -> str:
    """A PNG of a grid of 0-255 images (None: an empty cell) under a one-line title; returns ``path``."""
    h, w = next(c for row in cells for c in row if c is not None).shape[-2:]
    top = 16
    sheet = Image.new("RGB", (len(cells[0]) * (w + GAP) + GAP, top + len(cells) * (h + GAP) + GAP), "white")
    for r, row in enumerate(cells):
        for c, cell in enumerate(row):
            if cell is not None:
                sheet.paste(Image.fromarray(_to_array(cell)), (GAP + c * (w + GAP), top + GAP + r * (h + GAP)))
    ImageDraw.Draw(sheet).text((GAP, 2), title, fill="black", font=default_font(11))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    sheet.save(path)
    return path


def swap_sheet(content_encoder, degradation_encoder, generator, images: torch.Tensor, path: str) -> str:
    """The degradation-swap contact sheet of ``images`` (module docstring)."""
    grid = swap_grid(content_encoder, degradation_encoder, generator, images)
    cells = [[None] + list(images)] + [[images[i]] + list(grid[i]) for i in range(len(images))]
    return draw_sheet(cells, "row: content, column: degradation", path)


def replay_sheet(content_encoder, generator, images: torch.Tensor, codes: torch.Tensor, path: str) -> str:
    """The memory-replay contact sheet: each image, then its replays with ``codes`` (module docstring)."""
    grid = replay_grid(content_encoder, generator, images, codes)
    return draw_sheet([[images[i]] + list(grid[i]) for i in range(len(images))],
                      "image, then replays", path)


def swap_sheet_of_config(cfg, model, path: str) -> str:
    """:func:`swap_sheet` of a stage I model on ``cfg``'s first test set."""
    images = sheet_images(cfg, cfg.MODEL.DIL.STAGE1.SHEET_IMAGES).to(model.device)
    was_training = model.training
    model.eval()
    try:
        return swap_sheet(model.content_encoder, model.degradation_encoder, model.generator, images, path)
    finally:
        model.train(was_training)


def main(argv: Optional[List[str]] = None) -> List[str]:
    """``python -m cfat_plugin.dil.visualize``: both sheets of a stage I checkpoint (``MODEL.WEIGHTS``)."""
    from fastreid.engine import default_argument_parser
    from fastreid.utils.checkpoint import Checkpointer

    from ..engine import apply_runtime_config, load_config
    from ..engine.cli import run_cli
    from .memory_bank import MemoryReplay, build_memory_bank, replay_measures
    from .trainer import DILTrainer
    from .weights import weights_from_elsewhere

    args = default_argument_parser().parse_args(argv)

    def entry() -> List[str]:
        cfg = load_config(args.config_file, args.opts)
        cfg.MODEL.BACKBONE.PRETRAIN = False
        cfg.MODEL.DIL.BASELINE_WEIGHTS = ""  # every weight comes from MODEL.WEIGHTS
        apply_runtime_config(cfg)
        state = Checkpointer(None)._load_file(cfg.MODEL.WEIGHTS)["model"] if cfg.MODEL.WEIGHTS else {}
        classes = state.get("content_encoder.classifier.classifier.weight")
        cfg.MODEL.HEADS.NUM_CLASSES = int(classes.shape[0]) if classes is not None else 1
        from fastreid.modeling import build_model

        with weights_from_elsewhere():
            model = build_model(cfg)
        Checkpointer(model).load(cfg.MODEL.WEIGHTS)
        model.eval()
        images = sheet_images(cfg, cfg.MODEL.DIL.STAGE1.SHEET_IMAGES)
        out = cfg.OUTPUT_DIR
        written = [swap_sheet(model.content_encoder, model.degradation_encoder, model.generator, images,
                              os.path.join(out, "dil_swap.png"))]
        bank = build_memory_bank(model.degradation_encoder, DILTrainer.bank_loader(cfg))
        codes = bank[torch.randperm(len(bank), generator=torch.Generator().manual_seed(0))[:len(images)]]
        written.append(replay_sheet(model.content_encoder, model.generator, images, codes,
                                    os.path.join(out, "dil_replay.png")))
        for path in written:
            print(path)
        replay = MemoryReplay("bank", model.content_encoder, model.degradation_encoder, model.generator)
        tests = sheet_images(cfg, 64)
        drawn = torch.randperm(len(bank), generator=torch.Generator().manual_seed(1))[:len(tests)]
        measures = replay_measures(replay, tests, bank[drawn])
        print("replay of up to 64 test images with bank codes: "
              + ", ".join(f"{k} {v:.4g}" for k, v in measures.items()))
        return written

    return run_cli(entry)


if __name__ == "__main__":
    main()
