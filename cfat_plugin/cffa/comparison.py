"""CFFA against IRRA and a contrastive baseline on the generated SynthPEDES, each arm over several training seeds.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/cffa_comparison.py --seeds 0 1 2 3 4

Every arm trains the CPU config (``projects/CFFA/synth_pedes_cpu.yml``: ImageNet MobileNetV2 + MiniLM, nothing
downloaded) with its own loss weights (``MODEL.CFFA.LOSS``); the profile sets the size. Arms:

- ``contrastive``: CLIP's image-text contrastive loss alone (ITC), the baseline IRRA improves on;
- ``irra``: IRRA as published (SDM + IRR at weight 1 + ID), no text augmentation;
- ``cffa``: CFFA as published (MAL + MAL on FLFR's local features + IRR at 1.4 + ID, text augmentation 0.2),
  ranked by the mean of the global and local similarities;
- ``cffa_no_flfr``, ``cffa_sdm`` (SDM in MAL's place, on the global and the local features),
  ``cffa_no_irr``: CFFA less one part;
- ``sdm``, ``itc_id`` (not run by default): SDM alone, and ITC with the identity classifier, to tell which
  of IRRA's terms slows it at this budget.

``--profile aligned`` starts every arm from the seed's contrastive model (what CLIP's pre-alignment is to the
published recipe) and trains one more epoch; its results go to ``cffa_comparison_aligned.json``.

Pairing: every arm of one seed trains with ``SEED`` = the seed: the same batches in the same order (FastReID's
training sampler draws its order from the seed) and the same initial towers (built first); the modules an
arm adds draw their initial weights after them, and augmentation draws differ once an arm's word masking
consumes random numbers. Each model is scored on the test split (captions against every test
image, IRRA's metrics) with its headline similarity (fused where FLFR is on, else global) and with the
global one alone. Every finished (arm, seed) goes at once into ``benchmarks/results/cffa_comparison.json``
with its wall time; a rerun trains only what is missing. Each arm's config and training metrics stay under
``<output-dir>/<profile>/seed<N>/<arm>``; its checkpoint is deleted once scored unless ``--keep-checkpoints``
(an aligned profile's start models are kept). The report (:mod:`cfat_plugin.experiments`): ``comparison.md``,
``.csv`` and ``.png`` (mAP, a line per seed) in ``--output-dir``. ``benchmarks/cffa_comparison.py`` runs
:func:`main`.
"""
from __future__ import annotations

import os
import time
from typing import Dict, Optional, Sequence

from ..experiments import (REPO_ROOT, RESULTS_DIR, SeedResults, comparison_parser, difference_table, drop_checkpoints,
                           run_missing, seed_tables, train_arm, weights_fingerprint, write_report)
from .evaluation import METRICS

PROJECT = os.path.join(REPO_ROOT, "projects", "CFFA")
CONFIG = os.path.join(PROJECT, "synth_pedes_cpu.yml")
RESULTS = os.path.join(RESULTS_DIR, "cffa_comparison.json")
LOSS_TERMS = ("ITC", "SDM", "MAL", "MAL_LOCAL", "SDM_LOCAL", "ID", "IRR")  # the MODEL.CFFA.LOSS weights an arm sets
_OFF = dict.fromkeys(LOSS_TERMS, 0.0)
_CFFA = {**_OFF, "MAL": 1.0, "MAL_LOCAL": 1.0, "ID": 1.0, "IRR": 1.4}
ARMS = {  # key -> (title, loss weights, text augmentation probability)
    "contrastive": ("contrastive baseline (ITC)", {**_OFF, "ITC": 1.0}, 0.0),
    "irra": ("IRRA (SDM + IRR + ID)", {**_OFF, "SDM": 1.0, "IRR": 1.0, "ID": 1.0}, 0.0),
    "cffa": ("CFFA (MAL + FLFR + IRR + ID)", _CFFA, 0.2),
    "cffa_no_flfr": ("CFFA without FLFR", {**_CFFA, "MAL_LOCAL": 0.0}, 0.2),
    "cffa_sdm": ("CFFA with SDM in MAL's place", {**_CFFA, "MAL": 0.0, "MAL_LOCAL": 0.0, "SDM": 1.0,
                                                   "SDM_LOCAL": 1.0}, 0.2),
    "cffa_no_irr": ("CFFA without IRR", {**_CFFA, "IRR": 0.0}, 0.2),
    # which of IRRA's terms holds it back at the CPU budget: its distribution matching alone, and the
    # contrastive baseline with the identity classifier added
    "sdm": ("SDM alone", {**_OFF, "SDM": 1.0}, 0.0),
    "itc_id": ("ITC + ID", {**_OFF, "ITC": 1.0, "ID": 1.0}, 0.0),
}
MAIN_ARMS = ("contrastive", "irra", "cffa", "cffa_no_flfr", "cffa_sdm", "cffa_no_irr")  # the 5-seed comparison
TITLES = {key: arm[0] for key, arm in ARMS.items()}
# the headline similarity's scores, then the global similarity's alone (a FLFR arm's local feature left out)
COLUMNS = METRICS + tuple("global_" + m for m in METRICS)
# Each part's effect, from the two arms that differ by it (label, arm, reference).
COMPONENTS = (("IRRA over the contrastive baseline", "irra", "contrastive"), ("CFFA over IRRA", "cffa", "irra"),
              ("SDM in ITC's place (SDM alone vs the baseline)", "sdm", "contrastive"),
              ("ID (ITC + ID vs the baseline)", "itc_id", "contrastive"),
              ("FLFR (CFFA vs without FLFR)", "cffa", "cffa_no_flfr"),
              ("MAL (CFFA vs SDM in its place)", "cffa", "cffa_sdm"), ("IRR (CFFA vs without IRR)", "cffa", "cffa_no_irr"))
