"""Does each part of DIL help on low-resolution queries? Arms trained with several seeds on the generated MLR set.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/dil_comparison.py --seeds 0 1 2 3 4

The generated MLR-CUHK03 twin (SynthReID's ``mlr`` preset, made under ``--root`` on first use; 200 train and
150 test ids, one camera of each person down-sampled 2, 3 or 4 times): low-resolution queries against the
full-resolution gallery, single-shot (``TEST.SINGLE_SHOT``, 100 draws of the gallery). The CPU setting of
``projects/DIL/``: ResNet-18 from scratch (``--pretrain``: from a local ImageNet ResNet-18 file instead; DIL's
trunk is FastReID's ResNet, so MobileNetV2 is not an option). Per seed, trained once and shared:

- the baseline (``synth_mlr_r18_baseline.yml``): an arm of its own, and the trunk and sensitive branch every
  DIL model starts from;
- stage I (``synth_mlr_r18_stage1.yml``) on that baseline, shared by the stage II arms that start from it;
- stage I with ``MODEL.DIL.STAGE1.LOSS.INVARIANCE 0`` (the ``no_invariance`` arm's);
- the baseline on the factor-1 twin (the ``full_res`` reference's).

Arms (``ARMS``; stage II is ``synth_mlr_r18.yml`` with the overrides named):

- ``baseline``: FastReID's bag of tricks (ResNet-18, BNNeck, CE + triplet);
- ``dual``: the dual-branch model with neither stage I nor replay (``MODEL.DIL.STAGE1_INIT False``: trunk and
  sensitive branch from the baseline, invariant head and classifier from random weights; ``REPLAY.KL 0``);
- ``stage1_init``: + the stage I start (trunk, invariant head and classifier from stage I), no replay
  (``REPLAY.KL 0``);
- ``dil``: + the memory-bank replay, the published defaults (= DIL);
- ``synthetic_replay``: the replay replaced by plain synthetic down-sampling (``REPLAY.MODE synthetic``:
  x_aug = deg(x), factor ~ U(3, 5), no generator);
- ``no_invariance``: DIL on the stage I trained without its invariance loss;
- ``full_res``: a reference, not a part: the baseline trained on the factor-1 twin (``baseline_x1``, shared:
  the same people with no image down-sampled), so that its ``x1_`` score says what the low resolution of the
  MLR protocol costs, in training and test together.

Every model trains with ``SEED`` = the seed (same sampler order and start in every arm of a seed: paired).
Scores: Rank-1/5/10/20 and mAP of the single-shot test, of the fused feature (the baseline's only one; columns
without prefix) and for DIL models of the invariant (``inv_``) and sensitive (``sen_``) halves too. The
factor-1 control (``x1_`` columns): every model scored again on the ``mlr-x1`` preset, the same plan with
nothing down-sampled (the same query people, poses and cameras at full size, the gallery byte-identical;
generated once beside the ``mlr`` set), so the baseline's ``x1_`` score is its full-resolution score on the
same test. The size of a run is chosen where the baseline is clearly above chance and clearly below its
factor-1 score; the report states both.

Every finished (arm, seed) goes at once into ``benchmarks/results/dil_comparison.json`` (``--results``) with its
wall time (which includes the shared models it trained first; these also under ``seconds`` as
``<model>/<seed>``) and the hash of the baseline and stage I weights each seed's arms were built on (a rerun
never mixes models of two trainings): run it again and only the missing (arm, seed) pairs train. It prints
and writes ``comparison.md`` (mean ± std, the paired differences ± SE with the verdict rule of
:mod:`cfat_plugin.experiments.seeds`), ``comparison.csv`` and ``comparison.png`` (low-resolution mAP, a line
per seed) to ``--output-dir``; ``--report-only`` trains nothing. ``benchmarks/dil_comparison.py`` runs :func:`main`.
"""
from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..experiments import (REPO_ROOT, RESULTS_DIR, SeedResults, comparison_parser, run_missing, seed_tables,
                           train_arm, weights_fingerprint, write_report)

