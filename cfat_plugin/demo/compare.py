"""The demo's comparison of the four models: one table (printed, Markdown, CSV) and their heat maps."""
import csv
import json
import os
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..evaluation.heatmap import draw_grid, grid_values, pyplot
from ..experiments import mean_std, short_name
from .profiles import DemoProfile

COLUMNS = ("model", "clean mINP", "clean mAP", "clean R1", "corrupted mINP", "corrupted mAP",
           "corrupted R1", "seen mAP", "held-out mAP")


def _stat(stats, metric: str):
    return (stats[metric]["mean"], stats[metric]["std"]) if stats else (float("nan"), float("nan"))


def comparison_rows(summaries: Dict[str, Tuple[str, dict]]) -> list:
    """One row per model: clean, corrupted (mean, std), seen/held-out mAP (mean, std)."""
    rows = []
    for key, (title, summary) in summaries.items():
        clean = summary["clean"]
        both = summary["settings"].get("both")
        rows.append({
            "key": key, "model": title,
            "clean": {m: clean[m] for m in ("mINP", "mAP", "Rank-1")},
            "corrupted": {m: _stat(both, m) for m in ("mINP", "mAP", "Rank-1")},
            "seen_mAP": _stat(summary.get("seen"), "mAP"),
            "held_out_mAP": _stat(summary.get("held_out"), "mAP"),
        })
    return rows


def _pm(pair, with_std: bool = True) -> str:
    """``mean ± std``, or the mean alone when there was one draw (no spread to show)."""
    mean, std = pair
    if np.isnan(mean):
        return "–"
    return f"{mean:.2f} ± {std:.2f}" if with_std else f"{mean:.2f}"


def _precision_note(profile: DemoProfile) -> str:
    if profile.resolved_precision() == "bfloat16":
        return "bfloat16 autocast for the backbones (training and feature extraction), float32 heads, losses and features"
    return "float32"


def seed_spread_note(keys: List[str], results_path: str, arms: Optional[Dict[str, str]] = None) -> str:
    """The spread over training seeds of the table's trained models, from the seeds benchmark's file.

    The table's +- is over test draws of one trained model; this is the other spread, measured by
    ``benchmarks/cfat_ablation.py`` (each arm trained once per seed with the demo's recipe and training-view
    backend). ``arms``: the file's arm for a table key where they differ (the torch twins); a key is
    reported under its own name. Empty when the file or the arms are missing.
    """
    try:
        with open(results_path) as f:
            saved = json.load(f)
    except (OSError, ValueError):
        return ""
    parts = []
    for key in keys:
        per_seed = saved.get("results", {}).get((arms or {}).get(key, key))
        if per_seed and len(per_seed) > 1:
            mean, std = mean_std([r["corrupted_mAP"] for r in per_seed.values()])
            parts.append(f"{key} {mean:.2f} ± {std:.2f} ({len(per_seed)} seeds)")
    if not parts:
        return ""
    return (f"Over training seeds (benchmarks/results/{os.path.basename(results_path)}, benchmarks/cfat_ablation.py "
            f"with the same training recipe and training-view corruptions; corrupted mAP mean ± std over the "
            f"seeds): " + "; ".join(parts) + ". Paired differences: projects/CFAT/README.md.")


