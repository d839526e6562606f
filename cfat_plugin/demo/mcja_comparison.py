"""Does each part of MCJA help? Arms trained with several seeds on the generated SYSU-MM01-shaped set.

Arms, each adding one part to the previous one (``ARMS``):

- ``baseline``: ResNet + GeM (p 3) + BNNeck, CE + triplet (FastReID's), the plain pipeline for both
  modalities;
- ``vimc``: + VIMC on the visible training images;
- ``mda``: + MDA in the backbone;
- ``mcja``: + the CMR loss, which replaces the triplet loss (published: CE + CMR) = MCJA;
- ``mser``: the ``mcja`` model tested with MSER (nothing trained).

Every model is trained with ``SEED`` = the seed (same sampler order and the same ResNet weights at the
start in every arm of a seed: paired), tested on SYSU-MM01's protocol, single-shot, all- and
indoor-search, infrared to visible and visible to infrared, 10 gallery trials. The run goes one
(arm, seed) at a time and writes each result as soon as it has it, so it can be resumed.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from ..utils.files import atomic_open
from .seeds import MIN_SEEDS, mean_std, paired_difference, verdict

logger = logging.getLogger(__name__)

CONFIG = os.path.join(os.path.dirname(__file__), "..", "..", "projects", "MCJA", "synthsysu_r18.yml")
ARMS = ("baseline", "vimc", "mda", "mcja", "mser")
TITLES = {"baseline": "baseline (GeM + BNNeck, CE + triplet)", "vimc": "+ VIMC", "mda": "+ MDA",
          "mcja": "+ CMR (= MCJA; CE + CMR)", "mser": "+ MSER (test time)"}
_BASELINE = ["MODEL.MCJA.VIMC.ENABLED", "False", "MODEL.MCJA.MDA.ENABLED", "False", "MODEL.MCJA.CMR.ENABLED", "False",
             "MODEL.LOSSES.NAME", '("CrossEntropyLoss", "TripletLoss")']
ARM_OVERRIDES = {
    "baseline": _BASELINE,
    "vimc": _BASELINE + ["MODEL.MCJA.VIMC.ENABLED", "True"],
    "mda": _BASELINE + ["MODEL.MCJA.VIMC.ENABLED", "True", "MODEL.MCJA.MDA.ENABLED", "True"],
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


def train_arm(cfg, profile: Profile):
    """Train with the project's trainer (its loader and hooks), without its end-of-training test."""
    from fastreid.data import build as data_build
    from fastreid.utils.env import seed_all_rng

    from ..engine.trainer import trainer_for

    class TrainOnly(trainer_for(cfg)):
        @classmethod
        def test(cls, cfg, model):
            return {}

    data_build._root = cfg.DATASETS.ROOT
    os.makedirs(cfg.OUTPUT_DIR, exist_ok=True)
    seed_all_rng(cfg.SEED)
    trainer = TrainOnly(cfg)
    if profile.iters_per_epoch:
        trainer.iters_per_epoch = profile.iters_per_epoch
    trainer.train()
    return trainer.model.eval()


def scores(cfg, model, profile: Profile, mser: bool = False) -> Dict[str, float]:
    """The comparison's figures of a trained model (``METRICS``), with or without MSER."""
    from ..data.datasets.sysu_mm01 import SynthSYSU
    from ..mcja.evaluation import evaluate_sysu_like

    cfg = cfg.clone()
    cfg.defrost()
    cfg.MODEL.MCJA.MSER.ENABLED = mser
    data = SynthSYSU(root=cfg.DATASETS.ROOT, seed=0, mode="all", trial=1, verbose=False)
    cells = evaluate_sysu_like(cfg, model, data, modes=("all", "indoor"), shots=(1,), trials=profile.trials)
    return {f"{cell.replace('_1shot', '')}_{m}": round(cells[cell][m], 3) for cell in CELLS for m in ("rank1", "mAP")}


