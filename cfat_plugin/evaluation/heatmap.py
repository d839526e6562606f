"""Drawing a robustness grid (types x severities of mAP) as an annotated heat map."""
import numpy as np


def pyplot():
    """matplotlib's pyplot on the file-only Agg back end (no screen on the machines that run this)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def grid_values(grid: dict) -> np.ndarray:
    """The grid's mAP as an array, missing cells as NaN."""
    return np.array([[np.nan if v is None else v for v in row] for row in grid["mAP"]], dtype=float)


def draw_grid(ax, grid: dict, vmax: float, severity_label: str = "severity {}", digits: int = 1,
              fontsize: int = 7):
    """Draw ``grid`` on ``ax`` on the colour scale 0..``vmax``, each cell's value written in it; the image."""
    values = grid_values(grid)
    image = ax.imshow(values, cmap="viridis", vmin=0, vmax=vmax, aspect="auto")
    ax.set_xticks(range(len(grid["severities"])), [severity_label.format(s) for s in grid["severities"]])
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if not np.isnan(values[i, j]):
                ax.text(j, i, f"{values[i, j]:.{digits}f}", ha="center", va="center", fontsize=fontsize,
                        color="white" if values[i, j] < 0.6 * vmax else "black")
    return image
