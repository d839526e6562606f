#!/usr/bin/env python
"""Does each part of MCJA help? baseline, + VIMC, + MDA, + CMR (= MCJA), + MSER, several training seeds.

    .venv/bin/python benchmarks/mcja_comparison.py --root datasets --seeds 0 1 2 3 4

What it runs, the arms and their pairing: ``cfat_plugin/mcja/comparison.py`` (``--help`` prints it).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.mcja.comparison import main  # noqa: E402

if __name__ == "__main__":
    main()
