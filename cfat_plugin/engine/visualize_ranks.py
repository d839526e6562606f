"""``tools/visualize_ranks.py``: rank-list sheets of one or two trained models, on clean or corrupted images.

    python tools/visualize_ranks.py --config-file CFG -o ranks.png MODEL.WEIGHTS model_final.pth
    python tools/visualize_ranks.py --config-file CFG --query-ids 12 40 --topk 5 --corruption fog --severity 3 \\
        --second-weights other/model_final.pth -o ranks_fog.png MODEL.WEIGHTS model_final.pth

The test set is the first of ``DATASETS.TESTS``; the config is read, checked and the model loaded as
for ``tools/eval_robustness.py``, and a bad option or setting is one ``error:`` line each, exit 2.
What is ranked and drawn: :mod:`cfat_plugin.evaluation.rank_list`. Writes the PNG and a JSON of the
same name beside it (ranked gallery paths, distances, match flags).
"""
import argparse
import os
from typing import List, Optional, Tuple

from fastreid.config import CfgNode
from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.engine import default_argument_parser
from fastreid.utils.compute_dist import build_dist

from ..data.config import datasets_root
from ..data.corruptions import CorruptionCache, FixedCorruption, apply_setting
from ..evaluation.clothes_changing import SETTINGS as CLOTHES_SETTINGS
from ..evaluation.features import extract_features
from ..evaluation.rank_list import protocol_for, rank_rows, save_rank_lists, select_queries
from .cli import run_cli
from .entry_points import build_eval_model
from .setup import load_config, setup
from .validate import SettingsError, _count, _severities, _types, check_settings

SIDES = {"both": "query and gallery", "query": "the query images", "gallery": "the gallery images"}  # --corrupt


def visualize_ranks_parser() -> argparse.ArgumentParser:
    """FastReID's arguments (``--config-file``, trailing ``KEY VALUE`` overrides) plus the sheet's options."""
    parser = default_argument_parser()
    parser.add_argument("-o", "--output", default="rank_lists.png", help="PNG to write; the JSON goes beside it")
    parser.add_argument("--query-ids", nargs="+", default=None,
                        help="person ids to show, the first query image of each (default: a seeded draw)")
    parser.add_argument("--num-queries", type=int, default=6, help="queries drawn when --query-ids is not given")
    parser.add_argument("--seed", type=int, default=0, help="seed of the query draw and of the corruption")
    parser.add_argument("--topk", type=int, default=10, help="ranked gallery images per query")
    parser.add_argument("--corruption", default=None, help="corrupt the images with this type (one of the 20)")
    parser.add_argument("--severity", type=int, default=3, help="severity of --corruption (1-5)")
    parser.add_argument("--corrupt", default="both", choices=("both", "query", "gallery"),
                        help="which side --corruption corrupts (default: both, the benchmark's setting)")
    parser.add_argument("--clothes-setting", default="clothes_changing", choices=CLOTHES_SETTINGS,
                        help="PRCC / LTCC: which gallery images of the query's id are left out")
    parser.add_argument("--second-config-file", default=None, help="second model's config (default: --config-file)")
    parser.add_argument("--second-weights", default=None,
                        help="second model's weights; its row of each query goes under the first model's")
    return parser


def _configs(args: argparse.Namespace) -> List[Tuple[str, CfgNode]]:
    """(name, config) of each model, the trailing overrides applied to both; every bad option and
    setting of both raised together as one :class:`SettingsError`."""
    problems: List[str] = []
    _count(problems, "--topk", args.topk, 1)
    _count(problems, "--num-queries", args.num_queries, 1)
    _count(problems, "--seed", args.seed, 0)
    if args.corruption is not None:
        _types(problems, "--corruption", [args.corruption])
        _severities(problems, "--severity", [args.severity])
    specs = [("A", args.config_file, list(args.opts or []))]
    if args.second_config_file or args.second_weights:
        weights = ["MODEL.WEIGHTS", args.second_weights] if args.second_weights else []
        specs.append(("B", args.second_config_file or args.config_file, list(args.opts or []) + weights))
    configs = []
    for name, config_file, opts in specs:
        cfg = load_config(config_file, opts)
        cfg.MODEL.TEACHER.ENABLED = False  # evaluating a CFAT student needs no teacher
        try:
            check_settings(cfg, training=False)
        except SettingsError as error:
            problems += [f"{'second model: ' if name == 'B' else ''}{line}" for line in error.problems]
        configs.append((name, cfg))
    if problems:
        raise SettingsError(problems)
    return configs


