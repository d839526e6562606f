#!/usr/bin/env python
"""Which backbone should the demo's teacher have? ResNet-18 from scratch against ImageNet MobileNetV2.

    .venv/bin/python benchmarks/demo_backbone.py --output-dir output/demo_backbone

Trains the demo's teacher (SynthReID demo preset, seed 0, 6 epochs, the demo's precision and
batch) once per config, back to back so that both see the same machine, and prints each one's
clean Rank-1 / mAP on the SynthReID test set (FastReID's evaluation at the end of training) and
its training wall time. Writes ``demo_backbone.md`` to the output folder.
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.demo import Demo, get_profile  # noqa: E402

CONFIGS = {"ResNet-18, from scratch": "projects/CFAT/synthreid_r18_teacher.yml",
           "MobileNetV2, ImageNet": "projects/CFAT/synthreid_mnv2_teacher.yml"}
ROW = re.compile(r"\|\s*SynthReID\s*\|\s*([\d.]+)\s*\|\s*[\d.]+\s*\|\s*[\d.]+\s*\|\s*([\d.]+)\s*\|")


def clean_scores(log_path: str) -> tuple:
    """(Rank-1, mAP) of the last SynthReID evaluation in a training log."""
    rows = [ROW.search(line) for line in open(log_path)]
    rows = [r for r in rows if r]
    if not rows:
        raise RuntimeError(f"no SynthReID evaluation in {log_path}")
    return float(rows[-1].group(1)), float(rows[-1].group(2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", default="output/demo_backbone")
    parser.add_argument("--datasets", default=None, help="a folder that already holds the generated demo preset")
    args = parser.parse_args()
    out = os.path.abspath(args.output_dir)
    lines = ["| teacher | clean Rank-1 | clean mAP | training wall time (s) |", "|---|---|---|---|"]
    for name, config in CONFIGS.items():
        folder = os.path.join(out, os.path.splitext(os.path.basename(config))[0])
        demo = Demo(get_profile("recorded", teacher_config=config), folder, echo=lambda line: print(line, flush=True))
        if args.datasets:
            demo.datasets_root = os.path.abspath(args.datasets)
        demo.prepare_data()
        start = time.perf_counter()
        demo.train_teacher()
        seconds = time.perf_counter() - start
        rank1, mAP = clean_scores(os.path.join(demo.teacher_dir, "log.txt"))
        lines.append(f"| {name} (`{config}`) | {rank1:.2f} | {mAP:.2f} | {seconds:.0f} |")
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n\nSynthReID demo preset, seed 0, 6 epochs, the demo's precision; trained back to back.\n"
    with open(os.path.join(out, "demo_backbone.md"), "w") as f:
        f.write(text)
    print("\n" + text)


if __name__ == "__main__":
    main()
