#!/usr/bin/env python
"""Does each part of MCJA help? baseline, + VIMC, + MDA, + CMR (= MCJA), + MSER, several training seeds.

    .venv/bin/python benchmarks/mcja_comparison.py --root datasets --seeds 0 1 2 3 4

On the generated SYSU-MM01-shaped set (SynthReID preset ``sysu``, made under ``--root`` on first use),
ResNet-18 from scratch on CPU (projects/MCJA/synthsysu_r18.yml at the profile's size). Arms and
pairing: ``cfat_plugin.demo.mcja_comparison.py``. Every finished (arm, seed) goes at once into
``benchmarks/results/mcja_comparison.json`` (``--results``): run it again and only the missing ones are
trained. Prints the table and writes ``comparison.md``, ``comparison.csv`` (every arm and seed) and
``comparison.png`` (all-search IR->RGB mAP per arm, a line per seed) to ``--output-dir``;
``--report-only`` trains nothing and reports what the results file holds.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.data.synthetic.layouts.sysu import SEEDED_DRAWS  # noqa: E402
from cfat_plugin.demo.mcja_comparison import ARMS, PROFILES, TITLES, comparison_table, run_comparison  # noqa: E402
from cfat_plugin.demo.seed_runs import SeedResults, write_report  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "mcja_comparison.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default="datasets", help="data root (SynthReID-sysu-s0 is generated there)")
    parser.add_argument("--output-dir", default="output/mcja_comparison")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4],
                        help="training seeds (5: the fewest a verdict is given on)")
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=ARMS)
    parser.add_argument("--profile", default="default", choices=sorted(PROFILES))
    parser.add_argument("--results", default=RESULTS, help="results file; (arm, seed) pairs in it are not rerun")
    parser.add_argument("--report-only", action="store_true", help="train nothing, print the table of --results")
    args = parser.parse_args()
    started = time.perf_counter()
    if not args.report_only:
        run_comparison(os.path.abspath(args.root), os.path.abspath(args.output_dir), args.seeds,
                       os.path.abspath(args.results), args.profile, args.arms,
                       echo=lambda line: print(line, flush=True))
    store = SeedResults(args.results)
    text = comparison_table(store.results, args.arms)
    seeds = sorted({int(s) for arm in args.arms for s in store.results.get(arm, {})})
    profile = store.data.get("profile", args.profile)
    note = (f"\nSynthReID sysu preset (seed 0), ResNet-18 from scratch, profile {profile} "
            f"({PROFILES[profile]}); training seeds {seeds}; SYSU-MM01 protocol, "
            f"single-shot, {PROFILES[profile].trials} gallery trials. {SEEDED_DRAWS} (a generated set "
            f"has no published draws). Wall time of this invocation: {(time.perf_counter() - started) / 60:.1f} min.\n")
    files = write_report(os.path.abspath(args.output_dir), "comparison", "MCJA comparison", text, note, store,
                         args.arms, TITLES, "all_ir_to_rgb_mAP")
    print("\n" + text + note + "\nFiles: " + ", ".join(files))


if __name__ == "__main__":
    main()
