#!/usr/bin/env python
"""How much of a person survives a change of clothes in SynthLTCC? Clothes-changing scores with no learned model.

Generates the LTCC-layout preset if it is missing (one worker), then ranks each test query's gallery by how
many of the generator's persistent cues (gender, skin, hair, binned body measures) agree, with the RLQ
evaluation's clothes-changing protocol (:mod:`cfat_plugin.rlq.clothes_changing_oracle`). The defaults are
the RLQ comparison's target set: preset ``ltcc``, seed 0 (``DATASETS.SYNTHREID.PRESET.LTCC``).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/clothes_changing_ceiling.py --data-root datasets

Results: printed, and ``clothes_changing_ceiling.md`` / ``.json`` in the output folder.
"""
import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.data.synthetic import ensure_dataset, folder_name, preset  # noqa: E402
from cfat_plugin.experiments import write_table_report  # noqa: E402
from cfat_plugin.rlq.clothes_changing_oracle import ceiling, read_test_split  # noqa: E402

SETTING = {"clothes_changing": "cc", "same_clothes": "same clothes"}


def markdown(report: dict) -> str:
    """The two tables of :func:`ceiling`'s report."""
    lines = ["| cues | setting | mAP | Rank-1 | other test ids sharing all its persistent cues |",
             "|---|---|---|---|---|"]
    for r in report["table"]:
        share = "" if r["lookalikes"] is None else f"{r['lookalikes']:.2f}"
        lines.append(f"| {r['cues']} | {SETTING[r['setting']]} | {r['mAP']:.1f} ± {r['mAP_std']:.1f} | "
                     f"{r['Rank-1']:.1f} | {share} |")
    lines += ["", "| cues alone | cc mAP | cc Rank-1 | other test ids sharing them |", "|---|---|---|---|"]
    lines += [f"| {r['cues']} | {r['mAP']:.1f} | {r['Rank-1']:.1f} | {r['lookalikes']:.2f} |"
              for r in report["single_cue"]]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--preset", default="ltcc", help="an ltcc-layout preset (default: ltcc, the RLQ comparison's)")
    p.add_argument("--seed", type=int, default=0, help="the generator's seed (default: 0)")
    p.add_argument("--data-root", default=os.environ.get("FASTREID_DATASETS", "datasets"),
                   help="where the set is (or is generated): <root>/SynthReID-<preset>-s<seed> "
                        "(default: $FASTREID_DATASETS or datasets)")
    p.add_argument("--output-dir", default="output/clothes_changing_ceiling", help="where the tables go")
    p.add_argument("--tie-seeds", type=int, default=10, help="tie-breaking draws averaged (default 10)")
    args = p.parse_args(argv)

    spec = preset(args.preset, seed=args.seed)
    if spec.layout != "ltcc":
        p.error(f"preset {args.preset!r} is in the {spec.layout} layout, not ltcc")
    folder = Path(args.data_root) / folder_name(args.preset, args.seed)
    manifest = ensure_dataset(spec, folder, workers=1, progress=True)
    if manifest["spec"] != json.loads(json.dumps(spec.to_dict())):
        p.error(f"{folder} was not made by preset {args.preset!r} seed {args.seed}; the persistent cues are "
                "drawn from the preset's spec, so they would not match its images")
    query, gallery = read_test_split(str(folder), spec)
    report = ceiling(query, gallery, tuple(range(args.tie_seeds)))
    title = (f"SynthLTCC {args.preset} seed {args.seed} (digest {manifest['digest'][:12]}): {len(query)} queries, "
             f"{len(gallery)} gallery images, {len({t.pid for t in gallery})} test ids; no learned model; "
             f"ties: {args.tie_seeds} draws (mean ± std)")
    write_table_report(args.output_dir, "clothes_changing_ceiling", title, markdown(report),
                       {"preset": args.preset, "seed": args.seed, "digest": manifest["digest"], "queries": len(query),
                        "gallery": len(gallery), "tie_seeds": args.tie_seeds, **report})
    return 0


if __name__ == "__main__":
    sys.exit(main())
