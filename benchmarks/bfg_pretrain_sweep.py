#!/usr/bin/env python
"""How much gradient does the bridge KL give the student after BFG pre-training, per pre-training recipe?

    .venv/bin/python benchmarks/bfg_pretrain_sweep.py [--batch 16]

The setting of ``tests/test_cfat_stages.py -k raise_the_kl``: a ResNet-18 teacher trained 4 epochs
on ``../shared/data/cuhk01-mini`` at 64x32 (cached under --work), corrupted views, the demo's
alignment weight 30. For each (reconstruction, prior KL, bridge KL weight, steps) it pre-trains the
VAE on 6 cached batches, loads it into CFAT (published KL) and prints the ratio of the KL's gradient
norm on the student feature to the coarse alignment's, per batch and its median.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "tests"), os.path.join(HERE, "..")]

RECIPES = [(1, 0.01, 0.1, 300), (1, 0.01, 0.0, 300), (1, 0.1, 0.0, 300), (1, 1.0, 0.0, 300), (1, 1.0, 0.1, 300),
           (1, 1.0, 0.0, 1000)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", default="16")
    parser.add_argument("--work", default="output/bfg_pretrain_sweep")
    args = parser.parse_args()
    from pathlib import Path

    import numpy as np
    import torch

    import cfat_plugin  # noqa: F401
    import test_cfat_stages as stages
    from cfat_plugin.data.paired import build_paired_train_loader
    from cfat_plugin.engine import apply_runtime_config, load_config
    from fastreid.modeling import build_model

    torch.set_num_threads(1)
    work = Path(args.work).absolute()
    work.mkdir(parents=True, exist_ok=True)
    cfg = load_config(os.path.join(HERE, "..", "configs", "CUHK01", "baseline_R18_cpu.yml"), [
        "DATASETS.ROOT", os.path.join(HERE, "..", "..", "shared", "data", "cuhk01-mini"),
        "OUTPUT_DIR", str(work / "out"), "INPUT.SIZE_TRAIN", "[64, 32]", "INPUT.SIZE_TEST", "[64, 32]",
        "SOLVER.IMS_PER_BATCH", args.batch, "DATALOADER.NUM_INSTANCE", "4", "DATALOADER.NUM_WORKERS", "0",
        "SOLVER.WARMUP_ITERS", "0", "TEST.IMS_PER_BATCH", "64"])
    apply_runtime_config(cfg)
    os.makedirs(cfg.OUTPUT_DIR, exist_ok=True)
    cached = work / "teacher.json"
    if cached.exists():
        teacher = tuple(json.load(open(cached)))
    else:
        teacher = stages._trained_teacher(cfg, work)
        json.dump(teacher, open(cached, "w"))
    cfat_cfg = stages._cfat_on_real_data(cfg, teacher)
    np.random.seed(0)
    loader = iter(build_paired_train_loader(cfat_cfg))
    batches = [next(loader) for _ in range(6)]
    for recon, prior, bridge, steps in RECIPES:
        torch.manual_seed(0)
        pre_cfg = cfat_cfg.clone()
        pre_cfg.MODEL.META_ARCHITECTURE = "BFGPretrain"
        node = pre_cfg.MODEL.CFAT.BFG_PRETRAIN
        node.RECON_SCALE, node.PRIOR_KL_SCALE, node.BRIDGE_KL_SCALE = recon, prior, bridge
        pretrain = build_model(pre_cfg)
        with torch.no_grad():
            ends = []
            for batch in batches:
                camids = pretrain.camids_of(batch)
                fmap = pretrain.backbone_output(pretrain.preprocess_image(batch), camids).feature_map
                ends.append((pretrain.heads.pool_layer(fmap)[..., 0, 0], pretrain.teacher_feature(batch, camids)))
        optimizer = torch.optim.Adam(pretrain.heads.bfg.parameters(), lr=1e-3)
        pretrain.train()
        for step in range(steps):
            losses = pretrain.pretrain_losses(*ends[step % len(ends)])
            optimizer.zero_grad()
            sum(losses.values()).backward()
            optimizer.step()
        path = stages._save(pretrain, work / "bfg")
        cfat = build_model(stages._cfat_on_real_data(cfg, teacher, "MODEL.CFAT.BFG_WEIGHTS", path))
        ratios = [stages._gradient_ratio(cfat, batch) for batch in batches]
        print(f"recon {recon} prior {prior} bridge {bridge} steps {steps}: final "
              f"{ {k: round(float(v), 4) for k, v in losses.items()} } ratios {[round(r, 4) for r in ratios]} "
              f"median {np.median(ratios):.4f}", flush=True)


if __name__ == "__main__":
    main()
