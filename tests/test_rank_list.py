"""Rank-list sheets: tools/visualize_ranks.py end to end on generated SynthReID, against an independent ranking."""
import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import run_tool

TOOL = os.path.join("tools", "visualize_ranks.py")
NUM_QUERIES, TOPK = 3, 4


@pytest.fixture(scope="module")
def synth_root(tmp_path_factory):
    """SynthReID's tiny preset where the reader looks for it (``DATASETS.SYNTHREID.PRESET.MARKET tiny``)."""
    from cfat_plugin.data.synthetic.__main__ import main as cli_main

    root = tmp_path_factory.mktemp("synth")
    assert cli_main(["--out", str(root), "--preset", "tiny", "--workers", "1"]) == 0
    return root


@pytest.fixture
def fresh_model(tiny_baseline_cfg, synth_root, tmp_path):
    """A freshly built tiny Baseline on SynthReID, saved with its config: (cfg, model, config file, weights file)."""
    from fastreid.utils.checkpoint import Checkpointer

    from cfat_plugin.engine import ReIDTrainer, apply_runtime_config

    cfg = tiny_baseline_cfg
    cfg.DATASETS.ROOT = str(synth_root)
    cfg.DATASETS.SYNTHREID.PRESET.MARKET = "tiny"  # saved in the model's config.yaml: the tool reads it there
    cfg.DATASETS.NAMES = cfg.DATASETS.TESTS = ("SynthReID",)
    cfg.MODEL.HEADS.NUM_CLASSES = 20
    cfg.TEST.AMP.ENABLED = False  # float32 in both processes: the same features to the last bit
    cfg.DATASETS.CORRUPTION.TEST.CACHE_DIR = str(tmp_path / "corruption-cache")
    cfg.DATASETS.CORRUPTION.TEST.NUM_WORKERS = 1
    apply_runtime_config(cfg)
    torch.manual_seed(0)
    model = ReIDTrainer.build_model(cfg).eval()
    Checkpointer(model, save_dir=str(tmp_path)).save("fresh")
    config = tmp_path / "config.yaml"
    config.write_text(cfg.dump())
    return cfg, model, str(config), str(tmp_path / "fresh.pth")


