"""Comparisons over training seeds, shared by every method: the statistics and verdicts (:mod:`.seeds`),
the resumable results file, the run loop and the reports (:mod:`.seed_runs`), training one arm without the
trainer's own test and dropping its checkpoint once scored (:mod:`.training`).

Part of the shared core: it imports no method. Each method's comparison (``<method>/comparison.py``) says
how one of its arms is trained and scored and hands the rest to this package.
"""
from .seed_runs import (REPO_ROOT, RESULTS_DIR, SeedResults, axis_label, comparison_parser, run_missing, short_name,
                        weights_fingerprint, write_report, write_table_report)
from .seeds import MIN_SEEDS, PerSeed, difference_table, mean_std, paired_difference, seed_tables, verdict
from .training import drop_checkpoints, train_arm

__all__ = ["MIN_SEEDS", "PerSeed", "REPO_ROOT", "RESULTS_DIR", "SeedResults", "axis_label", "comparison_parser",
           "difference_table", "drop_checkpoints", "mean_std", "paired_difference", "run_missing", "seed_tables",
           "short_name", "train_arm", "verdict", "weights_fingerprint", "write_report", "write_table_report"]
