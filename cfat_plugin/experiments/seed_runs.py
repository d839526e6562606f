"""A comparison of trained arms over training seeds, run piece by piece and reported as files.

Every method's comparison (CFAT's ablation and its CUHK01 run, RLQ's and MCJA's comparisons, MCJA's RegDB
trials; ``<method>/comparison.py``) trains each arm once per seed and compares them paired
(``seeds.seed_tables``). What differs is how one (arm, seed) is trained and scored; this module does the
rest once for all of them:

- :class:`SeedResults`, the results file (``{"results": {arm: {seed: {metric: value}}},
  "seconds": {"arm/seed": ...}, ...}``): written atomically after every finished (arm, seed), so a
  killed run loses at most the model in progress and a rerun trains only what is missing; it
  refuses to mix results of another profile, test draw or teacher (``identity``, ``require``);
- :func:`run_missing`: the loop over (arm, seed) pairs, with progress lines and wall times;
- :func:`comparison_parser`: the command line they share;
- :func:`write_report`: the Markdown tables, a CSV of every (arm, seed) and a plot of one metric
  (each seed a line across the arms, so pairing shows; mean ± std beside it);
- :func:`weights_fingerprint`: a hash of a model's weights, so that results that build on one model (a
  shared teacher) are never mixed with results of another.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from ..evaluation.heatmap import pyplot
from ..utils.checkpoints import load_checkpoint_file
from ..utils.errors import ResultsFileError
from ..utils.files import atomic_open
from .seeds import PerSeed, mean_std

Metrics = Dict[str, float]
# The repository the package runs from, and the folder where the comparisons keep their results files (in
# the repository, so that a run can be continued in pieces across sessions).
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESULTS_DIR = os.path.join(REPO_ROOT, "benchmarks", "results")


class SeedResults:
    """The results file of one comparison, resumable."""

    def __init__(self, path: str, identity: Optional[Dict[str, object]] = None) -> None:
        self.path = os.path.abspath(path)
        self.data = {}
        if os.path.exists(self.path):
            try:
                with open(self.path) as f:
                    self.data = json.load(f)
            except (OSError, ValueError) as error:
                raise ResultsFileError(f"{self.path} is not a readable results file ({error}); move it away or pass "
                                 f"another results file") from None
            if not isinstance(self.data, dict):
                raise ResultsFileError(f"{self.path} is not a results file (no JSON object); move it away or pass "
                                 f"another results file")
        self.data.setdefault("results", {})
        self.data.setdefault("seconds", {})
        for key, value in (identity or {}).items():
            self.require(key, value)

    @property
    def results(self) -> Dict[str, PerSeed]:
        return self.data["results"]

    def require(self, key: str, value: object, seed: Optional[int] = None) -> None:
        """Record ``value`` under ``key`` (per seed: under ``key`` -> seed); ``ResultsFileError`` when the file
        already holds another value there, so results of two set-ups are never mixed."""
        holder = self.data.setdefault(key, {}) if seed is not None else self.data
        name = str(seed) if seed is not None else key
        known = holder.get(name)
        if known is not None and known != value:
            where = f"{key} of seed {seed}" if seed is not None else key
            raise ResultsFileError(f"{self.path} holds results of another {where} ({known!r}, not {value!r}); "
                             f"move it away or pass another results file")
        holder[name] = value

    def has(self, arm: str, seed: int) -> bool:
        return str(seed) in self.results.get(arm, {})

    def record(self, arm: str, seed: int, metrics: Metrics,
               seconds: Union[float, Dict[str, float], None] = None) -> None:
        """Add one finished (arm, seed) and write the file at once."""
        self.results.setdefault(arm, {})[str(seed)] = metrics
        if seconds is not None:
            self.data["seconds"][f"{arm}/{seed}"] = seconds
        self.save()

    def save(self) -> None:
        with atomic_open(self.path) as f:  # a killed run keeps the last complete file
            json.dump(self.data, f, indent=1)

    def arms_present(self, arms: Sequence[str]) -> List[str]:
        """``arms`` that have at least one finished seed, in their order."""
        return [arm for arm in arms if self.results.get(arm)]


def run_missing(store: SeedResults, pairs: Iterable[Tuple[str, int]], train_and_score: Callable[[str, int], Metrics],
                titles: Dict[str, str], echo: Callable[[str], None] = print, unit: str = "seed") -> None:
    """Train and score, in order, every (arm, seed) of ``pairs`` the file does not hold, recording each
    as soon as it is done with its wall time."""
    for arm, seed in pairs:
        if store.has(arm, seed):
            continue
        echo(f"{unit} {seed}: {titles[arm]}")
        start = time.perf_counter()
        metrics = train_and_score(arm, seed)
        seconds = round(time.perf_counter() - start)
        store.record(arm, seed, metrics, seconds)
        echo(f"  {seconds} s: " + "  ".join(f"{m} {v:.2f}" for m, v in metrics.items()))


def comparison_parser(description: str, output_dir: str, arms: Sequence[str], profiles: Sequence[str],
                      results: str) -> argparse.ArgumentParser:
    """The command line every comparison over training seeds shares (``--output-dir``, ``--seeds``, ``--arms``,
    ``--profile``, ``--results``, ``--report-only``); a comparison adds its own options to it."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", default=output_dir)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4],
                        help="training seeds (5: the fewest a verdict is given on)")
    parser.add_argument("--arms", nargs="+", default=list(arms), choices=list(arms))
    parser.add_argument("--profile", default="default", choices=sorted(profiles))
    parser.add_argument("--results", default=results, help="results file; (arm, seed) pairs in it are not rerun")
    parser.add_argument("--report-only", action="store_true", help="train nothing, report what --results holds")
    return parser