def _tool(config, weights, *options):
    result = run_tool([TOOL, "--config-file", config, *options, "MODEL.WEIGHTS", weights],
                      env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _independent_ranking(cfg, model):
    """Query / gallery paths, ids, cameras and cosine distances: FastReID's test set, loader and transforms."""
    from fastreid.data import build_reid_test_loader
    from fastreid.data.common import CommDataset
    from fastreid.data.datasets import DATASET_REGISTRY
    from fastreid.data.transforms import build_transforms

    data = DATASET_REGISTRY.get("SynthReID")(root=cfg.DATASETS.ROOT)
    test_set = CommDataset(data.query + data.gallery, build_transforms(cfg, is_train=False), relabel=False)
    num_query = len(data.query)
    loader, _ = build_reid_test_loader(test_set=test_set, test_batch_size=64, num_query=num_query, num_workers=0)
    feats, pids, cams, paths = [], [], [], []
    with torch.no_grad():
        for batch in loader:
            feats.append(model(batch))
            pids += batch["targets"].tolist()
            cams += batch["camids"].tolist()
            paths += batch["img_paths"]
    feats = torch.nn.functional.normalize(torch.cat(feats), dim=1)
    dist = (1 - feats[:num_query] @ feats[num_query:].t()).numpy()
    split = lambda values: (values[:num_query], np.asarray(values[num_query:]))  # noqa: E731
    return split(paths), split(pids), split(cams), dist


def _query_tile(row):
    """The pixel box of a sheet row's query image (inside its frame)."""
    from cfat_plugin.evaluation.rank_list import FRAME, TILE_H, TILE_W, cell_origin

    x, y = cell_origin(row, 0)
    return x + FRAME, y + FRAME, x + FRAME + TILE_W, y + FRAME + TILE_H


@pytest.mark.slow
def test_sheet_and_json_rank_as_the_evaluator_and_corruption_keeps_the_ids(fresh_model, tmp_path):
    from cfat_plugin.evaluation import rank_list

    cfg, model, config, weights = fresh_model
    clean = tmp_path / "clean.png"
    log = _tool(config, weights, "--num-queries", str(NUM_QUERIES), "--seed", "1", "--topk", str(TOPK),
                "-o", str(clean)).stdout
    assert f"wrote {clean}" in log and "[1/4]" in log
    sheet = Image.open(clean)
    assert sheet.size == rank_list.sheet_size(NUM_QUERIES, TOPK) == (
        rank_list.LABEL_W + rank_list.GAP + (1 + TOPK) * (rank_list.CELL_W + rank_list.GAP),
        rank_list.HEADER_H + rank_list.GAP + NUM_QUERIES * (rank_list.CELL_H + rank_list.GAP))
    rows = json.loads(clean.with_suffix(".json").read_text())["rows"]
    assert len(rows) == NUM_QUERIES

    (q_paths, g_paths), (q_pids, g_pids), (q_cams, g_cams), dist = _independent_ranking(cfg, model)
    for r, row in enumerate(rows):
        q = q_paths.index(row["query"]["path"])
        junk = (g_pids == q_pids[q]) & (g_cams == q_cams[q])  # FastReID's rule: same id, same camera
        order = [g for g in np.argsort(dist[q], kind="stable") if not junk[g]][:TOPK]
        assert [e["path"] for e in row["gallery"]] == [g_paths[g] for g in order]
        assert [e["distance"] for e in row["gallery"]] == pytest.approx(dist[q, order].tolist(), abs=1e-5)
        assert [e["match"] for e in row["gallery"]] == [bool(g_pids[g] == q_pids[q]) for g in order]
        for column, entry in enumerate(row["gallery"], start=1):  # the frame's colour is the match flag
            x, y = rank_list.cell_origin(r, column)
            assert sheet.getpixel((x + 1, y + 1)) == (rank_list.MATCH if entry["match"] else rank_list.MISS)

    noisy = tmp_path / "noisy.png"
    _tool(config, weights, "--num-queries", str(NUM_QUERIES), "--seed", "1", "--topk", str(TOPK),
          "--corruption", "gaussian_noise", "--severity", "5", "--second-weights", weights, "-o", str(noisy))
    noisy_json = json.loads(noisy.with_suffix(".json").read_text())
    assert noisy_json["corruption"] == {"type": "gaussian_noise", "severity": 5, "seed": 1, "corrupted": "both"}
    noisy_rows = noisy_json["rows"]
    assert Image.open(noisy).size == rank_list.sheet_size(2 * NUM_QUERIES, TOPK)  # two models: two rows a query
    for r, row in enumerate(rows):
        first, second = noisy_rows[2 * r], noisy_rows[2 * r + 1]
        assert first["query"]["path"] == second["query"]["path"] == row["query"]["path"]  # the same queries
        assert first["query"]["pid"] == row["query"]["pid"] and first["model"].startswith("A:")
        assert second["model"].startswith("B:") and second["gallery"] == first["gallery"]  # same weights
        assert first["query"]["image"] != first["query"]["path"]  # a corrupted copy was drawn
        assert all(e["match"] == (e["pid"] == row["query"]["pid"]) for e in first["gallery"])
        clean_tile, noisy_tile = (np.asarray(Image.open(path).crop(_query_tile(row_index)), dtype=int)
                                  for path, row_index in ((clean, r), (noisy, 2 * r)))
        assert np.abs(clean_tile - noisy_tile).mean() > 5  # the query's pixels changed


def test_an_unknown_query_id_is_one_error_line_exit_2(fresh_model):
    _, _, config, weights = fresh_model
    result = run_tool([TOOL, "--config-file", config, "--query-ids", "98765", "MODEL.WEIGHTS", weights])
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "98765" in errors[0] and "Traceback" not in result.stderr


def test_each_protocol_ranks_the_first_match_where_its_evaluator_does():
    """Rank lists of every gallery image give, per protocol, the CMC of the project's evaluator for it."""
    from fastreid.evaluation.rank import evaluate_rank

    from cfat_plugin.data.datasets.clothes_changing import SynthPRCC
    from cfat_plugin.data.datasets.sysu_mm01 import SynthSYSU
    from cfat_plugin.evaluation.clothes_changing import evaluate_clothes
    from cfat_plugin.evaluation.cross_modality import evaluate_sysu
    from cfat_plugin.evaluation.rank_list import Protocol, protocol_for, rank_rows, select_queries

    rng = np.random.default_rng(0)
    n_q, n_g = 30, 80
    q_pids, g_pids = rng.integers(0, 6, n_q), rng.integers(0, 6, n_g)
    # 0-based cameras: many camera-3 queries (2) and camera-2 gallery images (1), so SYSU-MM01's rule matters
    q_cams, g_cams = rng.integers(1, 3, n_q), rng.integers(0, 3, n_g)
    q_clothes, g_clothes = rng.integers(0, 2, n_q), rng.integers(0, 2, n_g)
    query = [(f"q{i}", int(p), int(c)) for i, (p, c) in enumerate(zip(q_pids, q_cams))]
    gallery = [(f"g{i}", int(p), int(c)) for i, (p, c) in enumerate(zip(g_pids, g_cams))]
    clothes = {f"{side}{i}": int(c) for side, values in (("q", q_clothes), ("g", g_clothes))
               for i, c in enumerate(values)}
    dist = rng.random((n_q, n_g)).astype(np.float32)
    references = {
        "market": (Protocol(), evaluate_rank(dist, q_pids, g_pids, q_cams, g_cams, max_rank=10, use_cython=False)[0]),
        "sysu": (Protocol(sysu=True), evaluate_sysu(dist, q_pids, g_pids, q_cams, g_cams, max_rank=10)[0]),
        "clothes": (Protocol("clothes_changing", clothes_of=clothes.__getitem__),
                    evaluate_clothes(dist, q_pids, g_pids, q_cams, g_cams, q_clothes, g_clothes)["cmc"][:10]),
    }
    assert len({tuple(np.round(cmc, 4)) for _, cmc in references.values()}) == 3  # the three rules differ here
    for name, (protocol, cmc) in references.items():
        excluded = protocol.excluded(query, gallery)
        rows = rank_rows(name, query, gallery, dist, excluded, n_g, protocol)
        first = [next(e["rank"] for e in row["gallery"] if e["match"]) for row in rows
                 if any(e["match"] for e in row["gallery"])]
        assert [np.mean(np.asarray(first) <= k) for k in range(1, 11)] == pytest.approx(list(cmc)), name
        picked = select_queries(query, gallery, excluded, count=5, seed=3)
        assert picked == select_queries(query, gallery, excluded, count=5, seed=3) and len(set(picked)) == 5
        assert all(any(e["match"] for e in rows[q]["gallery"]) for q in picked)  # drawn among scored queries
    assert rows[0]["query"]["caption"] == f"clothes {q_clothes[0]}"
    assert protocol_for(SynthSYSU.__new__(SynthSYSU)).sysu and protocol_for(SynthSYSU.__new__(SynthSYSU)).modality_of
    assert protocol_for(SynthPRCC.__new__(SynthPRCC), "same_clothes").setting == "same_clothes"
    with pytest.raises(ValueError, match="98765"):
        select_queries(query, gallery, excluded, ids=["98765"])
