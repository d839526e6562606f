#!/usr/bin/env python
"""Why do fog, contrast and frost stay near chance? The demo's teacher and CFAT student, measured.

Trains (or reuses) the demo's teacher and its (c) CFAT student, then scores each model on the
SynthReID test set with query and gallery corrupted by one type at one severity (fixed draw),
three ways:

- ``as is``: what the benchmark measures (eval-mode BatchNorm, the configured retrieval feature);
- ``pre-BN feature``: ``MODEL.RETRIEVAL.FEAT cls`` (the pooled map before the BNNeck);
- ``BN re-estimated``: every BatchNorm's running statistics re-estimated on that corrupted test
  set (AdaBN, no labels): if this recovers the score, the features are there and the cause is
  the statistics the network normalises with.

It also prints each type's share of the student's training views and how far the corruption moves
the input statistics (mean / std of the normalised pixels).

    .venv/bin/python benchmarks/near_chance_types.py --output-dir output/near_chance
    python benchmarks/near_chance_types.py --output-dir /tmp/nc --device cuda --workers 8   # a GPU

Results: printed, and ``near_chance.md`` / ``near_chance.json`` in the output folder.
"""
import argparse
import json
import os
import sys
from typing import Dict, List

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
import torch  # noqa: E402
from cfat_plugin.data.corruptions import CORRUPTION_TYPES  # noqa: E402
from cfat_plugin.demo import Demo, get_profile  # noqa: E402
from cfat_plugin.demo.pipeline import all_arms  # noqa: E402
from cfat_plugin.engine import CFATTrainer, apply_runtime_config, load_config  # noqa: E402
from fastreid.utils.checkpoint import Checkpointer  # noqa: E402
from torch import nn  # noqa: E402

TYPES = ("clean", "fog", "contrast", "frost", "gaussian_noise", "motion_blur")


def test_opts(root: str, kind: str, severity: int, feat: str, device: str, workers: int) -> List[str]:
    opts = ["DATASETS.ROOT", root, "MODEL.TEACHER.ENABLED", "False", "MODEL.RETRIEVAL.FEAT", feat,
            "MODEL.DEVICE", device, "DATALOADER.NUM_WORKERS", str(workers), "TEST.ROBUSTNESS.ENABLED", "False",
            "DATASETS.CORRUPTION.TEST.NUM_WORKERS", str(max(1, workers))]
    if kind != "clean":
        opts += ["DATASETS.TESTS", '("SynthReIDC",)', "DATASETS.CORRUPTION.TEST.MODE", "fixed",
                 "DATASETS.CORRUPTION.TEST.TYPE", kind, "DATASETS.CORRUPTION.TEST.SEVERITY", str(severity),
                 "DATASETS.CORRUPTION.TEST.SETTING", "both"]
    return opts


@torch.no_grad()
def reestimate_batchnorm(model: nn.Module, loader) -> None:
    """AdaBN: running statistics of every BatchNorm from the test images (cumulative average)."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for bn in norms:
        bn.reset_running_stats()
        bn.momentum = None
    model.eval()
    for bn in norms:
        bn.train()
    for batch in loader:
        model(batch)
    model.eval()


@torch.no_grad()
def input_statistics(model: nn.Module, loader, batches: int = 4) -> Dict[str, float]:
    """Mean and std of the normalised input pixels the backbone sees."""
    values = []
    for i, batch in enumerate(loader):
        if i == batches:
            break
        values.append(model.preprocess_image(batch).float().flatten())
    x = torch.cat(values)
    return {"mean": x.mean().item(), "std": x.std().item()}


def score(config: str, weights: str, root: str, kind: str, severity: int, feat: str, adabn: bool,
          device: str, workers: int, out: str) -> Dict[str, float]:
    cfg = load_config(config, test_opts(root, kind, severity, feat, device, workers) +
                      ["MODEL.WEIGHTS", weights, "OUTPUT_DIR", out])
    apply_runtime_config(cfg)
    model = CFATTrainer.build_model(cfg)
    Checkpointer(model).load(weights)
    loader, _ = CFATTrainer.build_test_loader(cfg, cfg.DATASETS.TESTS[0])
    stats = input_statistics(model, loader)
    if adabn:
        reestimate_batchnorm(model, loader)
    model.eval()
    results = CFATTrainer.test(cfg, model)
    if "mAP" not in results:  # FastReID nests by data set when there are several
        results = next(iter(results.values()))
    return {"mAP": float(results["mAP"]), "Rank-1": float(results["Rank-1"]), **{f"input_{k}": v for k, v in
                                                                                   stats.items()}}


def training_share(profile) -> Dict[str, float]:
    """Share of the student's training views corrupted by each seen type (uniform over seen types)."""
    seen = [t for t in CORRUPTION_TYPES if t not in profile.held_out_types]
    share = (1.0 - profile.student_clean_prob) / len(seen)
    return {t: (share if t in seen else 0.0) for t in CORRUPTION_TYPES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", default="output/near_chance")
    parser.add_argument("--profile", default="default", help="demo profile (tiny: a rehearsal)")
    parser.add_argument("--severity", type=int, default=3)
    parser.add_argument("--types", nargs="+", default=list(TYPES))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workers", type=int, default=0, help="data-loader workers")
    args = parser.parse_args()

    overrides = ["MODEL.DEVICE", args.device]
    profile = get_profile(args.profile, models=("a_teacher", "c_cfat"), loader_workers=args.workers,
                          model_overrides=overrides)
    demo = Demo(profile, args.output_dir, echo=lambda line: print(line, flush=True))
    os.environ.update({k: demo.env[k] for k in ("SYNTHREID_PRESET", "SYNTHREID_SEED", "CFAT_CORRUPTION_CACHE")})
    demo.prepare_data()
    teacher = demo.train_teacher()
    student = demo.train_student(all_arms(profile, demo.teacher_dir)["c_cfat"])
    models = {"teacher": (os.path.join(demo.teacher_dir, "config.yaml"), teacher),
              "c_cfat": (os.path.join(os.path.dirname(student), "config.yaml"), student)}
    shares = training_share(profile)
    rows = []
    for kind in args.types:
        for name, (config, weights) in models.items():
            row = {"type": kind, "model": name,
                   "training_share": 0.0 if name == "teacher" else shares.get(kind, 0.0)}
            for label, feat, adabn in (("as_is", profile.retrieval_feat, False), ("pre_bn", "cls", False),
                                       ("adabn", profile.retrieval_feat, True)):
                result = score(config, weights, demo.datasets_root, kind, args.severity, feat, adabn,
                               args.device, args.workers, os.path.join(args.output_dir, "eval", name))
                row[f"{label}_mAP"] = result["mAP"]
                row["input_mean"], row["input_std"] = result["input_mean"], result["input_std"]
            rows.append(row)
            print(json.dumps(row), flush=True)
    lines = [f"# Near-chance corruption types: severity {args.severity}, query + gallery corrupted",
             "", "| type | model | share of training views | input mean | input std | mAP as is | "
             "mAP pre-BN feature | mAP BN re-estimated |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['type']} | {r['model']} | {100 * r['training_share']:.1f}% | {r['input_mean']:.2f} | "
                     f"{r['input_std']:.2f} | {r['as_is_mAP']:.2f} | {r['pre_bn_mAP']:.2f} | "
                     f"{r['adabn_mAP']:.2f} |")
    text = "\n".join(lines)
    print("\n" + text)
    with open(os.path.join(args.output_dir, "near_chance.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(args.output_dir, "near_chance.json"), "w") as f:
        json.dump({"severity": args.severity, "profile": args.profile, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
