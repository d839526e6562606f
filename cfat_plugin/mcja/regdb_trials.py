"""RegDB's published protocol: one model per trial, then the mean over the trials.

RegDB comes with 10 trials, each its own random split of the 412 identities into train and test
halves (``idx/{train,test}_{visible,thermal}_<trial>.txt``). Papers report the mean over the 10;
the published MCJA code trains and tests trial 1 only, so the average has to be run outside it.
This runs it: for every trial, the config trained on that trial's train ids
(``DATASETS.VISIBLE_INFRARED.TRIAL``, which the RegDB readers read) and tested on its test ids in both directions
(:func:`.evaluation.evaluate_regdb_like`). Each trial is one run of :mod:`cfat_plugin.experiments.seed_runs` with the trial in
place of the seed: a results file written after every trial (rerun to continue), and
``regdb_trials.md`` / ``.csv`` / ``.png`` with the mean ± std over trials.

    python tools/regdb_trials.py --config-file projects/MCJA/regdb.yml --trials 1-10 DATASETS.ROOT datasets
"""
from __future__ import annotations

import argparse
import os
import time
from typing import Callable, Dict, List, Optional, Sequence

from ..experiments import SeedResults, run_missing, seed_tables, write_report

DIRECTIONS = ("visible_to_thermal", "thermal_to_visible")
METRICS = tuple(f"{d}_{m}" for d in DIRECTIONS for m in ("rank1", "mAP", "mINP"))
ARM = "model"  # the one arm: the config as given


def trial_config(config_file: str, trial: int, opts: Sequence[str] = ()):
    """The frozen config of one trial (``DATASETS.VISIBLE_INFRARED.TRIAL``, saved with the run), applied: the
    readers FastReID builds from it read that trial. ``OUTPUT_DIR`` becomes ``<OUTPUT_DIR>/trial<trial>``."""
    from ..engine import apply_runtime_config, load_config

    cfg = load_config(config_file, list(opts))
    cfg.DATASETS.VISIBLE_INFRARED.TRIAL = trial
    cfg.OUTPUT_DIR = os.path.join(cfg.OUTPUT_DIR, f"trial{trial}")
    apply_runtime_config(cfg)
    cfg.freeze()
    return cfg


def score_trial(cfg, model, trial: int) -> Dict[str, float]:
    """Both directions of RegDB's test of ``trial`` (its test ids) for ``model``."""
    from fastreid.data.datasets import DATASET_REGISTRY

    from ..data.datasets.regdb import RegDBVI
    from .evaluation import evaluate_regdb_like

    name = cfg.DATASETS.TESTS[0]
    data = DATASET_REGISTRY.get(name)(root=cfg.DATASETS.ROOT, trial=trial, verbose=False)
    if not isinstance(data, RegDBVI):
        raise ValueError(f"DATASETS.TESTS[0] is {name}, not a RegDB reader (RegDBVI, SynthRegDB): "
                         f"the trials are RegDB's")
    cells = evaluate_regdb_like(cfg, model, data)
    return {f"{d}_{m}": round(cells[d][m], 3) for d in DIRECTIONS for m in ("rank1", "mAP", "mINP")}


def run_trials(config_file: str, trials: Sequence[int], results_path: str, opts: Sequence[str] = (),
               iters_per_epoch: Optional[int] = None, echo: Callable[[str], None] = print) -> SeedResults:
    """Train and test every trial the results file does not hold yet."""
    from .comparison import train_arm

    store = SeedResults(results_path, {"config": os.path.abspath(config_file), "opts": list(opts),
                                       "iters_per_epoch": iters_per_epoch})

    def train_and_test(arm: str, trial: int) -> Dict[str, float]:
        cfg = trial_config(config_file, trial, opts)
        return score_trial(cfg, train_arm(cfg, iters_per_epoch), trial)

    run_missing(store, [(ARM, t) for t in trials], train_and_test, {ARM: os.path.basename(config_file)}, echo,
                unit="trial")
    return store


def report(store: SeedResults, output_dir: str, config_file: str, seconds: float) -> List[str]:
    """The mean ± std over the finished trials, as ``regdb_trials.md``, ``.csv`` and ``.png``."""
    title = {ARM: os.path.basename(config_file)}
    tables = seed_tables(store.results, [ARM], (), METRICS, title, unit="trials")
    trials = sorted(int(t) for t in store.results.get(ARM, {}))
    note = (f"\nRegDB's test of each trial (its own test ids; both directions), one model per trial; "
            f"mean ± std over trials {trials}. Wall time of this invocation: {seconds / 60:.1f} min.\n")
    return write_report(output_dir, "regdb_trials", f"RegDB over trials: {title[ARM]}", tables, note, store, [ARM],
                        title, "visible_to_thermal_mAP", unit="trial")


def parse_trials(text: str) -> List[int]:
    """``1-10``, ``1,3,5``, ``2``, or a mix (``1-3,7``) as trial numbers; an argparse error otherwise."""
    trials = []
    try:
        for part in text.split(","):
            low, _, high = part.partition("-")
            trials += list(range(int(low), int(high or low) + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"trials as 1-10, 1,2,3 or 4, got {text!r}") from None
    if not trials or not all(1 <= t <= 10 for t in trials):
        raise argparse.ArgumentTypeError(f"RegDB has trials 1 to 10, got {text!r}")
    return sorted(set(trials))


def main(argv: Optional[Sequence[str]] = None) -> SeedResults:
    """``tools/regdb_trials.py``: trains and tests the config once per trial, then reports the mean."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config-file", required=True, help="an MCJA config on a RegDB reader")
    # one word, so that the KEY VALUE changes after it are not read as trials
    parser.add_argument("--trials", type=parse_trials, default="1-10", help="RegDB trials: 1-10, 1,2,3 or 4")
    parser.add_argument("--results", default=None, help="results file (default: <OUTPUT_DIR>/regdb_trials.json)")
    parser.add_argument("--iters-per-epoch", type=int, default=None, help="short epochs (for a quick check)")
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="KEY VALUE config changes, as tools/train_net.py")
    args = parser.parse_args(argv)
    from ..engine import load_config
    from ..engine.validate import check_settings

    started = time.perf_counter()
    cfg = load_config(args.config_file, list(args.opts))  # a bad key or file stops here, before any training
    check_settings(cfg, training=True)
    output_dir = os.path.abspath(cfg.OUTPUT_DIR)
    results = args.results or os.path.join(output_dir, "regdb_trials.json")
    store = run_trials(args.config_file, args.trials, results, args.opts, args.iters_per_epoch,
                       echo=lambda line: print(line, flush=True))
    files = report(store, output_dir, args.config_file, time.perf_counter() - started)
    print(open(files[0]).read() + "\nFiles: " + ", ".join(files + [store.path]))
    return store


if __name__ == "__main__":
    main()
