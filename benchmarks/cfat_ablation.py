#!/usr/bin/env python
"""Does CFAT's fine stage matter? Every arm trained with several training seeds, paired, one teacher.

    .venv/bin/python benchmarks/cfat_ablation.py --output-dir output/ablation --seeds 0 1 2 3 4

The demo's scale (SynthReID demo preset, ResNet-18, 3 student epochs, bfloat16 where native). One
teacher (seed 0) is shared: the question is the student stage. Arms (keys of
``cfat_plugin.demo.pipeline.all_arms``):

- ``b_augmented``: the teacher fine-tuned on corrupted views, ID + triplet (the baseline; also the
  corruption-trained start of the ``staged`` arms below);
- ``d_coarse_plain`` / ``c_cfat_plain``: coarse only / CFAT with the raw KL, from the teacher's copy
  (CFAT as first built);
- ``c_cfat``: published KL, BFG pre-training stage, corruption-trained start (the issue's c');
- ``c_cfat_nokl``: the same without the bridge KL (separates the KL from the reconstruction's ID +
  triplet terms);
- ``d_cfat_coarse``: coarse only from the same corruption-trained start (isolates the fine stage).

Pairing: within one seed every arm trains with ``SEED`` = the seed and the same training
corruption seed, so sampler order, corruption draws and the bridge's t agree across arms. Every
model is evaluated on the same fixed test draws (``--test-seed``, 2 draws as the demo). Prints and
writes ``ablation.md``, ``ablation.csv`` and ``ablation.json`` to the output folder: per arm
mean +- std over seeds, and paired differences +- their standard error. Interrupted? Run it again:
finished models and evaluations are kept.
"""
import argparse
import csv
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.demo import Demo, get_profile  # noqa: E402
from cfat_plugin.demo.pipeline import all_arms  # noqa: E402

ARMS = ("b_augmented", "d_coarse_plain", "c_cfat_plain", "c_cfat", "c_cfat_nokl", "d_cfat_coarse")
REFERENCES = ("d_cfat_coarse", "d_coarse_plain", "b_augmented")
METRICS = ("clean_mAP", "corrupted_mAP", "seen_mAP", "held_out_mAP")


def metrics_of(summary: dict) -> dict:
    """The four figures of one evaluated model (corrupted ones: mean over the test draws)."""
    return {"clean_mAP": summary["clean"]["mAP"], "corrupted_mAP": summary["settings"]["both"]["mAP"]["mean"],
            "seen_mAP": summary["seen"]["mAP"]["mean"], "held_out_mAP": summary["held_out"]["mAP"]["mean"]}


def mean_std(values: list) -> tuple:
    """Mean and sample standard deviation (n - 1)."""
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else float("nan")
    return mean, std


def paired_difference(a: dict, b: dict) -> tuple:
    """Mean of a[s] - b[s] over the seeds both have, its standard error, and n."""
    seeds = sorted(set(a) & set(b))
    diffs = [a[s] - b[s] for s in seeds]
    mean, std = mean_std(diffs)
    return mean, std / math.sqrt(len(diffs)), len(diffs)


def verdict(mean: float, se: float) -> str:
    """A difference counts only beyond twice its standard error."""
    if math.isnan(se) or abs(mean) <= 2 * se:
        return "tie"
    return "better" if mean > 0 else "worse"


