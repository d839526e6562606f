"""Turning a robustness run's cells into its report: JSON summary, CSV, Markdown table, heat map."""
import csv
import os
from typing import Dict, List, Optional

import numpy as np

from ..utils.files import atomic_open
from .cells import Plan
from .heatmap import draw_grid, grid_values, pyplot

REPORT_METRICS = ("mINP", "mAP", "Rank-1")
CSV_COLUMNS = ("cell", "kind", "setting", "corruption", "severity", "repeat",
               "mINP", "mAP", "Rank-1", "Rank-5", "Rank-10")


def _mean_std(cells: List[dict], metric: str) -> Optional[Dict[str, float]]:
    if not cells:
        return None
    values = np.array([c[metric] for c in cells], dtype=np.float64)
    # population std over the repeats (the benchmark reports the spread of its 10 draws)
    return {"mean": float(values.mean()), "std": float(values.std()), "n": int(len(values))}


def summarise(state: dict, plan: Plan) -> dict:
    """Means and stds per setting, seen/held-out, the grid and relative robustness."""
    cells = state["cells"]
    done = [dict(cells[c.cell_id], cell=c.cell_id) for c in plan.cells if c.cell_id in cells]
    clean = next((c for c in done if c["kind"] == "clean"), None)
    summary = {"protocol": state["protocol"], "clean": {m: clean[m] for m in REPORT_METRICS} if clean else None}
    settings = {}
    for setting in ("both", "query", "gallery"):
        chosen = [c for c in done if c["kind"] == "random" and c["setting"] == setting]
        if chosen:
            settings[setting] = {m: _mean_std(chosen, m) for m in REPORT_METRICS}
    summary["settings"] = settings
    for kind in ("seen", "held_out"):
        chosen = [c for c in done if c["kind"] == kind]
        summary[kind] = {m: _mean_std(chosen, m) for m in REPORT_METRICS} if chosen else None
    grid = [c for c in done if c["kind"] == "grid"]
    types = list(dict.fromkeys(c["corruption"] for c in grid))
    severities = sorted({c["severity"] for c in grid})
    lookup = {(c["corruption"], c["severity"]): c for c in grid}
    summary["grid"] = {
        "types": types, "severities": severities,
        "mAP": [[lookup[(t, s)]["mAP"] if (t, s) in lookup else None for s in severities] for t in types],
        "Rank-1": [[lookup[(t, s)]["Rank-1"] if (t, s) in lookup else None for s in severities] for t in types],
    }
    summary["relative"] = _relative(summary)
    return summary


def _relative(summary: dict) -> dict:
    """Corrupted mAP / clean mAP, overall (headline setting) and per type (grid, mean over severities)."""
    clean = summary["clean"]
    if not clean or clean["mAP"] <= 0:
        return {}
    relative = {}
    both = summary["settings"].get("both")
    if both:
        relative["overall"] = both["mAP"]["mean"] / clean["mAP"]
    grid = summary["grid"]
    for name, row in zip(grid["types"], grid["mAP"]):
        values = [v for v in row if v is not None]
        if values:
            relative[name] = float(np.mean(values)) / clean["mAP"]
    return relative


def _fmt(stat: Optional[dict]) -> str:
    if stat is None:
        return "–"
    return f"{stat['mean']:.2f} ± {stat['std']:.2f}" if stat["n"] > 1 else f"{stat['mean']:.2f}"


def markdown_table(summary: dict, model_name: str = "model") -> str:
    """The benchmark's table: clean mINP/mAP/R1, corrupted (both) mINP/mAP/R1 ± std."""
    clean = summary["clean"] or {m: float("nan") for m in REPORT_METRICS}
    both = summary["settings"].get("both", {m: None for m in REPORT_METRICS})
    lines = [
        "| model | clean mINP | clean mAP | clean R1 | corrupted mINP | corrupted mAP | corrupted R1 |",
        "|---|---|---|---|---|---|---|",
        f"| {model_name} | {clean['mINP']:.2f} | {clean['mAP']:.2f} | {clean['Rank-1']:.2f} | "
        f"{_fmt(both['mINP'])} | {_fmt(both['mAP'])} | {_fmt(both['Rank-1'])} |",
    ]
    return "\n".join(lines)


