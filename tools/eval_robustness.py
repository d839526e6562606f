#!/usr/bin/env python
"""The corruption-robustness benchmark of trained weights, written to OUTPUT_DIR/robustness/.

    python tools/eval_robustness.py --config-file CFG MODEL.WEIGHTS model_final.pth
    python tools/eval_robustness.py --config-file CFG --grid --repeats 10 --seed 0 MODEL.WEIGHTS ...
    python tools/eval_robustness.py --config-file CFG --num-gpus 2 MODEL.WEIGHTS ...

Interrupted? Run the same command again: finished cells are kept.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.engine import CFATTrainer, setup  # noqa: E402
from cfat_plugin.engine.cli import launch_from_args  # noqa: E402
from cfat_plugin.engine.guards import check_test_images  # noqa: E402
from cfat_plugin.evaluation import run_robustness  # noqa: E402
from cfat_plugin.evaluation.report import markdown_table  # noqa: E402
from fastreid.engine import default_argument_parser  # noqa: E402
from fastreid.utils import comm  # noqa: E402
from fastreid.utils.checkpoint import Checkpointer  # noqa: E402


def build_parser():
    parser = default_argument_parser()
    parser.add_argument("--datasets", nargs="+", default=None, help="data sets (default: DATASETS.TESTS)")
    parser.add_argument("--settings", nargs="+", default=None, choices=["clean", "both", "query", "gallery"])
    parser.add_argument("--repeats", type=int, default=None, help="random draws per setting (benchmark: 10)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the draws; -1: unseeded")
    parser.add_argument("--grid", action="store_true", help="also the full type x severity grid")
    parser.add_argument("--types", nargs="+", default=None, help="corruption types (default: all 20)")
    parser.add_argument("--severities", nargs="+", type=int, default=None,
                        help="severities of the random draws and the grid (default: 1-5)")
    parser.add_argument("--grid-severities", nargs="+", type=int, default=None,
                        help="severities of the grid only (default: --severities)")
    parser.add_argument("--grid-types", nargs="+", default=None,
                        help="corruption types of the grid only (default: --types)")
    return parser


def robustness_overrides(args) -> list:
    """The command-line options as config overrides (so they are saved with the config)."""
    opts = []
    for flag, key in (("datasets", "DATASETS"), ("settings", "SETTINGS"), ("types", "TYPES"),
                      ("severities", "SEVERITIES"), ("grid_severities", "GRID_SEVERITIES"),
                      ("grid_types", "GRID_TYPES")):
        value = getattr(args, flag)
        if value is not None:
            opts += [f"TEST.ROBUSTNESS.{key}", repr(list(value))]
    for flag, key in (("repeats", "REPEATS"), ("seed", "SEED")):
        if getattr(args, flag) is not None:
            opts += [f"TEST.ROBUSTNESS.{key}", str(getattr(args, flag))]
    if args.grid:
        opts += ["TEST.ROBUSTNESS.GRID", "True"]
    return opts


def main(args):
    args.eval_only = True
    cfg = setup(args)
    cfg.defrost()
    cfg.MODEL.BACKBONE.PRETRAIN = False
    check_test_images(cfg, robustness=True)  # every bad image listed before the model is built
    model = CFATTrainer.build_model(cfg)
    Checkpointer(model).load(cfg.MODEL.WEIGHTS)
    summaries = run_robustness(cfg, model)
    if comm.is_main_process():
        for name, summary in summaries.items():
            print(f"\n{name}:\n{markdown_table(summary, os.path.basename(cfg.MODEL.WEIGHTS) or 'model')}")
        print(f"\nReport files in {os.path.join(cfg.OUTPUT_DIR, 'robustness')}")
    return summaries


if __name__ == "__main__":
    args = build_parser().parse_args()
    args.opts = robustness_overrides(args) + list(args.opts or [])
    args.eval_only = True  # settings are checked as for an evaluation (no training keys)
    launch_from_args(main, args, check_batch=False)
