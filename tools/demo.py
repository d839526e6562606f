#!/usr/bin/env python
"""The main job: show CFAT's effect end to end on generated data, on CPU.

    python tools/demo.py                      # output/demo, about 12 minutes on a quiet 2-core bfloat16 CPU (README)
    python tools/demo.py --profile tiny       # minutes: what the test runs
    python tools/demo.py --output-dir DIR --seed 1
    python tools/demo.py --models a_teacher c_cfat   # a subset of the compared models

Interrupted? Run it again: finished steps are kept, training resumes, finished evaluations are
not run again.

The same as ``cfat-demo`` (installed with the package): cfat_plugin.demo.__main__.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.demo.__main__ import main  # noqa: E402

if __name__ == "__main__":
    main()
