#!/usr/bin/env python
"""Rank-list sheets: queries and their top-k gallery images by a model's distance, true matches framed green.

    python tools/visualize_ranks.py --config-file CFG -o ranks.png MODEL.WEIGHTS model_final.pth
    python tools/visualize_ranks.py --config-file CFG --num-queries 8 --seed 1 --corruption fog --severity 3 \\
        --second-weights other/model_final.pth -o ranks_fog.png MODEL.WEIGHTS model_final.pth

Writes the PNG and a JSON beside it (ranked gallery paths, distances, match flags). Put the options
before the trailing KEY VALUE overrides. The same as cfat_plugin.engine.visualize_ranks.visualize_ranks_cli.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.engine.visualize_ranks import visualize_ranks_cli  # noqa: E402

if __name__ == "__main__":
    visualize_ranks_cli()