PROJECT = os.path.join(REPO_ROOT, "projects", "DIL")
RESULTS = os.path.join(RESULTS_DIR, "dil_comparison.json")
STAGE2 = "synth_mlr_r18.yml"
# The models trained once per seed and shared: name -> (config, overrides, which profile options apply
# ("baseline" or "stage1"), trained on the factor-1 twin instead of the profile's set).
SHARED: Dict[str, Tuple[str, List[str], str, bool]] = {
    "baseline": ("synth_mlr_r18_baseline.yml", [], "baseline", False),
    "baseline_x1": ("synth_mlr_r18_baseline.yml", [], "baseline", True),  # no low resolution at all
    "stage1": ("synth_mlr_r18_stage1.yml", [], "stage1", False),
    "stage1_noinv": ("synth_mlr_r18_stage1.yml", ["MODEL.DIL.STAGE1.LOSS.INVARIANCE", "0.0"], "stage1", False),
}
# arm -> (title, the stage I it starts from, stage II overrides); overrides None: the shared model named second,
# scored as it is
ARMS: Dict[str, Tuple[str, str, Optional[List[str]]]] = {
    "baseline": ("baseline (ResNet-18, CE + triplet)", "baseline", None),
    "dual": ("dual branch (no stage I, no replay)", "",
             ["MODEL.DIL.STAGE1_INIT", "False", "MODEL.DIL.REPLAY.KL", "0.0"]),
    "stage1_init": ("+ stage I start", "stage1", ["MODEL.DIL.REPLAY.KL", "0.0"]),
    "dil": ("+ bank replay (= DIL)", "stage1", []),
    "synthetic_replay": ("DIL, synthetic down-sampling replay", "stage1", ["MODEL.DIL.REPLAY.MODE", "synthetic"]),
    "no_invariance": ("DIL, stage I without invariance", "stage1_noinv", []),
    # what low resolution costs: the baseline trained on the factor-1 twin (the same people, every image at
    # full size), a reference beside the arms rather than an arm of the ladder
    "full_res": ("baseline trained at full resolution (reference)", "baseline_x1", None),
}
TITLES = {arm: spec[0] for arm, spec in ARMS.items()}
LADDER = ("baseline", "dual", "stage1_init", "dil")  # each adds one part to the one before
RANKS = {"Rank-1": "rank1", "Rank-5": "rank5", "Rank-10": "rank10", "Rank-20": "rank20", "mAP": "mAP"}
METRICS = tuple(RANKS.values())
VIEWS = {"": "", "invariant": "inv_", "sensitive": "sen_"}  # test view -> column prefix (fused: none)
CONTROL = "x1_"  # column prefix of the factor-1 control


@dataclass(frozen=True)
class Profile:
    """The size of a comparison run: the data and the overrides of each trained model."""

    preset: str  # the SynthMLR preset trained and tested on
    control: str  # its factor-1 twin (the queries at full size)
    options: Dict[str, List[str]] = field(default_factory=dict)  # "all", "baseline", "stage1", "stage2"
    iters_per_epoch: Optional[int] = None  # None: the whole training set per epoch
    about: str = ""


_TINY = ["INPUT.SIZE_TRAIN", "[32, 16]", "INPUT.SIZE_TEST", "[32, 16]", "SOLVER.MAX_EPOCH", "1", "SOLVER.STEPS",
         "[1]", "SOLVER.CHECKPOINT_PERIOD", "1", "TEST.EVAL_PERIOD", "1", "TEST.SINGLE_SHOT.DRAWS", "10",
         "TEST.IMS_PER_BATCH", "32", "MODEL.DIL.DIS.SCALES", "1"]
