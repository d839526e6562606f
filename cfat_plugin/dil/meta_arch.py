"""``DIL``: stage II, the dual-branch ReID model (the published ``ReIDTrainer`` of ``core/reid.py``).

One ResNet trunk (stem..layer3) feeds two branches:

- the **degradation-invariant** branch: stage I's content head, identity path -> f_inv
  (``MODEL.DIL.INV_DIM``); trunk, head and classifier start from stage I (``MODEL.DIL.STAGE1_WEIGHTS``;
  with ``MODEL.DIL.STAGE1_INIT False`` the trunk starts from the baseline, head and classifier from random
  weights);
- the **degradation-sensitive** branch: the baseline's layer4 and average pooling -> f_sen
  (``MODEL.DIL.BASELINE_WEIGHTS``);

and the fused feature f_fuse = [f_sen; f_inv]. Each of the three has its ClassBlock (:mod:`.classifier`).
Training loss (``loss_<branch>_ce``, ``loss_<branch>_triplet``): for each branch, weight
(``MODEL.DIL.BRANCH``: fuse 1, inv 0.5, sen 0.5) x (CE of its logits + batch-hard triplet with margin
``TRIPLET_MARGIN`` on its feature), plus ``loss_replay_kl`` = ``MODEL.DIL.REPLAY.KL`` x
KL(softmax(p_inv(x)).detach() || softmax(p_inv(x_aug))) on the batch replayed by the memory
(:mod:`.memory_bank`; the replayed batch runs the invariant path only, the one the term reads).

Test feature: [b_sen; b_inv], the two ClassBlocks' 512-d bottleneck outputs (published ``inference``,
``feat_type fuse``); the first half alone is the sensitive feature, the second the invariant one
(:mod:`.evaluation` reports all three).

The stage I and baseline files and the replay are read only for training: ``--eval-only`` (which sets
``MODEL.TEACHER.ENABLED False``, the plugin's switch for "no other stage's files") builds the bare model
that ``MODEL.WEIGHTS`` fills.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import torch
from fastreid.config import configurable
from fastreid.modeling.losses import cross_entropy_loss, triplet_loss
from fastreid.modeling.meta_arch.build import META_ARCH_REGISTRY
from torch import nn

from .classifier import ClassBlock
from .content_encoder import ContentHead, ResNetTrunk, block_channels, build_content_head, build_resnet
from .degradation import SyntheticDegradation
from .losses import replay_consistency_kl
from .memory_bank import MemoryReplay
from .stage1 import build_stage1_networks
from .weights import (STAGE1_TO_STAGE2, checkpoint_state, load_baseline, load_mapped, reads_stage1,
                      weights_from_elsewhere)

BRANCHES = ("fuse", "inv", "sen")
REPLAY_NETWORKS = ("content_encoder", "degradation_encoder", "generator")
STAGE1_REPLAY = {f"{name}.": f"{name}." for name in REPLAY_NETWORKS}  # stage I's own keys


def build_replay(cfg, state: Dict[str, torch.Tensor]) -> MemoryReplay:
    """The memory replay of ``MODEL.DIL.REPLAY.MODE`` on frozen copies of stage I's E_con, E_deg and G."""
    d = cfg.MODEL.DIL
    seed = max(int(cfg.SEED), 0)
    if d.REPLAY.MODE == "synthetic":
        return MemoryReplay("synthetic", degradation=SyntheticDegradation(
            d.DEGRADATION.TYPES, tuple(d.DEGRADATION.DOWNSAMPLE), seed), seed=seed)
    with torch.random.fork_rng(devices=[]):  # the ReID model starts from the same weights whatever the mode
        networks = build_stage1_networks_without_baseline(cfg)
    holder = nn.Module()
    for name in REPLAY_NETWORKS:
        setattr(holder, name, networks[name])
    load_mapped(holder, state, STAGE1_REPLAY, d.STAGE1_WEIGHTS, "MODEL.DIL.STAGE1_WEIGHTS")
    return MemoryReplay(d.REPLAY.MODE, networks["content_encoder"], networks["degradation_encoder"],
                        networks["generator"], seed=seed)


def build_stage1_networks_without_baseline(cfg) -> Dict[str, nn.Module]:
    """Stage I's networks at ``cfg``'s sizes, every weight left for the stage I file."""
    cfg = cfg.clone()
    cfg.defrost()
    cfg.MODEL.DIL.BASELINE_WEIGHTS = ""
    cfg.MODEL.BACKBONE.PRETRAIN = False
    with weights_from_elsewhere():
        return build_stage1_networks(cfg)


