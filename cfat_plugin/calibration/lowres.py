"""Calibrate SynthReID's low resolution: how much does a full-resolution model lose on small queries?

    python -m cfat_plugin.calibration.lowres --config-file CFG --weights model_final.pth --root /tmp/lr

Evaluates a model trained on the demo SynthReID (full resolution; e.g. the
ResNet-18 teacher of ``projects/CFAT/synthreid_r18_teacher.yml``) without
training anything:

- on the ``mlr`` preset (MLR-CUHK03 layout, the demo's seed and test ids)
  with every down-sampling choice: factors (1,) (the control: the same
  queries at full size), (2,), (3,), (4,), and MLR's (2, 3, 4). The plan does
  not depend on the factors, so the five sets differ only in the pixels of
  the down-sampled images (their gallery is byte-identical);
- on the ``demo`` and ``lowres`` presets (camera 4 natively low-resolution in
  ``lowres``), all queries and split by whether a query comes from a
  low-resolution camera.

Distances are cosine, scores FastReID's ``evaluate_rank`` (same-camera matches
left out), with random distances on the same queries and gallery as chance.
The calibration target: the full-resolution model loses at least 5 mAP on
low-resolution queries (measured: 16.5 on MLR-CUHK03's protocol; README.md in
``cfat_plugin/data/synthetic``), every number far from chance and from 100%.
Data sets are generated under ``--root`` where missing.
"""
from __future__ import annotations

import argparse
import json
import logging
import os

import numpy as np
import torch
from fastreid.evaluation.rank import evaluate_rank
from fastreid.modeling import build_model
from fastreid.utils.checkpoint import Checkpointer

from ..data.datasets.mlr_cuhk03 import MLRCUHK03
from ..data.datasets.synthreid import SynthReID
from ..data.synthetic import ensure_dataset, preset
from ..data.synthetic.spec import MLR_FACTORS
from ..evaluation.features import extract_features
from ..engine.setup import apply_runtime_config, load_config

logger = logging.getLogger(__name__)

FACTOR_CHOICES = ((1,), (2,), (3,), (4,), MLR_FACTORS)


def _scores(cfg, model: torch.nn.Module, query: list[tuple], gallery: list[tuple],
            groups: dict[str, np.ndarray] | None = None) -> dict[str, dict[str, float]]:
    """mAP and rank-1 (%) of ``query`` against ``gallery`` per query group (default: all queries),
    and of random distances (``<group>_chance``, mean of 10 draws)."""
    with torch.no_grad():
        feats = extract_features(cfg, model, query + gallery).feats
    feats = torch.nn.functional.normalize(feats, dim=1)
    nq = len(query)
    dist = (1.0 - feats[:nq] @ feats[nq:].t()).numpy()
    q_pids, q_cams = np.array([it[1] for it in query]), np.array([it[2] for it in query])
    g_pids, g_cams = np.array([it[1] for it in gallery]), np.array([it[2] for it in gallery])
    out = {}
    for name, sel in (groups or {"all": np.ones(nq, dtype=bool)}).items():
        def score(d: np.ndarray) -> tuple[float, float]:
            cmc, aps, _ = evaluate_rank(d, q_pids[sel], g_pids, q_cams[sel], g_cams, max_rank=20, use_cython=False)
            return 100.0 * float(np.mean(aps)), 100.0 * float(cmc[0])

        m, r1 = score(dist[sel])
        chance = [score(np.random.default_rng(s).random((int(sel.sum()), len(gallery))))[0] for s in range(10)]
        out[name] = {"queries": int(sel.sum()), "mAP": round(m, 2), "rank1": round(r1, 2),
                     "chance_mAP": round(float(np.mean(chance)), 2)}
    return out


def calibrate_lowres(config_file: str, weights: str, root: str) -> dict:
    """The scores of the module docstring, by test set: ``mlr_x1`` ... ``mlr_x234``, ``demo``, ``lowres``."""
    cfg = load_config(config_file, ["MODEL.WEIGHTS", weights, "DATASETS.ROOT", root, "DATALOADER.NUM_WORKERS", "0",
                                    "MODEL.DEVICE", "cpu", "OUTPUT_DIR", os.path.join(root, "calibrate_lowres")])
    apply_runtime_config(cfg)
    model = build_model(cfg)
    Checkpointer(model).load(weights)
    model.eval()
    results = {}
    for factors in FACTOR_CHOICES:
        label = "mlr_x" + "".join(str(f) for f in factors)
        folder = os.path.join(root, f"SynthReID-{label.replace('_', '-')}-s0")
        ensure_dataset(preset("mlr", downsample_factors=factors), folder, progress=True)
        data = MLRCUHK03(root=folder, verbose=False)
        results[label] = _scores(cfg, model, data.query, data.gallery)["all"]
    low_cams = np.array(preset("lowres").lowres_cameras) - 1  # 0-based, as the reader's
    for name in ("demo", "lowres"):
        data = SynthReID(root=root, preset=name, seed=0, verbose=False)
        from_low = np.isin([cam for _, _, cam in data.query], low_cams)
        results[name] = _scores(cfg, model, data.query, data.gallery,
                                {"all": np.ones(len(data.query), dtype=bool), "lowres_camera_queries": from_low,
                                 "other_queries": ~from_low})
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cfat_plugin.calibration.lowres", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config-file", required=True, help="the model's config (trained on the demo SynthReID)")
    p.add_argument("--weights", required=True, help="its weights (model_final.pth)")
    p.add_argument("--root", default="datasets", help="data root (the test sets are generated there if missing)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(1)
    print(json.dumps(calibrate_lowres(args.config_file, args.weights, args.root), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
