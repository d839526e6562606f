#!/usr/bin/env python
"""Does a CFFA setting start to learn? A few training steps of the CPU config, then the test.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/cffa_first_steps.py --steps 150 --loss ITC --tau 0.05
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/cffa_first_steps.py --steps 150 --loss SDM --tau 0.02

Trains ``projects/CFFA/synth_pedes_cpu.yml`` with one loss term alone (weight 1, the others 0) for
``--steps`` steps, then prints the training time (model building and checkpoint included), the mean
cosine between the test images' global features (near 1: they collapsed into one direction) and the
text-to-image scores of the test split, and writes them to ``<output-dir>/first_steps.json``. ``--unfrozen``
trains the towers' lower parts too.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--loss", default="ITC", choices=["ITC", "SDM", "MAL"], help="the one loss term trained")
    parser.add_argument("--tau", type=float, default=None, help="SDM's and ITC's temperature (default: the config's)")
    parser.add_argument("--lr", type=float, default=None, help="SOLVER.BASE_LR (default: the config's)")
    parser.add_argument("--unfrozen", action="store_true", help="train the towers' lower parts too")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--root", default="datasets", help="data root (SynthPEDES is generated there if missing)")
    parser.add_argument("--output-dir", default="output/cffa_first_steps")
    args = parser.parse_args()

    import torch.nn.functional as F

    import cfat_plugin  # noqa: F401
    from cfat_plugin.cffa.comparison import CONFIG, LOSS_TERMS, score
    from cfat_plugin.cffa.trainer import CFFATrainer
    from cfat_plugin.engine import apply_runtime_config, load_config
    from cfat_plugin.experiments import train_arm

    opts = ["DATASETS.ROOT", args.root, "OUTPUT_DIR", args.output_dir, "SEED", str(args.seed),
            "SOLVER.CHECKPOINT_PERIOD", "1", "TEST.EVAL_PERIOD", "1", "MODEL.CFFA.SHEET_QUERIES", "0",
            "MODEL.CFFA.TEXT_AUG_PROB", "0.0"]
    for name in LOSS_TERMS:
        opts += [f"MODEL.CFFA.LOSS.{name}", "1.0" if name == args.loss else "0.0"]
    if args.tau is not None:
        opts += ["MODEL.CFFA.SDM.TAU", str(args.tau)]
    if args.lr is not None:
        opts += ["SOLVER.BASE_LR", str(args.lr)]
    if args.unfrozen:
        opts += ["MODEL.CFFA.OFFLINE.FROZEN_IMAGE_BLOCKS", "0", "MODEL.CFFA.OFFLINE.FROZEN_TEXT_LAYERS", "0"]
    cfg = load_config(CONFIG, opts)
    apply_runtime_config(cfg)
    cfg.freeze()
    start = time.perf_counter()
    model = train_arm(cfg, args.steps)
    seconds = time.perf_counter() - start
    _, image, _, _, _ = CFFATrainer.encode_test_set(cfg, model, cfg.DATASETS.TESTS[0])
    unit = F.normalize(image["global"], dim=-1)
    n = len(unit)
    cosine = ((unit @ unit.t()).sum() - n) / (n * (n - 1))
    result = {"loss": args.loss, "tau": cfg.MODEL.CFFA.SDM.TAU, "lr": cfg.SOLVER.BASE_LR, "frozen": not args.unfrozen,
              "steps": args.steps, "train_seconds": round(seconds),
              "image_feature_cosine": round(float(cosine), 3), **score(cfg, model)}
    print(json.dumps(result))
    with open(os.path.join(args.output_dir, "first_steps.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
