"""The corruption-robustness benchmark on FastReID's ReidEvaluator, resumable cell by cell.

Protocol: ../shared/docs/robustness-protocol.md. One run evaluates a model on
one data set: the clean cell, the benchmark's random draws in the chosen
settings (``both`` is the headline number), optionally seen/held-out draws and
the full type x severity grid. Each query/gallery version's features are
extracted once and shared by every cell that uses it; every cell's metrics
come from FastReID's ``ReidEvaluator`` (Cython ``evaluate_rank``). Finished
cells are saved after each one, so an interrupted run resumes where it stopped.
"""
import hashlib
import json
import logging
import os
from typing import Dict, List, Optional, Sequence

import torch
from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.evaluation import ReidEvaluator
from fastreid.utils import comm
from tqdm import tqdm

from ..data.config import datasets_root
from ..data.corruptions import CorruptionCache, corrupted_items, corruption_jobs, resolve_seed
from ..data.images import check_run_images
from ..utils.files import replace_atomically
from .cells import CLEAN, Cell, Plan, last_use, plan_cells
from .features import Features, extract_features
from .report import write_report

logger = logging.getLogger(__name__)

METRIC_KEYS = ("Rank-1", "Rank-5", "Rank-10", "mAP", "mINP")
RESULTS_FILE = "results.json"


def model_fingerprint(model: torch.nn.Module) -> str:
    """A hash of the model's weights: results of other weights are never resumed into this run."""
    digest = hashlib.sha1()
    module = getattr(model, "module", model)
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def training_corruption_types(cfg) -> Optional[List[str]]:
    """The "seen" corruption types: TEST.ROBUSTNESS.SEEN_TYPES, else the config's training types."""
    if cfg.TEST.ROBUSTNESS.SEEN_TYPES:
        return list(cfg.TEST.ROBUSTNESS.SEEN_TYPES)
    corruption = cfg.DATASETS.get("CORRUPTION")
    if corruption is None or not corruption.TRAIN.ENABLED or not corruption.TRAIN.TYPES:
        return None
    return list(corruption.TRAIN.TYPES)


def benchmark_fields(cfg, seed: int) -> dict:
    """What decides a run's cells: the benchmark's settings (TEST.ROBUSTNESS) and draw (DATASETS.CORRUPTION.TEST)."""
    options, draw = cfg.TEST.ROBUSTNESS, cfg.DATASETS.CORRUPTION.TEST
    return {"seed": seed, "repeats": int(options.REPEATS), "settings": list(options.SETTINGS),
            "types": list(draw.TYPES), "severities": [int(s) for s in draw.SEVERITIES],
            "grid": bool(options.GRID), "grid_severities": [int(s) for s in options.GRID_SEVERITIES],
            "grid_types": list(options.GRID_TYPES),
            "seen_types": training_corruption_types(cfg) if options.SEEN_HELD_OUT else None}


def plan_of(fields: dict) -> Plan:
    """The cells of a run from its :func:`benchmark_fields` (or a saved protocol holding them)."""
    return plan_cells(fields["settings"], fields["repeats"], fields["seed"], fields["types"], fields["severities"],
                      fields["grid"], fields["seen_types"], fields["grid_severities"], fields.get("grid_types", ()))


def planned_corruptions(cfg, seed: Optional[int] = None) -> list:
    """Every corrupted version a robustness run of ``cfg`` reads (query and gallery), in plan order.

    What a cache pre-fill must hold for the run to compute nothing. ``seed``: the draw's seed
    (default: ``DATASETS.CORRUPTION.TEST.SEED``; a run with -1 draws its own, unknown here).
    """
    seed = resolve_seed(int(cfg.DATASETS.CORRUPTION.TEST.SEED)) if seed is None else seed
    plan = plan_of(benchmark_fields(cfg, seed))
    return list(dict.fromkeys(version for cell in plan.cells for _, version in cell.versions()
                              if version is not CLEAN))


