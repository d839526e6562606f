"""``python -m cfat_plugin.engine.eval_robustness``: the same as ``tools/eval_robustness.py``."""
from .entry_points import eval_robustness_cli

if __name__ == "__main__":
    eval_robustness_cli()
