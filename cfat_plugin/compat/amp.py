"""Mixed precision training through ``torch.amp`` on GPU and CPU."""
import time
from typing import Optional

import torch

from ..utils.precision import model_device_type, resolve_amp_dtype
from ..utils.runtime import runtime_options
from .patching import wrap_method_once


def _build_amp_trainer_class():
    from fastreid.engine.train_loop import SimpleTrainer

    class AMPTrainer(SimpleTrainer):
        """FastReID's AMPTrainer on ``torch.amp``: any device, fp16 with loss scaling, bf16 without."""

        def __init__(self, model, data_loader, optimizer, param_wrapper,
                     grad_scaler: Optional[torch.amp.GradScaler] = None):
            super().__init__(model, data_loader, optimizer, param_wrapper)
            self.device_type = model_device_type(model)
            self.amp_dtype = resolve_amp_dtype(self.device_type, runtime_options().amp_dtype)
            if grad_scaler is None:
                grad_scaler = torch.amp.GradScaler(
                    self.device_type, enabled=self.amp_dtype is torch.float16)
            self.grad_scaler = grad_scaler

        def run_step(self):
            assert self.model.training, "[AMPTrainer] model was changed to eval mode!"
            start = time.perf_counter()
            data = next(self._data_loader_iter)
            data_time = time.perf_counter() - start

            with torch.autocast(device_type=self.device_type, dtype=self.amp_dtype):
                loss_dict = self.model(data)
                losses = sum(loss_dict.values())

            self.optimizer.zero_grad()
            self.grad_scaler.scale(losses).backward()
            self._write_metrics(loss_dict, data_time)
            self.grad_scaler.step(self.optimizer)
            self.grad_scaler.update()

    return AMPTrainer


def fix_amp_trainer() -> None:
    """Replace FastReID's CUDA-only AMPTrainer.

    Symptom: ``SOLVER.AMP.ENABLED True`` on CPU fails with
    "[AMPTrainer] CUDA is required for AMP training!", and on GPU warns that
    ``torch.cuda.amp.GradScaler/autocast`` are deprecated. The replacement uses
    ``torch.autocast`` with bf16 on CPU and fp16 (with a GradScaler) or bf16 on
    GPU, chosen by ``SOLVER.AMP.DTYPE``.
    """
    import fastreid.engine.defaults as engine_defaults
    import fastreid.engine.train_loop as train_loop

    wrap_method_once(train_loop, "AMPTrainer", lambda original: _build_amp_trainer_class(), also=(engine_defaults,))
