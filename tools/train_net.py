#!/usr/bin/env python
"""Train or evaluate a FastReID model with the cfat_plugin components registered.

    python tools/train_net.py --config-file projects/CFAT/market.yml
    python tools/train_net.py --config-file CFG --resume            # continue an interrupted run
    python tools/train_net.py --config-file CFG --eval-only MODEL.WEIGHTS model_final.pth
    python tools/train_net.py --config-file CFG --num-gpus 4        # one machine, 4 GPUs
    python tools/train_net.py --config-file CFG --num-gpus 2 MODEL.DEVICE cpu   # 2 CPU processes (gloo)
    torchrun --nproc_per_node 4 tools/train_net.py --config-file CFG  # torchrun / SLURM: no spawn

The same as ``cfat-train-net`` (installed with the package): cfat_plugin.engine.entry_points.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401  (compat fixes + registrations, before FastReID)
from cfat_plugin.engine.entry_points import train_net_cli  # noqa: E402

if __name__ == "__main__":
    train_net_cli()
