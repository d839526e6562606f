#!/usr/bin/env python
"""CFAT on real photographs: the demo's comparison on the whole CUHK01, over training seeds.

    .venv/bin/python benchmarks/cfat_cuhk01.py --seeds 0 1 2 3 4
    .venv/bin/python benchmarks/cfat_cuhk01.py --report-only      # the tables of what is finished

The arms, their pairing and the results file: ``cfat_plugin/cfat/comparison.py`` (``--help`` prints them).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.cfat.comparison import cuhk01_main  # noqa: E402

if __name__ == "__main__":
    cuhk01_main()
