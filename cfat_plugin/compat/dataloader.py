"""FastReID's data loader that needs CUDA even when training on CPU."""
import torch
from torch.utils.data import DataLoader

from ..utils.runtime import runtime_options
from .patching import wrap_method_once


class CPUDataLoader(DataLoader):
    """A plain DataLoader with DataLoaderX's signature (``local_rank`` first)."""

    def __init__(self, local_rank: int, **kwargs):
        kwargs["pin_memory"] = False
        super().__init__(**kwargs)
        self.local_rank = local_rank


def _device_aware(prefetching_loader):
    def device_aware_loader(local_rank: int, **kwargs) -> DataLoader:
        # Prefetch batches to the GPU only when the model lives there (MODEL.DEVICE): a CPU/gloo run on a
        # GPU machine must not touch CUDA.
        if runtime_options().prefetch_to_cuda and torch.cuda.is_available():
            return prefetching_loader(local_rank, **kwargs)
        return CPUDataLoader(local_rank, **kwargs)
    return device_aware_loader


def fix_cpu_data_loader() -> None:
    """Use a plain DataLoader when there is no GPU to prefetch to.

    Symptom: ``build_reid_train_loader``/``build_reid_test_loader`` raise
    "Found no NVIDIA driver on your system" (torch's CUDA wheel) / "Torch not
    compiled with CUDA enabled" / "No CUDA GPUs are available" on a CPU
    machine, because ``DataLoaderX`` creates a CUDA stream in its
    constructor and calls ``torch.cuda.set_device`` in its prefetch thread.
    On a GPU the original prefetching loader is kept.
    """
    import fastreid.data.build as data_build

    wrap_method_once(data_build, "DataLoaderX", _device_aware)
