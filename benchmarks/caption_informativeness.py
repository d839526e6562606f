#!/usr/bin/env python
"""Do SynthPEDES captions say enough to tell people apart? Text-to-image scores with no learned model.

Generates the SynthPEDES preset if it is missing (one worker), then ranks the test images for each test
caption by how many of the facts the caption names agree with each image's true attributes
(:mod:`cfat_plugin.cffa.caption_oracle`), beside the ceiling (every fact of the caption's own image) and
chance, with CFFA's evaluator. The default preset and seed are the ones ``projects/CFFA/synth_pedes_cpu.yml``
trains on (``DATASETS.SYNTHREID.PRESET.PEDES``, ``DATASETS.SYNTHREID.SEED``).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/caption_informativeness.py --data-root datasets

Results: printed, and ``caption_informativeness.md`` / ``.json`` in the output folder.
"""
import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
import torch  # noqa: E402
from cfat_plugin.cffa.caption_oracle import DRAWS, load_test_split, oracle_scores, oracle_table  # noqa: E402
from cfat_plugin.data.synthetic import ensure_dataset, folder_name, preset  # noqa: E402
from cfat_plugin.engine import load_config  # noqa: E402
from cfat_plugin.experiments import write_table_report  # noqa: E402

CONFIG = "projects/CFFA/synth_pedes_cpu.yml"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config-file", default=CONFIG, help=f"config whose SynthPEDES preset and seed are the "
                                                         f"defaults (default: {CONFIG})")
    p.add_argument("--preset", default=None, help="a pedes-layout preset (default: the config's)")
    p.add_argument("--seed", type=int, default=None, help="the generator's seed (default: the config's)")
    p.add_argument("--data-root", default=os.environ.get("FASTREID_DATASETS", "datasets"),
                   help="where the set is (or is generated): <root>/SynthReID-<preset>-s<seed> "
                        "(default: $FASTREID_DATASETS or datasets)")
    p.add_argument("--output-dir", default="output/caption_informativeness", help="where the tables go")
    p.add_argument("--draws", type=int, default=DRAWS, help=f"tie-breaking draws averaged (default {DRAWS})")
    args = p.parse_args(argv)
    torch.set_num_threads(1)

    cfg = load_config(args.config_file)
    name = args.preset or cfg.DATASETS.SYNTHREID.PRESET.PEDES
    seed = cfg.DATASETS.SYNTHREID.SEED if args.seed is None else args.seed
    folder = Path(args.data_root) / folder_name(name, seed)
    manifest = ensure_dataset(preset(name, seed=seed), folder, workers=1, progress=True)
    split = load_test_split(folder)
    scores = oracle_scores(split, args.draws)
    title = (f"SynthPEDES {name} seed {seed} (digest {manifest['digest'][:12]}): {len(split.named)} test captions, "
             f"{len(split.image_pids)} test images, {len(set(split.image_pids))} ids; ties: {args.draws} draws")
    table = oracle_table(scores)
    write_table_report(args.output_dir, "caption_informativeness", title, table,
                       {"preset": name, "seed": seed, "digest": manifest["digest"], "captions": len(split.named),
                        "images": len(split.image_pids), "ids": len(set(split.image_pids)), "draws": args.draws,
                        "scores": scores})
    return 0


if __name__ == "__main__":
    sys.exit(main())
