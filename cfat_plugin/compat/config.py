"""Config keys of the compatibility layer, and applying them to the patched modules."""
from fastreid.config import CfgNode as CN


def add_compat_config(cfg: CN) -> None:
    """Add ``COMPAT.*``, ``SOLVER.AMP.DTYPE`` and ``DATASETS.CUHK03.*`` (idempotent)."""
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
    if "CUHK03" not in cfg.DATASETS:
        cfg.DATASETS.CUHK03 = CN()
        # False: detected boxes (CIL benchmark, CFAT); True: hand-labelled boxes (FastReID's default).
        cfg.DATASETS.CUHK03.LABELED = False
        # False: the new 767/700 protocol (cuhk03_new_protocol_config_*.mat); True: the 20 classic splits.
        cfg.DATASETS.CUHK03.CLASSIC_SPLIT = False
        # Which classic split (0-19); the new protocol has only split 0.
        cfg.DATASETS.CUHK03.SPLIT_ID = 0


def configure_compat(cfg: CN) -> None:
    """Push the run's config into the compat fixes that need it."""
    from . import amp, checkpoint, cuhk03, dataloader, ddp

    checkpoint.trust_checkpoints(cfg.COMPAT.TRUSTED_CHECKPOINTS)
    amp.AMP_DTYPE = cfg.SOLVER.AMP.DTYPE
    dataloader.PREFETCH_TO_CUDA = str(cfg.MODEL.DEVICE).startswith("cuda")
    ddp.FIND_UNUSED_PARAMETERS = bool(cfg.MODEL.DDP_FIND_UNUSED_PARAMETERS)
    node = cfg.DATASETS.CUHK03
    cuhk03.PROTOCOL = cuhk03.CUHK03Protocol(bool(node.LABELED), bool(node.CLASSIC_SPLIT), int(node.SPLIT_ID))
