"""``RLQ``: the clothes-changing model of RLQ (CAP step) with its TAD step, one meta-architecture.

A batch with ``lq_images`` is a TAD batch (external images, high- and low-quality); any other
training batch is a CAP batch of the target data (with ``clothes``, ``gender``, ``pose``, and the
recoloured ``replica_images`` / ``replica_clothes`` when on, appended to the batch). Losses:

CAP batch (``cap_losses``):
- ``loss_id_f1`` / ``loss_id_f2``: CE with label smoothing of the classifier on f1 and the id-head on f2;
- ``loss_triplet``: batch-hard triplet on f2 with cosine distance 1 − cos (as CAL's);
- with ``MODEL.RLQ.CAP.ENABLED``: ``loss_gender`` (CE on f2), ``loss_pose`` (pose-cluster CE on f3), both
  label-smoothed (``MODEL.RLQ.CAP.SMOOTHING``) and skipping images whose label is unknown (-1),
  ``loss_disentangle`` (mean |cos(f2, f3)|), ``loss_kl_heads`` (τ-KL id-head(f2) -> classifier(f1));
- from ``MODEL.RLQ.CAL.START_EPOCH`` (``current_epoch``, set by the trainer): ``loss_clothes``
  (the cosine clothes classifier on f1.detach(), which only trains that classifier: the trainer
  steps it with its own optimizer) and ``loss_cal`` (CAL on f1, classifier weights detached so it
  trains the features only).

TAD batch (``tad_losses``): ``loss_tad_mse`` = Σ over f1, f2 of ‖n(T(HQ)) − n(S(HQ))‖² +
‖n(T(HQ)) − n(S(LQ))‖² against the frozen teacher; ``loss_tad_kl`` = τ-KL from the student's HQ
logits to its LQ logits, for the classifier (f1) and the id-head (f2). Labels are never read.

Inference: [f1; f2] (the pose branch is not run); ``TEST.FLIP.ENABLED`` sums the flipped view and
``TEST.METRIC cosine`` L2-normalises, as published.

Departures from the published code: CAL's adversarial term uses the clothes classifier before this
step's update (one backward pass, two optimizers), where CAL updates the classifier first; the
published TAD KL on the clothes classifier's logits trains nothing (detached f1, classifier outside
the optimizer) and is left out; student HQ and LQ images go through one forward pass (shared
BatchNorm statistics).
"""
from __future__ import annotations

from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import nn

from fastreid.config import configurable
from fastreid.modeling.backbones import build_backbone
from fastreid.modeling.meta_arch.build import META_ARCH_REGISTRY

from ..modeling.meta_arch.teacher import build_frozen_teacher
from .branch_embedding import MaxAvgEmbedding, linear_classifier
from .losses import CosineClassifier, clothes_adversarial, clothes_classification, cosine_triplet, \
    normalized_mse, pose_disentanglement, tau_kl

NUM_GENDERS = 2


def _teacher_keeping_rng(cfg) -> nn.Module:
    """The frozen teacher, built without drawing from the global RNG: a run with TAD starts from the
    same student weights as the same seed's run without it (paired comparisons)."""
    with torch.random.fork_rng(devices=[]):
        return build_frozen_teacher(cfg)