def _report_markdown(summary: dict) -> str:
    protocol = summary["protocol"]
    parts = [f"# Corruption robustness: {protocol['dataset']}", "",
             f"Seed {protocol['seed']}, {protocol['repeats']} random draws per setting "
             f"(mean ± population std), {protocol['num_query']} query / {protocol['num_gallery']} gallery "
             f"images, model weights hash {protocol['model']}.", "", markdown_table(summary), ""]
    names = {"both": "corrupted query + gallery", "query": "corrupted query, clean gallery",
             "gallery": "clean query, corrupted gallery"}
    if summary["settings"]:
        parts += ["## Settings", "", "| setting | mINP | mAP | R1 |", "|---|---|---|---|"]
        if summary["clean"]:
            c = summary["clean"]
            parts.append(f"| clean | {c['mINP']:.2f} | {c['mAP']:.2f} | {c['Rank-1']:.2f} |")
        for key, stats in summary["settings"].items():
            parts.append(f"| {names[key]} | {_fmt(stats['mINP'])} | {_fmt(stats['mAP'])} | "
                         f"{_fmt(stats['Rank-1'])} |")
        parts.append("")
    if summary["seen"] and summary["held_out"]:
        parts += ["## Seen vs held-out corruption types (query + gallery corrupted)", "",
                  "| types | mINP | mAP | R1 |", "|---|---|---|---|"]
        for kind in ("seen", "held_out"):
            s = summary[kind]
            parts.append(f"| {kind.replace('_', '-')} | {_fmt(s['mINP'])} | {_fmt(s['mAP'])} | "
                         f"{_fmt(s['Rank-1'])} |")
        parts.append("")
    if summary["relative"]:
        parts += ["## Relative robustness (corrupted mAP / clean mAP)", "", "| scope | ratio |", "|---|---|"]
        parts += [f"| {k} | {v:.3f} |" for k, v in summary["relative"].items()]
        parts.append("")
    grid = summary["grid"]
    if grid["types"]:
        header = " | ".join(f"s{s}" for s in grid["severities"])
        parts += ["## Grid: mAP per type and severity (query + gallery corrupted)", "",
                  f"| type | {header} |", "|---|" + "---|" * len(grid["severities"])]
        for name, row in zip(grid["types"], grid["mAP"]):
            parts.append(f"| {name} | " + " | ".join("–" if v is None else f"{v:.2f}" for v in row) + " |")
        parts.append("")
    return "\n".join(parts)


def write_heatmap(summary: dict, path: str) -> Optional[str]:
    """A PNG of grid mAP, types (rows) x severities (columns), with the clean mAP in the title."""
    grid = summary["grid"]
    if not grid["types"]:
        return None
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(1.2 * len(grid["severities"]) + 3, 0.38 * len(grid["types"]) + 1.6))
    image = draw_grid(ax, grid, vmax=max(float(np.nanmax(grid_values(grid))), 1e-6))
    ax.set_yticks(range(len(grid["types"])), grid["types"])
    clean = summary["clean"]
    title = f"mAP (%) on {summary['protocol']['dataset']}"
    if clean:
        title += f" — clean {clean['mAP']:.1f}"
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.04)
    fig.tight_layout()
    with atomic_open(path, "wb") as f:
        fig.savefig(f, dpi=110, format="png")
    plt.close(fig)
    return path


def write_report(state: dict, plan: Plan, output_dir: str) -> dict:
    """Write summary.json, summary.csv, report.md, relative_robustness.csv and heatmap_mAP.png."""
    import json

    summary = summarise(state, plan)
    with atomic_open(os.path.join(output_dir, "summary.json")) as f:
        json.dump(summary, f, indent=1)
    with atomic_open(os.path.join(output_dir, "summary.csv"), newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for cell in plan.cells:
            if cell.cell_id in state["cells"]:
                row = state["cells"][cell.cell_id]
                writer.writerow([cell.cell_id] + [row.get(k, "") for k in CSV_COLUMNS[1:]])
    with atomic_open(os.path.join(output_dir, "relative_robustness.csv"), newline="") as f:
        writer = csv.writer(f)
        writer.writerow(("scope", "corrupted_mAP_over_clean_mAP"))
        writer.writerows(summary["relative"].items())
    with atomic_open(os.path.join(output_dir, "report.md")) as f:
        f.write(_report_markdown(summary))
    write_heatmap(summary, os.path.join(output_dir, "heatmap_mAP.png"))
    return summary
