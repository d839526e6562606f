"""Feature extraction for a list of items, through FastReID's own inference loop."""
import itertools
from dataclasses import dataclass
from typing import Optional, Sequence

import torch
from fastreid.data import build_reid_test_loader
from fastreid.data.common import CommDataset
from fastreid.data.transforms import build_transforms
from fastreid.evaluation import inference_on_dataset
from fastreid.evaluation.evaluator import DatasetEvaluator
from fastreid.utils import comm

from .precision import inference_model


@dataclass
class Features:
    """Features of an item list, in the list's order (held by the main process)."""

    feats: torch.Tensor
    pids: torch.Tensor
    camids: torch.Tensor


class FeatureCollector(DatasetEvaluator):
    """Keeps what ``inference_on_dataset`` computes; gathers every process's shard on the main one."""

    def reset(self) -> None:
        self._feats, self._pids, self._camids = [], [], []

    def process(self, inputs, outputs) -> None:
        self._feats.append(outputs.to("cpu", torch.float32))
        self._pids.append(inputs["targets"].cpu())
        self._camids.append(inputs["camids"].cpu())

    def evaluate(self) -> Optional[Features]:
        parts = [(self._feats, self._pids, self._camids)]
        if comm.get_world_size() > 1:
            comm.synchronize()
            parts = comm.gather(parts[0], dst=0)
            if not comm.is_main_process():
                return None
        feats, pids, camids = (list(itertools.chain(*(p[i] for p in parts))) for i in range(3))
        return Features(torch.cat(feats), torch.cat(pids), torch.cat(camids))


def extract_features(cfg, model: torch.nn.Module, items: Sequence[tuple]) -> Optional[Features]:
    """Features of ``items`` ((path, pid, camid) tuples), sharded over processes as FastReID does.

    Uses FastReID's test transforms, loader, ``inference_on_dataset`` and
    flip-test and ``TEST.AMP`` settings; returns None on processes other than the main one.
    """
    dataset = CommDataset(list(items), build_transforms(cfg, is_train=False), relabel=False)
    loader, _ = build_reid_test_loader(test_set=dataset, test_batch_size=cfg.TEST.IMS_PER_BATCH,
                                       num_query=0, num_workers=cfg.DATALOADER.NUM_WORKERS)
    result = inference_on_dataset(inference_model(cfg, model), loader, FeatureCollector(),
                                  flip_test=cfg.TEST.FLIP.ENABLED)
    return result if isinstance(result, Features) else None
