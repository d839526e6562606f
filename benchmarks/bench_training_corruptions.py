#!/usr/bin/env python
"""Training-view corruption: reference backend (workers) against the torch backend (after collation).

Samples/s of three loaders over the CUHK01 sample, same config, sampler and
workers, at 128x64 and 256x128, in one run; prints a table, asserts nothing:

- plain: FastReID's loader, one clean view per sample (the ceiling);
- reference: paired views, each corrupted view made by ``imagecorruptions`` in
  a worker at the image's native size (``DATASETS.CORRUPTION.TRAIN.BACKEND reference``);
- torch: paired views, the workers only decode, resize and augment; the
  collated batch is corrupted in this process on the CPU (``BACKEND torch``);
  at 256x128 also with ``TORCH_SIZE [128, 64]`` (corrupted at Market-1501's native size).

A fourth column is the torch corruption alone on a collated batch (no loading).

``--demo-step DATA_ROOT`` times whole training steps instead: one epoch of the demo's ResNet-18
step (its size, batch, precision and in-process loading) on clean views; on paired views with
none corrupted (what the second view alone costs); then as the augmented baseline (b) on
corrupted views made by each backend, with and without the clean view (b) never reads
(``DATASETS.CORRUPTION.TRAIN.CLEAN_VIEW``). FastReID's own per-iteration ``time`` (loading included)
and ``data_time``. The target: corrupted steps at least 0.9x the clean steps' samples/s.

    python benchmarks/bench_training_corruptions.py [--workers 2] [--batches 8]
    python benchmarks/bench_training_corruptions.py --demo-step output/demo/datasets [--repeats 3]
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import cfat_plugin  # noqa: E402,F401  (compat fixes first)
from bench_corruptions import DEFAULT_ROOT, _loader_cfg, _samples_per_second  # noqa: E402
from cfat_plugin.data.corruptions import CORRUPTION_TYPES, RandomCorruption  # noqa: E402

# (input size, TORCH_SIZE of the torch backend)
RUNS = (((128, 64), ()), ((256, 128), ()), ((256, 128), (128, 64)))


def corruption_alone(batch: torch.Tensor, repeats: int, size=()) -> float:
    """Samples/s of ``corrupt_batch`` on one batch, each image its own benchmark draw."""
    from cfat_plugin.data.corruptions.torch_backend import corrupt_batch, corrupt_drawn

    spec = RandomCorruption(seed=0)
    warm = batch[:len(CORRUPTION_TYPES)]  # warm-up: caches (frost photos, kernels), lazy imports
    corrupt_batch(warm, list(CORRUPTION_TYPES)[:len(warm)], [3] * len(warm), [0] * len(warm))
    start, samples = time.perf_counter(), 0
    for repeat in range(repeats):
        corrupt_drawn(batch, [spec.draw(f"{repeat}/{i}") for i in range(len(batch))], size or None)
        samples += len(batch)
    return samples / (time.perf_counter() - start)


def demo_steps(data_root: str, repeats: int) -> None:
    """One epoch per training-view source of the demo's (b) step, the sources taking turns ``repeats`` times
    (load changes hit all alike); the median per source, samples/s against the clean step's."""
    from bench_loader_workers import epoch_times

    from cfat_plugin.data.datasets.synthreid import SynthReID
    from cfat_plugin.demo.pipeline import TRAINING_BACKENDS
    from cfat_plugin.demo.profiles import get_profile

    profile = get_profile("default")
    SynthReID(root=data_root, preset=profile.synthreid_preset, seed=profile.seed)  # generated when missing
    common = (["DATASETS.ROOT", os.path.abspath(data_root), "DATASETS.SYNTHREID.PRESET.MARKET",
               profile.synthreid_preset, "SOLVER.IMS_PER_BATCH", str(profile.batch)]
              + profile.precision_overrides() + list(profile.model_overrides))
    corrupted = ["DATASETS.CORRUPTION.TRAIN.ENABLED", "True", "DATASETS.CORRUPTION.TRAIN.CLEAN_PROB",
                 str(profile.student_clean_prob)]
    paired_only = ["DATASETS.CORRUPTION.TRAIN.ENABLED", "True", "DATASETS.CORRUPTION.TRAIN.CLEAN_PROB", "1.0"]
    alone = ["DATASETS.CORRUPTION.TRAIN.CLEAN_VIEW", "False"]  # (b) never reads the teacher's view
    runs = [("clean views (teacher step)", []),
            ("paired views, none corrupted", paired_only + list(TRAINING_BACKENDS["torch"])),
            ("corrupted, reference backend", corrupted + list(TRAINING_BACKENDS["reference"])),
            ("corrupted, reference, no clean view", corrupted + alone + list(TRAINING_BACKENDS["reference"])),
            ("corrupted, torch backend 128x64", corrupted + list(TRAINING_BACKENDS["torch"])),
            ("corrupted, torch backend 160x80", corrupted + list(TRAINING_BACKENDS["torch_160x80"])),
            ("corrupted, torch 160x80, no clean view", corrupted + alone + list(TRAINING_BACKENDS["torch_160x80"]))]
    print(f"{os.cpu_count()} CPU cores, torch threads {torch.get_num_threads()}; the demo's ResNet-18 step: "
          f"{' '.join(profile.model_overrides)}, batch {profile.batch}, precision {profile.resolved_precision()}, "
          f"{profile.loader_workers} loader workers; one epoch per run, FastReID's last per-iteration time, "
          f"median of {repeats} runs taking turns")
    times = {name: [] for name, _ in runs}
    for turn in range(repeats):
        for name, extra in runs:
            times[name].append(epoch_times(profile.teacher_config, profile.loader_workers, common + extra))
            print(f"  turn {turn + 1}: {name}: {times[name][-1][0]:.3f} s/iter", flush=True)
    print(f"{'training views':40s} {'s/iter':>7s} {'data_time':>9s} {'samples/s':>9s} {'vs clean':>8s}")
    clean = profile.batch / statistics.median(t for t, _ in times[runs[0][0]])
    for name, _ in runs:
        step, data = (statistics.median(column) for column in zip(*times[name]))
        rate = profile.batch / step
        print(f"{name:40s} {step:7.3f} {data:9.3f} {rate:9.1f} {rate / clean:7.2f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=DEFAULT_ROOT, help="folder holding CUHK01's campus/")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--batches", type=int, default=8, help="timed batches of 64 per loader")
    parser.add_argument("--demo-step", metavar="DATA_ROOT", default=None,
                        help="time the demo's training step instead, SynthReID in DATA_ROOT (made when missing)")
    parser.add_argument("--repeats", type=int, default=3, help="--demo-step: runs per training-view source")
    args = parser.parse_args()
    if args.demo_step:
        return demo_steps(args.demo_step, args.repeats)
    if not os.path.isdir(os.path.join(args.data_root, "campus")):
        raise SystemExit(f"CUHK01 sample not found: {args.data_root}/campus")
    from fastreid.data import build_reid_train_loader

    from cfat_plugin.data.paired import build_paired_train_loader

    print(f"machine: {os.cpu_count()} CPU cores, torch threads {torch.get_num_threads()}; batch 64 (P16 x K4), "
          f"{args.workers} workers, {args.batches} batches after 2 warm-up batches; samples/s "
          f"(a paired sample is a clean and a corrupted view)")
    print(f"{'input size':>10s} {'torch at':>9s} {'plain':>9s} {'reference':>10s} {'torch':>9s} {'torch/ref':>9s} "
          f"{'torch alone':>11s}")
    for size, work in RUNS:
        rates = []
        for backend in (None, "reference", "torch"):
            opts = () if backend is None else ("DATASETS.CORRUPTION.TRAIN.BACKEND", backend,
                                               "DATASETS.CORRUPTION.TRAIN.TORCH_SIZE", str(list(work)))
            cfg = _loader_cfg(args.data_root, args.workers, size, *opts)
            np.random.seed(0)  # FastReID's samplers take their seed from the global RNG
            loader = build_reid_train_loader(cfg) if backend is None else build_paired_train_loader(cfg)
            rates.append(_samples_per_second(loader, args.batches))
            if backend == "torch":
                batch = next(iter(loader.loader))["clean_images"]
        alone = corruption_alone(batch, max(2, args.batches // 2), work)
        plain, reference, torch_rate = rates
        at = "input" if not work else f"{work[0]}x{work[1]}"
        print(f"{size[0]:>4d}x{size[1]:<5d} {at:>9s} {plain:9.1f} {reference:10.1f} {torch_rate:9.1f} "
              f"{torch_rate / reference:8.2f}x {alone:11.1f}", flush=True)


if __name__ == "__main__":
    main()
