#!/usr/bin/env python
"""RLQ on the generated clothes-changing set: base, +CAP, +TAD, RLQ, each over several training seeds.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/rlq_comparison.py --seeds 0 1 2 3 4

The arms, their pairing and the results file: ``cfat_plugin/rlq/comparison.py`` (``--help`` prints them).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.rlq.comparison import main  # noqa: E402

if __name__ == "__main__":
    main()