_SMALL_BATCH = ["SOLVER.IMS_PER_BATCH", "8", "DATALOADER.NUM_INSTANCE", "2"]
PROFILES = {
    # The CPU configs as they are (64x32; baseline 6, stage I 2, stage II 4 epochs). Its size is still to be
    # checked against the floor rule (baseline clearly above chance, clearly below its factor-1 score) and the
    # budget of about 5 minutes per (arm, seed) on 2 cores: one run each took 259 s (baseline), 278 s
    # (stage I) and 411 s (stage II) on the loaded machine of projects/DIL/README.md.
    "default": Profile("mlr", "mlr-x1", about="the CPU configs of projects/DIL/ as they are"),
    # Twice the side (128x64), to find where low resolution costs the baseline: at 64x32 the full-size
    # images are shrunk almost as much as the low-resolution ones (seed 0: 72.6 low- against 74.0 full-
    # resolution mAP), so there is little for DIL to recover.
    "128x64": Profile("mlr", "mlr-x1", {"all": ["INPUT.SIZE_TRAIN", "[128, 64]", "INPUT.SIZE_TEST", "[128, 64]",
                                                "INPUT.PADDING.SIZE", "10"]},
                      about="the CPU configs at 128x64"),
    # The generated people as alike as the generator makes them (difficulty 1), so that cues finer than
    # clothing colour, which down-sampling may erase, decide more matches.
    "hard": Profile("mlr-hard", "mlr-hard-x1", about="the CPU configs on the mlr-hard set (difficulty 1)"),
    # People told apart only by details a few pixels wide (their jacket's pattern and period, the shirt in its
    # opening, their shoes), in crops 64-96 px high that a 64x32 input keeps at full size: what a down-sampling
    # by 2-4 erases.
    # The baseline trains 12 epochs (6 leave it short of what it learns by 20 on this set).
    "fine": Profile("mlr-fine", "mlr-fine-x1", {"baseline": ["SOLVER.MAX_EPOCH", "12", "SOLVER.STEPS", "[9]",
                                                             "SOLVER.CHECKPOINT_PERIOD", "12", "TEST.EVAL_PERIOD", "12"]},
                    about="the CPU configs on the mlr-fine set (fine identity cues), the baseline 12 epochs"),
    # the test suite's end-to-end check: two iterations of each model at 32x16
    "tiny": Profile("mlr-tiny", "mlr-tiny-x1", {"all": _TINY, "baseline": _SMALL_BATCH, "stage2": _SMALL_BATCH,
                                                "stage1": ["SOLVER.IMS_PER_BATCH", "4"]},
                    iters_per_epoch=2, about="2 iterations per model at 32x16"),
}


def model_dir(output_dir: str, seed: int, name: str) -> str:
    """Where the model ``name`` (an arm or a shared model) of ``seed`` is trained."""
    return os.path.join(output_dir, f"seed{seed}", name)


def weights_of(output_dir: str, seed: int, name: str) -> str:
    """The final weights of the model ``name`` of ``seed`` (what arms of the seed start from)."""
    return os.path.join(model_dir(output_dir, seed, name), "model_final.pth")


def model_config(config: str, stage: str, seed: int, root: str, out: str, profile: Profile,
                 options: Sequence[str] = (), preset: str = ""):
    """The frozen config of one trained model (``stage``: baseline, stage1 or stage2, which profile options
    apply) on ``preset`` (default: the profile's); the readers follow it from here on."""
    from ..engine import apply_runtime_config, load_config

    opts = ["DATASETS.ROOT", root, "OUTPUT_DIR", out, "SEED", str(seed), "DATASETS.SYNTHREID.PRESET.MLR",
            preset or profile.preset] + profile.options.get("all", []) + profile.options.get(stage, []) + list(options)
    cfg = load_config(os.path.join(PROJECT, config), opts)
    apply_runtime_config(cfg)
    cfg.freeze()
    return cfg


def single_shot_scores(cfg, model, preset: str, prefix: str = "") -> Dict[str, float]:
    """The single-shot scores of ``model`` on the SynthMLR preset ``preset``, every view the model reports
    (columns ``<prefix><view prefix><metric>``)."""
    from ..engine import apply_runtime_config
    from ..engine.trainer import trainer_for

    test_cfg = cfg.clone()
    test_cfg.defrost()
    test_cfg.DATASETS.SYNTHREID.PRESET.MLR = preset
    test_cfg.freeze()
    apply_runtime_config(test_cfg)
    try:
        results = trainer_for(test_cfg).test(test_cfg, model)
    finally:
        apply_runtime_config(cfg)
    if not any(isinstance(row, dict) for row in results.values()):  # FastReID's test gives one set's row bare
        results = {"": results}
    scores = {}
    for name, row in results.items():
        view = VIEWS[name.split("/", 1)[1] if "/" in name else ""]
        scores.update({f"{prefix}{view}{key}": round(float(row[source]), 3) for source, key in RANKS.items()})
    return scores


