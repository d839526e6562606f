"""RLQ on the generated clothes-changing set: base, +CAP, +TAD, RLQ, each over several training seeds.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/rlq_comparison.py --profile persistent --seeds 0 1 2 3 4

``--profile persistent`` is the comparison ``projects/RLQ/README.md`` reports: SynthReID's ``ltcc-persistent``
preset (people who keep visible cues across outfits), ImageNet MobileNetV2 at 128x64, 3 epochs, recoloured
replicas on, and the arm ``rlq_noreplicas`` besides the four below. The default profile, the earlier one:
SynthReID's ``ltcc`` preset (LTCC layout, 80 train / 40 test identities, 2-5 outfits) is the target
set and its ``external`` preset (other people, no labels) TAD's external set; ResNet-18 from scratch
at 64x32, 3 epochs (``projects/RLQ/synth_ltcc_r18*.yml``; sized for the 45-minute budget: at 128x64
one base iteration took 1.9 s on the shared 2 cores; at 64x32 and 4 epochs one seed of the four arms
took about 18 min). Arms:

- ``base``: the multi-branch model with ID + triplet + CAL (``synth_ltcc_r18_base.yml``);
- ``cap``: + coarse attribute prediction (gender, pose clusters, |cos| disentanglement, τ-KL of heads);
- ``tad``: base + task-agnostic distillation epochs (alternating with the target epochs);
- ``rlq``: CAP + TAD.

TAD's frozen teacher is the base arm's seed-0 model (the published teacher was trained on a labeled
external set, Celeb-reID; the generated external set has no labels, so the teacher here is a model
trained on the target's high-quality images). Pairing: every arm of one seed trains with
``SEED`` = the seed, so its identity sampler order and its initial weights are the same (the
teacher is built without touching the RNG); augmentation draws differ once TAD epochs consume
random numbers. Each model is scored on high-quality queries and on the same low-quality queries
(published LTCC mixture, seed ``--test-seed``) against the clean gallery, in the general,
same-clothes and clothes-changing settings. Every finished (arm, seed) goes at once into
``benchmarks/results/rlq_comparison.json`` with its wall time: run again to continue, only missing
pairs train. Prints and writes ``comparison.md`` (mean ± std, and paired differences to base ±
standard error; with fewer than 5 seeds no verdict is given: a difference within 2 SE is a tie),
``comparison.csv`` (every arm and seed) and ``comparison.png`` (low-quality clothes-changing mAP, a
line per seed) to ``--output-dir`` (:mod:`cfat_plugin.experiments`). ``benchmarks/rlq_comparison.py`` runs
:func:`main`.
"""
import argparse
import functools
import os
import sys
import time
from typing import Optional, Sequence

from ..experiments import (REPO_ROOT, RESULTS_DIR, SeedResults, comparison_parser, difference_table, run_missing,
                           seed_tables, weights_fingerprint, write_report)
from .evaluation import SUMMARY

PROJECT = os.path.join(REPO_ROOT, "projects", "RLQ")
RESULTS = os.path.join(RESULTS_DIR, "rlq_comparison.json")
ARMS = {  # key -> (title, CAP on, TAD on, recoloured replicas on: None = the profile's)
    "base": ("base (ID + triplet + CAL)", False, False, None),
    "cap": ("+CAP", True, False, None),
    "tad": ("+TAD", False, True, None),
    "rlq": ("RLQ (CAP + TAD)", True, True, None),
    "rlq_noreplicas": ("RLQ without the recoloured replicas", True, True, False),
}
TITLES = {key: arm[0] for key, arm in ARMS.items()}
HQ_METRICS = SUMMARY  # the clothes-changing scores RLQ's evaluation reports
METRICS = HQ_METRICS + tuple("lq_" + m for m in HQ_METRICS)
# Each part's effect, from the two arms that differ by it alone (label, arm, reference).
COMPONENTS = (("CAP (+CAP vs base)", "cap", "base"), ("TAD (+TAD vs base)", "tad", "base"),
              ("CAP with TAD (RLQ vs +TAD)", "rlq", "tad"), ("TAD with CAP (RLQ vs +CAP)", "rlq", "cap"),
              ("recoloured replicas (RLQ vs RLQ without them)", "rlq", "rlq_noreplicas"))
# "lq_minus_hq_cc_mAP": lq_cc_mAP - cc_mAP, minus what low-quality queries cost the model; a part that makes the
# model hold up on them raises it ("better"), a part that helps on every query alike leaves it
COMPONENT_METRICS = ("cc_mAP", "lq_cc_mAP", "lq_minus_hq_cc_mAP", "cc_Rank-1", "lq_cc_Rank-1", "sc_mAP", "lq_sc_mAP")