COMPONENT_METRICS = ("R1", "mAP", "global_mAP")

# Sizes. "default": the CPU config on the pedes preset (projects/CFFA/README.md says how it was chosen);
# "tiny": the test suite's check of the script (pedes-tiny, 2 iterations of batches of 8).
PROFILES = {
    "default": {"preset": "pedes", "epochs": 1, "batch": 64, "iters": None},
    "tiny": {"preset": "pedes-tiny", "epochs": 1, "batch": 8, "iters": 2},
}
# "aligned": the published recipe fine-tunes towers that contrastive training already aligned (CLIP). Here
# every arm starts from the same seed's contrastive model of the default profile (ITC for one epoch: the
# "start" model, trained first if missing) and trains one more epoch with its own losses; "contrastive"
# is then ITC for a second epoch. "aligned-tiny" checks it in the test suite.
PROFILES["aligned"] = {**PROFILES["default"], "start": "default"}
PROFILES["aligned-tiny"] = {**PROFILES["tiny"], "start": "tiny"}


def arm_config(arm: str, seed: int, profile: dict, data_root: str, out: str, weights: str = ""):
    """The frozen config of one (arm, seed), starting from ``weights`` (empty: the shipped towers)."""
    from ..engine import apply_runtime_config, load_config

    _, losses, text_aug = ARMS[arm]
    opts = ["DATASETS.ROOT", data_root, "OUTPUT_DIR", out, "SEED", str(seed),
            "DATASETS.SYNTHREID.PRESET.PEDES", profile["preset"], "SOLVER.MAX_EPOCH", str(profile["epochs"]),
            "SOLVER.IMS_PER_BATCH", str(profile["batch"]),
            "SOLVER.CHECKPOINT_PERIOD", str(profile["epochs"]), "TEST.EVAL_PERIOD", str(profile["epochs"]),
            "MODEL.CFFA.TEXT_AUG_PROB", str(text_aug), "MODEL.CFFA.SHEET_QUERIES", "0", "MODEL.WEIGHTS", weights]
    for name, weight in losses.items():
        opts += [f"MODEL.CFFA.LOSS.{name}", str(weight)]
    cfg = load_config(CONFIG, opts)
    apply_runtime_config(cfg)
    cfg.freeze()
    return cfg


def score(cfg, model) -> Dict[str, float]:
    """The test split's scores: the headline similarity's (``SIM_FUSION``; global without FLFR) and the
    global one's (``global_`` columns)."""
    from .evaluation import headline_view, text_to_image_scores
    from .trainer import CFFATrainer

    name = cfg.DATASETS.TESTS[0]
    text, image, q_pids, g_pids, _ = CFFATrainer.encode_test_set(cfg, model, name)
    views = text_to_image_scores(text, image, q_pids, g_pids)
    headline = views[headline_view(views, cfg.MODEL.CFFA.SIM_FUSION)]
    return {**{m: round(headline[m], 3) for m in METRICS}, **{f"global_{m}": round(views["global"][m], 3)
                                                              for m in METRICS}}


def random_ranking_scores(q_pids, g_pids, draws: int = 20) -> Dict[str, float]:
    """IRRA's metrics of a random ranking (the mean of ``draws`` seeded random similarity matrices)."""
    import torch

    from .evaluation import rank_metrics

    generator = torch.Generator().manual_seed(0)
    rows = [rank_metrics(torch.rand(len(q_pids), len(g_pids), generator=generator), q_pids, g_pids)
            for _ in range(draws)]
    return {m: round(sum(r[m] for r in rows) / draws, 3) for m in METRICS}