def tables(results: dict, arms: list, titles: dict) -> str:
    """Markdown: per-arm mean +- std over seeds; paired differences to each reference."""
    lines = ["| arm | seeds | " + " | ".join(m.replace("_", " ") for m in METRICS) + " |",
             "|---|---|" + "---|" * len(METRICS)]
    for arm in arms:
        per_seed = results.get(arm, {})
        if not per_seed:
            continue
        cells = []
        for m in METRICS:
            mean, std = mean_std([r[m] for r in per_seed.values()])
            cells.append(f"{mean:.2f} ± {std:.2f}")
        lines.append(f"| {titles[arm]} | {len(per_seed)} | " + " | ".join(cells) + " |")
    for ref in REFERENCES:
        if ref not in results:
            continue
        lines += ["", f"Paired difference to {titles[ref]} (mean ± standard error over seeds; "
                      f"'tie' when under twice the standard error):", "",
                  "| arm | n | " + " | ".join(m.replace("_", " ") for m in METRICS) + " |",
                  "|---|---|" + "---|" * len(METRICS)]
        for arm in arms:
            if arm == ref or arm not in results:
                continue
            cells, n = [], 0
            for m in METRICS:
                mean, se, n = paired_difference({s: r[m] for s, r in results[arm].items()},
                                                {s: r[m] for s, r in results[ref].items()})
                cells.append(f"{mean:+.2f} ± {se:.2f} ({verdict(mean, se)})")
            lines.append(f"| {titles[arm]} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", default="output/ablation")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="training seeds")
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=sorted(set(ARMS)))
    parser.add_argument("--test-seed", type=int, default=0, help="data set and test draws (fixed for all)")
    parser.add_argument("--profile", default="default", help="demo profile (tiny: a quick check of the script)")
    args = parser.parse_args()
    out = os.path.abspath(args.output_dir)
    echo = lambda line: print(line, flush=True)  # noqa: E731
    base = get_profile(args.profile, seed=args.test_seed, grid=False)
    shared = Demo(base, out, echo=echo)
    started = time.perf_counter()
    echo(f"Precision: {base.resolved_precision()}; seeds {args.seeds}; arms {args.arms}; output {out}")
    shared.prepare_data()
    echo("teacher (shared, seed %d)" % args.test_seed)
    shared.train_teacher()
    arms = all_arms(base, shared.teacher_dir)
    titles = {key: arm.title for key, arm in arms.items()}
    results_path = os.path.join(out, "ablation.json")
    results = json.load(open(results_path))["results"] if os.path.exists(results_path) else {}
    timings = {}
    for seed in args.seeds:
        demo = Demo(get_profile(args.profile, seed=args.test_seed, train_seed=seed, grid=False),
                    os.path.join(out, f"seed{seed}"), echo=echo, shared_dir=out)
        for key in args.arms:
            if str(seed) in results.get(key, {}):
                continue
            arm = arms[key]
            echo(f"seed {seed}: {arm.title}")
            start = time.perf_counter()
            weights = demo.train_student(arm)
            summary = demo.evaluate(arm, arm.config, weights)
            results.setdefault(key, {})[str(seed)] = metrics_of(summary)
            timings[f"seed{seed}/{key}"] = round(time.perf_counter() - start)
            with open(results_path, "w") as f:
                json.dump({"seeds": args.seeds, "arms": args.arms, "test_seed": args.test_seed,
                           "precision": base.resolved_precision(), "results": results}, f, indent=1)
    text = tables(results, args.arms, titles)
    note = (f"\nSynthReID ({base.synthreid_preset}); one teacher (seed {args.test_seed}); students "
            f"{base.student_epochs} epochs; training seeds {args.seeds}; test draws: seed {args.test_seed}, "
            f"{base.repeats} draws, the same for every model. Precision {base.resolved_precision()}. "
            f"Wall time of this invocation: {(time.perf_counter() - started) / 60:.1f} min.\n")
    with open(os.path.join(out, "ablation.md"), "w") as f:
        f.write("# CFAT fine-stage ablation\n\n" + text + note)
    with open(os.path.join(out, "ablation.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["arm", "seed"] + list(METRICS))
        for key in args.arms:
            for seed, row in sorted(results.get(key, {}).items()):
                writer.writerow([key, seed] + [row[m] for m in METRICS])
    print("\n" + text + note)
    print(f"Files: {out}/ablation.md, ablation.csv, ablation.json; per-model timings: {timings}")


if __name__ == "__main__":
    main()