# Sizes: "default" is the comparison (fits 45 min on 2 cores for 4 arms x 3 seeds); "tiny" checks the script.
# "imagenet" starts from the ImageNet MobileNetV2 with the published recoloured replicas on, at a size where
# the base is off the floor and low-quality queries cost it (projects/RLQ/README.md says how it was chosen).
R18 = {"base": "synth_ltcc_r18_base.yml", "cap": "synth_ltcc_r18.yml", "backbone": "ResNet-18 from scratch"}
MNV2 = {"base": "synth_ltcc_mnv2_base.yml", "cap": "synth_ltcc_mnv2.yml", "backbone": "ImageNet MobileNetV2"}
PROFILES = {
    "default": {"preset": "ltcc", "external": "external", "size": "[64, 32]", "epochs": 3, "cal_start": 2,
                "steps": "[2]", "tad_sampling": 0.25, "batch": 32, "replicas": False, **R18},
    "tiny": {"preset": "ltcc-tiny", "external": "ltcc-tiny", "size": "[64, 32]", "epochs": 2, "cal_start": 1,
             "steps": "[2]", "tad_sampling": 0.5, "batch": 16, "replicas": False, **R18},
    "imagenet": {"preset": "ltcc", "external": "external", "size": "[128, 64]", "epochs": 4, "cal_start": 2,
                 "steps": "[3]", "tad_sampling": 0.25, "batch": 32, "replicas": True, **MNV2},
}
# "persistent": the ImageNet profile on the set whose people keep visible cues across outfits, 3 epochs (the
# base measured first, projects/RLQ/README.md); "persistent-small": the same at 96x48, where it sits on the bar.
PROFILES["persistent"] = {**PROFILES["imagenet"], "preset": "ltcc-persistent", "epochs": 3, "steps": "[2]",
                          "cal_start": 1}
PROFILES["persistent-small"] = {**PROFILES["persistent"], "size": "[96, 48]"}


