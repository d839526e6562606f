"""MSER's re-ranking on a SYSU-MM01-sized problem: the sparse (top-k) form evaluation runs, beside the
dense reference at the largest size the dense one finishes in about a minute.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_mser.py                 # random features
    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_mser.py --features clustered --skip-dense

SYSU-MM01's test: 3,803 infrared queries; visible galleries per trial of 301 (all-search single-shot),
3,010 (multi-shot), 112 and 1,120 (indoor-search); MSER stacks the four variants (original, R, G, B) of
the visible side, SYSU-MM01's published k1 40, k2 20, lambda 0.3, neighbours among the queries.
Features are L2-normalised 2048-d: ``random`` (every image and variant drawn independently) or
``clustered`` (96 identities, images around their identity, variants near their image), since the
sparse form's cost follows how much the neighbourhoods overlap.

Prints: (1) dense and sparse on the same scaled-down problem (queries and gallery shrunk together
so that the dense one takes about ``--dense-seconds``), with their largest difference (the sparse form
in float32, as evaluation runs it, and in float64, the dense one's precision); (2) the sparse
time against gallery size, both directions, 3,803 queries, with the dense time extrapolated from (1)
(its cost is queries x n^2); (3) one full trial: every mode, shot count and direction; (4) one RegDB
trial (2,060 images per modality, k1 50, k2 10, lambda 0.2, neighbours from the whole stacked set),
both directions.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from cfat_plugin.mcja.k_reciprocal import k_reciprocal_rerank  # noqa: E402
from cfat_plugin.mcja.k_reciprocal_dense import k_reciprocal_dense, squared_euclidean  # noqa: E402

QUERIES = 3803  # SYSU-MM01's infrared test images
GALLERY = {("all", 1): 301, ("all", 10): 3010, ("indoor", 1): 112, ("indoor", 10): 1120}  # per trial
K1, K2, LAMBDA, DIM, IDS = 40, 20, 0.3, 2048, 96
REGDB = 2060  # RegDB's test images per modality and trial (206 test ids x 10)
REGDB_K1, REGDB_K2, REGDB_LAMBDA = 50, 10, 0.2


def features(kind: str, count: int, variants: int, rng: torch.Generator) -> list:
    """``variants`` (count, DIM) tensors: one image set seen ``variants`` times."""
    if kind == "random":
        return [F.normalize(torch.randn(count, DIM, generator=rng), dim=1) for _ in range(variants)]
    centres = torch.randn(IDS, DIM, generator=rng)
    images = centres[torch.randint(IDS, (count,), generator=rng)] + 1.2 * torch.randn(count, DIM, generator=rng)
    return [F.normalize(images + 0.5 * torch.randn(count, DIM, generator=rng), dim=1) for _ in range(variants)]


def stacked(kind: str, queries: int, gallery: int, direction: str, seed: int = 0) -> tuple:
    """(features, num_query) of the stacked set MSER re-ranks: infrared queries against four visible
    gallery variants (ir_to_rgb), or four visible query variants against the infrared images (rgb_to_ir)."""
    rng = torch.Generator().manual_seed(seed)
    infrared, visible = features(kind, queries, 1, rng), features(kind, gallery, 4, rng)
    if direction == "ir_to_rgb":
        return torch.cat(infrared + visible), queries
    return torch.cat(visible + infrared), 4 * gallery


def timed(fn, *args, **kwargs) -> tuple:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def dense_beside_sparse(kind: str, seconds: float) -> float:
    """Both forms on the SYSU-MM01 multi-shot infrared-to-visible problem scaled down so that the dense
    one takes about ``seconds``; returns the dense cost in seconds per query x n^2 element."""
    def problem(scale: float) -> tuple:
        nq, ng = max(K1 + 1, round(QUERIES * scale)), max(1, round(GALLERY["all", 10] * scale))
        return (nq, ng) + stacked(kind, nq, ng, "ir_to_rgb")

    def dense_time(feats: torch.Tensor, num_query: int) -> tuple:
        return timed(lambda: k_reciprocal_dense(squared_euclidean(feats, feats), num_query, K1, K2, LAMBDA,
                                                query_neighbours_only=True))

    t_small, _ = dense_time(*problem(0.1)[2:])  # its cost grows as queries x n^2, the cube of the scale
    scale = min(1.0, 0.1 * (seconds / t_small) ** (1 / 3))
    nq, ng, feats, num_query = problem(scale)
    n = len(feats)
    t_dense, dense = dense_time(feats, num_query)
    cost = t_dense / (num_query * n * n)
    t_sparse, sparse = timed(k_reciprocal_rerank, feats, num_query, K1, K2, LAMBDA, query_neighbours_only=True)
    t_double, double = timed(k_reciprocal_rerank, feats.double(), num_query, K1, K2, LAMBDA, query_neighbours_only=True)
    off = np.abs(dense - sparse)
    print(f"(1) dense vs sparse, {nq} queries x {ng} gallery (x4 variants), n = {n}: dense {t_dense:.1f} s, "
          f"sparse {t_sparse:.2f} s ({t_dense / t_sparse:.0f}x; float64: {t_double:.2f} s); dense "
          f"{cost * 1e9:.2f} ns per query x n^2 element; {load()}\n"
          f"    largest difference to the dense one (float64 distances): sparse in float64 "
          f"{np.abs(dense - double).max():.1e}; in float32 {off.max():.1e}, {int((off > 1e-5).sum())} of {off.size} "
          f"entries beyond 1e-5 (float32 distances order a few near-ties the other way)")
    return cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", choices=("random", "clustered"), default="random")
    parser.add_argument("--dense-seconds", type=float, default=60.0, help="the dense run's target time")
    parser.add_argument("--skip-dense", action="store_true", help="no dense run, no extrapolation")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"MSER k1 {K1}, k2 {K2}, lambda {LAMBDA}, neighbours among the queries; {args.features} {DIM}-d features; "
          f"torch threads {torch.get_num_threads()}; {load()}")
    cost = None if args.skip_dense else dense_beside_sparse(args.features, args.dense_seconds)
    timings = {}
    print("\n(2) sparse MSER against gallery size, 3,803 infrared queries"
          + ("" if cost is None else "; dense extrapolated (queries x n^2 x the cost of (1))"))
    header = "| gallery (mode, shots) | direction | stacked n | sparse s | dense s (extrapolated) | load |"
    print(header + "\n" + "|---" * (header.count("|") - 1) + "|")
    for (mode, shots), ng in sorted(GALLERY.items(), key=lambda kv: kv[1]):
        for direction in ("ir_to_rgb", "rgb_to_ir"):
            feats, num_query = stacked(args.features, QUERIES, ng, direction)
            n = len(feats)
            seconds, _ = timed(k_reciprocal_rerank, feats, num_query, K1, K2, LAMBDA, query_neighbours_only=True)
            timings[mode, shots, direction] = seconds
            dense = "-" if cost is None else f"{cost * num_query * n * n:.0f}"
            print(f"| {ng} ({mode}, {shots}-shot) | {direction} | {n} | {seconds:.1f} | {dense} | "
                  f"{os.getloadavg()[0]:.2f} |")
    print(f"\n(3) one SYSU-MM01 trial with MSER (all and indoor, single- and multi-shot, both directions): "
          f"{sum(timings.values()):.1f} s; {load()}")
    regdb = []
    for direction in ("ir_to_rgb", "rgb_to_ir"):
        feats, num_query = stacked(args.features, REGDB, REGDB, direction)
        regdb.append(timed(k_reciprocal_rerank, feats, num_query, REGDB_K1, REGDB_K2, REGDB_LAMBDA)[0])
    print(f"\n(4) one RegDB trial with MSER (neighbours from the whole set): thermal to visible {regdb[0]:.1f} s, "
          f"visible to thermal {regdb[1]:.1f} s; {load()}")


if __name__ == "__main__":
    main()