class Comparison:
    """The trainings of one run: the shared models of each seed (trained on first need) and the arms."""

    def __init__(self, store: SeedResults, root: str, output_dir: str, profile: Profile, pretrain: str = "",
                 echo: Callable[[str], None] = print) -> None:
        self.store, self.root, self.out, self.profile, self.pretrain, self.echo = (store, root, output_dir, profile,
                                                                                   pretrain, echo)
        self.fingerprint = functools.lru_cache(maxsize=None)(weights_fingerprint)

    def shared(self, name: str, seed: int) -> str:
        """The weights of the shared model ``name`` of ``seed``, trained if missing; their hash is recorded per
        seed, so arms built on two trainings of it are never mixed (``ResultsFileError``)."""
        weights = weights_of(self.out, seed, name)
        if not os.path.isfile(weights):
            config, options, stage, on_control = SHARED[name]
            if stage == "baseline":
                if self.pretrain:
                    options = options + ["MODEL.BACKBONE.PRETRAIN", "True", "MODEL.BACKBONE.PRETRAIN_PATH",
                                         self.pretrain]
            else:
                options = options + ["MODEL.DIL.BASELINE_WEIGHTS", self.shared("baseline", seed)]
            self.echo(f"  seed {seed}: training the shared {name}")
            start = time.perf_counter()
            train_arm(model_config(config, stage, seed, self.root, model_dir(self.out, seed, name), self.profile,
                                   options, self.profile.control if on_control else self.profile.preset),
                      self.profile.iters_per_epoch)
            self.store.data["seconds"][f"{name}/{seed}"] = round(time.perf_counter() - start)
            self.fingerprint.cache_clear()
        self.store.require(f"{name}_weights", self.fingerprint(weights), seed=seed)
        self.store.save()
        return weights

    def train_and_score(self, arm: str, seed: int) -> Dict[str, float]:
        """One arm of one seed: trained (the baseline arm scores the shared baseline), then scored on the
        low-resolution queries and on the factor-1 control."""
        from ..engine.entry_points import build_eval_model

        _, stage1, overrides = ARMS[arm]
        if overrides is None:  # a shared model, scored
            weights = self.shared(stage1, seed)
            config, _, stage, _ = SHARED[stage1]
            cfg = model_config(config, stage, seed, self.root, model_dir(self.out, seed, stage1), self.profile,
                               ["MODEL.WEIGHTS", weights])
            model = build_eval_model(cfg)
        else:
            baseline = self.shared("baseline", seed)
            options = ["MODEL.DIL.BASELINE_WEIGHTS", baseline,
                       "MODEL.DIL.STAGE1_WEIGHTS", self.shared(stage1, seed) if stage1 else ""] + overrides
            cfg = model_config(STAGE2, "stage2", seed, self.root, model_dir(self.out, seed, arm), self.profile,
                               options)
            model = train_arm(cfg, self.profile.iters_per_epoch)
        return {**single_shot_scores(cfg, model, self.profile.preset),
                **single_shot_scores(cfg, model, self.profile.control, CONTROL)}


def run_comparison(root: str, output_dir: str, seeds: Sequence[int], results_path: str, profile_name: str = "default",
                   arms: Sequence[str] = tuple(ARMS), pretrain: str = "",
                   echo: Callable[[str], None] = print) -> dict:
    """Train and score every missing (arm, seed), seed by seed (``results_path`` holds what is done, written
    after each); the shared models of a seed are trained on first need."""
    store = SeedResults(results_path, {"profile": profile_name, "pretrain": pretrain})
    comparison = Comparison(store, root, output_dir, PROFILES[profile_name], pretrain, echo)
    run_missing(store, [(arm, seed) for seed in seeds for arm in arms], comparison.train_and_score, TITLES, echo)
    return store.data


def chance(profile: Profile) -> Dict[str, float]:
    """The single-shot scores of a random ranking: one true match among the test ids' gallery entries, at a
    uniform rank r of N (Rank-k = k / N, mAP = mean of 1 / r)."""
    from ..data.synthetic import preset

    n = preset(profile.preset).num_test_ids
    found = {key: 100.0 * min(1.0, int(key[4:]) / n) for key in METRICS if key.startswith("rank")}
    return {**found, "mAP": 100.0 * sum(1.0 / r for r in range(1, n + 1)) / n}


