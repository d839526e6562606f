#!/usr/bin/env python
"""Does CFAT's fine stage matter? Every arm trained with several training seeds, paired, one teacher.

    .venv/bin/python benchmarks/cfat_ablation.py --output-dir output/ablation --seeds 0 1 2 3 4

The arms, their pairing and the results file: ``cfat_plugin/cfat/comparison.py`` (``--help`` prints them).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.cfat.comparison import ablation_main  # noqa: E402

if __name__ == "__main__":
    ablation_main()
