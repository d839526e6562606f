"""The package's entry points: training, the robustness benchmark and the clothes-changing protocol.

``tools/train_net.py`` and ``tools/eval_robustness.py`` are the FastReID-style scripts users know;
they call :func:`train_net_cli` and :func:`eval_robustness_cli`, which setup.cfg also installs as
``cfat-train-net`` and ``cfat-eval-robustness`` (and ``python -m cfat_plugin.engine.train_net`` /
``python -m cfat_plugin.engine.eval_robustness`` run them too). The functions given to ``launch``
live here, in an importable module, so that spawned processes find them without a checkout.
``tools/eval_clothes.py`` calls :func:`eval_clothes_cli` (PRCC/LTCC-shaped test sets).
"""
import argparse
import os
from typing import List, Optional

from fastreid.engine import default_argument_parser
from fastreid.utils import comm
from fastreid.utils.checkpoint import Checkpointer

from .cli import launch_from_args
from .guards import check_test_images
from .setup import setup
from .trainer import ReIDTrainer, trainer_for

# Command-line options of the benchmark -> the config keys they set (saved with the config).
ROBUSTNESS_LIST_OPTIONS = (("datasets", "TEST.ROBUSTNESS.DATASETS"), ("settings", "TEST.ROBUSTNESS.SETTINGS"),
                           ("types", "DATASETS.CORRUPTION.TEST.TYPES"),
                           ("severities", "DATASETS.CORRUPTION.TEST.SEVERITIES"),
                           ("grid_severities", "TEST.ROBUSTNESS.GRID_SEVERITIES"),
                           ("grid_types", "TEST.ROBUSTNESS.GRID_TYPES"))
ROBUSTNESS_NUMBER_OPTIONS = (("repeats", "TEST.ROBUSTNESS.REPEATS"), ("seed", "DATASETS.CORRUPTION.TEST.SEED"))


def build_eval_model(cfg, robustness: bool = False):
    """The trained model of ``MODEL.WEIGHTS``, ready to evaluate; every bad test image is listed first."""
    cfg.defrost()
    cfg.MODEL.BACKBONE.PRETRAIN = False  # every weight comes from MODEL.WEIGHTS
    check_test_images(cfg, robustness=robustness)
    model = ReIDTrainer.build_model(cfg)
    Checkpointer(model).load(cfg.MODEL.WEIGHTS)
    return model


def train_net(args: argparse.Namespace):
    """Train (or, with ``--eval-only``, evaluate) on one process of the launch."""
    cfg = setup(args)
    trainer_class = trainer_for(cfg)
    if args.eval_only:
        return trainer_class.test(cfg, build_eval_model(cfg))
    trainer = trainer_class(cfg)
    trainer.resume_or_load(resume=args.resume)
    return trainer.train()


def eval_robustness(args: argparse.Namespace):
    """The robustness benchmark of ``MODEL.WEIGHTS`` on one process of the launch."""
    from ..evaluation import run_robustness
    from ..evaluation.report import markdown_table

    args.eval_only = True
    cfg = setup(args)
    summaries = run_robustness(cfg, build_eval_model(cfg, robustness=True))
    if comm.is_main_process():
        for name, summary in summaries.items():
            print(f"\n{name}:\n{markdown_table(summary, os.path.basename(cfg.MODEL.WEIGHTS) or 'model')}")
        print(f"\nReport files in {os.path.join(cfg.OUTPUT_DIR, 'robustness')}")
    return summaries


def eval_clothes(args: argparse.Namespace):
    """Standard, clothes-changing and same-clothes scores of ``MODEL.WEIGHTS`` on ``DATASETS.TESTS``."""
    from ..evaluation.clothes_changing import run_clothes_evaluation
    from ..evaluation.precision import inference_model

    args.eval_only = True
    cfg = setup(args)
    results = run_clothes_evaluation(cfg, inference_model(cfg, build_eval_model(cfg)))
    if comm.is_main_process():
        for name, res in results.items():
            print(f"\n{name}: " + "  ".join(f"{k} {v:.1f}" for k, v in res.items() if "num_query" not in k))
    return results


def eval_robustness_parser() -> argparse.ArgumentParser:
    """FastReID's arguments plus the benchmark's own options (each saved with the config as a key)."""
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


def robustness_overrides(args: argparse.Namespace) -> List[str]:
    """The command-line options as config overrides (so they are saved with the config)."""
    opts = []
    for flag, key in ROBUSTNESS_LIST_OPTIONS:
        value = getattr(args, flag)
        if value is not None:
            opts += [key, repr(list(value))]
    for flag, key in ROBUSTNESS_NUMBER_OPTIONS:
        if getattr(args, flag) is not None:
            opts += [key, str(getattr(args, flag))]
    if args.grid:
        opts += ["TEST.ROBUSTNESS.GRID", "True"]
    return opts


def train_net_cli(argv: Optional[List[str]] = None) -> None:
    """``cfat-train-net`` / ``tools/train_net.py``: FastReID's command line."""
    args = default_argument_parser().parse_args(argv)
    print("Command Line Args:", args)
    launch_from_args(train_net, args)


def eval_clothes_cli(argv: Optional[List[str]] = None) -> None:
    """``tools/eval_clothes.py``: FastReID's command line, one process (the protocol is not distributed)."""
    args = default_argument_parser().parse_args(argv)
    args.eval_only = True
    eval_clothes(args)


def eval_robustness_cli(argv: Optional[List[str]] = None) -> None:
    """``cfat-eval-robustness`` / ``tools/eval_robustness.py``."""
    args = eval_robustness_parser().parse_args(argv)
    args.opts = robustness_overrides(args) + list(args.opts or [])
    args.eval_only = True  # settings are checked as for an evaluation (no training keys)
    launch_from_args(eval_robustness, args, check_batch=False)
