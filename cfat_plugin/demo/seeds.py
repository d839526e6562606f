"""Moved to :mod:`cfat_plugin.experiments.seeds` (shared by every method's comparison)."""
from ..experiments.seeds import MIN_SEEDS, PerSeed, mean_std, paired_difference, seed_tables, verdict  # noqa: F401
