"""DistributedDataParallel as FastReID's DefaultTrainer builds it, made to work on CPU processes."""
import torch
from torch.nn.parallel import DistributedDataParallel

from ..utils.runtime import runtime_options
from .patching import wrap_method_once


def _model_on_cuda(model: torch.nn.Module) -> bool:
    return any(p.is_cuda for p in model.parameters())


def build_ddp(model: torch.nn.Module, device_ids=None, **kwargs) -> DistributedDataParallel:
    """DDP with ``device_ids`` only for a CUDA model, and the configured unused-parameter search."""
    # MODEL.DDP_FIND_UNUSED_PARAMETERS: needed when a step leaves parameters without gradients.
    kwargs.setdefault("find_unused_parameters", runtime_options().ddp_find_unused_parameters)
    return DistributedDataParallel(model, device_ids=device_ids if _model_on_cuda(model) else None,
                                   **kwargs)


def fix_ddp_on_cpu() -> None:
    """Wrap the model for DDP without ``device_ids`` on CPU (gloo) processes.

    Symptom: a multi-process CPU run fails in ``DefaultTrainer.__init__`` with
    "DistributedDataParallel device_ids and output_device arguments only work
    with single-device/multiple-device GPU modules or CPU modules, but got
    device_ids [0], output_device None, and module parameters {device(type='cpu')}",
    and a model with parameters unused in a step fails at the second step
    ("Expected to have finished reduction in the prior iteration").
    """
    import fastreid.engine.defaults as engine_defaults

    wrap_method_once(engine_defaults, "DistributedDataParallel", lambda original: build_ddp)
