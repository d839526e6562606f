"""SynthReID generation speed (images/s): rendering alone, and full generation
(render + JPEG + write) with 1 worker and with all CPUs.

    .venv/bin/python benchmarks/bench_synthetic.py               # demo preset
    .venv/bin/python benchmarks/bench_synthetic.py --preset tiny --workers 1 2

Prints numbers only; the issue's target is the demo preset in under a minute on 2 cores.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cfat_plugin  # noqa: E402,F401  (package import; the generator itself needs no torch)
from cfat_plugin.data.synthetic import generate, plan_dataset, preset, render_record  # noqa: E402
from cfat_plugin.data.synthetic.generate import default_workers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, nargs="*", default=None,
                        help="worker counts to time full generation with (default: 1 and all CPUs)")
    parser.add_argument("--render-sample", type=int, default=300, help="images timed for rendering alone")
    args = parser.parse_args()

    spec = preset(args.preset, seed=args.seed)
    records = plan_dataset(spec)
    print(f"preset {args.preset}: {len(records)} images, {default_workers()} CPUs available")

    sample = records[:: max(1, len(records) // args.render_sample)][: args.render_sample]
    render_record(spec, sample[0])  # warm the per-camera scene cache
    start = time.perf_counter()
    for rec in sample:
        render_record(spec, rec)
    seconds = time.perf_counter() - start
    print(f"render only, 1 process: {len(sample) / seconds:.0f} images/s ({1000 * seconds / len(sample):.1f} ms/image)")

    worker_counts = args.workers or sorted({1, default_workers()})
    for workers in worker_counts:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            manifest = generate(spec, Path(tmp) / "set", workers=workers, progress=False)
            seconds = time.perf_counter() - start
        print(f"generate, {workers} worker(s): {seconds:.1f} s, {len(records) / seconds:.0f} images/s "
              f"(digest {manifest['digest'][:12]})")


if __name__ == "__main__":
    main()
