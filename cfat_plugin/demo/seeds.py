"""Comparing trained variants over training seeds: mean +- std per arm, paired differences +- their SE.

A +- over test draws of one trained model is not the spread of a method. Here
each arm is trained once per seed, arms of one seed share their sampler order
and corruption draws (same ``SEED``), and a difference counts only beyond twice
its standard error; anything less is reported as a tie.
"""
import math
from typing import Dict, List, Sequence, Tuple

PerSeed = Dict[str, Dict[str, float]]  # seed -> metric -> value


def mean_std(values: Sequence[float]) -> Tuple[float, float]:
    """Mean and sample standard deviation (n - 1; NaN for a single value)."""
    n = len(values)
    if n == 0:
        return float("nan"), float("nan")
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else float("nan")
    return mean, std


def paired_difference(a: Dict[str, float], b: Dict[str, float]) -> Tuple[float, float, int]:
    """Mean of ``a[s] - b[s]`` over the seeds both have, its standard error, and how many seeds."""
    seeds = sorted(set(a) & set(b))
    diffs = [a[s] - b[s] for s in seeds]
    mean, std = mean_std(diffs)
    return mean, std / math.sqrt(len(diffs)) if diffs else float("nan"), len(diffs)


# Fewest paired seeds a verdict is given on: the standard error of 2 or 3 differences is itself
# too rough for "twice the standard error" to mean anything (the fine-stage issue asks for 5).
MIN_SEEDS = 5


def verdict(mean: float, se: float, n: int = MIN_SEEDS, min_seeds: int = MIN_SEEDS) -> str:
    """'better' / 'worse' only when the difference exceeds twice its standard error, else 'tie';
    'n<min_seeds: no verdict yet' with fewer paired seeds than ``min_seeds``."""
    if n < min_seeds:
        return f"{n}<{min_seeds} seeds: no verdict yet"
    if math.isnan(mean) or math.isnan(se) or abs(mean) <= 2 * se:
        return "tie"
    return "better" if mean > 0 else "worse"


def _header(metrics: Sequence[str], first: str) -> List[str]:
    return [f"| {first} | seeds | " + " | ".join(m.replace("_", " ") for m in metrics) + " |",
            "|---|---|" + "---|" * len(metrics)]


def seed_tables(results: Dict[str, PerSeed], arms: Sequence[str], references: Sequence[str],
                metrics: Sequence[str], titles: Dict[str, str]) -> str:
    """Markdown: per-arm mean +- std over seeds, then the paired difference of every arm to each reference."""
    lines = _header(metrics, "arm")
    for arm in arms:
        per_seed = results.get(arm, {})
        if per_seed:
            cells = ["%.2f ± %.2f" % mean_std([r[m] for r in per_seed.values()]) for m in metrics]
            lines.append(f"| {titles[arm]} | {len(per_seed)} | " + " | ".join(cells) + " |")
    for ref in references:
        if not results.get(ref):
            continue
        lines += ["", f"Paired difference to {titles[ref]} (mean ± standard error over the seeds both have; "
                      f"'tie' when within twice the standard error; a verdict from {MIN_SEEDS} "
                      f"paired seeds on):", ""] + _header(metrics, "arm")
        for arm in arms:
            if arm == ref or not results.get(arm):
                continue
            cells, n = [], 0
            for m in metrics:
                mean, se, n = paired_difference({s: r[m] for s, r in results[arm].items()},
                                                {s: r[m] for s, r in results[ref].items()})
                cells.append(f"{mean:+.2f} ± {se:.2f} ({verdict(mean, se, n)})")
            lines.append(f"| {titles[arm]} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
