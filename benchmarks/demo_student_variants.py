#!/usr/bin/env python
"""Train one demo student variant from an existing demo teacher and print its quick benchmark.

How the demo's student recipe was chosen (clean view share, alignment weight):

    python benchmarks/demo_student_variants.py --demo-dir output/demo c_al30_cp70 c \
        DATASETS.CORRUPTION.TRAIN.CLEAN_PROB 0.7 MODEL.CFAT.LOSS.ALIGN.SCALE 30.0

NAME is the variant's folder under --demo-dir, KIND the demo student it starts from
(b: augmented baseline, c: CFAT, d: coarse only); trailing KEY VALUE pairs override
its config. Prints one JSON line: clean mAP/R1, corrupted (both) mAP of one seeded
draw, seen and held-out mAP, and the train/eval seconds.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.demo import Demo, get_profile, students  # noqa: E402
from cfat_plugin.demo.pipeline import Student  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo-dir", default="output/demo", help="a demo output folder with a trained teacher")
    parser.add_argument("name")
    parser.add_argument("kind", choices=["b", "c", "d"])
    parser.add_argument("opts", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    profile = get_profile("recorded", repeats=1, grid=False)  # the profile its recorded variants ran
    demo = Demo(profile, args.demo_dir, echo=lambda line: None)
    base = {s.key[0]: s for s in students(profile, os.path.join(demo.output_dir, "a_teacher"))}[args.kind]
    variant = Student(args.name, base.title, base.config, tuple(base.overrides) + tuple(args.opts))
    start = time.perf_counter()
    weights = demo.train_student(variant)  # the students' solver, then the variant's overrides
    train_s, start = time.perf_counter() - start, time.perf_counter()
    summary = demo.evaluate(variant, variant.config, weights)
    both = summary["settings"]["both"]
    print(json.dumps({"name": args.name, "opts": args.opts, "train_s": round(train_s),
                      "eval_s": round(time.perf_counter() - start),
                      "clean_mAP": round(summary["clean"]["mAP"], 2), "clean_R1": round(summary["clean"]["Rank-1"], 2),
                      "corrupted_mAP": round(both["mAP"]["mean"], 2),
                      "seen_mAP": round(summary["seen"]["mAP"]["mean"], 2),
                      "held_out_mAP": round(summary["held_out"]["mAP"]["mean"], 2)}))


if __name__ == "__main__":
    main()
