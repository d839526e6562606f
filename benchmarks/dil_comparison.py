#!/usr/bin/env python
"""Does each part of DIL help? baseline, dual branch, + stage I, + bank replay (= DIL), its variants, 5 seeds.

    .venv/bin/python benchmarks/dil_comparison.py --seeds 0 1 2 3 4

What it runs, the arms, their pairing and the factor-1 control: ``cfat_plugin/dil/comparison.py`` (``--help``).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.dil.comparison import main  # noqa: E402

if __name__ == "__main__":
    main()
