"""Fill the corrupted-test-image cache ahead of time, on all cores.

From a config: the query + gallery of every data set the robustness benchmark and
``DATASETS.TESTS`` read (``Market1501C`` and plain ``Market1501`` alike), under every
corrupted version the benchmark plans for that config (its random draws of
``DATASETS.CORRUPTION.TEST``, seen / held-out draws, and the grid with ``--grid`` or
``TEST.ROBUSTNESS.GRID``) and the ``*C`` sets' own draw. The cache then serves every
setting (both / query / gallery), since an image's draw does not depend on which part
of the test set is corrupted.

    python tools/build_corruption_cache.py --config-file configs/market.yml [--grid] [KEY VALUE ...]
    python tools/build_corruption_cache.py --folder datasets/Market-1501-v15.09.15/query --repeats 10
    python tools/build_corruption_cache.py --folder DIR --grid --types fog rain --cache-dir /data/cache
"""
import argparse
import os
from typing import List, Sequence

from ..data.config import datasets_root
from ..data.corruptions import (CORRUPTION_TYPES, SEVERITIES, CorruptionCache, FixedCorruption, RandomCorruption,
                                image_key, resolve_seed)
from ..data.datasets.corrupted import CorruptedImageDataset, test_options_from_config
from ..data.images import SKIPPED, check_images
from ..evaluation.robustness import planned_corruptions, robustness_datasets
from .cli import run_cli
from .setup import apply_runtime_config, load_config

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


def folder_items(folder: str) -> List[tuple]:
    """(path,) for every image under ``folder``, sorted."""
    if not os.path.isdir(folder):
        raise SystemExit(f"folder not found: {folder}")
    paths = sorted(os.path.join(d, f) for d, _, files in os.walk(folder) for f in files
                   if f.lower().endswith(IMAGE_SUFFIXES))
    if not paths:
        raise SystemExit(f"no images ({', '.join(IMAGE_SUFFIXES)}) under {folder}")
    return [(p,) for p in paths]


def specs_for(mode: str, grid: bool, types: Sequence[str], severities: Sequence[int], seed: int,
              repeats: int, fixed_type: str = "", fixed_severity: int = 0) -> list:
    """The specs to build: the grid, the fixed cell, or ``repeats`` random draws."""
    types, severities = tuple(types) or CORRUPTION_TYPES, tuple(severities) or SEVERITIES
    specs = []
    if grid:
        specs += [FixedCorruption(t, s, seed) for t in types for s in severities]
    if mode == "fixed":
        specs.append(FixedCorruption(fixed_type, fixed_severity, seed))
    elif mode == "random":
        specs += [RandomCorruption(types, severities, seed, r) for r in range(max(1, repeats))]
    else:
        raise SystemExit(f"mode must be 'random' or 'fixed', got {mode!r}")
    return list(dict.fromkeys(specs))


def config_items_and_specs(args: argparse.Namespace):
    """The test images of a config and every corrupted version its runs read.

    Planned by the robustness evaluator itself (:func:`planned_corruptions`: its random draws, seen /
    held-out draws and grid, ``--grid`` setting ``TEST.ROBUSTNESS.GRID``), plus the draw of the
    ``*C`` test sets in ``DATASETS.TESTS``: a ``tools/eval_robustness.py`` run of the same config
    then computes no corrupted image.
    """
    from fastreid.data.datasets import DATASET_REGISTRY

    cfg = load_config(args.config_file, args.opts)
    if args.grid:
        cfg.TEST.ROBUSTNESS.GRID = True
    apply_runtime_config(cfg)  # also registers and configures the *C test sets
    items = []
    names = list(dict.fromkeys(list(robustness_datasets(cfg)) + list(cfg.DATASETS.TESTS)))
    for name in names:
        cls = DATASET_REGISTRY.get(name)
        base = cls.base_name if issubclass(cls, CorruptedImageDataset) else name
        data = DATASET_REGISTRY.get(base)(root=datasets_root(cfg))
        items += list(data.query) + list(data.gallery)
        print(f"{name}: {len(data.query)} query + {len(data.gallery)} gallery images of {base}")
    items = list(dict.fromkeys(items))
    node = cfg.DATASETS.CORRUPTION.TEST
    seed = resolve_seed(int(node.SEED))
    specs = planned_corruptions(cfg, seed)
    if any(issubclass(DATASET_REGISTRY.get(name), CorruptedImageDataset) for name in cfg.DATASETS.TESTS):
        specs.append(test_options_from_config(cfg).spec)  # the *C sets' draw (REPEAT, or the fixed cell)
    specs = list(dict.fromkeys(specs))
    workers = args.num_workers if args.num_workers is not None else (int(node.NUM_WORKERS) or None)
    cache_dir = args.cache_dir or node.CACHE_DIR or None
    args.image_check, args.image_check_dir = cfg.DATASETS.IMAGE_CHECK.MODE, cfg.DATASETS.IMAGE_CHECK.CACHE_DIR or None
    return items, specs, workers, cache_dir


