"""Moved to :mod:`cfat_plugin.experiments.seed_runs` (shared by every method's comparison)."""
from ..experiments.seed_runs import (Metrics, SeedResults, axis_label, plot_seeds, run_missing,  # noqa: F401
                                     write_csv, write_report)
