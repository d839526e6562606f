"""A sheet to look at: for a few text queries, the top-10 gallery images, true matches framed green,
others red, each row under its caption."""
from __future__ import annotations

import textwrap
from typing import Dict

import torch
from PIL import Image, ImageDraw

from .evaluation import similarity

THUMB = (48, 96)  # width, height of each gallery image
TOP = 10  # gallery images per query
TEXT_H = 30  # pixels of caption above each row
BORDER = 3


def write_retrieval_sheet(path: str, text: Dict[str, torch.Tensor], image: Dict[str, torch.Tensor],
                          q_pids: torch.Tensor, g_pids: torch.Tensor, dataset, queries: int, view: str) -> str:
    """Write the PNG at ``path`` for the first ``queries`` captions (evenly spread over the test set)."""
    num_query = len(q_pids)
    gallery_paths = [item[0] for item in dataset.img_items[num_query:]]
    picks = torch.linspace(0, num_query - 1, min(queries, num_query)).long().tolist()
    sim = similarity({k: v[picks] for k, v in text.items()}, image, view)
    w, h = THUMB
    sheet = Image.new("RGB", (TOP * (w + 4) + 4, len(picks) * (h + TEXT_H + 8)), "white")
    draw = ImageDraw.Draw(sheet)
    for row, (q, scores) in enumerate(zip(picks, sim)):
        y = row * (h + TEXT_H + 8)
        caption = "\n".join(textwrap.wrap(dataset.captions[q], width=TOP * (w + 4) // 6)[:2])
        draw.text((4, y + 2), caption, fill="black")
        for col, g in enumerate(scores.argsort(descending=True)[:TOP].tolist()):
            x = 4 + col * (w + 4)
            thumb = Image.open(gallery_paths[g]).convert("RGB").resize((w - 2 * BORDER, h - 2 * BORDER))
            colour = "green" if int(g_pids[g]) == int(q_pids[q]) else "red"
            draw.rectangle([x, y + TEXT_H, x + w - 1, y + TEXT_H + h - 1], fill=colour)
            sheet.paste(thumb, (x + BORDER, y + TEXT_H + BORDER))
    sheet.save(path)
    return path
