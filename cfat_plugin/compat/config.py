"""Config keys of the compatibility layer, and applying them to the patched modules."""
from fastreid.config import CfgNode as CN


def add_compat_config(cfg: CN) -> None:
    """Add ``COMPAT.*`` and ``SOLVER.AMP.DTYPE`` (idempotent)."""
    if "COMPAT" not in cfg:
        cfg.COMPAT = CN()
        # Checkpoint files allowed to unpickle arbitrary Python objects (trusted files only).
        cfg.COMPAT.TRUSTED_CHECKPOINTS = []
    if "DDP_FIND_UNUSED_PARAMETERS" not in cfg.MODEL:
        # DDP searches for parameters a step did not use (slower; needed when some are idle).
        cfg.MODEL.DDP_FIND_UNUSED_PARAMETERS = False
    if "DTYPE" not in cfg.SOLVER.AMP:
        # auto: float16 on CUDA, bfloat16 on CPU.
        cfg.SOLVER.AMP.DTYPE = "auto"


def configure_compat(cfg: CN) -> None:
    """Push the run's config into the compat fixes that need it."""
    from . import amp, checkpoint, dataloader, ddp

    checkpoint.trust_checkpoints(cfg.COMPAT.TRUSTED_CHECKPOINTS)
    amp.AMP_DTYPE = cfg.SOLVER.AMP.DTYPE
    dataloader.PREFETCH_TO_CUDA = str(cfg.MODEL.DEVICE).startswith("cuda")
    ddp.FIND_UNUSED_PARAMETERS = bool(cfg.MODEL.DDP_FIND_UNUSED_PARAMETERS)