@META_ARCH_REGISTRY.register()
class RLQ(nn.Module):
    """Multi-branch clothes-changing ReID with coarse attribute prediction and task-agnostic distillation."""

    @configurable
    def __init__(self, *, backbone: nn.Module, num_classes: int, num_clothes: int, pose_classes: int,
                 pixel_mean, pixel_std, cap: bool = True, cal: bool = True, cal_start_epoch: int = 25,
                 teacher: Optional[nn.Module] = None, scales: Optional[Dict[str, float]] = None,
                 id_smoothing: float = 0.1, attribute_smoothing: float = 0.1, triplet_margin: float = 0.3, kl_tau: float = 0.8,
                 kl_lambda: float = 0.64, cal_scale: float = 16.0, cal_epsilon: float = 0.1) -> None:
        self.__dict__["_teacher"] = None  # before Module.__init__ can call _apply
        super().__init__()
        self.backbone = backbone
        width = 2 * backbone.channels
        self.embed_f1, self.embed_f2, self.embed_f3 = (MaxAvgEmbedding(width // 2) for _ in range(3))
        self.classifier = linear_classifier(width, num_classes)  # identity classifier on f1
        self.id_head = linear_classifier(width, num_classes)  # identity head on f2
        self.gender_head = linear_classifier(width, NUM_GENDERS)  # on f2
        self.pose_head = linear_classifier(width, pose_classes)  # on f3, class 0 = no pose
        self.clothes_classifier = CosineClassifier(width, num_clothes) if cal and num_clothes > 0 else None
        self.register_buffer("identity_clothes", torch.zeros(num_classes, max(num_clothes, 1)), persistent=False)
        self.register_buffer("pixel_mean", torch.tensor(pixel_mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(pixel_std).view(1, -1, 1, 1), persistent=False)
        self.cap, self.cal_start_epoch = cap, cal_start_epoch
        self.scales = dict(scales or {})
        self.id_smoothing, self.attribute_smoothing, self.triplet_margin = id_smoothing, attribute_smoothing, triplet_margin
        self.kl_tau, self.kl_lambda, self.cal_scale, self.cal_epsilon = kl_tau, kl_lambda, cal_scale, cal_epsilon
        self.current_epoch = 0  # set by the trainer before each step (CAL starts at cal_start_epoch)
        self.__dict__["_teacher"] = teacher

    @classmethod
    def from_config(cls, cfg) -> dict:
        r = cfg.MODEL.RLQ
        tad = r.TAD.ENABLED
        return {
            "backbone": build_backbone(cfg), "num_classes": cfg.MODEL.HEADS.NUM_CLASSES,
            "num_clothes": r.NUM_CLOTHES, "pose_classes": r.CAP.POSE_CLUSTERS + 1,
            "pixel_mean": cfg.MODEL.PIXEL_MEAN, "pixel_std": cfg.MODEL.PIXEL_STD,
            "cap": r.CAP.ENABLED, "cal": r.CAL.ENABLED, "cal_start_epoch": r.CAL.START_EPOCH,
            "teacher": _teacher_keeping_rng(cfg) if tad and cfg.MODEL.TEACHER.ENABLED else None,
            "scales": {"id": r.ID_SCALE, "triplet": r.TRIPLET_SCALE, "gender": r.CAP.GENDER_SCALE,
                       "pose": r.CAP.POSE_SCALE, "disentangle": r.CAP.DISENTANGLE_SCALE,
                       "kl_heads": r.CAP.KL_SCALE, "cal": r.CAL.LOSS_SCALE, "tad_mse": r.TAD.MSE_SCALE,
                       "tad_kl": r.TAD.KL_SCALE},
            "id_smoothing": r.ID_SMOOTHING, "attribute_smoothing": r.CAP.SMOOTHING, "triplet_margin": r.TRIPLET_MARGIN, "kl_tau": r.CAP.KL_TAU,
            "kl_lambda": r.CAP.KL_LAMBDA, "cal_scale": r.CAL.SCALE, "cal_epsilon": r.CAL.EPSILON,
        }

    # ---- the frozen teacher, kept outside the module tree (not in parameters() nor the checkpoint) ----
    @property
    def teacher(self) -> Optional[nn.Module]:
        return self.__dict__.get("_teacher")

    def _apply(self, fn, *args, **kwargs):
        """``to``/``cuda``/``half`` move the teacher with the student."""
        if self.teacher is not None:
            self.teacher._apply(fn, *args, **kwargs)
        return super()._apply(fn, *args, **kwargs)

    def train(self, mode: bool = True):
        """The teacher stays in eval mode."""
        super().train(mode)
        if self.teacher is not None:
            self.teacher.eval()
        return self

    @property
    def device(self) -> torch.device:
        return self.pixel_mean.device

    def set_identity_clothes(self, pids, clothes) -> None:
        """Which clothes class belongs to which identity (CAL's positive mask), from the training items."""
        table = torch.zeros_like(self.identity_clothes)
        table[torch.as_tensor(pids).long(), torch.as_tensor(clothes).long()] = 1.0
        self.identity_clothes.copy_(table)

    def cal_active(self) -> bool:
        """Whether the clothes classifier and CAL run this epoch."""
        return self.clothes_classifier is not None and self.current_epoch >= self.cal_start_epoch

    # ---- features ----
    def preprocess(self, images: torch.Tensor) -> torch.Tensor:
        return (images.to(self.device, non_blocking=True).float() - self.pixel_mean) / self.pixel_std

    def embeddings(self, images: torch.Tensor, with_pose: bool = False):
        """(f1, f2, f3 or None): BN-ed MaxAvg embeddings of the normalised ``images``."""
        m1, m2, m3 = self.backbone(images, with_pose=with_pose)
        return self.embed_f1(m1), self.embed_f2(m2), self.embed_f3(m3) if m3 is not None else None

    def forward(self, batched_inputs: dict):
        if not self.training:
            f1, f2, _ = self.embeddings(self.preprocess(batched_inputs["images"]))
            return torch.cat([f1, f2], dim=1)
        if "lq_images" in batched_inputs:
            return self.tad_losses(batched_inputs)
        return self.cap_losses(batched_inputs)

    def _scaled(self, name: str, value: torch.Tensor) -> torch.Tensor:
        return self.scales.get(name, 1.0) * value

    def _attribute_ce(self, head: nn.Module, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Label-smoothed CE of ``head`` over the images whose label is known (>= 0); 0 when none is."""
        known = labels >= 0
        if not known.any():
            return features.sum() * 0.0
        return F.cross_entropy(head(features[known]), labels[known], label_smoothing=self.attribute_smoothing)

    @staticmethod
    def with_replicas(batch: dict) -> dict:
        """The batch with its recoloured replicas appended as more images of the same people (same labels,
        the replicas' clothes classes), as the published loader stacks each image with its copy."""
        if "replica_images" not in batch:
            return batch
        merged = dict(batch)
        merged["images"] = torch.cat([batch["images"], batch["replica_images"]])
        merged["clothes"] = torch.cat([torch.as_tensor(batch["clothes"]), torch.as_tensor(batch["replica_clothes"])])
        for key in ("targets", "gender", "pose"):
            if key in batch:
                merged[key] = torch.as_tensor(batch[key]).repeat(2)
        return merged

    def cap_losses(self, batch: dict) -> Dict[str, torch.Tensor]:
        """The CAP step's losses on a target-data batch (see the module docstring)."""
        batch = self.with_replicas(batch)
        images = self.preprocess(batch["images"])
        targets = batch["targets"].to(self.device).long()
        f1, f2, f3 = self.embeddings(images, with_pose=self.cap)
        logits_f1, logits_f2 = self.classifier(f1), self.id_head(f2)
        losses = {
            "loss_id_f1": self._scaled("id", F.cross_entropy(logits_f1, targets, label_smoothing=self.id_smoothing)),
            "loss_id_f2": self._scaled("id", F.cross_entropy(logits_f2, targets, label_smoothing=self.id_smoothing)),
            "loss_triplet": self._scaled("triplet", cosine_triplet(f2, targets, self.triplet_margin)),
        }
        if self.cap:
            gender, pose = (batch[k].to(self.device).long() for k in ("gender", "pose"))
            losses["loss_gender"] = self._scaled("gender", self._attribute_ce(self.gender_head, f2, gender))
            losses["loss_pose"] = self._scaled("pose", self._attribute_ce(self.pose_head, f3, pose))
            losses["loss_disentangle"] = self._scaled("disentangle", pose_disentanglement(f2, f3))
            losses["loss_kl_heads"] = self._scaled("kl_heads", tau_kl(logits_f2, logits_f1, self.kl_tau,
                                                                      self.kl_lambda))
        if self.cal_active():
            clothes = batch["clothes"].to(self.device).long()
            losses["loss_clothes"] = clothes_classification(self.clothes_classifier(f1.detach()), clothes,
                                                            self.cal_scale)
            positive = self.identity_clothes[targets]
            losses["loss_cal"] = self._scaled("cal", clothes_adversarial(
                self.clothes_classifier(f1, detach_weight=True), clothes, positive, self.cal_scale,
                self.cal_epsilon))
        return losses

    def tad_losses(self, batch: dict) -> Dict[str, torch.Tensor]:
        """The TAD step's losses on a batch of external (HQ, LQ) pairs (see the module docstring)."""
        if self.teacher is None:
            raise RuntimeError("RLQ: a TAD batch needs the frozen teacher (MODEL.RLQ.TAD.ENABLED and "
                               "MODEL.TEACHER.CONFIG_FILE / WEIGHTS)")
        hq = self.preprocess(batch["images"])
        lq = self.preprocess(batch["lq_images"])
        with torch.no_grad():
            t1, t2, _ = self.teacher.embeddings(hq)
        s1, s2, _ = self.embeddings(torch.cat([hq, lq]))
        n = hq.size(0)
        mse = sum(normalized_mse(t, s[:n]) + normalized_mse(t, s[n:]) for t, s in ((t1, s1), (t2, s2)))
        kl = sum(tau_kl(logits[:n], logits[n:], self.kl_tau, self.kl_lambda)
                 for logits in (self.classifier(s1), self.id_head(s2)))
        return {"loss_tad_mse": self._scaled("tad_mse", mse), "loss_tad_kl": self._scaled("tad_kl", kl)}
