"""Loading ImageNet or TransReID weights into :class:`ReIDViT` from a local file; never downloads.

Accepted: timm/JAX ``.npz`` (read by timm's own loader), timm ``.pth``/``.bin``
and ``.safetensors`` state dicts, TransReID checkpoints (``base.``-prefixed
keys, non-square position grid) and FastReID checkpoints (``backbone.``).
Position embeddings are resized to the model's grid, classifier/head keys are
dropped, and every dropped, resized or missing key is reported.
"""
import logging
import math
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Sequence

import numpy as np
import torch
from torch import nn

from .pos_embed import infer_grid, resize_pos_embed

logger = logging.getLogger(__name__)

# Prefixes wrapping the backbone's own key names in other code bases.
_PREFIXES = ("module.", "base.", "backbone.", "model.")


@dataclass
class WeightLoadReport:
    """What happened to each key while loading a checkpoint into the model."""

    path: str
    loaded: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)  # model keys the file did not provide
    dropped: List[str] = field(default_factory=list)  # file keys not used, with the reason
    resized: List[str] = field(default_factory=list)  # keys adapted to the model's shape
    renamed: List[str] = field(default_factory=list)  # "old -> new" for keys whose name was changed

    def summary(self) -> str:
        lines = [f"Loaded {len(self.loaded)} tensors from {self.path}"]
        for title, keys in (("renamed", self.renamed), ("resized", self.resized),
                            ("missing (left at init)", self.missing),
                            ("dropped", self.dropped)):
            if keys:
                lines.append(f"  {title} ({len(keys)}): " + ", ".join(keys))
        return "\n".join(lines)


def _npz_architecture(path: str) -> Dict[str, int]:
    """Width, depth, heads, MLP width, patch and grid of a JAX ViT ``.npz`` (for timm's loader)."""
    with np.load(path) as w:
        keys = list(w.keys())
        kernel = next((k for k in keys if k.endswith("embedding/kernel") and "Transformer" not in k), None)
        pos = next((k for k in keys if k.endswith("pos_embedding")), None)
        if kernel is None or pos is None:
            raise ValueError(f"{path} is not a ViT .npz checkpoint (no embedding/kernel or pos_embedding)")
        prefix = kernel[: -len("embedding/kernel")]
        patch, _, _, width = w[kernel].shape
        blocks = {int(m.group(1)) for k in keys for m in [re.search(r"encoderblock_(\d+)/", k)] if m}
        query = w[f"{prefix}Transformer/encoderblock_0/MultiHeadDotProductAttention_1/query/kernel"]
        hidden = w[f"{prefix}Transformer/encoderblock_0/MlpBlock_3/Dense_0/kernel"].shape[1]
        num_pos = w[pos].shape[-2] - (1 if f"{prefix}cls" in w else 0)
    side = math.isqrt(num_pos)
    return dict(width=width, depth=len(blocks), heads=query.shape[1], hidden=hidden, patch=patch, grid=side)


def _read_npz(path: str) -> Dict[str, torch.Tensor]:
    """A timm-style state dict from a JAX ``.npz``, converted by timm's ``_load_weights``."""
    from timm.models.vision_transformer import VisionTransformer, _load_weights

    arch = _npz_architecture(path)
    donor = VisionTransformer(
        img_size=arch["patch"] * arch["grid"], patch_size=arch["patch"], embed_dim=arch["width"],
        depth=arch["depth"], num_heads=arch["heads"], mlp_ratio=arch["hidden"] / arch["width"],
        qkv_bias=True, num_classes=0, global_pool="token")
    _load_weights(donor, path)
    return donor.state_dict()


def read_checkpoint(path: str) -> Dict[str, torch.Tensor]:
    """The raw tensors of a local checkpoint file, whatever its format."""
    if not path:
        raise ValueError(
            "MODEL.BACKBONE.PRETRAIN is on but MODEL.BACKBONE.PRETRAIN_PATH is empty: give a local "
            "timm .npz/.pth/.safetensors or TransReID checkpoint (nothing is downloaded)")
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"Pre-trained ViT weights not found: {path} (MODEL.BACKBONE.PRETRAIN_PATH must be a local "
            f"file; nothing is downloaded)")
    if path.endswith(".npz"):
        return _read_npz(path)
    from ...utils.checkpoints import load_checkpoint_file

    state = load_checkpoint_file(path)["model"]
    return {k: torch.as_tensor(v) for k, v in state.items() if isinstance(v, (torch.Tensor, np.ndarray))}


def strip_prefixes(key: str, prefixes: Sequence[str] = _PREFIXES) -> str:
    """``key`` without any of ``prefixes`` at its start, however many are stacked."""
    changed = True
    while changed:
        changed = False
        for prefix in prefixes:
            if key.startswith(prefix):
                key, changed = key[len(prefix):], True
    return key