@META_ARCH_REGISTRY.register()
class DIL(nn.Module):
    """Stage II's dual-branch model (module docstring)."""

    @configurable
    def __init__(self, *, trunk: ResNetTrunk, content_head: ContentHead, sensitive: nn.Module, num_classes: int,
                 pixel_mean, pixel_std, bottleneck: int = 512, branch_weights: Optional[Dict[str, float]] = None,
                 triplet_margin: float = 0.3, replay_kl: float = 5.0, replay: Optional[MemoryReplay] = None,
                 inv_classifier: Optional[ClassBlock] = None) -> None:
        self.__dict__["_replay"] = None  # before Module.__init__ can call _apply
        super().__init__()
        self.trunk, self.content_head, self.sensitive = trunk, content_head, sensitive
        sen_dim = block_channels(sensitive)
        self.inv_classifier = (inv_classifier if inv_classifier is not None
                               else ClassBlock(content_head.inv_dim, num_classes, bottleneck))
        self.sen_classifier = ClassBlock(sen_dim, num_classes, bottleneck)
        self.fuse_classifier = ClassBlock(sen_dim + content_head.inv_dim, num_classes, bottleneck)
        self.register_buffer("pixel_mean", torch.tensor(pixel_mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(pixel_std).view(1, -1, 1, 1), persistent=False)
        self.bottleneck = bottleneck
        self.branch_weights = dict(branch_weights or {"fuse": 1.0, "inv": 0.5, "sen": 0.5})
        self.triplet_margin, self.replay_kl = triplet_margin, replay_kl
        self.__dict__["_replay"] = replay

    @classmethod
    def from_config(cls, cfg) -> dict:
        d = cfg.MODEL.DIL
        resnet = build_resnet(cfg)
        parts = nn.Module()
        parts.trunk = ResNetTrunk(resnet)
        parts.content_head = build_content_head(cfg, parts.trunk)
        parts.inv_classifier = ClassBlock(d.INV_DIM, cfg.MODEL.HEADS.NUM_CLASSES, d.BOTTLENECK)
        replay = None
        if cfg.MODEL.TEACHER.ENABLED:  # training: start from the other stages (see the module docstring)
            state = checkpoint_state(d.STAGE1_WEIGHTS, "MODEL.DIL.STAGE1_WEIGHTS") if reads_stage1(cfg) else {}
            if d.STAGE1_INIT:
                load_mapped(parts, state, STAGE1_TO_STAGE2, d.STAGE1_WEIGHTS, "MODEL.DIL.STAGE1_WEIGHTS")
            else:  # no stage I start: the baseline's trunk, the invariant head and classifier as built
                load_baseline(parts.trunk, d.BASELINE_WEIGHTS, "trunk")
            load_baseline(resnet.layer4, d.BASELINE_WEIGHTS, "layer4")
            if d.REPLAY.KL > 0:
                replay = build_replay(cfg, state)
        return {"trunk": parts.trunk, "content_head": parts.content_head, "sensitive": resnet.layer4,
                "num_classes": cfg.MODEL.HEADS.NUM_CLASSES, "pixel_mean": cfg.MODEL.PIXEL_MEAN,
                "pixel_std": cfg.MODEL.PIXEL_STD, "bottleneck": d.BOTTLENECK,
                "branch_weights": {"fuse": d.BRANCH.FUSE, "inv": d.BRANCH.INV, "sen": d.BRANCH.SEN},
                "triplet_margin": d.BRANCH.TRIPLET_MARGIN, "replay_kl": d.REPLAY.KL, "replay": replay,
                "inv_classifier": parts.inv_classifier}

    # ---- the replay, kept outside the module tree (not in parameters() nor the checkpoint) ----
    @property
    def replay(self) -> Optional[MemoryReplay]:
        return self.__dict__.get("_replay")

    def _apply(self, fn, *args, **kwargs):
        """``to``/``cuda`` move the replay's networks with the model."""
        if self.replay is not None:
            self.replay._apply(fn, *args, **kwargs)
        return super()._apply(fn, *args, **kwargs)

    @property
    def device(self) -> torch.device:
        return self.pixel_mean.device

    # ---- features ----
    def normalise(self, images: torch.Tensor) -> torch.Tensor:
        return (images.to(self.device).float() - self.pixel_mean) / self.pixel_std

    def invariant(self, images: torch.Tensor) -> torch.Tensor:
        """f_inv of 0-255 images."""
        return self.content_head(self.trunk(self.normalise(images)), need_content=False)[0]

    def branches(self, images: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(f_inv, f_sen) of 0-255 images, sharing one trunk pass."""
        levels = self.trunk(self.normalise(images))
        f_inv = self.content_head(levels, need_content=False)[0]
        f_sen = self.sensitive(levels[-1]).mean(dim=(2, 3))
        return f_inv, f_sen

    def forward(self, batched_inputs):
        images = batched_inputs["images"] if isinstance(batched_inputs, dict) else batched_inputs
        f_inv, f_sen = self.branches(images)
        if not self.training:
            return torch.cat([self.sen_classifier(f_sen)[1], self.inv_classifier(f_inv)[1]], dim=1)
        targets = batched_inputs["targets"].to(self.device)
        features = {"fuse": torch.cat([f_sen, f_inv], dim=1), "inv": f_inv, "sen": f_sen}
        logits = {name: getattr(self, f"{name}_classifier")(feature)[0] for name, feature in features.items()}
        losses = {}
        for name in BRANCHES:
            weight = self.branch_weights[name]
            if weight:
                losses[f"loss_{name}_ce"] = weight * cross_entropy_loss(logits[name], targets, 0.0)
                losses[f"loss_{name}_triplet"] = weight * triplet_loss(features[name], targets, self.triplet_margin,
                                                                       False, True)
        if self.replay_kl > 0 and self.replay is not None:
            replayed = self.replay(images.to(self.device))
            losses["loss_replay_kl"] = self.replay_kl * replay_consistency_kl(
                logits["inv"], self.inv_classifier(self.invariant(replayed))[0])
        return losses
