#!/usr/bin/env python
"""Why do fog, contrast and frost stay near chance? The demo's teacher and CFAT student, measured.

Trains (or reuses) the demo's teacher and its (c) CFAT student, then scores each model on the
SynthReID test set with query and gallery corrupted by one type at one severity (fixed draw),
three ways:

- ``as is``: what the benchmark measures (eval-mode BatchNorm, the configured retrieval feature);
- ``pre-BN feature``: ``MODEL.RETRIEVAL.FEAT cls`` (the pooled map before the BNNeck);
- ``BN re-estimated``: every BatchNorm's running statistics re-estimated on that corrupted test
  set (AdaBN, no labels): if this recovers the score, the features are there and the cause is
  the statistics the network normalises with;
- ``input re-standardised`` (``--modes restandardized``): each input image's per-channel mean
  and std set to the clean test images' average before the backbone (no training): contrast
  is an affine map of each image, so if this recovers the score the information is still in
  the pixels and the cause is the input's scale, not what the corruption destroyed.

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
from cfat_plugin.engine import ReIDTrainer, apply_runtime_config, load_config  # noqa: E402
from fastreid.utils.checkpoint import Checkpointer  # noqa: E402
from torch import nn  # noqa: E402

TYPES = ("clean", "fog", "contrast", "frost", "gaussian_noise", "motion_blur")
MODES = ("as_is", "pre_bn", "adabn")


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


@torch.no_grad()
def per_image_statistics(model: nn.Module, loader, batches: int = 4) -> Dict[str, torch.Tensor]:
    """Average over images of each image's per-channel mean and std (normalised pixels)."""
    means, stds = [], []
    for i, batch in enumerate(loader):
        if i == batches:
            break
        x = model.preprocess_image(batch).float()
        means.append(x.mean((2, 3)))
        stds.append(x.std((2, 3)))
    return {"mean": torch.cat(means).mean(0).view(1, -1, 1, 1), "std": torch.cat(stds).mean(0).view(1, -1, 1, 1)}


def restandardize_inputs(model: nn.Module, target: Dict[str, torch.Tensor]) -> None:
    """Every input image re-standardised per channel to ``target``'s mean and std before the backbone."""
    original = model.preprocess_image

    def preprocess(batch):
        x = original(batch)
        mean, std = x.mean((2, 3), keepdim=True), x.std((2, 3), keepdim=True)
        return ((x - mean) / (std + 1e-5) * target["std"].to(x) + target["mean"].to(x)).to(x.dtype)

    model.preprocess_image = preprocess


def score(config: str, weights: str, root: str, kind: str, severity: int, feat: str, adabn: bool,
          device: str, workers: int, out: str, restandardize: Dict[str, torch.Tensor] = None) -> Dict[str, float]:
    cfg = load_config(config, test_opts(root, kind, severity, feat, device, workers) +
                      ["MODEL.WEIGHTS", weights, "OUTPUT_DIR", out])
    apply_runtime_config(cfg)
    model = ReIDTrainer.build_model(cfg)
    Checkpointer(model).load(weights)
    loader, _ = ReIDTrainer.build_test_loader(cfg, cfg.DATASETS.TESTS[0])
    stats = input_statistics(model, loader)
    if restandardize is not None:
        restandardize_inputs(model, restandardize)
    if adabn:
        reestimate_batchnorm(model, loader)
    model.eval()
    results = ReIDTrainer.test(cfg, model)
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
    parser.add_argument("--profile", default="recorded", help="demo profile (recorded: as its committed run; tiny: a rehearsal)")
    parser.add_argument("--severity", type=int, default=3)
    parser.add_argument("--types", nargs="+", default=list(TYPES))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workers", type=int, default=0, help="data-loader workers")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES) + ["restandardized"],
                        help="ways of scoring each model (see above)")
    args = parser.parse_args()

    overrides = ["MODEL.DEVICE", args.device]
    profile = get_profile(args.profile, models=("a_teacher", "c_cfat"), loader_workers=args.workers,
                          model_overrides=overrides)
    demo = Demo(profile, args.output_dir, echo=lambda line: print(line, flush=True))
    # the demo's corrupted-image cache; the SynthReID preset and seed travel in each model's config.yaml
    os.environ["CFAT_CORRUPTION_CACHE"] = demo.env["CFAT_CORRUPTION_CACHE"]
    demo.prepare_data()
    teacher = demo.train_teacher()
    student = demo.train_student(all_arms(profile, demo.teacher_dir)["c_cfat"])
    models = {"teacher": (os.path.join(demo.teacher_dir, "config.yaml"), teacher),
              "c_cfat": (os.path.join(os.path.dirname(student), "config.yaml"), student)}
    shares = training_share(profile)
    clean_stats = {}
    if "restandardized" in args.modes:  # the clean test images' per-image statistics, per model's input
        for name, (config, weights) in models.items():
            cfg = load_config(config, test_opts(demo.datasets_root, "clean", args.severity, profile.retrieval_feat,
                                                args.device, args.workers) + ["MODEL.WEIGHTS", weights])
            apply_runtime_config(cfg)
            loader, _ = ReIDTrainer.build_test_loader(cfg, cfg.DATASETS.TESTS[0])
            clean_stats[name] = per_image_statistics(ReIDTrainer.build_model(cfg), loader)
    ways = {"as_is": (profile.retrieval_feat, False), "pre_bn": ("cls", False),
            "adabn": (profile.retrieval_feat, True), "restandardized": (profile.retrieval_feat, False)}
    rows = []
    for kind in args.types:
        for name, (config, weights) in models.items():
            row = {"type": kind, "model": name,
                   "training_share": 0.0 if name == "teacher" else shares.get(kind, 0.0)}
            for label in args.modes:
                feat, adabn = ways[label]
                result = score(config, weights, demo.datasets_root, kind, args.severity, feat, adabn,
                               args.device, args.workers, os.path.join(args.output_dir, "eval", name),
                               clean_stats.get(name) if label == "restandardized" else None)
                row[f"{label}_mAP"] = result["mAP"]
                row["input_mean"], row["input_std"] = result["input_mean"], result["input_std"]
            rows.append(row)
            print(json.dumps(row), flush=True)
    titles = {"as_is": "mAP as is", "pre_bn": "mAP pre-BN feature", "adabn": "mAP BN re-estimated",
              "restandardized": "mAP input re-standardised"}
    lines = [f"# Near-chance corruption types: severity {args.severity}, query + gallery corrupted", "",
             "| type | model | share of training views | input mean | input std | "
             + " | ".join(titles[m] for m in args.modes) + " |", "|---" * (5 + len(args.modes)) + "|"]
    for r in rows:
        lines.append(f"| {r['type']} | {r['model']} | {100 * r['training_share']:.1f}% | {r['input_mean']:.2f} | "
                     f"{r['input_std']:.2f} | " + " | ".join(f"{r[m + '_mAP']:.2f}" for m in args.modes) + " |")
    text = "\n".join(lines)
    print("\n" + text)
    suffix = "" if args.modes == list(MODES) else "_" + "_".join(args.modes)
    with open(os.path.join(args.output_dir, f"near_chance{suffix}.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(args.output_dir, f"near_chance{suffix}.json"), "w") as f:
        json.dump({"severity": args.severity, "profile": args.profile, "modes": args.modes, "rows": rows}, f,
                  indent=1)


if __name__ == "__main__":
    main()