def adapt_state_dict(state: Dict[str, torch.Tensor], model: nn.Module,
                     report: WeightLoadReport) -> Dict[str, torch.Tensor]:
    """Rename, resize and filter ``state`` to fit ``model``, recording every decision in ``report``."""
    own = model.state_dict()
    num_prefix = 2 if any(strip_prefixes(k) == "dist_token" for k in state) else 1  # DeiT-distilled
    out = {}
    for raw_key, value in state.items():
        key = strip_prefixes(raw_key)
        if key not in own:
            report.dropped.append(f"{raw_key} (not in the model)")
            continue
        target = own[key]
        if key == "pos_embed" and value.shape != target.shape:
            value = value[:, [0] + list(range(num_prefix, value.shape[1]))] if num_prefix == 2 else value
            old = infer_grid(value.shape[1] - 1, model.grid)
            value = resize_pos_embed(value.float(), old, model.grid)
            report.resized.append(f"pos_embed (grid {old[0]}x{old[1]} -> {model.grid[0]}x{model.grid[1]})")
        elif key == "patch_embed.proj.weight" and value.shape != target.shape:
            if value.dim() == 2:  # old timm models: linear patch projection
                value = value.reshape(target.shape[0], -1, *target.shape[-2:])
            if value.shape[-2:] != target.shape[-2:]:
                from timm.layers import resample_patch_embed

                value = resample_patch_embed(value.float(), list(target.shape[-2:]))
                report.resized.append(f"patch_embed.proj.weight (kernel -> {tuple(target.shape[-2:])})")
        if value.shape != target.shape:
            report.dropped.append(f"{raw_key} (shape {tuple(value.shape)}, model {tuple(target.shape)})")
            continue
        out[key] = value.to(target.dtype)
    return out


def load_adapted_state(model: nn.Module, state: Dict[str, torch.Tensor], report: WeightLoadReport,
                       nothing_fits: str) -> WeightLoadReport:
    """Load an adapted ``state`` non-strictly, complete ``report`` and log it; raise ``nothing_fits`` if nothing loaded."""
    result = model.load_state_dict(state, strict=False)
    report.loaded = sorted(state)
    report.missing = list(result.missing_keys)
    if not report.loaded:
        raise ValueError(f"{report.path}: {nothing_fits}\n" + report.summary())
    logger.info(report.summary())
    return report


def load_pretrained_vit(model: nn.Module, path: str) -> WeightLoadReport:
    """Load a local checkpoint into ``model`` (a ReIDViT) and log what was dropped or missing."""
    report = WeightLoadReport(path=path)
    state = adapt_state_dict(read_checkpoint(path), model, report)
    return load_adapted_state(model, state, report, "no tensor matches the ViT backbone; is it a ViT checkpoint?")


def state_dict_to_npz_dict(model: nn.Module) -> Dict[str, np.ndarray]:
    """The JAX ``.npz`` layout of a ReIDViT/timm ViT (the inverse of timm's loader), for tests and export."""
    sd = {k: v.detach().cpu().float().numpy() for k, v in model.state_dict().items()}
    width = sd["cls_token"].shape[-1]
    out = {
        "embedding/kernel": sd["patch_embed.proj.weight"].transpose(2, 3, 1, 0),
        "embedding/bias": sd["patch_embed.proj.bias"],
        "cls": sd["cls_token"],
        "Transformer/posembed_input/pos_embedding": sd["pos_embed"],
        "Transformer/encoder_norm/scale": sd["norm.weight"],
        "Transformer/encoder_norm/bias": sd["norm.bias"],
    }
    depth = len({k.split(".")[1] for k in sd if k.startswith("blocks.")})
    for i in range(depth):
        b, p = f"blocks.{i}.", f"Transformer/encoderblock_{i}/"
        heads = model.blocks[i].attn.num_heads
        head_dim = width // heads
        out[p + "LayerNorm_0/scale"], out[p + "LayerNorm_0/bias"] = sd[b + "norm1.weight"], sd[b + "norm1.bias"]
        out[p + "LayerNorm_2/scale"], out[p + "LayerNorm_2/bias"] = sd[b + "norm2.weight"], sd[b + "norm2.bias"]
        qkv_w = sd[b + "attn.qkv.weight"].reshape(3, width, width)
        qkv_b = sd[b + "attn.qkv.bias"].reshape(3, heads, head_dim)
        for j, name in enumerate(("query", "key", "value")):
            out[p + f"MultiHeadDotProductAttention_1/{name}/kernel"] = qkv_w[j].T.reshape(width, heads, head_dim)
            out[p + f"MultiHeadDotProductAttention_1/{name}/bias"] = qkv_b[j]
        out[p + "MultiHeadDotProductAttention_1/out/kernel"] = sd[b + "attn.proj.weight"].T.reshape(
            heads, head_dim, width)
        out[p + "MultiHeadDotProductAttention_1/out/bias"] = sd[b + "attn.proj.bias"]
        for r in range(2):
            out[p + f"MlpBlock_3/Dense_{r}/kernel"] = sd[b + f"mlp.fc{r + 1}.weight"].T
            out[p + f"MlpBlock_3/Dense_{r}/bias"] = sd[b + f"mlp.fc{r + 1}.bias"]
    return out
