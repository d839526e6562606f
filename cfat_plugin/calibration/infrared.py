"""Calibrate SynthReID's infrared modality: how far is IR from RGB for a model that never saw IR?

    python -m cfat_plugin.calibration.infrared --root datasets --minutes 5

Trains FastReID's Baseline with a ResNet-18 from scratch (the CPU config of
``configs/CUHK01/baseline_R18_cpu.yml``) on the *visible* train images of
``SynthSYSU`` only, for a fixed wall-clock budget, then evaluates on the test
ids with SYSU-MM01's protocol for each of ten trials (single-shot visible
gallery, all-search): IR->RGB with the real IR queries (cameras 3, 6;
``evaluate_sysu``), and RGB->RGB with the test ids' visible images that the
trial did not put in the gallery as queries (same gallery; same-camera
matches left out, as FastReID does). The calibration target: IR->RGB mAP at
most half of RGB->RGB, both far from chance and from 100% (measured: 19.2
against 73.5, 0.26; README.md in ``cfat_plugin/data/synthetic``).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import time

import numpy as np
import torch
from fastreid.data import build_reid_train_loader
from fastreid.data.common import CommDataset
from fastreid.data.samplers import NaiveIdentitySampler
from fastreid.data.transforms import build_transforms
from fastreid.evaluation.rank import evaluate_rank
from fastreid.modeling import build_model
from fastreid.utils.events import EventStorage

from ..data.datasets.sysu_mm01 import SynthSYSU
from ..data.synthetic.layouts import sysu
from ..evaluation.cross_modality import evaluate_sysu
from ..evaluation.features import extract_features
from ..engine.setup import apply_runtime_config, load_config

logger = logging.getLogger(__name__)

CONFIG = os.path.join(os.path.dirname(__file__), "..", "..", "configs", "CUHK01", "baseline_R18_cpu.yml")


def _train(cfg, items: list[tuple], minutes: float, seed: int) -> tuple[torch.nn.Module, int]:
    """Baseline trained on ``items`` until ``minutes`` have passed; returns (model, iterations)."""
    torch.manual_seed(seed)
    train_set = CommDataset(items, build_transforms(cfg, is_train=True), relabel=True)
    cfg.defrost()
    cfg.MODEL.HEADS.NUM_CLASSES = train_set.num_classes
    cfg.freeze()
    model = build_model(cfg)
    sampler = NaiveIdentitySampler(train_set.img_items, cfg.SOLVER.IMS_PER_BATCH, cfg.DATALOADER.NUM_INSTANCE,
                                   seed=seed)
    loader = build_reid_train_loader(train_set=train_set, sampler=sampler, total_batch_size=cfg.SOLVER.IMS_PER_BATCH,
                                     num_workers=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.SOLVER.BASE_LR, weight_decay=cfg.SOLVER.WEIGHT_DECAY)
    model.train()
    start, iters = time.perf_counter(), 0
    storage = EventStorage(0).__enter__()  # the losses log their accuracy into it
    for batch in loader:
        storage.iter = iters
        losses = model(batch)
        loss = sum(losses.values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        iters += 1
        if iters % 50 == 0:
            logger.info("iter %d: loss %.3f (%.0f s)", iters, float(loss), time.perf_counter() - start)
        if time.perf_counter() - start > 60.0 * minutes:
            break
    storage.__exit__(None, None, None)
    return model.eval(), iters


def _distance(q: torch.Tensor, g: torch.Tensor) -> np.ndarray:
    q, g = torch.nn.functional.normalize(q, dim=1), torch.nn.functional.normalize(g, dim=1)
    return (1.0 - q @ g.t()).numpy()


def calibrate_infrared(root: str, minutes: float = 5.0, seed: int = 0, trials: int = 10) -> dict:
    """mAP and rank-1 (%) of IR->RGB and RGB->RGB, mean over ``trials``, for an RGB-only model
    (and, as ``*_chance``, for random distances on the same queries and galleries)."""
    cfg = load_config(CONFIG, ["DATASETS.ROOT", root, "DATALOADER.NUM_WORKERS", "0", "OUTPUT_DIR",
                               os.path.join(root, "calibrate_infrared")])
    apply_runtime_config(cfg)
    data = SynthSYSU(root=root, seed=0, mode="all", trial=1, verbose=False)
    rgb_train = [it for it in data.train if data.modality_of(it[0]) == "visible"]
    model, iters = _train(cfg, rgb_train, minutes, seed)
    test_items = data.test_items  # (path, pid, 1-based camera), read by the reader
    with torch.no_grad():
        feats = extract_features(cfg, model, [(p, pid, cam - 1) for p, pid, cam in test_items]).feats
    row = {p: i for i, (p, _, _) in enumerate(test_items)}
    results = {"ir_to_rgb": [], "rgb_to_rgb": [], "ir_to_rgb_chance": [], "rgb_to_rgb_chance": []}
    chance = np.random.default_rng(seed)  # random distances: what a model that learnt nothing scores
    for trial in range(1, trials + 1):
        query, gallery = sysu.split_query_gallery(test_items, "all", trial)
        in_gallery = {p for p, _, _ in gallery}
        rgb_query = [it for it in test_items if it[2] in sysu.VISIBLE_CAMERAS and it[0] not in in_gallery]
        g_idx = [row[p] for p, _, _ in gallery]
        g_pids, g_cams = np.array([pid for _, pid, _ in gallery]), np.array([cam - 1 for _, _, cam in gallery])
        for name, qs in (("ir_to_rgb", query), ("rgb_to_rgb", rgb_query), ("ir_to_rgb_chance", query),
                         ("rgb_to_rgb_chance", rgb_query)):
            if name.endswith("chance"):
                dist = chance.random((len(qs), len(g_idx)))
            else:
                dist = _distance(feats[[row[p] for p, _, _ in qs]], feats[g_idx])
            q_pids, q_cams = np.array([pid for _, pid, _ in qs]), np.array([cam - 1 for _, _, cam in qs])
            if name.startswith("ir_to_rgb"):
                cmc, mAP, _ = evaluate_sysu(dist, q_pids, g_pids, q_cams, g_cams)
            else:
                cmc, aps, _ = evaluate_rank(dist, q_pids, g_pids, q_cams, g_cams, max_rank=20, use_cython=False)
                mAP = float(np.mean(aps))
            results[name].append((100.0 * mAP, 100.0 * float(cmc[0])))
    summary = {name: {"mAP": round(float(np.mean([m for m, _ in v])), 1),
                      "rank1": round(float(np.mean([r for _, r in v])), 1)} for name, v in results.items()}
    summary.update(iterations=iters, minutes=minutes, train_images=len(rgb_train), seed=seed, trials=trials,
                   gallery_ids=len({pid for _, pid, _ in data.gallery}))
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cfat_plugin.calibration.infrared", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default="datasets", help="data root (SynthReID-sysu-s0 is generated there if missing)")
    p.add_argument("--minutes", type=float, default=5.0, help="wall-clock training budget")
    p.add_argument("--seed", type=int, default=0, help="training seed (the data set is seed 0)")
    p.add_argument("--trials", type=int, default=10)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    print(json.dumps(calibrate_infrared(args.root, args.minutes, args.seed, args.trials), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
