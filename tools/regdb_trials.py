#!/usr/bin/env python
"""RegDB's published protocol for a config: one model per trial, then the mean over the trials.

    python tools/regdb_trials.py --config-file projects/MCJA/regdb.yml --trials 1-10 DATASETS.ROOT datasets

Interrupted? Run the same command again: finished trials are kept. The same as
``python -m cfat_plugin.mcja.regdb_trials`` (what it runs: cfat_plugin/mcja/regdb_trials.py).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.mcja.regdb_trials import main  # noqa: E402
from cfat_plugin.engine.cli import run_cli  # noqa: E402

if __name__ == "__main__":
    run_cli(main)  # a bad config or results file: one "error:" line and exit 2