def with_epochs(profile: dict, epochs: Optional[int]) -> dict:
    """``profile`` trained for ``epochs`` (None: its own): the learning-rate step at 3/4 and CAL from half
    of them."""
    if epochs is None or epochs == profile["epochs"]:
        return profile
    if epochs < 2:
        sys.exit(f"error: --epochs must be at least 2 (CAL starts halfway), got {epochs}")
    return {**profile, "epochs": epochs, "steps": f"[{int(epochs * 0.75)}]", "cal_start": epochs // 2}


def arm_options(profile: dict, data_root: str, out: str, seed: int, test_seed: int, tad: bool,
                teacher: str = "", replicas: Optional[bool] = None) -> list:
    """Config overrides of one (arm, seed) run (``replicas`` None: the profile's)."""
    opts = ["DATASETS.ROOT", data_root, "OUTPUT_DIR", out, "SEED", str(seed),
            "DATASETS.SYNTHREID.PRESET.LTCC", profile["preset"], "DATASETS.SYNTHREID.PRESET.EXTERNAL", profile["external"],
            "INPUT.SIZE_TRAIN", profile["size"], "INPUT.SIZE_TEST", profile["size"],
            "SOLVER.MAX_EPOCH", str(profile["epochs"]), "SOLVER.STEPS", profile["steps"],
            "SOLVER.IMS_PER_BATCH", str(profile["batch"]), "SOLVER.CHECKPOINT_PERIOD", str(profile["epochs"]),
            "TEST.EVAL_PERIOD", str(profile["epochs"]), "MODEL.RLQ.CAL.START_EPOCH", str(profile["cal_start"]),
            "MODEL.RLQ.LQ_TEST.SEED", str(test_seed),
            "MODEL.RLQ.RECOLOUR.ENABLED", str(profile["replicas"] if replicas is None else replicas)]
    if tad:
        opts += ["MODEL.RLQ.TAD.ENABLED", "True", "MODEL.RLQ.TAD.SAMPLING", str(profile["tad_sampling"]),
                 "MODEL.RLQ.TAD.DATASET", "SynthLTCC" if profile["external"] == profile["preset"] else "SynthExternal",
                 "MODEL.TEACHER.ENABLED", "True",
                 "MODEL.TEACHER.CONFIG_FILE", os.path.join(PROJECT, profile["base"]), "MODEL.TEACHER.WEIGHTS", teacher]
    return opts


def score(config: str, opts: list, seed: int) -> dict:
    """Train one model in this process and return its final clothes-changing scores."""
    from fastreid.utils.env import seed_all_rng

    from ..engine import apply_runtime_config, load_config
    from ..engine.trainer import trainer_for

    cfg = load_config(os.path.join(PROJECT, config), opts)
    apply_runtime_config(cfg)
    os.makedirs(cfg.OUTPUT_DIR, exist_ok=True)
    seed_all_rng(seed)
    trainer = trainer_for(cfg)(cfg)
    trainer.resume_or_load(resume=False)
    results = trainer.train()
    return {m: float(next(iter(results.values()))[m]) for m in METRICS}


def with_lq_cost(results: dict) -> dict:
    """``results`` with each run's ``lq_minus_hq_cc_mAP`` (minus the clothes-changing mAP lost on low-quality
    queries)."""
    return {arm: {seed: {**row, "lq_minus_hq_cc_mAP": row["lq_cc_mAP"] - row["cc_mAP"]} for seed, row in per.items()}
            for arm, per in results.items()}


def tables(results: dict, arms: list) -> str:
    return ("### High-quality queries\n\n" + seed_tables(results, arms, ("base",), HQ_METRICS, TITLES)
            + "\n### Low-quality queries (published LTCC mixture)\n\n"
            + seed_tables(results, arms, ("base",), METRICS[len(HQ_METRICS):], TITLES)
            + "\n### Each part's effect (paired over the seeds both arms have)\n\n"
            + difference_table(with_lq_cost(results), COMPONENTS, COMPONENT_METRICS))


def main(argv: Optional[Sequence[str]] = None) -> None:
    """``benchmarks/rlq_comparison.py``: train what is missing (or nothing, ``--report-only``), then report."""
    parser = comparison_parser(__doc__, "output/rlq_comparison", list(ARMS), PROFILES, None)
    # every arm, but without rlq_noreplicas where the profile has no replicas; the results file is named by the
    # profile: benchmarks/results/rlq_comparison.json (default profile), rlq_comparison_PROFILE.json (others)
    parser.set_defaults(arms=None)
    parser.add_argument("--test-seed", type=int, default=0, help="seed of the low-quality query draws")
    parser.add_argument("--epochs", type=int, default=None,
                        help="train this many epochs instead of the profile's (kept in the results file)")
    args = parser.parse_args(argv)
    if args.arms is None:
        args.arms = [arm for arm in ARMS if PROFILES[args.profile]["replicas"] or arm != "rlq_noreplicas"]
    if args.results is None:
        args.results = RESULTS if args.profile == "default" else RESULTS.replace(".json", f"_{args.profile}.json")
    started = time.perf_counter()
    out = os.path.abspath(args.output_dir)
    if args.report_only:
        store = SeedResults(args.results)
    else:
        try:
            store = SeedResults(args.results, {"profile": args.profile, "test_seed": args.test_seed,
                                               "epochs": with_epochs(PROFILES[args.profile], args.epochs)["epochs"]})
        except ValueError as error:
            sys.exit(f"error: {error}")
        train_all(store, args, out)
    arms = store.arms_present(args.arms)
    profile = with_epochs(PROFILES[store.data.get("profile", args.profile)], store.data.get("epochs"))
    seeds = sorted({int(s) for arm in arms for s in store.results[arm]})
    text = tables(store.results, arms)
    note = (f"\nSynthReID `{profile['preset']}` (target) and `{profile['external']}` (TAD's external set); "
            f"{profile['backbone']} at {profile['size']}, {profile['epochs']} epochs, CAL from epoch "
            f"{profile['cal_start']}, TAD sampling {profile['tad_sampling']}; recoloured replicas {'on' if profile['replicas'] else 'off'}; teacher = base seed 0; training seeds "
            f"{seeds}; low-quality queries: seed {store.data.get('test_seed')}. With fewer than 5 paired seeds "
            f"a difference beyond 2 SE gets no verdict; within 2 SE it is a tie. "
            f"Wall time of this invocation: {(time.perf_counter() - started) / 60:.1f} min.\n")
    files = write_report(out, "comparison", "RLQ comparison", text, note, store, arms, TITLES,
                         "lq_cc_mAP")
    print("\n" + text + note + "\nFiles: " + ", ".join(files + [store.path]))


def train_all(store: SeedResults, args: argparse.Namespace, out: str) -> None:
    """Train and score every missing (arm, seed); base seed 0 first where a TAD arm runs: its weights are the
    teacher."""
    profile = with_epochs(PROFILES[args.profile], args.epochs)
    data_root = os.path.join(out, "datasets")
    os.environ.setdefault("CFAT_CORRUPTION_CACHE", os.path.join(out, "corruption_cache"))
    teacher = os.path.join(out, "seed0", "base", "model_final.pth")
    pairs = [(a, s) for s in args.seeds for a in args.arms]
    if any(ARMS[a][2] for a in args.arms):  # a TAD arm: its teacher first
        pairs = [("base", 0)] + [p for p in pairs if p != ("base", 0)]
    if not os.path.exists(teacher) and any(ARMS[a][2] and not store.has(a, s) for a, s in pairs):
        store.results.get("base", {}).pop("0", None)  # the teacher's weights are gone: train base seed 0 again
    # base seed 0 trains first and its weights do not change after: hash them once, not per TAD run
    fingerprint = functools.lru_cache(maxsize=None)(weights_fingerprint)

    def train_and_score(arm: str, seed: int) -> dict:
        _, cap, tad, replicas = ARMS[arm]
        if tad:
            try:
                store.require("teacher", fingerprint(teacher))
            except ValueError as error:
                sys.exit(f"error: {error}")
        return score(profile["cap" if cap else "base"], arm_options(
            profile, data_root, os.path.join(out, f"seed{seed}", arm), seed, args.test_seed, tad, teacher, replicas), seed)

    run_missing(store, pairs, train_and_score, TITLES, echo=lambda line: print(line, flush=True))

