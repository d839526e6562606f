#!/usr/bin/env python
"""Standard, clothes-changing and same-clothes Rank-k/mAP of trained weights on PRCC/LTCC-shaped sets.

    python tools/eval_clothes.py --config-file CFG DATASETS.TESTS '("SynthPRCC",)' MODEL.WEIGHTS model_final.pth

The same as cfat_plugin.engine.entry_points.eval_clothes_cli (the protocol: cfat_plugin/evaluation/clothes_changing.py).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.engine.entry_points import eval_clothes_cli  # noqa: E402

if __name__ == "__main__":
    eval_clothes_cli()
