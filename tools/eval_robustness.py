#!/usr/bin/env python
"""The corruption-robustness benchmark of trained weights, written to OUTPUT_DIR/robustness/.

    python tools/eval_robustness.py --config-file CFG MODEL.WEIGHTS model_final.pth
    python tools/eval_robustness.py --config-file CFG --grid --repeats 10 --seed 0 MODEL.WEIGHTS ...
    python tools/eval_robustness.py --config-file CFG --num-gpus 2 MODEL.WEIGHTS ...

Interrupted? Run the same command again: finished cells are kept. The same as
``cfat-eval-robustness`` (installed with the package): cfat_plugin.engine.entry_points.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.engine.entry_points import eval_robustness_cli  # noqa: E402

if __name__ == "__main__":
    eval_robustness_cli()