def run_comparison(root: str, output_dir: str, seeds: Sequence[int], results_path: str, profile_name: str = "default",
                   arms: Sequence[str] = ARMS, echo: Callable[[str], None] = print) -> dict:
    """Train and test every missing (arm, seed); ``results_path`` (JSON) holds what is done, written after each."""
    profile = PROFILES[profile_name]
    saved = json.load(open(results_path)) if os.path.exists(results_path) else {}
    if saved and saved.get("profile") != profile_name:
        raise ValueError(f"{results_path} holds the {saved.get('profile')!r} profile, not {profile_name!r}; "
                         f"pass another --results file")
    saved.setdefault("profile", profile_name)
    results, timings = saved.setdefault("results", {}), saved.setdefault("timings", {})

    def save() -> None:
        with atomic_open(results_path) as f:  # a killed run keeps the last complete file
            json.dump(saved, f, indent=1)

    for seed in seeds:
        for arm in [a for a in arms if a != "mser"]:
            wants_mser = arm == "mcja" and "mser" in arms and str(seed) not in results.get("mser", {})
            if str(seed) in results.get(arm, {}) and not wants_mser:
                continue
            out = os.path.join(output_dir, f"seed{seed}", arm)
            cfg = arm_config(arm, seed, root, out, profile)
            start = time.perf_counter()
            if str(seed) in results.get(arm, {}):  # only MSER is missing: reload the trained model
                from ..engine.entry_points import build_eval_model

                cfg = cfg.clone()
                cfg.defrost()
                cfg.MODEL.WEIGHTS = os.path.join(out, "model_final.pth")
                model = build_eval_model(cfg)
            else:
                echo(f"seed {seed}: training {TITLES[arm]}")
                model = train_arm(cfg, profile)
                trained = time.perf_counter()
                results.setdefault(arm, {})[str(seed)] = scores(cfg, model, profile)
                timings[f"{arm}/seed{seed}"] = {"train_s": round(trained - start),
                                                "test_s": round(time.perf_counter() - trained)}
                echo(f"seed {seed}: {arm} {results[arm][str(seed)]} ({timings[f'{arm}/seed{seed}']})")
                save()
            if arm == "mcja" and "mser" in arms and str(seed) not in results.get("mser", {}):
                start = time.perf_counter()
                results.setdefault("mser", {})[str(seed)] = scores(cfg, model, profile, mser=True)
                timings[f"mser/seed{seed}"] = {"test_s": round(time.perf_counter() - start)}
                echo(f"seed {seed}: mser {results['mser'][str(seed)]}")
                save()
    return saved


def comparison_table(results: dict, arms: Sequence[str] = ARMS, metrics: Sequence[str] = METRICS) -> str:
    """Markdown: mean +- std over seeds per arm, then each arm's paired difference to the previous arm
    (+- its standard error); with fewer than ``MIN_SEEDS`` seeds a difference within 2 SE is a tie and
    anything beyond is only 'beyond 2 SE', not a verdict."""
    present = [a for a in arms if results.get(a)]
    head = "| arm | seeds | " + " | ".join(m.replace("_", " ") for m in metrics) + " |"
    rule = "|---|---|" + "---|" * len(metrics)
    lines = [head, rule]
    for arm in present:
        per_seed = results[arm]
        cells = ["%.1f ± %.1f" % mean_std([r[m] for r in per_seed.values()]) for m in metrics]
        lines.append(f"| {TITLES[arm]} | {len(per_seed)} | " + " | ".join(cells) + " |")
    lines += ["", f"Paired difference to the previous arm (mean ± standard error over the seeds both have; "
                  f"'tie' within 2 SE; a verdict needs {MIN_SEEDS} seeds, fewer only say 'beyond 2 SE'):", "",
              head, rule]
    for prev, arm in zip(present, present[1:]):
        cells, n = [], 0
        for m in metrics:
            mean, se, n = paired_difference({s: r[m] for s, r in results[arm].items()},
                                            {s: r[m] for s, r in results[prev].items()})
            if n >= MIN_SEEDS:
                word = verdict(mean, se, n)
            else:  # too few seeds for a verdict: only whether the difference is beyond twice its SE
                word = "beyond 2 SE" if se == se and abs(mean) > 2 * se else "tie"
            cells.append(f"{mean:+.1f} ± {se:.1f} ({word})")
        lines.append(f"| {TITLES[arm]} vs {TITLES[prev].split(' (')[0]} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