def write_csv(results: Dict[str, PerSeed], arms: Sequence[str], path: str, unit: str = "seed") -> None:
    """One row per (arm, seed), a column per metric (the union over rows; empty where missing)."""
    metrics = sorted({m for arm in arms for row in results.get(arm, {}).values() for m in row})
    with atomic_open(path, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["arm", unit] + metrics)
        for arm in arms:
            for seed, row in sorted(results.get(arm, {}).items(), key=lambda kv: int(kv[0])):
                writer.writerow([arm, seed] + [row.get(m, "") for m in metrics])


def weights_fingerprint(weights: str) -> str:
    """A hash of the model weights in the checkpoint file ``weights`` (names and float32 values)."""
    import hashlib

    import torch

    digest = hashlib.sha1()
    for name, tensor in sorted(load_checkpoint_file(weights)["model"].items()):
        digest.update(name.encode())
        digest.update(tensor.to(torch.float32).contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def short_name(title: str) -> str:
    """``(c')`` from ``(c') CFAT staged: ...``: how heat maps, stage chains and notes name a model."""
    return title.split(")")[0] + ")"


def axis_label(title: str) -> str:
    """A short name for an axis: ``(c')`` from ``(c') CFAT staged: ...``, ``+ VIMC`` from ``+ VIMC (...)``."""
    return short_name(title) if title.startswith("(") else title.split(" (")[0]


def plot_seeds(results: Dict[str, PerSeed], arms: Sequence[str], titles: Dict[str, str], metric: str,
               path: str, unit: str = "seed") -> None:
    """``metric`` per arm: each training seed a thin line across the arms (paired runs share a seed),
    the mean ± std in black beside them; the axis spans the data, so small paired gaps stay visible."""
    plt = pyplot()
    arms = [arm for arm in arms if results.get(arm)]
    seeds = sorted({s for arm in arms for s in results[arm]}, key=int)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.9 * len(arms) + 2.0), 3.4))
    xs = list(range(len(arms)))
    for seed in seeds:
        points = [(x, results[arm][seed][metric]) for x, arm in zip(xs, arms) if seed in results[arm]]
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=3, linewidth=0.8,
                alpha=0.7, label=f"{unit} {seed}")
    stats = [mean_std([row[metric] for row in results[arm].values()]) for arm in arms]
    ax.errorbar([x + 0.15 for x in xs], [m for m, _ in stats], yerr=[0.0 if sd != sd else sd for _, sd in stats],
                fmt="s", color="black", markersize=4, capsize=3, label="mean ± std")
    ax.set_xticks(xs)
    ax.set_xticklabels([axis_label(titles[arm]) for arm in arms], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel(metric.replace("_", " "))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="best")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(output_dir: str, name: str, heading: str, tables: str, note: str, store: SeedResults,
                 arms: Sequence[str], titles: Dict[str, str], plot_metric: str, unit: str = "seed") -> List[str]:
    """``<name>.md`` (heading, the command that ran, the tables, the note), ``<name>.csv`` and
    ``<name>.png`` in ``output_dir``; returns their paths."""
    os.makedirs(output_dir, exist_ok=True)
    md, table, png = (os.path.join(output_dir, f"{name}.{ext}") for ext in ("md", "csv", "png"))
    with atomic_open(md) as f:
        f.write(f"# {heading}\n\n`{' '.join(['python'] + sys.argv)}`\n\n{tables}{note}")
    present = store.arms_present(arms)
    write_csv(store.results, present, table, unit)
    plot_seeds(store.results, present, titles, plot_metric, png, unit)
    return [md, table, png]


def write_table_report(output_dir: str, name: str, title: str, table: str, data: Dict[str, object]) -> str:
    """Print ``title`` and ``table`` and write them to ``<name>.md`` and ``data`` to ``<name>.json`` in
    ``output_dir`` (the one-off measurements that train nothing); returns the path without extension."""
    print(title)
    print(table)
    os.makedirs(output_dir, exist_ok=True)
    out = os.path.join(output_dir, name)
    with atomic_open(out + ".md") as fh:
        fh.write(f"{title}\n\n{table}\n")
    with atomic_open(out + ".json") as fh:
        json.dump(data, fh, indent=2)
    print(f"wrote {out}.md and {out}.json")
    return out
