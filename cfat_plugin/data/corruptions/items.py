"""Corrupted copies of FastReID item lists, for test sets and the robustness evaluator.

An item is FastReID's ``(img_path, pid, camid, ...)`` tuple; the corrupted
item is the same tuple with the path of the cached corrupted file, so
FastReID's stock ``CommDataset`` and test loader read it unchanged.
"""
from typing import Callable, List, Optional, Sequence, Tuple

from .cache import CorruptionCache, FillStats, Job
from .specs import CorruptionSpec, image_key

Item = tuple

SETTINGS = ("clean", "both", "query", "gallery")


def corruption_jobs(items: Sequence[Item], spec: CorruptionSpec, cache: CorruptionCache,
                    key_fn: Callable[[str], str] = image_key) -> List[Job]:
    """The cache jobs (source, corrupted file, draw) of ``items`` under ``spec``, in the items' order."""
    return [cache.job(item[0], spec.draw(key_fn(item[0]))) for item in items]


def corrupted_items_with_stats(items: Sequence[Item], spec: CorruptionSpec,
                               cache: Optional[CorruptionCache] = None, num_workers: Optional[int] = None,
                               key_fn: Callable[[str], str] = image_key, progress: bool = True,
                               desc: str = "corrupting") -> Tuple[List[Item], FillStats]:
    """:func:`corrupted_items` and what filling the cache took (for benchmarks and logs)."""
    cache = cache or CorruptionCache()
    jobs = corruption_jobs(items, spec, cache, key_fn)
    out = [(job[1],) + tuple(item[1:]) for job, item in zip(jobs, items)]
    stats = cache.fill(jobs, num_workers=num_workers, progress=progress, desc=desc)
    return out, stats


def corrupted_items(items: Sequence[Item], spec: CorruptionSpec, cache: Optional[CorruptionCache] = None,
                    num_workers: Optional[int] = None, key_fn: Callable[[str], str] = image_key,
                    progress: bool = True) -> List[Item]:
    """``items`` with each path replaced by its corrupted copy under ``spec`` (computed if missing).

    Each image's draw comes from ``spec.draw(key_fn(path))``, so it does not
    depend on the order of ``items`` or the worker count. ``num_workers``:
    processes filling the cache (None: all cores).
    """
    return corrupted_items_with_stats(items, spec, cache, num_workers, key_fn, progress)[0]


def apply_setting(query: Sequence[Item], gallery: Sequence[Item], setting: str, spec: CorruptionSpec,
                  cache: Optional[CorruptionCache] = None, num_workers: Optional[int] = None,
                  progress: bool = True) -> Tuple[List[Item], List[Item], Optional[FillStats]]:
    """Query and gallery of one of the four benchmark settings.

    ``setting``: ``clean`` (neither corrupted), ``both`` (the headline
    corrupted number), ``query`` (corrupted query, clean gallery) or
    ``gallery`` (clean query, corrupted gallery).
    """
    setting = str(setting).lower()
    if setting not in SETTINGS:
        raise ValueError(f"corruption setting must be one of {SETTINGS}, got {setting!r}")
    query, gallery = list(query), list(gallery)
    chosen = {"clean": [], "both": [0, 1], "query": [0], "gallery": [1]}[setting]
    if not chosen:
        return query, gallery, None
    parts = [query, gallery]
    # One fill for both parts: one worker pool, one progress bar.
    selected = [item for index in chosen for item in parts[index]]
    corrupted, stats = corrupted_items_with_stats(selected, spec, cache, num_workers=num_workers,
                                                  progress=progress, desc=f"corrupting ({setting})")
    offset = 0
    for index in chosen:
        parts[index] = corrupted[offset:offset + len(parts[index])]
        offset += len(parts[index])
    return parts[0], parts[1], stats