def markdown(rows: list, profile: DemoProfile, chains: Optional[Dict[str, str]] = None, spread: str = "") -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    draws = profile.repeats > 1
    for r in rows:
        c = r["clean"]
        corrupted = " | ".join(_pm(r["corrupted"][m], draws) for m in ("mINP", "mAP", "Rank-1"))
        lines.append(f"| {r['model']} | {c['mINP']:.2f} | {c['mAP']:.2f} | {c['Rank-1']:.2f} | {corrupted} | "
                     f"{_pm(r['seen_mAP'], draws)} | {_pm(r['held_out_mAP'], draws)} |")
    spread_of_draws = (f"mean ± std over {profile.repeats} draws" if draws else
                       "one seeded draw (--repeats N for several, with their spread)")
    note = (f"SynthReID ({profile.synthreid_preset}), seed {profile.seed}. Corrupted = query and gallery both "
            f"corrupted, one random (type, severity) per image, {spread_of_draws}. "
            f"Seen / held-out: the same draw restricted to the 15 training corruption types / to the "
            f"{len(profile.held_out_types)} held out ({', '.join(profile.held_out_types)}). "
            f"Retrieval feature: {profile.retrieval_feat}. Precision: {_precision_note(profile)}. "
            + (f"Every ± is the spread of the test draws of one trained model (training seed "
               f"{profile.training_seed()}), not of the method over training seeds." if draws else
               f"One trained model (training seed {profile.training_seed()}): the spread of the method is "
               f"over training seeds."))
    if spread:
        note += " " + spread
    if chains:
        note += "\n\nStages of each model:\n" + "".join(
            f"\n- {short_name(r['model'])}: {chains[r['key']]}" for r in rows if r["key"] in chains)
    return "\n".join(lines) + "\n\n" + note + "\n"


def write_heatmaps(summaries: Dict[str, Tuple[str, dict]], path: str) -> None:
    """The four grid heat maps side by side, on one colour scale."""
    grids = [(title, s["grid"]) for title, s in summaries.values() if s["grid"]["types"]]
    if not grids:
        return
    plt = pyplot()
    vmax = max(float(np.nanmax(grid_values(grid))) for _, grid in grids)
    fig, axes = plt.subplots(1, len(grids), figsize=(2.4 * len(grids) + 2.5, 0.3 * len(grids[0][1]["types"]) + 2),
                             sharey=True, squeeze=False)
    for ax, (title, grid) in zip(axes[0], grids):
        image = draw_grid(ax, grid, vmax, severity_label="s{}", digits=0, fontsize=6)
        ax.set_title(short_name(title), fontsize=9)
    axes[0][0].set_yticks(range(len(grids[0][1]["types"])), grids[0][1]["types"], fontsize=7)
    fig.colorbar(image, ax=axes[0].tolist(), fraction=0.03, label="mAP (%)")
    fig.suptitle("mAP per corruption type and severity (query + gallery corrupted)", fontsize=10)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def write_comparison(summaries: Dict[str, Tuple[str, dict]], profile: DemoProfile, output_dir: str,
                     timings: Dict[str, float], chains: Optional[Dict[str, str]] = None, spread: str = "") -> dict:
    """Write comparison.md / comparison.csv / heatmaps.png and return the rows.

    ``chains``: each model's training stages (key -> text); ``spread``: the training-seed note."""
    rows = comparison_rows(summaries)
    text = markdown(rows, profile, chains, spread)
    minutes = timings.get("total", 0) / 60
    with open(os.path.join(output_dir, "comparison.md"), "w") as f:
        f.write("# CFAT demo: the clean teacher and three students trained from it\n\n" + text +
                f"\nWall time of this run: {minutes:.1f} min.\n")
    with open(os.path.join(output_dir, "comparison.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["key", "model", "clean_mINP", "clean_mAP", "clean_R1", "corrupted_mINP",
                         "corrupted_mINP_std", "corrupted_mAP", "corrupted_mAP_std", "corrupted_R1",
                         "corrupted_R1_std", "seen_mAP", "seen_mAP_std", "held_out_mAP", "held_out_mAP_std"])
        for r in rows:
            c, k = r["clean"], r["corrupted"]
            writer.writerow([r["key"], r["model"], c["mINP"], c["mAP"], c["Rank-1"], *k["mINP"], *k["mAP"],
                             *k["Rank-1"], *r["seen_mAP"], *r["held_out_mAP"]])
    write_heatmaps(summaries, os.path.join(output_dir, "heatmaps.png"))
    return {"rows": rows, "markdown": text}