def _write_json_atomic(path: str, payload: dict) -> None:
    def write(tmp):
        with open(tmp, "w") as f:
            json.dump(payload, f, indent=1)

    replace_atomically(path, write)


def _broadcast(obj):
    """The main process's ``obj`` on every process."""
    if comm.get_world_size() == 1:
        return obj
    return comm.all_gather(obj if comm.is_main_process() else None)[0]


class RobustnessEvaluator:
    """The benchmark of one model on one data set, written to ``output_dir``."""

    def __init__(self, cfg, model: torch.nn.Module, dataset_name: str, output_dir: str,
                 progress: bool = True):
        self.cfg = cfg
        self.model = model
        self.dataset_name = dataset_name
        self.output_dir = output_dir
        self.progress = progress and comm.is_main_process()
        self.options = cfg.TEST.ROBUSTNESS  # the benchmark: settings, repeats, grid, seen types
        self.draw = cfg.DATASETS.CORRUPTION.TEST  # the corrupted test draw: types, severities, seed, cache
        self.cache = CorruptionCache(self.draw.CACHE_DIR or None)
        self.results_path = os.path.join(output_dir, RESULTS_FILE)

    # -- state -------------------------------------------------------------------------------
    def _protocol(self, seed: int, data) -> dict:
        return {
            "dataset": self.dataset_name,
            "num_query": len(data.query), "num_gallery": len(data.gallery),
            **benchmark_fields(self.cfg, seed),
            "metric": self.cfg.TEST.METRIC, "flip_test": bool(self.cfg.TEST.FLIP.ENABLED),
            "model": model_fingerprint(self.model),
        }

    def _load_previous(self) -> Optional[dict]:
        if not os.path.isfile(self.results_path):
            return None
        with open(self.results_path) as f:
            return json.load(f)

    def _start_state(self, data) -> dict:
        """Resume the saved run when it is the same protocol and model; else start anew."""
        state = None
        if comm.is_main_process():
            previous = self._load_previous()
            requested = int(self.draw.SEED)
            seed = previous["protocol"]["seed"] if previous and requested < 0 else resolve_seed(requested)
            protocol = self._protocol(seed, data)
            if previous and previous.get("protocol") == protocol:
                state = previous
                logger.info(f"Resuming robustness run: {len(state['cells'])} cells already done")
            else:
                state = {"protocol": protocol, "cells": {}, "weights": self.cfg.MODEL.WEIGHTS,
                         "config": self.cfg.dump()}
        return _broadcast(state)

    # -- features ----------------------------------------------------------------------------
    def _workers(self) -> Optional[int]:
        return int(self.draw.NUM_WORKERS) or None

    def _prefill(self, cells: Sequence[Cell], data) -> None:
        """Corrupt every image the cells need in one go: one worker pool and one progress bar for
        the whole run instead of one per query/gallery version (their start-up cost adds up)."""
        if comm.is_main_process():
            versions = dict.fromkeys((side, version) for cell in cells for side, version in cell.versions()
                                     if version is not CLEAN)
            jobs = [job for side, version in versions
                    for job in corruption_jobs(data.query if side == "query" else data.gallery, version,
                                               self.cache)]
            if jobs:
                stats = self.cache.fill(jobs, num_workers=self._workers(), progress=self.progress,
                                        desc=f"corrupting ({len(versions)} query/gallery versions)")
                logger.info(f"Corrupted test images ready: {len(versions)} query/gallery versions, "
                            f"{stats.computed} images computed, {stats.reused} from the cache, "
                            f"{stats.seconds:.0f} s")
        comm.synchronize()

    def _items(self, items: Sequence[tuple], version) -> List[tuple]:
        if version is CLEAN:
            return list(items)
        workers = self._workers()
        if comm.is_main_process():
            result = corrupted_items(items, version, self.cache, num_workers=workers, progress=self.progress)
        comm.synchronize()
        if not comm.is_main_process():  # files exist now: only their paths are computed
            result = corrupted_items(items, version, self.cache, num_workers=1, progress=False)
        return result

    def _features(self, memo: Dict, side: str, version, data) -> Optional[Features]:
        key = (side, version)
        if key not in memo:
            items = data.query if side == "query" else data.gallery
            memo[key] = extract_features(self.cfg, self.model, self._items(items, version))
        return memo[key]

    def _evaluate_cell(self, query: Optional[Features], gallery: Optional[Features]) -> Dict[str, float]:
        evaluator = ReidEvaluator(self.cfg, num_query=len(query.pids) if query is not None else 0)
        if comm.is_main_process():
            for part in (query, gallery):
                evaluator.process({"targets": part.pids, "camids": part.camids}, part.feats)
        results = evaluator.evaluate()
        return {k: float(results[k]) for k in METRIC_KEYS} if comm.is_main_process() else {}

    # -- run ---------------------------------------------------------------------------------
    def plan(self, protocol: dict) -> Plan:
        return plan_of(protocol)

    def run(self) -> Optional[dict]:
        """Evaluate every missing cell, write the report; return the summary on the main process."""
        # every bad image listed before features are extracted (DATASETS.IMAGE_CHECK; cached, so cheap)
        check_run_images(self.cfg, datasets_root(self.cfg), train=False, test_names=[self.dataset_name],
                         report_dir=self.output_dir)
        data = DATASET_REGISTRY.get(self.dataset_name)(root=datasets_root(self.cfg))
        if comm.is_main_process():
            os.makedirs(self.output_dir, exist_ok=True)
        state = self._start_state(data)
        plan = self.plan(state["protocol"])
        last = last_use(plan)
        memo: Dict = {}
        todo = [(i, c) for i, c in enumerate(plan.cells) if c.cell_id not in state["cells"]]
        self._prefill([c for _, c in todo], data)
        bar = tqdm(total=len(plan.cells), initial=len(plan.cells) - len(todo), desc="robustness cells",
                   disable=not self.progress, dynamic_ncols=True)
        for index, cell in todo:
            bar.set_postfix_str(cell.cell_id)
            query = self._features(memo, "query", cell.query, data)
            gallery = self._features(memo, "gallery", cell.gallery, data)
            metrics = self._evaluate_cell(query, gallery)
            if comm.is_main_process():
                state["cells"][cell.cell_id] = {**_describe(cell), **metrics}
                _write_json_atomic(self.results_path, state)
                logger.info(f"Robustness cell {len(state['cells'])}/{len(plan.cells)} {cell.cell_id}: "
                            f"mAP {metrics['mAP']:.2f}, Rank-1 {metrics['Rank-1']:.2f}")
            self._release(memo, last, index)
            bar.update(1)
        bar.close()
        if not comm.is_main_process():
            return None
        return write_report(state, plan, self.output_dir)

    @staticmethod
    def _release(memo: Dict, last: Dict, index: int) -> None:
        for key in [k for k in memo if last.get(k, -1) <= index]:
            # keep clean versions: later cells of a resumed run may need them again
            if key[1] is not CLEAN:
                del memo[key]


def _describe(cell: Cell) -> dict:
    return {"kind": cell.kind, "setting": cell.setting, "corruption": cell.corruption,
            "severity": cell.severity, "repeat": cell.repeat}


def robustness_datasets(cfg) -> List[str]:
    """The data sets the robustness run evaluates."""
    return list(cfg.TEST.ROBUSTNESS.DATASETS) or list(cfg.DATASETS.TESTS)


def run_robustness(cfg, model: torch.nn.Module, progress: bool = True) -> Dict[str, dict]:
    """Run the benchmark on every configured data set; summaries by data set (main process)."""
    names = robustness_datasets(cfg)
    summaries = {}
    for name in names:
        out = os.path.join(cfg.OUTPUT_DIR, "robustness", name if len(names) > 1 else "")
        summary = RobustnessEvaluator(cfg, model, name, out.rstrip(os.sep), progress).run()
        if summary is not None:
            summaries[name] = summary
    return summaries
