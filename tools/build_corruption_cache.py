#!/usr/bin/env python
"""Fill the corrupted-test-image cache ahead of time, on all cores (what the benchmark will read).

    python tools/build_corruption_cache.py --config-file configs/market.yml [--grid] [KEY VALUE ...]
    python tools/build_corruption_cache.py --folder datasets/Market-1501-v15.09.15/query --repeats 10
    python tools/build_corruption_cache.py --folder DIR --grid --types fog rain --cache-dir /data/cache

The same as ``cfat-build-corruption-cache`` (installed with the package): cfat_plugin.engine.prefill_cache.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401  (compat fixes first)
from cfat_plugin.engine.prefill_cache import prefill_cli  # noqa: E402

if __name__ == "__main__":
    prefill_cli()
