"""Does each part of MCJA help? Arms trained with several seeds on the generated SYSU-MM01-shaped set.

Arms, each adding one part to the previous one (``ARMS``):

- ``baseline``: ResNet + GeM (p 3) + BNNeck, CE + triplet (FastReID's), the plain pipeline for both
  modalities;
- ``vimc``: + VIMC on the visible training images;
- ``mda``: + MDA in the backbone;
- ``mda_ce``: the triplet loss dropped (CE alone): what ``mcja`` changes besides adding CMR;
- ``mcja``: + the CMR loss in the triplet's place (published: CE + CMR) = MCJA;
- ``mser``: the ``mcja`` model tested with MSER (nothing trained).

Every model is trained with ``SEED`` = the seed (same sampler order and the same ResNet weights at the
start in every arm of a seed: paired), tested on SYSU-MM01's protocol, single-shot, all- and
indoor-search, infrared to visible and visible to infrared, 10 gallery trials. The run goes one
(arm, seed) at a time and writes each result as soon as it has it, so it can be resumed
(:mod:`cfat_plugin.experiments.seed_runs`).

    .venv/bin/python benchmarks/mcja_comparison.py --root datasets --seeds 0 1 2 3 4

The benchmark runs :func:`main`: the generated set (SynthReID preset ``sysu``, made under ``--root`` on first
use), ResNet-18 from scratch on CPU (``projects/MCJA/synthsysu_r18.yml`` at the profile's size). Every finished
(arm, seed) goes at once into ``benchmarks/results/mcja_comparison.json`` (``--results``): run it again and
only the missing ones are trained. It prints the table and writes ``comparison.md``, ``comparison.csv`` (every
arm and seed) and ``comparison.png`` (all-search IR->RGB mAP per arm, a line per seed) to ``--output-dir``;
``--report-only`` trains nothing and reports what the results file holds.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from ..data.synthetic.layouts.sysu import SEEDED_DRAWS
from ..experiments import (REPO_ROOT, RESULTS_DIR, SeedResults, comparison_parser, run_missing, seed_tables, train_arm,
                           write_report)

logger = logging.getLogger(__name__)

CONFIG = os.path.join(REPO_ROOT, "projects", "MCJA", "synthsysu_r18.yml")
RESULTS = os.path.join(RESULTS_DIR, "mcja_comparison.json")
ARMS = ("baseline", "vimc", "mda", "mda_ce", "mcja", "mser")
TITLES = {"baseline": "baseline (GeM + BNNeck, CE + triplet)", "vimc": "+ VIMC", "mda": "+ MDA",
          "mda_ce": "- triplet (CE only)",
          "mcja": "+ CMR (= MCJA; CE + CMR)", "mser": "+ MSER (test time)"}
_BASELINE = ["MODEL.MCJA.VIMC.ENABLED", "False", "MODEL.MCJA.MDA.ENABLED", "False", "MODEL.MCJA.CMR.ENABLED", "False",
             "MODEL.LOSSES.NAME", '("CrossEntropyLoss", "TripletLoss")']
ARM_OVERRIDES = {
    "baseline": _BASELINE,
    "vimc": _BASELINE + ["MODEL.MCJA.VIMC.ENABLED", "True"],
    "mda": _BASELINE + ["MODEL.MCJA.VIMC.ENABLED", "True", "MODEL.MCJA.MDA.ENABLED", "True"],
    "mda_ce": _BASELINE + ["MODEL.MCJA.VIMC.ENABLED", "True", "MODEL.MCJA.MDA.ENABLED", "True",
                           "MODEL.LOSSES.NAME", '("CrossEntropyLoss",)'],
    "mcja": [],  # the config as it is: VIMC, MDA, CE + CMR
}
CELLS = ("all_1shot_ir_to_rgb", "all_1shot_rgb_to_ir", "indoor_1shot_ir_to_rgb", "indoor_1shot_rgb_to_ir")
METRICS = tuple(f"{cell.replace('_1shot', '')}_{m}" for cell in CELLS for m in ("rank1", "mAP"))


@dataclass
class Profile:
    """The size of a comparison run."""

    epochs: int
    size: Sequence[int] = (128, 64)
    batch: int = 32
    instances: int = 4
    iters_per_epoch: Optional[int] = None  # None: the whole training set per epoch (FastReID's)
    trials: int = 10
    extra: List[str] = field(default_factory=list)


PROFILES = {
    # 96x48, 6 epochs of 33 iterations: ~2.4 min per trained (arm, seed) on 2 busy cores (0.71 s per
    # iteration measured with CMR), 4 trained arms x 3 seeds + tests in about 32 min.
    "default": Profile(epochs=6, size=(96, 48)),
    # the test suite's end-to-end check: a few iterations per arm
    "tiny": Profile(epochs=1, size=(64, 32), batch=16, iters_per_epoch=3, trials=2),
}


def arm_config(arm: str, seed: int, root: str, output_dir: str, profile: Profile, extra: Sequence[str] = ()):
    """The frozen config of one trained arm and seed."""
    from ..engine import apply_runtime_config, load_config

    opts = ["DATASETS.ROOT", root, "OUTPUT_DIR", output_dir, "SEED", str(seed), "SOLVER.MAX_EPOCH", str(profile.epochs),
            "SOLVER.CHECKPOINT_PERIOD", str(profile.epochs), "INPUT.SIZE_TRAIN", str(list(profile.size)),
            "INPUT.SIZE_TEST", str(list(profile.size)), "SOLVER.IMS_PER_BATCH", str(profile.batch),
            "DATALOADER.NUM_INSTANCE", str(profile.instances), "DATALOADER.NUM_WORKERS", "0",
            "MODEL.MCJA.MSER.ENABLED", "False"]
    cfg = load_config(CONFIG, opts + ARM_OVERRIDES[arm] + list(profile.extra) + list(extra))
    apply_runtime_config(cfg)
    cfg.freeze()
    return cfg


def scores(cfg, model, profile: Profile, mser: bool = False) -> Dict[str, float]:
    """The comparison's figures of a trained model (``METRICS``), with or without MSER."""
    from ..data.datasets.sysu_mm01 import SynthSYSU
    from .evaluation import evaluate_sysu_like

    cfg = cfg.clone()
    cfg.defrost()
    cfg.MODEL.MCJA.MSER.ENABLED = mser
    data = SynthSYSU(root=cfg.DATASETS.ROOT, seed=0, mode="all", trial=1, verbose=False)
    cells = evaluate_sysu_like(cfg, model, data, modes=("all", "indoor"), shots=(1,), trials=profile.trials)
    return {f"{cell.replace('_1shot', '')}_{m}": round(cells[cell][m], 3) for cell in CELLS for m in ("rank1", "mAP")}


