"""The 20 benchmark corruptions, pure functions of (image, type, severity, seed).

- ``corrupt(image, name, severity, seed)``: any registered corruption;
  ``CORRUPTION_TYPES`` are the benchmark's 20 (19 ``imagecorruptions`` + ``rain``).
- ``register_corruption``: add a family (e.g. low-resolution recipes) without
  touching callers; ``available_corruptions()`` lists everything registered.
- ``FixedCorruption`` / ``RandomCorruption``: which corruption a test image gets.
- ``CorruptionCache`` + ``corrupted_items`` / ``apply_setting``: corrupted test
  sets as cached PNG files that FastReID's stock loaders read.
"""
from .cache import (CACHE_VERSION, CorruptionCache, FillStats, cache_namespace, content_key, default_cache_dir,
                    read_rgb)
from .core import CORRUPTION_TYPES, SEVERITIES, check_image, check_severity, corrupt
from .items import SETTINGS, apply_setting, corrupted_items, corrupted_items_with_stats, corruption_jobs
from .registry import CorruptionInfo, available_corruptions, get_corruption, register_corruption
from .seeding import derive_seed, rng_for
from .specs import CorruptionSpec, Draw, FixedCorruption, RandomCorruption, image_key, make_spec, resolve_seed

__all__ = [
    "CACHE_VERSION", "CORRUPTION_TYPES", "SEVERITIES", "SETTINGS",
    "CorruptionCache", "CorruptionInfo", "cache_namespace", "CorruptionSpec", "Draw", "FillStats", "FixedCorruption",
    "RandomCorruption", "apply_setting", "available_corruptions", "check_image", "check_severity",
    "content_key", "corrupt", "corrupted_items", "corruption_jobs", "corrupted_items_with_stats", "default_cache_dir",
    "derive_seed", "get_corruption", "image_key", "make_spec", "read_rgb", "register_corruption",
    "resolve_seed", "rng_for",
]
