#!/usr/bin/env python
"""Costs of the corruption pipeline; prints numbers, asserts nothing.

1. Corruption cost per type, ms/image at Market-1501's native 64x128 (real
   CUHK01 photos resized to it), per severity and averaged, single process.
2. Paired training loader (clean + corrupted view) against FastReID's plain
   loader, same config and workers: samples/s.
3. Building a corrupted test set (CUHK01C query + gallery, the benchmark's
   random draw) into an empty cache, then again: the second build is cache hits.

    python benchmarks/bench_corruptions.py [--data-root ../shared/data/cuhk01-mini] [--workers 2]
"""
import argparse
import glob
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import cfat_plugin  # noqa: E402,F401  (compat fixes first)
from cfat_plugin.data.corruptions import (  # noqa: E402
    CORRUPTION_TYPES, SEVERITIES, CorruptionCache, RandomCorruption, apply_setting, corrupt, read_rgb)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_ROOT = os.path.join(REPO, "..", "shared", "data", "cuhk01-mini")


def bench_types(root: str, per_severity: int) -> None:
    paths = sorted(glob.glob(os.path.join(root, "campus", "*.png")))[:per_severity]
    images = [np.asarray(Image.fromarray(read_rgb(p)).resize((64, 128), Image.BICUBIC)) for p in paths]
    print(f"\n1. corruption cost, ms/image at 64x128 ({len(images)} images x 5 severities, 1 process, "
          f"after one warm-up call per type/severity)")
    print(f"{'type':18s} " + " ".join(f"{'s' + str(s):>6s}" for s in SEVERITIES) + f" {'mean':>7s}")
    means = []
    for name in CORRUPTION_TYPES:
        row = []
        for severity in SEVERITIES:
            corrupt(images[0], name, severity, 0)  # lazy imports, numba compilation
            start = time.perf_counter()
            for i, image in enumerate(images):
                corrupt(image, name, severity, i)
            row.append(1000 * (time.perf_counter() - start) / len(images))
        means.append(np.mean(row))
        print(f"{name:18s} " + " ".join(f"{v:6.2f}" for v in row) + f" {means[-1]:7.2f}")
    print(f"{'all 20 (uniform)':18s} {'':41s}{np.mean(means):7.2f}  "
          f"-> {1000 / np.mean(means):.0f} images/s per core")


def _loader_cfg(root: str, workers: int, size=(256, 128), *opts: str):
    from cfat_plugin.engine import apply_runtime_config, load_config

    cfg = load_config(os.path.join(REPO, "configs", "CUHK01", "baseline_R18_cpu.yml"), [
        "DATASETS.ROOT", root, "INPUT.SIZE_TRAIN", str(list(size)), "SOLVER.IMS_PER_BATCH", "64",
        "DATALOADER.NUM_INSTANCE", "4", "DATALOADER.NUM_WORKERS", str(workers),
        "DATASETS.CORRUPTION.TRAIN.ENABLED", "True", *opts])
    apply_runtime_config(cfg)
    return cfg


def _samples_per_second(loader, batches: int, warmup: int = 2) -> float:
    iterator = iter(loader)
    for _ in range(warmup):  # worker start-up, lazy imports, numba compilation
        next(iterator)
    start, samples = time.perf_counter(), 0
    for _ in range(batches):
        samples += len(next(iterator)["targets"])
    return samples / (time.perf_counter() - start)


def bench_loaders(root: str, workers: int, batches: int) -> None:
    from fastreid.data import build_reid_train_loader

    from cfat_plugin.data.paired import build_paired_train_loader

    cfg = _loader_cfg(root, workers)
    print(f"\n2. training loaders, CUHK01 train set, 256x128, batch 64 (P16 x K4), {workers} workers, "
          f"{batches} batches after 2 warm-up batches")
    np.random.seed(0)
    plain = _samples_per_second(build_reid_train_loader(cfg), batches)
    np.random.seed(0)
    paired = _samples_per_second(build_paired_train_loader(cfg), batches)
    print(f"plain FastReID loader   {plain:8.1f} samples/s")
    print(f"paired (clean+corrupt)  {paired:8.1f} samples/s  ({paired / plain:.2f}x the plain loader; "
          f"each sample is 2 views)")


def bench_cache(root: str, workers: int) -> None:
    from cfat_plugin.data.datasets.cuhk01 import CUHK01

    data = CUHK01(root=root)
    spec = RandomCorruption(seed=0)
    folder = tempfile.mkdtemp(prefix="corruption-cache-bench-")
    try:
        cache = CorruptionCache(folder)
        n = len(data.query) + len(data.gallery)
        print(f"\n3. corrupted test set CUHK01C (setting 'both', random draw): {n} images, {workers} workers, "
              f"empty cache {folder}")
        for attempt in ("first build", "second build"):
            start = time.perf_counter()
            _, _, stats = apply_setting(data.query, data.gallery, "both", spec, cache, num_workers=workers,
                                        progress=False)
            seconds = time.perf_counter() - start
            print(f"{attempt:13s} {seconds:7.2f} s  ({stats.computed} computed, {stats.reused} from cache, "
                  f"{n / seconds:8.1f} images/s)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=DEFAULT_ROOT, help="folder holding CUHK01's campus/")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--per-severity", type=int, default=20, help="images per type and severity")
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--skip", nargs="*", default=[], choices=("types", "loaders", "cache"))
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(args.data_root, "campus")):
        raise SystemExit(f"CUHK01 sample not found: {args.data_root}/campus")
    print(f"machine: {os.cpu_count()} CPU cores")
    if "types" not in args.skip:
        bench_types(args.data_root, args.per_severity)
    if "loaders" not in args.skip:
        bench_loaders(args.data_root, args.workers, args.batches)
    if "cache" not in args.skip:
        bench_cache(args.data_root, args.workers)


if __name__ == "__main__":
    main()