def run_comparison(root: str, output_dir: str, seeds: Sequence[int], results_path: str, profile_name: str = "default",
                   arms: Sequence[str] = ARMS, echo: Callable[[str], None] = print) -> dict:
    """Train and test every missing (arm, seed) (``results_path`` holds what is done, written after each);
    ``mser`` tests the seed's ``mcja`` model, trained first if its weights are missing."""
    profile = PROFILES[profile_name]
    store = SeedResults(results_path, {"profile": profile_name})

    def train_and_score(arm: str, seed: int) -> Dict[str, float]:
        trained = "mcja" if arm == "mser" else arm
        out = os.path.join(output_dir, f"seed{seed}", trained)
        cfg = arm_config(trained, seed, root, out, profile)
        weights = os.path.join(out, "model_final.pth")
        if arm == "mser" and os.path.exists(weights):
            from ..engine.entry_points import build_eval_model

            cfg = cfg.clone()
            cfg.defrost()
            cfg.MODEL.WEIGHTS = weights
            model = build_eval_model(cfg)
        else:
            model = train_arm(cfg, profile.iters_per_epoch)
        return scores(cfg, model, profile, mser=arm == "mser")

    run_missing(store, [(arm, seed) for seed in seeds for arm in arms], train_and_score, TITLES, echo)
    return store.data


def comparison_table(results: dict, arms: Sequence[str] = ARMS, metrics: Sequence[str] = METRICS) -> str:
    """Markdown: mean +- std over seeds per arm, then each arm's paired difference to the previous arm
    (+- its standard error; ``seeds.verdict``)."""
    return seed_tables(results, arms, "previous", metrics, TITLES, digits=1)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """``benchmarks/mcja_comparison.py``: train what is missing (or nothing, ``--report-only``), then report."""
    parser = comparison_parser(__doc__, "output/mcja_comparison", ARMS, PROFILES, RESULTS)
    parser.add_argument("--root", default="datasets", help="data root (SynthReID-sysu-s0 is generated there)")
    args = parser.parse_args(argv)
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
