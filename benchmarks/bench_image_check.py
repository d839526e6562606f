"""The image check (every file decoded to its end with PIL, JPEGs in draft mode, cached by path, size
and mtime) against one training epoch of the demo's teacher, on SynthReID (demo preset, 3,310 images).

    .venv/bin/python benchmarks/bench_image_check.py                       # generates SynthReID in a temp dir
    .venv/bin/python benchmarks/bench_image_check.py --root /tmp/synth     # reuse <root>/SynthReID/

Prints: the first check (nothing cached), a repeated check (every file unchanged: one stat each),
`verify()` alone for comparison, and the time of one demo teacher epoch, extrapolated from timed
training steps (iterations per epoch x seconds per step); the target is under 5% of that epoch.
"""
import argparse
import glob
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.data.images import find_bad_images  # noqa: E402


def verify_only(paths):
    from PIL import Image

    for path in paths:
        with Image.open(path) as image:
            image.verify()


def seconds_per_step(root: str, steps: int, warmup: int) -> tuple:
    """(seconds per training step, iterations per epoch) of the demo teacher config (batch 32, bf16 if native)."""
    from fastreid.utils.events import EventStorage

    from cfat_plugin.demo.profiles import get_profile
    from cfat_plugin.engine import ReIDTrainer, apply_runtime_config, load_config

    profile = get_profile("default")
    out = tempfile.mkdtemp(prefix="bench-image-check-")
    cfg = load_config(profile.teacher_config, ["DATASETS.ROOT", root, "OUTPUT_DIR", out, "SOLVER.IMS_PER_BATCH",
                                               str(profile.batch), "DATALOADER.NUM_WORKERS", "0",
                                               "DATASETS.IMAGE_CHECK.MODE", "off"] + profile.precision_overrides())
    apply_runtime_config(cfg)
    trainer = ReIDTrainer(cfg)
    with EventStorage(0) as storage:
        for step in range(warmup + steps):
            if step == warmup:
                start = time.perf_counter()
            trainer.iter = storage.iter = step
            trainer.run_step()
    return (time.perf_counter() - start) / steps, trainer.iters_per_epoch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="", help="folder holding SynthReID/ (default: generate one)")
    parser.add_argument("--steps", type=int, default=8, help="training steps timed")
    args = parser.parse_args()
    root = args.root or tempfile.mkdtemp(prefix="bench-synth-")
    if not os.path.isdir(os.path.join(root, "SynthReID")):
        from cfat_plugin.data.synthetic import ensure_dataset, preset

        ensure_dataset(preset("demo", seed=0), os.path.join(root, "SynthReID"), progress=True)
    paths = sorted(glob.glob(os.path.join(root, "SynthReID", "**", "*.jpg"), recursive=True))
    cache = tempfile.mkdtemp(prefix="bench-image-check-cache-")

    start = time.perf_counter()
    bad = find_bad_images(paths, "SynthReID", cache)
    first = time.perf_counter() - start
    start = time.perf_counter()
    find_bad_images(paths, "SynthReID", cache)
    again = time.perf_counter() - start
    start = time.perf_counter()
    verify_only(paths)
    verify = time.perf_counter() - start
    step, iters = seconds_per_step(root, args.steps, warmup=2)
    epoch = step * iters
    print(f"images: {len(paths)} ({len(bad)} bad); cores: {os.cpu_count()}")
    print(f"first check (every file decoded, JPEG in draft mode, one thread): {first:.2f} s "
          f"({1e3 * first / len(paths):.3f} ms/image)")
    print(f"repeated check (cached, files unchanged): {again:.3f} s")
    print(f"verify() alone, for comparison (misses truncated pixel data): {verify:.2f} s")
    print(f"demo teacher epoch: {iters} iterations x {step:.3f} s = {epoch:.1f} s")
    print(f"first check = {100 * first / epoch:.1f}% of one epoch; repeated check = {100 * again / epoch:.2f}%")


if __name__ == "__main__":
    main()