def parse_args(argv: List[str] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--config-file", help="a run's config: DATASETS.TESTS and DATASETS.CORRUPTION.TEST")
    source.add_argument("--folder", help="every image under this folder")
    parser.add_argument("--grid", action="store_true", help="also every type x severity (the full grid)")
    parser.add_argument("--mode", default="random", choices=("random", "fixed"), help="--folder only")
    parser.add_argument("--type", default="", help="fixed type (--folder --mode fixed)")
    parser.add_argument("--severity", type=int, default=3, help="fixed severity (--folder --mode fixed)")
    parser.add_argument("--types", nargs="+", default=[], help="--folder only; default: the 20 of the benchmark")
    parser.add_argument("--severities", nargs="+", type=int, default=[], help="--folder only; default: 1-5")
    parser.add_argument("--seed", type=int, default=0, help="--folder only; -1: a fresh random seed")
    parser.add_argument("--repeats", type=int, default=10, help="random draws to build (--folder only)")
    parser.add_argument("--cache-dir", default="", help="default: DATASETS.CORRUPTION.TEST.CACHE_DIR, "
                                                        "$CFAT_CORRUPTION_CACHE or ~/.cache/cfat-reid/corruptions")
    parser.add_argument("--num-workers", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--image-check", default="stop", choices=("stop", "skip", "off"),
                        help="unreadable source images: stop with the list, skip them, or no check "
                             "(--folder only; with --config-file: DATASETS.IMAGE_CHECK.MODE)")
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="config overrides: KEY VALUE ...")
    return parser.parse_args(argv)


def main(argv: List[str] = None):
    """``cfat-build-corruption-cache`` / ``tools/build_corruption_cache.py``."""
    args = parse_args(argv)
    if args.config_file:
        items, specs, workers, cache_dir = config_items_and_specs(args)
    else:
        if args.opts:
            raise SystemExit(f"config overrides need --config-file: {args.opts}")
        items = folder_items(args.folder)
        specs = specs_for(args.mode, args.grid, args.types, args.severities, resolve_seed(args.seed),
                          args.repeats, args.type, args.severity)
        workers, cache_dir = args.num_workers, args.cache_dir or None
        args.image_check_dir = None
    # every unreadable source image listed before any is corrupted (cached: decoded once)
    if check_images([(os.path.basename(os.path.normpath(args.folder or "config")), items)], args.image_check,
                    args.image_check_dir):
        items = [item for item in items if item[0] not in SKIPPED]
    cache = CorruptionCache(cache_dir)
    jobs = [cache.job(item[0], spec.draw(image_key(item[0]))) for spec in specs for item in items]
    print(f"{len(items)} images x {len(specs)} corruption draw(s) -> {cache.root}")
    stats = cache.fill(jobs, num_workers=workers)
    print(f"done: {stats.total} files, {stats.computed} computed, {stats.reused} already cached, "
          f"{stats.seconds:.1f} s")
    return stats


def prefill_cli(argv: List[str] = None) -> None:
    """Run :func:`main` with bad input reported as one ``error:`` line and exit code 2."""
    run_cli(lambda: main(argv))


if __name__ == "__main__":
    prefill_cli()
