#!/usr/bin/env python
"""Train or evaluate a FastReID model with the cfat_plugin components registered.

    python tools/train_net.py --config-file projects/CFAT/market.yml
    python tools/train_net.py --config-file CFG --resume            # continue an interrupted run
    python tools/train_net.py --config-file CFG --eval-only MODEL.WEIGHTS model_final.pth
    python tools/train_net.py --config-file CFG --num-gpus 4        # one machine, 4 GPUs
    python tools/train_net.py --config-file CFG --num-gpus 2 MODEL.DEVICE cpu   # 2 CPU processes (gloo)
    torchrun --nproc_per_node 4 tools/train_net.py --config-file CFG  # torchrun / SLURM: no spawn
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401  (compat fixes + registrations, before FastReID)
from cfat_plugin.engine import CFATTrainer, setup  # noqa: E402
from cfat_plugin.engine.cli import launch_from_args  # noqa: E402
from cfat_plugin.engine.guards import check_test_images  # noqa: E402
from fastreid.engine import default_argument_parser  # noqa: E402
from fastreid.utils.checkpoint import Checkpointer  # noqa: E402


def main(args):
    cfg = setup(args)
    if args.eval_only:
        cfg.defrost()
        cfg.MODEL.BACKBONE.PRETRAIN = False
        check_test_images(cfg)  # every bad test image listed before the model is built
        model = CFATTrainer.build_model(cfg)
        Checkpointer(model).load(cfg.MODEL.WEIGHTS)
        return CFATTrainer.test(cfg, model)

    trainer = CFATTrainer(cfg)
    trainer.resume_or_load(resume=args.resume)
    return trainer.train()


if __name__ == "__main__":
    args = default_argument_parser().parse_args()
    print("Command Line Args:", args)
    launch_from_args(main, args)
