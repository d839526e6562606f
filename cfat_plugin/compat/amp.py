"""Mixed precision training through ``torch.amp`` on GPU and CPU."""
import time
from typing import Optional

import torch

ORIGINAL_AMP_TRAINER = None
# "auto": float16 on CUDA, bfloat16 on CPU; or "float16" / "bfloat16". Set by the
# engine from cfg.SOLVER.AMP.DTYPE.
AMP_DTYPE = "auto"


def resolve_amp_dtype(device_type: str, requested: str = "auto") -> torch.dtype:
    """The autocast dtype for a device: fp16 needs CUDA; bf16 works on both."""
    if requested == "auto":
        return torch.float16 if device_type == "cuda" else torch.bfloat16
    dtype = {"float16": torch.float16, "bfloat16": torch.bfloat16}.get(requested)
    if dtype is None:
        raise ValueError(f"SOLVER.AMP.DTYPE must be auto, float16 or bfloat16, got {requested!r}")
    if dtype is torch.float16 and device_type != "cuda":
        raise ValueError("SOLVER.AMP.DTYPE float16 needs a CUDA device; use bfloat16 on CPU")
    return dtype


def model_device_type(model: torch.nn.Module) -> str:
    """``cpu`` or ``cuda``: where the model's first tensor lives."""
    module = getattr(model, "module", model)
    for tensor in list(module.parameters()) + list(module.buffers()):
        return tensor.device.type
    return "cpu"


def _build_amp_trainer_class():
    from fastreid.engine.train_loop import SimpleTrainer

    class AMPTrainer(SimpleTrainer):
        """FastReID's AMPTrainer on ``torch.amp``: any device, fp16 with loss scaling, bf16 without."""

        def __init__(self, model, data_loader, optimizer, param_wrapper,
                     grad_scaler: Optional[torch.amp.GradScaler] = None):
            super().__init__(model, data_loader, optimizer, param_wrapper)
            self.device_type = model_device_type(model)
            self.amp_dtype = resolve_amp_dtype(self.device_type, AMP_DTYPE)
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
    global ORIGINAL_AMP_TRAINER
    import fastreid.engine.defaults as engine_defaults
    import fastreid.engine.train_loop as train_loop

    if ORIGINAL_AMP_TRAINER is not None:
        return
    ORIGINAL_AMP_TRAINER = train_loop.AMPTrainer
    trainer_class = _build_amp_trainer_class()
    train_loop.AMPTrainer = trainer_class
    engine_defaults.AMPTrainer = trainer_class