def _label(name: str, cfg: CfgNode) -> str:
    """The row label of a model: its letter and weights file with the folder above it."""
    weights = cfg.MODEL.WEIGHTS
    return f"{name}: " + ("/".join(weights.split(os.sep)[-2:]) if weights else "untrained")


def _corrupted(args: argparse.Namespace, cfg: CfgNode, query: List[tuple], gallery: List[tuple]
               ) -> Tuple[List[tuple], List[tuple], Optional[dict]]:
    """The query and gallery items to embed and draw (corrupted copies with ``--corruption``: the
    benchmark's seeded fixed draw, from its cache) and the corruption as the JSON records it."""
    if not args.corruption:
        return query, gallery, None
    spec = FixedCorruption(args.corruption, args.severity, args.seed)
    print(f"[2/4] corrupting {SIDES[args.corrupt]}: {spec.describe()}", flush=True)
    draw = cfg.DATASETS.CORRUPTION.TEST  # where the corrupted files are cached, how many processes make them
    shown_query, shown_gallery, _ = apply_setting(query, gallery, args.corrupt, spec,
                                                  CorruptionCache(draw.CACHE_DIR or None),
                                                  num_workers=draw.NUM_WORKERS or None)
    return shown_query, shown_gallery, {"type": args.corruption, "severity": args.severity, "seed": args.seed,
                                        "corrupted": args.corrupt}


def visualize_ranks(args: argparse.Namespace) -> Tuple[str, str]:
    """Rank the chosen queries of ``DATASETS.TESTS[0]`` with each model; write the sheet and its JSON."""
    configs = _configs(args)
    configs[0] = (configs[0][0], setup(args))  # the first model's run: FastReID's logging and seeding
    cfg = configs[0][1]
    name = cfg.DATASETS.TESTS[0]
    data = DATASET_REGISTRY.get(name)(root=datasets_root(cfg))
    protocol = protocol_for(data, args.clothes_setting)
    excluded = protocol.excluded(data.query, data.gallery)
    try:
        picks = select_queries(data.query, data.gallery, excluded, args.query_ids, args.num_queries, args.seed)
    except ValueError as error:
        raise SettingsError([f"--query-ids: {error}"]) from None
    query, gallery = [data.query[i] for i in picks], list(data.gallery)
    print(f"[1/4] {name}: {len(picks)} of {len(data.query)} queries, {len(gallery)} gallery images; "
          f"{protocol.describe()}", flush=True)
    shown_query, shown_gallery, corruption = _corrupted(args, cfg, query, gallery)
    per_model, models = [], []
    for model_name, model_cfg in configs:
        label = _label(model_name, model_cfg)
        print(f"[3/4] {label}: features and distances ({model_cfg.TEST.METRIC})", flush=True)
        model = build_eval_model(model_cfg)
        q, g = (extract_features(model_cfg, model, items) for items in (shown_query, shown_gallery))
        dist = build_dist(q.feats, g.feats, model_cfg.TEST.METRIC)
        per_model.append(rank_rows(label, query, gallery, dist, excluded[picks], args.topk, protocol,
                                   shown_query, shown_gallery))
        models.append({"label": label, "weights": model_cfg.MODEL.WEIGHTS, "metric": model_cfg.TEST.METRIC})
    rows = [row for rows_of_query in zip(*per_model) for row in rows_of_query]  # each query's models together
    seen = (f"{args.corruption} s{args.severity} ({args.corrupt})" if args.corruption else "clean images")
    title = f"{name}, {seen}: top {args.topk}; {protocol.describe()}"
    about = {"dataset": name, "protocol": protocol.describe(), "corruption": corruption, "models": models}
    paths = save_rank_lists(args.output, rows, args.topk, title, about)
    print(f"[4/4] wrote {paths[0]} ({len(rows)} rows: {len(picks)} queries x {len(models)} model(s), "
          f"top {args.topk}) and {paths[1]}", flush=True)
    return paths


def visualize_ranks_cli(argv: Optional[List[str]] = None) -> Optional[Tuple[str, str]]:
    """``tools/visualize_ranks.py``: one process; user errors are one line each, exit 2."""
    args = visualize_ranks_parser().parse_args(argv)
    args.eval_only = True  # settings are checked as for an evaluation (no training keys)
    return run_cli(lambda: visualize_ranks(args))


if __name__ == "__main__":
    visualize_ranks_cli()
