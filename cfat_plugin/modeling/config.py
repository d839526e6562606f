"""Config keys of the shared model side (ViT and torchreid backbones, retrieval feature, teacher).

FastReID already has the ViT keys it shares with us: ``MODEL.BACKBONE.DEPTH``
(here a size name: tiny/small/base/large), ``STRIDE_SIZE``, ``SIE_COE`` (the SIE
coefficient lambda), ``DROP_PATH_RATIO``, ``DROP_RATIO``, ``ATT_DROP_RATE``,
``PRETRAIN`` and ``PRETRAIN_PATH``. The keys below are what it lacks.
"""
from fastreid.config import CfgNode as CN

from ..utils.config_keys import register_config_keys


def add_key(node: CN, key: str, value) -> None:
    """Set ``node.key`` only when it is absent, so a second call changes nothing."""
    if key not in node:
        node[key] = value


def child_node(node: CN, key: str) -> CN:
    """``node.key``, made an empty node first when it is absent."""
    if key not in node:
        node[key] = CN()
    return node[key]


@register_config_keys
def add_model_config(cfg: CN) -> None:
    """Add the model keys to ``cfg`` in place; safe to call twice."""
    model = cfg.MODEL
    # Convolution weights (and inference images) in channels-last order: oneDNN's convolutions and
    # pooling skip a layout conversion per layer, so a ResNet trains and extracts faster on CPU (same
    # maths, another summation order; benchmarks/bench_precision.py). False: PyTorch's default layout.
    add_key(model, "CHANNELS_LAST", False)

    # ---- ViT backbone (build_cfat_vit_backbone) ----
    backbone = model.BACKBONE
    # Number of cameras for the SIE camera embedding; 0 turns SIE off (so does SIE_COE 0).
    add_key(backbone, "SIE_CAMERAS", 0)
    vit = child_node(backbone, "VIT")
    # 0 (or 0.0) = take the value of the size named by MODEL.BACKBONE.DEPTH.
    add_key(vit, "EMBED_DIM", 0)
    add_key(vit, "NUM_LAYERS", 0)
    add_key(vit, "NUM_HEADS", 0)
    add_key(vit, "MLP_RATIO", 0.0)
    add_key(vit, "PATCH_SIZE", 16)
    add_key(vit, "QKV_BIAS", True)

    # ---- torchreid model as backbone (build_torchreid_backbone); weights: PRETRAIN + PRETRAIN_PATH ----
    torchreid = child_node(backbone, "TORCHREID")
    # A name of torchreid's catalogue (torchreid.reid.models), e.g. "osnet_x0_25"; FEAT_DIM = its map's channels.
    add_key(torchreid, "NAME", "osnet_x1_0")

    # ---- Retrieval feature returned at inference (CameraAwareBaseline and CFAT) ----
    retrieval = child_node(model, "RETRIEVAL")
    # "cls": CLS token (pooled map for CNNs); "patch_mean": mean of the patch tokens after
    # the final LayerNorm (published CFAT); "bnneck": the head's BNNeck output (FastReID).
    add_key(retrieval, "FEAT", "bnneck")
    # L2-normalise the returned feature (the benchmark compares normalised features).
    add_key(retrieval, "NORM", True)

    # ---- Frozen teacher of a distillation meta-architecture (CFAT's) ----
    teacher = child_node(model, "TEACHER")
    add_key(teacher, "ENABLED", True)  # False: inference-only CFAT model (no teacher file needed)
    add_key(teacher, "CONFIG_FILE", "")
    add_key(teacher, "WEIGHTS", "")
