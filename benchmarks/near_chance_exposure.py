#!/usr/bin/env python
"""Is exposure the cause of the near-chance types? (d') trained again with them drawn more often.

    .venv/bin/python benchmarks/near_chance_exposure.py --demo-dir output/demo --output-dir output/exposure

Reuses a finished demo's data, teacher, corruption cache and (b) (``--demo-dir``: what
``make demo`` wrote) and trains the coarse-only student (d') from (b) once more, seed 0, with the
same budget, but with ``--types`` (default contrast and fog, the two near-chance *training*
types) listed ``--weight`` times in ``DATASETS.CORRUPTION.TRAIN.TYPES``: training views draw a
type uniformly from that list, so weight 5 raises each from 1/15 to 5/23 of the corrupted views
(2.0% to 6.5% of all views at CLEAN_PROB 0.7). Both (d') models are then scored the demo's way
with the grid slice (severity 3, ten types) -- the grid before and after.

One training seed: this measures whether exposure moves those cells at all (the effect sought is
tens of points, far above the ~1 point the seeds ablation finds between seeds); it is not a
comparison of recipes. Prints and writes ``exposure.md`` to the output folder.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.data.corruptions import CORRUPTION_TYPES  # noqa: E402
from cfat_plugin.demo import Demo, get_profile  # noqa: E402
from cfat_plugin.demo.pipeline import Student, all_arms  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo-dir", default="output/demo", help="a finished `make demo` output folder")
    parser.add_argument("--output-dir", default="output/exposure")
    parser.add_argument("--types", nargs="+", default=["contrast", "fog"])
    parser.add_argument("--weight", type=int, default=5)
    args = parser.parse_args()
    demo_dir, out = os.path.abspath(args.demo_dir), os.path.abspath(args.output_dir)
    base = get_profile("recorded")  # the profile its committed figures ran
    exposed_key = "d_cfat_coarse_staged_exposed"
    profile = get_profile("recorded", grid_models=("d_cfat_coarse_staged", exposed_key))
    seen = [t for t in CORRUPTION_TYPES if t not in base.held_out_types]
    unknown = [t for t in args.types if t not in seen]
    if unknown:
        sys.exit(f"error: --types {unknown} are not training types; choose from {seen}")
    weighted = seen + [t for t in args.types for _ in range(args.weight - 1)]
    demo = Demo(profile, out, echo=lambda line: print(line, flush=True), shared_dir=demo_dir)
    os.makedirs(out, exist_ok=True)
    for key in ("b_augmented", "d_cfat_coarse_staged"):  # the demo's weights, reused (its files untouched)
        os.makedirs(os.path.join(out, key), exist_ok=True)
        link = os.path.join(out, key, "model_final.pth")
        if not os.path.exists(link):
            os.symlink(os.path.join(demo_dir, key, "model_final.pth"), link)
    arms = all_arms(profile, demo.teacher_dir)
    coarse = arms["d_cfat_coarse_staged"]
    exposed = Student(exposed_key, f"(d') with {'/'.join(args.types)} x{args.weight} in training", coarse.config,
                      coarse.overrides + ("DATASETS.CORRUPTION.TRAIN.TYPES", weighted), start="b_augmented")
    rows = []
    for student in (coarse, exposed):
        summary = demo.evaluate(student, student.config, demo.train_student(student))
        grid = summary["grid"]
        cells = {t: row[0] for t, row in zip(grid["types"], grid["mAP"])}
        rows.append((student.title, summary["clean"]["mAP"], summary["settings"]["both"]["mAP"]["mean"], cells))
    types = list(rows[0][3])
    lines = ["| model | clean mAP | corrupted mAP | " + " | ".join(types) + " |", "|---" * (3 + len(types)) + "|"]
    for title, clean, corrupted, cells in rows:
        lines.append(f"| {title} | {clean:.2f} | {corrupted:.2f} | " + " | ".join(f"{cells[t]:.1f}" for t in types) + " |")
    text = ("\n".join(lines) + f"\n\nGrid slice: query and gallery corrupted at severity 3, mAP. Seed 0, demo recipe; "
            f"training types: {', '.join(weighted)}.\n")
    with open(os.path.join(out, "exposure.md"), "w") as f:
        f.write("# Near-chance types: exposure in training\n\n" + text)
    print("\n" + text)


if __name__ == "__main__":
    main()
