#!/usr/bin/env python
"""CFFA against IRRA and a contrastive baseline on the generated SynthPEDES, over several training seeds.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/cffa_comparison.py --seeds 0 1 2 3 4

The arms, their pairing and the results file: ``cfat_plugin/cffa/comparison.py`` (``--help`` prints them).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.cffa.comparison import main  # noqa: E402

if __name__ == "__main__":
    main()
