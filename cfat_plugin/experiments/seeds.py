"""Comparing trained variants over training seeds: mean +- std per arm, paired differences +- their SE.

A +- over test draws of one trained model is not the spread of a method. Here
each arm is trained once per seed, arms of one seed share their sampler order
and corruption draws (same ``SEED``), and a difference counts only beyond twice
its standard error; anything less is reported as a tie.
"""
import math
from typing import Dict, List, Sequence, Tuple, Union

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
# too rough for "twice the standard error" to mean anything; 5 is the fewest a verdict is given on.
MIN_SEEDS = 5


def verdict(mean: float, se: float, n: int = MIN_SEEDS, min_seeds: int = MIN_SEEDS) -> str:
    """'tie' when the difference is within twice its standard error (or has none); beyond it,
    'better' / 'worse' from ``min_seeds`` paired seeds on, and with fewer only
    'beyond 2 SE, n<min_seeds seeds' (no verdict)."""
    if math.isnan(mean) or math.isnan(se) or abs(mean) <= 2 * se:
        return "tie"
    if n < min_seeds:
        return f"beyond 2 SE, {n}<{min_seeds} seeds"
    return "better" if mean > 0 else "worse"


def _header(metrics: Sequence[str], first: str, unit: str = "seeds") -> List[str]:
    return [f"| {first} | {unit} | " + " | ".join(m.replace("_", " ") for m in metrics) + " |",
            "|---|---|" + "---|" * len(metrics)]


def _difference_row(results: Dict[str, PerSeed], arm: str, ref: str, metrics: Sequence[str], label: str,
                    digits: int) -> str:
    cells, n = [], 0
    for m in metrics:
        mean, se, n = paired_difference({s: r[m] for s, r in results[arm].items()},
                                        {s: r[m] for s, r in results[ref].items()})
        cells.append(f"{mean:+.{digits}f} ± {se:.{digits}f} ({verdict(mean, se, n)})")
    return f"| {label} | {n} | " + " | ".join(cells) + " |"


def difference_table(results: Dict[str, PerSeed], pairs: Sequence[Tuple[str, str, str]], metrics: Sequence[str],
                     digits: int = 2, unit: str = "seeds") -> str:
    """Markdown: a row per ``(label, arm, reference)`` of ``pairs`` that both have results, the paired
    difference arm - reference +- its standard error and its verdict per metric: the effect of one part
    where the arms that isolate it are not all measured against one reference."""
    lines = _header(metrics, "effect", unit)
    lines += [_difference_row(results, arm, ref, metrics, label, digits)
              for label, arm, ref in pairs if results.get(arm) and results.get(ref)]
    return "\n".join(lines) + "\n"


def seed_tables(results: Dict[str, PerSeed], arms: Sequence[str], references: Union[Sequence[str], str],
                metrics: Sequence[str], titles: Dict[str, str], digits: int = 2, unit: str = "seeds") -> str:
    """Markdown: per-arm mean +- std over seeds, then paired differences +- their standard error:
    of every arm to each of ``references``, or, with ``references="previous"``, of each arm to the
    one before it (for arms that each add one part). ``unit`` names the column of run counts (seeds, or
    RegDB's trials)."""
    present = [arm for arm in arms if results.get(arm)]
    lines = _header(metrics, "arm", unit)
    for arm in present:
        cells = [f"{mean:.{digits}f} ± {std:.{digits}f}"
                 for mean, std in (mean_std([r[m] for r in results[arm].values()]) for m in metrics)]
        lines.append(f"| {titles[arm]} | {len(results[arm])} | " + " | ".join(cells) + " |")
    rule = (f"mean ± standard error over the seeds both have; 'tie' when within twice the standard error; "
            f"a verdict from {MIN_SEEDS} paired seeds on")
    if references == "previous":
        lines += ["", f"Paired difference to the previous arm ({rule}):", ""] + _header(metrics, "arm", unit)
        lines += [_difference_row(results, arm, prev, metrics, f"{titles[arm]} vs {titles[prev].split(' (')[0]}",
                                  digits) for prev, arm in zip(present, present[1:])]
        return "\n".join(lines) + "\n"
    for ref in references:
        if not results.get(ref):
            continue
        lines += ["", f"Paired difference to {titles[ref]} ({rule}):", ""] + _header(metrics, "arm", unit)
        lines += [_difference_row(results, arm, ref, metrics, titles[arm], digits) for arm in present if arm != ref]
    return "\n".join(lines) + "\n"
