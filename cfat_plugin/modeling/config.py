"""Config keys of the model side (ViT backbone, BFG head, CFAT meta-architecture)."""
from fastreid.config import CfgNode as CN


def add_model_config(cfg: CN) -> None:
    """Add the model keys to ``cfg`` in place; safe to call twice."""
