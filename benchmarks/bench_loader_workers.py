#!/usr/bin/env python
"""Training speed against ``DATALOADER.NUM_WORKERS``: one epoch of the demo's steps per worker count.

On a machine with few cores, loader worker processes compete with torch's
compute threads; this prints FastReID's own per-iteration time (``time``, and
``data_time`` waited for a batch) for each worker count, for the demo's
ResNet-18 teacher step and, with ``--teacher-dir``, its CFAT student step
(paired clean/corrupted views, 30% corrupted as in the demo).

    python benchmarks/bench_loader_workers.py --data-root output/demo/datasets
    python benchmarks/bench_loader_workers.py --data-root output/demo/datasets --teacher-dir output/demo/a_teacher
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from cfat_plugin.demo.profiles import get_profile  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", required=True, help="folder holding SynthReID/ (made on first use)")
    parser.add_argument("--teacher-dir", default=None, help="a trained teacher's OUTPUT_DIR: also time CFAT")
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    return parser.parse_args()


def epoch_times(config: str, workers: int, overrides: list) -> tuple:
    """FastReID's last (``time``, ``data_time``) of one training epoch, seconds per iteration."""
    with tempfile.TemporaryDirectory() as out:
        # a process per run (its own loader workers and threads), through the package's entry point
        run = subprocess.run([sys.executable, "-m", "cfat_plugin.engine.train_net", "--config-file", config,
                              "SEED", "0",
                              "SOLVER.MAX_EPOCH", "1", "SOLVER.WARMUP_ITERS", "0", "OUTPUT_DIR", out,
                              "DATALOADER.NUM_WORKERS", str(workers)] + overrides,
                             cwd=REPO, capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(run.stdout[-2000:] + run.stderr[-2000:])
    found = re.findall(r"time: ([0-9.]+)\s+data_time: ([0-9.]+)", run.stdout + run.stderr)
    return float(found[-1][0]), float(found[-1][1])


def one_epoch(config: str, workers: int, overrides: list) -> str:
    """FastReID's last ``time: ... data_time: ...`` of one training epoch."""
    step, data = epoch_times(config, workers, overrides)
    return f"{step:.3f} s/iter (data_time {data:.3f})"


def main() -> None:
    args = parse_args()
    profile = get_profile("default")
    common = ["DATASETS.ROOT", os.path.abspath(args.data_root)] + profile.precision_overrides()
    steps = [("teacher (clean views)", profile.teacher_config, [])]
    if args.teacher_dir:
        teacher = os.path.abspath(args.teacher_dir)
        steps.append(("CFAT student (paired views)", profile.cfat_config, [
            "MODEL.TEACHER.CONFIG_FILE", os.path.join(teacher, "config.yaml"),
            "MODEL.TEACHER.WEIGHTS", os.path.join(teacher, "model_final.pth"),
            "DATASETS.CORRUPTION.TRAIN.CLEAN_PROB", str(profile.student_clean_prob)]))
    print(f"{os.cpu_count()} cores, precision {profile.resolved_precision()}, batch "
          f"{profile.batch}, one epoch each")
    for name, config, extra in steps:
        for workers in args.workers:
            print(f"{name:30s} NUM_WORKERS {workers}: {one_epoch(config, workers, common + extra)}", flush=True)


if __name__ == "__main__":
    main()
