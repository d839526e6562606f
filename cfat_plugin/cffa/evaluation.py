"""Text-to-image retrieval scores as IRRA's ``utils/metrics.py`` prints them: R1/R5/R10, mAP, mINP.

Queries are captions, the gallery every test image, ranked by cosine similarity with no camera or junk
filtering. Three similarities: ``global`` (CLS/EOT features), ``local`` (FLFR's) and ``fused``
(their mean, as CFFA ranks); ``MODEL.CFFA.SIM_FUSION`` picks the headline one.
"""
from __future__ import annotations

from typing import Dict

import torch
import torch.nn.functional as F
from tabulate import tabulate

VIEWS = ("global", "local", "fused")
METRICS = ("R1", "R5", "R10", "mAP", "mINP")


def cosine(text: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
    """Cosine similarity, queries x gallery."""
    return F.normalize(text, dim=-1) @ F.normalize(image, dim=-1).t()


def rank_metrics(sim: torch.Tensor, q_pids: torch.Tensor, g_pids: torch.Tensor) -> Dict[str, float]:
    """R1/R5/R10, mAP (AP over all positives) and mINP (#positives / rank of the hardest one), in percent."""
    order = sim.argsort(dim=1, descending=True)
    matches = (g_pids[order] == q_pids[:, None]).float()
    cmc = matches.cumsum(1).clamp(max=1)
    rel = matches.sum(1)
    hits = matches.cumsum(1)
    precision = hits / torch.arange(1, matches.shape[1] + 1, dtype=torch.float)
    ap = (precision * matches).sum(1) / rel
    last = matches.shape[1] - 1 - matches.flip(1).argmax(1)  # position of the hardest positive
    inp = rel / (last.float() + 1)
    out = {f"R{k}": 100 * cmc[:, min(k, cmc.shape[1]) - 1].mean().item() for k in (1, 5, 10)}
    return {**out, "mAP": 100 * ap.mean().item(), "mINP": 100 * inp.mean().item()}


def text_to_image_scores(text: Dict[str, torch.Tensor], image: Dict[str, torch.Tensor], q_pids: torch.Tensor,
                         g_pids: torch.Tensor) -> Dict[str, Dict[str, float]]:
    """Scores per view present in both feature dicts (``global``, ``local``; ``fused`` when both are)."""
    sims = {v: cosine(text[v], image[v]) for v in ("global", "local") if v in text and v in image}
    if len(sims) == 2:
        sims["fused"] = (sims["global"] + sims["local"]) / 2
    return {view: rank_metrics(sim, q_pids, g_pids) for view, sim in sims.items()}


def headline_view(views: Dict[str, Dict[str, float]], fusion: str) -> str:
    """The view ``MODEL.CFFA.SIM_FUSION`` names, or ``global`` where the model has no local feature."""
    return fusion if fusion in views else "global"


def similarity(text: Dict[str, torch.Tensor], image: Dict[str, torch.Tensor], view: str) -> torch.Tensor:
    """The similarity matrix of one view (``fused`` falls back to ``global`` without local features)."""
    if view == "fused" and "local" in text:
        return (cosine(text["global"], image["global"]) + cosine(text["local"], image["local"])) / 2
    key = view if view in text else "global"
    return cosine(text[key], image[key])


def t2i_table(results: Dict[str, Dict[str, Dict[str, float]]]) -> str:
    """One row per (test set, view): task, R1, R5, R10, mAP, mINP."""
    rows = [[f"{name} t2i {view}"] + [f"{scores[m]:.2f}" for m in METRICS]
            for name, views in results.items() for view, scores in views.items()]
    return tabulate(rows, headers=["task"] + list(METRICS), tablefmt="pipe")
