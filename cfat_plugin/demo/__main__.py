"""The main job: show CFAT's effect end to end on generated data, on CPU.

    python -m cfat_plugin.demo                # output/demo, about 12 minutes on a quiet 2-core bfloat16 CPU (README)
    python -m cfat_plugin.demo --profile tiny       # minutes: what the test runs
    python -m cfat_plugin.demo --output-dir DIR --seed 1
    python -m cfat_plugin.demo --models a_teacher c_cfat   # a subset of the compared models

Interrupted? Run it again: finished steps are kept, training resumes, finished evaluations are
not run again.
"""
import argparse
import os
from typing import List, Optional

from ..engine.cli import run_cli
from .pipeline import ALL_ARM_KEYS, Demo
from .profiles import PROFILES, get_profile


def main(argv: Optional[List[str]] = None) -> None:
    """``make demo`` / ``tools/demo.py`` / ``cfat-demo`` / ``python -m cfat_plugin.demo``."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="default", choices=sorted(PROFILES))
    parser.add_argument("--output-dir", default="output/demo")
    parser.add_argument("--seed", type=int, default=0, help="data, corruption draws and training seed")
    parser.add_argument("--repeats", type=int, default=None, help="random draws per setting")
    parser.add_argument("--grid-severities", type=int, nargs="*", default=None,
                        help="severities of the type x severity grid; none: no grid")
    parser.add_argument("--student-epochs", type=int, default=None)
    parser.add_argument("--models", nargs="+", default=None, choices=sorted(ALL_ARM_KEYS),
                        help="models to train and compare, in order (default: the profile's four)")
    parser.add_argument("--precision", default="auto", choices=["auto", "bfloat16", "float32"],
                        help="backbones in bfloat16 autocast (auto: where the CPU has native bfloat16)")
    args = parser.parse_args(argv)
    changes = {"seed": args.seed, "precision": args.precision}
    if args.repeats is not None:
        changes["repeats"] = args.repeats
    if args.grid_severities is not None:
        changes["grid"] = bool(args.grid_severities)
        if args.grid_severities:
            changes["grid_severities"] = tuple(args.grid_severities)
    if args.student_epochs is not None:
        changes["student_epochs"] = args.student_epochs
    if args.models is not None:
        changes["models"] = tuple(args.models)
    if set(changes) - {"seed", "precision"}:
        changes["expected_minutes"] = {}  # a run of another size than the one timed
    profile = get_profile(args.profile, **changes)
    demo = Demo(profile, args.output_dir, echo=lambda line: print(line, flush=True))
    comparison = run_cli(demo.run)
    print("\n" + comparison["markdown"])
    print(f"Total wall time: {demo.timings['total'] / 60:.1f} min. Files: {os.path.abspath(args.output_dir)}"
          f"/comparison.md, comparison.csv, heatmaps.png, */robustness/")


if __name__ == "__main__":
    main()