def comparison_tables(results: dict, arms: Sequence[str]) -> str:
    """Markdown: the ladder (each arm against the one before), every arm against DIL, then the factor-1
    control of every arm and the baseline's loss to it (low resolution minus full resolution)."""
    ladder = [arm for arm in LADDER if arm in arms]
    text = ("### Low-resolution queries: each part added\n\n"
            + seed_tables(results, ladder, "previous", METRICS, TITLES)
            + "\n### Low-resolution queries: against DIL\n\n" + seed_tables(results, arms, ("dil",), METRICS, TITLES))
    dil_arms = [arm for arm in arms if ARMS[arm][2] is not None and results.get(arm)]
    if dil_arms:
        text += "\n### Low-resolution queries: the invariant and the sensitive half of the DIL models\n\n"
        text += "\n".join(seed_tables(results, dil_arms, (), [view + m for m in METRICS], TITLES)
                           for view in ("inv_", "sen_"))
    control = {arm: {seed: {m: row[CONTROL + m] for m in METRICS} for seed, row in results[arm].items()}
               for arm in arms if results.get(arm)}
    text += "\n### Factor-1 control: the same models, queries at full resolution\n\n"
    text += seed_tables(control, arms, (), METRICS, TITLES)
    if "baseline" in control:
        pair = {"baseline": results["baseline"], "baseline_x1": control["baseline"]}
        titles = {"baseline": TITLES["baseline"] + ", low-resolution queries",
                  "baseline_x1": TITLES["baseline"] + ", full-resolution queries"}
        text += "\nThe baseline's loss to low resolution:\n\n" + seed_tables(pair, ["baseline_x1", "baseline"],
                                                                            ("baseline_x1",), METRICS, titles)
    if "full_res" in control and "baseline" in results:
        pair = {"full_res": control["full_res"], "baseline": results["baseline"]}
        titles = {"full_res": "baseline trained and tested at full resolution",
                  "baseline": TITLES["baseline"] + ", MLR training set, low-resolution queries"}
        text += ("\nWhat low resolution costs (no low-resolution image in training or test against the MLR "
                 "protocol):\n\n" + seed_tables(pair, ["full_res", "baseline"], ("full_res",), METRICS, titles))
    return text


def main(argv: Optional[Sequence[str]] = None) -> None:
    """``benchmarks/dil_comparison.py``: train what is missing (or nothing, ``--report-only``), then report."""
    parser = comparison_parser(__doc__, "output/dil_comparison", ARMS, PROFILES, RESULTS)
    parser.add_argument("--root", default="datasets", help="data root (the mlr and mlr-x1 sets are generated there)")
    parser.add_argument("--pretrain", default="", help="an ImageNet ResNet-18 file the baseline starts from "
                        "(MODEL.BACKBONE.PRETRAIN_PATH; default: from scratch); kept in the results file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if not args.report_only:
        run_comparison(os.path.abspath(args.root), os.path.abspath(args.output_dir), args.seeds,
                       os.path.abspath(args.results), args.profile, args.arms,
                       os.path.abspath(args.pretrain) if args.pretrain else "",
                       echo=lambda line: print(line, flush=True))
    store = SeedResults(args.results)
    arms = store.arms_present(args.arms)
    name = store.data.get("profile", args.profile)
    profile = PROFILES[name]
    seeds = sorted({int(s) for arm in arms for s in store.results[arm]})
    text = comparison_tables(store.results, arms)
    floor = ", ".join(f"{m} {v:.1f}" for m, v in chance(profile).items())
    start = f"ImageNet ResNet-18 ({store.data['pretrain']})" if store.data.get("pretrain") else "ResNet-18 from scratch"
    note = (f"\nSynthReID `{profile.preset}` (factor-1 control `{profile.control}`), {start}, profile {name} "
            f"({profile.about}); training seeds {seeds}; single-shot, low-resolution queries against the "
            f"full-resolution gallery. Chance: {floor}. With fewer than 5 paired seeds a difference beyond 2 SE "
            f"gets no verdict; within 2 SE it is a tie. Wall time of this invocation: "
            f"{(time.perf_counter() - started) / 60:.1f} min.\n")
    files = write_report(os.path.abspath(args.output_dir), "comparison", "DIL comparison", text, note, store, arms,
                         TITLES, "mAP")
    print("\n" + text + note + "\nFiles: " + ", ".join(files + [store.path]))
