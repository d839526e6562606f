#!/usr/bin/env python
"""Robustness-evaluation cost: rank evaluators on a Market-sized problem, and a grid run with/without cache.

    .venv/bin/python benchmarks/bench_robustness.py evaluators           # 3,368 x 15,913 random features
    .venv/bin/python benchmarks/bench_robustness.py grid --config-file CFG MODEL.WEIGHTS W [--types ...]

``grid`` runs the robustness evaluation twice into two fresh output folders
sharing one corruption cache: the first run corrupts every image, the second
reads the cache. Prints wall times; nothing is asserted.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import cfat_plugin  # noqa: E402,F401


def bench_evaluators(num_query: int, num_gallery: int, dim: int, python_queries: int) -> None:
    import torch
    from fastreid.evaluation.rank import evaluate_rank
    from fastreid.utils.compute_dist import build_dist
    from torchreid.reid.metrics.rank import evaluate_rank as torchreid_rank

    rng = np.random.default_rng(0)
    q, g = torch.from_numpy(rng.normal(size=(num_query, dim)).astype(np.float32)), \
        torch.from_numpy(rng.normal(size=(num_gallery, dim)).astype(np.float32))
    q_pids, g_pids = rng.integers(0, 751, num_query), rng.integers(0, 751, num_gallery)
    q_cams, g_cams = rng.integers(0, 6, num_query), rng.integers(0, 6, num_gallery)
    start = time.perf_counter()
    dist = build_dist(q, g, "cosine")
    print(f"distance matrix {num_query} x {num_gallery} (cosine, dim {dim}): {time.perf_counter() - start:.2f} s")

    start = time.perf_counter()
    evaluate_rank(dist, q_pids, g_pids, q_cams, g_cams)
    cython = time.perf_counter() - start
    print(f"FastReID Cython evaluate_rank: {cython:.2f} s")
    # The pure-Python evaluators are timed on the first `python_queries` queries and scaled up.
    sub = slice(0, python_queries)
    scale = num_query / python_queries
    start = time.perf_counter()
    evaluate_rank(dist[sub], q_pids[sub], g_pids, q_cams[sub], g_cams, use_cython=False)
    python = (time.perf_counter() - start) * scale
    print(f"FastReID Python evaluate_rank: {python:.2f} s (timed on {python_queries} queries, scaled)")
    start = time.perf_counter()
    torchreid_rank(dist[sub], q_pids[sub], g_pids, q_cams[sub], g_cams, use_cython=False)
    torchreid = (time.perf_counter() - start) * scale
    print(f"torchreid evaluate_rank (Python): {torchreid:.2f} s (timed on {python_queries} queries, scaled)")
    print(f"speed-up of Cython: {python / cython:.1f}x over FastReID's Python, "
          f"{torchreid / cython:.1f}x over torchreid's")


def bench_grid(args, opts) -> None:
    from cfat_plugin.engine import ReIDTrainer, load_config, apply_runtime_config
    from cfat_plugin.evaluation import run_robustness
    from fastreid.utils.checkpoint import Checkpointer

    work = tempfile.mkdtemp(prefix="bench-robustness-")
    try:
        timings = []
        for run in ("first (corrupting)", "second (cache)"):
            cfg = load_config(args.config_file, opts + [
                "OUTPUT_DIR", os.path.join(work, run.split()[0]), "TEST.ROBUSTNESS.GRID", "True",
                "DATASETS.CORRUPTION.TEST.CACHE_DIR", os.path.join(work, "cache"), "MODEL.BACKBONE.PRETRAIN", "False"])
            apply_runtime_config(cfg)
            model = ReIDTrainer.build_model(cfg)
            Checkpointer(model).load(cfg.MODEL.WEIGHTS)
            start = time.perf_counter()
            run_robustness(cfg, model, progress=True)
            timings.append(time.perf_counter() - start)
            print(f"{run}: {timings[-1]:.1f} s")
        print(f"cache speed-up: {timings[0] / timings[1]:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    ev = sub.add_parser("evaluators")
    ev.add_argument("--num-query", type=int, default=3368)
    ev.add_argument("--num-gallery", type=int, default=15913)
    ev.add_argument("--dim", type=int, default=768)
    ev.add_argument("--python-queries", type=int, default=400)
    grid = sub.add_parser("grid")
    grid.add_argument("--config-file", required=True)
    grid.add_argument("opts", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.what == "evaluators":
        bench_evaluators(args.num_query, args.num_gallery, args.dim, args.python_queries)
    else:
        bench_grid(args, list(args.opts))


if __name__ == "__main__":
    main()