def chance(cfg) -> Dict[str, float]:
    """The scores of a random ranking of ``cfg``'s test split (its ids and images per id as they are)."""
    import torch
    from fastreid.data.datasets import DATASET_REGISTRY

    from ..data.captions import text_to_image_protocol
    from ..data.config import datasets_root

    protocol = text_to_image_protocol(DATASET_REGISTRY.get(cfg.DATASETS.TESTS[0])(root=datasets_root(cfg)))
    return random_ranking_scores(torch.tensor([pid for _, pid in protocol.queries]),
                                 torch.tensor([pid for _, pid, _ in protocol.gallery]))


def tables(results: dict, arms: Sequence[str]) -> str:
    return (seed_tables(results, arms, ("contrastive", "irra"), COLUMNS[:5], TITLES)
            + "\n### Each part's effect (paired over the seeds both arms have)\n\n"
            + difference_table(results, COMPONENTS, COMPONENT_METRICS))


def main(argv: Optional[Sequence[str]] = None) -> None:
    """``benchmarks/cffa_comparison.py``: train what is missing (or nothing, ``--report-only``), then report."""
    parser = comparison_parser(__doc__, "output/cffa_comparison", list(ARMS), PROFILES, None)
    # results: benchmarks/results/cffa_comparison.json (default profile), cffa_comparison_PROFILE.json (others)
    parser.set_defaults(arms=list(MAIN_ARMS))
    parser.add_argument("--keep-checkpoints", action="store_true",
                        help="keep each arm's checkpoint (157 MB); by default only the scores and an aligned "
                             "profile's start models are kept")
    parser.add_argument("--root", default=None, help="data root (default: <output-dir>/datasets); the set is "
                                                      "generated there on first use")
    args = parser.parse_args(argv)
    if args.results is None:
        args.results = RESULTS if args.profile == "default" else RESULTS.replace(".json", f"_{args.profile}.json")
    started = time.perf_counter()
    out = os.path.abspath(args.output_dir)
    profile = PROFILES[args.profile]
    if args.report_only:
        store = SeedResults(args.results)
    else:
        store = SeedResults(args.results, {"profile": args.profile})
        root = os.path.abspath(args.root or os.path.join(out, "datasets"))

        def start_weights(seed: int) -> str:
            """The seed's contrastive start model of an "aligned" profile (trained if missing), else ""."""
            if "start" not in profile:
                return ""
            start = os.path.join(out, args.profile, f"seed{seed}", "start")
            weights = os.path.join(start, "model_final.pth")
            if not os.path.isfile(weights):
                print(f"  seed {seed}: training the contrastive start model", flush=True)
                train_arm(arm_config("contrastive", seed, PROFILES[profile["start"]], root, start), profile["iters"])
            store.require("start_weights", weights_fingerprint(weights), seed=seed)
            return weights

        def train_and_score(arm: str, seed: int) -> Dict[str, float]:
            cfg = arm_config(arm, seed, profile, root, os.path.join(out, args.profile, f"seed{seed}", arm),
                             start_weights(seed))
            scores = score(cfg, train_arm(cfg, profile["iters"]))
            if not args.keep_checkpoints:
                drop_checkpoints(cfg.OUTPUT_DIR)
            return scores

        run_missing(store, [(a, s) for s in args.seeds for a in args.arms], train_and_score, TITLES,
                    echo=lambda line: print(line, flush=True))
        if "chance" not in store.data:
            store.data["chance"] = chance(arm_config(args.arms[0], 0, profile, root, out))
            store.save()
    arms = store.arms_present(args.arms)
    seeds = sorted({int(s) for arm in arms for s in store.results[arm]})
    profile = PROFILES[store.data.get("profile", args.profile)]
    text = tables(store.results, arms)
    floor = store.data.get("chance")
    if floor:
        text += "\nA random ranking of the test gallery (chance): " + ", ".join(f"{m} {floor[m]:.2f}" for m in METRICS) + ".\n"
    start = ("from the seed's contrastive model (one epoch of ITC), " if "start" in profile else "")
    note = (f"\nSynthReID `{profile['preset']}`; `synth_pedes_cpu.yml` (ImageNet MobileNetV2 + MiniLM at 128x64), "
            f"{start}{profile['epochs']} epoch(s) of batches of {profile['batch']}; training seeds {seeds}. "
            f"With fewer than 5 paired seeds a difference beyond 2 SE gets no verdict; within 2 SE it is a tie. "
            f"Wall time of this invocation: {(time.perf_counter() - started) / 60:.1f} min.\n")
    files = write_report(out, "comparison", "CFFA comparison", text, note, store, arms, TITLES, "mAP")
    print("\n" + text + note + "\nFiles: " + ", ".join(files + [store.path]))
