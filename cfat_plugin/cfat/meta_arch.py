"""``CFAT``: coarse-to-fine feature alignment of a corrupted-view student to a frozen clean-view teacher.

Training batches carry two views of each image: ``images`` (corrupted, for
the student) and ``clean_images`` (for the teacher). Losses, each logged:

- ``loss_cls``, ``loss_triplet``: the student's ID + triplet (FastReID's, on the CLS token);
- ``loss_align``: coarse weighted contrastive alignment of student and teacher CLS;
- ``loss_kl``: KL( q(z|f_co) || q(z|f_bb) ), f_bb a bridge between the two features;
- ``loss_recon``: the VAE's reconstruction of the teacher feature;
- ``loss_recon_cls``, ``loss_recon_triplet``: ID + triplet on the VAE reconstruction of the student feature
  (the ID term on the student's own logits instead in the published form, ``MODEL.CFAT.LOSS.RECON_ID.LOGITS``).

The fine stage runs in this project's form (unit-norm arc bridge, positive
sigma, normalised VAE input) or, key by key, in the released code's
(``MODEL.CFAT.BRIDGE.FORM official``, ``MODEL.HEADS.BFG.SIGMA raw``,
``MODEL.HEADS.BFG.NORM_INPUT False``, ...). Where the released form would give
NaN (a negative radicand in the bridge, sigmas of opposite sign in the KL's
log) the value is guarded, and every guarded step is counted in the event
storage (``guarded_bridge_rows``, ``guarded_kl_elements`` and their running
step counts) and announced in the log the first time.

The teacher lives outside the module tree (not in ``parameters()``,
``state_dict()``, the optimizer or DDP), follows the model's device and
dtype, and stays in eval mode under no_grad. At inference the student alone
returns the retrieval feature. Under mixed precision (``SOLVER.AMP``) the two
backbones run in low precision; heads and every loss run in float32.

Teacher and student may be different models (a ViT teacher, a torchreid
OSNet student); when their widths differ, a learnable student-side
projection maps the student to the teacher's width before its head
(``MODEL.CFAT.TEACHER_PROJECTION``, :mod:`.projection`).
"""
import logging
import os
from typing import Dict, Optional, Sequence

import torch
from torch import nn

from fastreid.config import configurable
from fastreid.modeling.heads import build_heads
from fastreid.modeling.meta_arch.build import META_ARCH_REGISTRY
from fastreid.utils import events
from fastreid.utils.checkpoint import Checkpointer

from ..modeling.meta_arch.camera_baseline import CameraAwareBaseline, batch_images
from ..modeling.meta_arch.features import BackboneOutput, autocast_off, full_precision, pooled_feature, run_backbone
from ..modeling.meta_arch.projection import build_projection
from ..modeling.meta_arch.teacher import TeacherError, TeacherNotFoundError, build_frozen_teacher, teacher_config
from .bfg_vae import Posterior
from .bridge import BRIDGE_FORMS, make_bridge, sample_t
from .losses import (RECON_ID_LOGITS, bridge_kl_loss, guarded_sigma_elements, reconstruction_loss,
                     reconstruction_reid_losses, weighted_contrastive_alignment_loss)

logger = logging.getLogger(__name__)

LOSS_SCALES = ("align", "kl", "recon", "recon_id", "recon_triplet")


def value_without_gradient(loss: torch.Tensor) -> torch.Tensor:
    """Same value, zero gradient: the parameters behind ``loss`` still get a (zero) gradient, so
    DDP sees every parameter used, yet nothing learns from it."""
    return loss.detach() + loss * 0.0


def _split(post: Posterior, sizes: Sequence[int]):
    return [Posterior(mu, sigma) for mu, sigma in zip(post.mu.split(sizes), post.sigma.split(sizes))]


def teacher_width(cfg) -> int:
    """Width of the teacher's pooled feature: its config's FEAT_DIM, or its own teacher's when it projects."""
    t_cfg = teacher_config(cfg)
    if t_cfg.MODEL.META_ARCHITECTURE == "CFAT" and t_cfg.MODEL.CFAT.TEACHER_PROJECTION != "none":
        return teacher_width(t_cfg)
    return t_cfg.MODEL.BACKBONE.FEAT_DIM


def backbone_kind(backbone: nn.Module) -> str:
    """What makes two backbones "the same model": the torchreid name, else the class."""
    return getattr(backbone, "torchreid_name", None) or type(backbone).__name__


@META_ARCH_REGISTRY.register()
class CFAT(CameraAwareBaseline):
    """Student (backbone + BFGHead) trained on corrupted views against a frozen clean-view teacher."""

    @configurable
    def __init__(self, *, teacher: Optional[nn.Module] = None, projection: Optional[nn.Module] = None,
                 init_from_teacher: bool = True,
                 bfg_warmup_iters: int = 0, t_range: Sequence[float] = (0.0, 1.0), t_per_sample: bool = False,
                 align_temperature: float = 0.5, align_weighted: bool = True,
                 scales: Optional[Dict[str, float]] = None, recon_reduction: str = "sample_sum",
                 kl_form: str = "published", kl_reduction: str = "sum", kl_norm_floor: float = 1e-3,
                 kl_trains_vae: bool = True, student_weights: str = "", bfg_weights: str = "",
                 grad_norm_period: int = 0, bridge_form: str = "arc", recon_id_logits: str = "reconstruction", teacher_train_mode: bool = False,
                 **kwargs):
        self.__dict__["_teacher"] = None  # before Module.__init__ can call _apply
        super().__init__(**kwargs)
        if not (hasattr(self.heads, "bfg") and hasattr(self.heads, "classify")):
            raise TypeError(f"CFAT needs a head with the BFG VAE (MODEL.HEADS.NAME: BFGHead), "
                            f"got {type(self.heads).__name__}")
        sample_t(1, t_range)  # validates the range now rather than at the first step
        if bridge_form not in BRIDGE_FORMS:
            raise ValueError(f"MODEL.CFAT.BRIDGE.FORM must be one of {BRIDGE_FORMS}, got '{bridge_form}'")
        if recon_id_logits not in RECON_ID_LOGITS:
            raise ValueError(f"MODEL.CFAT.LOSS.RECON_ID.LOGITS must be one of {RECON_ID_LOGITS}, "
                             f"got '{recon_id_logits}'")
        self.bridge_form = bridge_form
        self.recon_id_logits = recon_id_logits
        self.teacher_train_mode = bool(teacher_train_mode)
        self.guarded_steps = {"bridge": 0, "kl": 0}  # training steps on which a NaN guard changed a value
        self.__dict__["_teacher"] = teacher
        self.projection = projection  # student -> teacher width (MODEL.CFAT.TEACHER_PROJECTION), or None
        self.bfg_warmup_iters = int(bfg_warmup_iters)
        self.t_range = tuple(float(t) for t in t_range)
        self.t_per_sample = t_per_sample
        self.align_temperature = align_temperature
        self.align_weighted = align_weighted
        self.scales = {name: 1.0 for name in LOSS_SCALES}
        self.scales.update(scales or {})
        self.recon_reduction = recon_reduction
        bridge_kl_loss(*[torch.ones(1, 1)] * 4, form=kl_form, reduction=kl_reduction)  # validates the keys now
        self.kl_options = {"form": kl_form, "reduction": kl_reduction, "norm_floor": kl_norm_floor}
        self.kl_trains_vae = bool(kl_trains_vae)
        self.grad_norm_period = int(grad_norm_period)
        self._fallback_iter = 0
        if teacher is not None:
            teacher.to(self.device)
            if init_from_teacher:
                self.init_student_from_teacher()
        if student_weights:
            self.load_student_start(student_weights)
        if bfg_weights:
            self.load_bfg_weights(bfg_weights)

    @classmethod
    def from_config(cls, cfg) -> dict:
        args = super().from_config(cfg)
        c = cfg.MODEL.CFAT
        projection = None
        if cfg.MODEL.TEACHER.ENABLED or c.TEACHER_PROJECTION != "none":
            width = teacher_width(cfg)
            projection = build_projection(c.TEACHER_PROJECTION, cfg.MODEL.BACKBONE.FEAT_DIM, width)
        if projection is not None:  # the student's head and BFG VAE work at the teacher's width
            head_cfg = cfg.clone()
            head_cfg.defrost()
            head_cfg.MODEL.BACKBONE.FEAT_DIM = width
            args["heads"] = build_heads(head_cfg)
        args.update(
            teacher=build_frozen_teacher(cfg) if cfg.MODEL.TEACHER.ENABLED else None,
            projection=projection,
            init_from_teacher=c.INIT_STUDENT_FROM_TEACHER,
            bfg_warmup_iters=c.BFG_WARMUP_ITERS,
            t_range=tuple(c.BRIDGE.T_RANGE),
            t_per_sample=c.BRIDGE.T_PER_SAMPLE,
            align_temperature=c.LOSS.ALIGN.TEMPERATURE,
            align_weighted=c.LOSS.ALIGN.WEIGHTED,
            scales={"align": c.LOSS.ALIGN.SCALE, "kl": c.LOSS.KL.SCALE, "recon": c.LOSS.RECON.SCALE,
                    "recon_id": c.LOSS.RECON_ID.SCALE, "recon_triplet": c.LOSS.RECON_TRIPLET.SCALE},
            recon_reduction=c.LOSS.RECON.REDUCTION,
            kl_form=c.LOSS.KL.FORM, kl_reduction=c.LOSS.KL.REDUCTION, kl_norm_floor=c.LOSS.KL.NORM_FLOOR,
            kl_trains_vae=c.LOSS.KL.TRAINS_VAE,
            # stage checkpoints are only read when training (an inference model gets every weight from MODEL.WEIGHTS)
            student_weights=c.STUDENT_WEIGHTS if cfg.MODEL.TEACHER.ENABLED else "",
            bfg_weights=c.BFG_WEIGHTS if cfg.MODEL.TEACHER.ENABLED else "",
            grad_norm_period=c.GRAD_NORM_PERIOD,
            bridge_form=c.BRIDGE.FORM,
            recon_id_logits=c.LOSS.RECON_ID.LOGITS,
            teacher_train_mode=c.TEACHER_TRAIN_MODE,
        )
        return args

    # ---- the teacher, kept outside the module tree ----
    @property
    def teacher(self) -> Optional[nn.Module]:
        return self.__dict__.get("_teacher")

    def _apply(self, fn, *args, **kwargs):
        """``to``/``cuda``/``half``... move the teacher along with the student."""
        super()._apply(fn, *args, **kwargs)
        if self.teacher is not None:
            self.teacher._apply(fn, *args, **kwargs)
        return self

    def train(self, mode: bool = True):
        """The student follows ``mode``; the teacher stays in eval mode, or with ``MODEL.CFAT.TEACHER_TRAIN_MODE``
        (the published code) runs its dropout and drop-path as in training while its BatchNorm stays frozen."""
        super().train(mode)
        if self.teacher is not None:
            set_teacher_mode(self.teacher, mode and self.teacher_train_mode)
        return self

    @torch.no_grad()
    def init_student_from_teacher(self) -> None:
        """Copy every teacher tensor whose name and shape the student shares (backbone, BNNeck, classifier).

        Backbones of different models (a ViT teacher, an OSNet student) or of
        different widths behind a projection share no tensor: the student's
        backbone then keeps its own initialisation. The same model at the same
        width sharing nothing means the configs disagree, and is an error.
        """
        own = self.state_dict()
        copied, skipped = [], []
        for key, value in self.teacher.state_dict().items():
            if key in own and own[key].shape == value.shape:
                own[key].copy_(value)
                copied.append(key)
            else:
                skipped.append(key)
        same_model = backbone_kind(self.backbone) == backbone_kind(self.teacher.backbone)
        if same_model and self.projection is None and not any(k.startswith("backbone.") for k in copied):
            raise TeacherError(f"the teacher and student backbones are both {backbone_kind(self.backbone)} but "
                               f"share no tensor: check that MODEL.BACKBONE matches the teacher's config")
        if not (torch.equal(self.pixel_mean, self.teacher.pixel_mean)
                and torch.equal(self.pixel_std, self.teacher.pixel_std)):
            logger.warning("teacher and student normalise pixels differently (MODEL.PIXEL_MEAN/STD)")
        student_only = sorted({".".join(k.split(".")[:2]) for k in own if k not in copied})
        logger.info(f"Student initialised from the teacher: {len(copied)} tensors copied; "
                    f"teacher-only: {skipped or 'none'}; student-only (own init): {student_only or 'none'}")

    @torch.no_grad()
    def load_student_start(self, path: str) -> None:
        """Start the student from ``path`` (``MODEL.CFAT.STUDENT_WEIGHTS``: the published ``pretrain_cor``).

        Every tensor of the file whose name and shape the student has is loaded; the BFG VAE is
        left alone (its start is ``MODEL.CFAT.BFG_WEIGHTS``). A file that gives the backbone nothing
        is the wrong file, and an error.
        """
        state = _checkpoint_state(path, "MODEL.CFAT.STUDENT_WEIGHTS")
        own = self.state_dict()
        loaded = [k for k, v in state.items()
                  if k in own and not k.startswith("heads.bfg.") and own[k].shape == v.shape]
        if not any(k.startswith("backbone.") for k in loaded):
            raise TeacherError(f"{path} (MODEL.CFAT.STUDENT_WEIGHTS) has no backbone tensor that fits the student")
        for key in loaded:
            own[key].copy_(state[key])
        logger.info(f"Student started from {path}: {len(loaded)} tensors loaded; "
                    f"left as they were: {sorted({'.'.join(k.split('.')[:2]) for k in own if k not in loaded})}")

    @torch.no_grad()
    def load_bfg_weights(self, path: str) -> None:
        """Start the BFG VAE from the ``heads.bfg.*`` tensors of ``path`` (``MODEL.CFAT.BFG_WEIGHTS``)."""
        state = _checkpoint_state(path, "MODEL.CFAT.BFG_WEIGHTS")
        prefix = "heads.bfg."
        vae_state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if not vae_state:
            raise TeacherError(f"{path} (MODEL.CFAT.BFG_WEIGHTS) holds no {prefix}* tensor: train it with the "
                               f"BFG pre-training stage (MODEL.META_ARCHITECTURE BFGPretrain)")
        try:
            self.heads.bfg.load_state_dict(vae_state)
        except RuntimeError as error:
            raise TeacherError(f"{path} (MODEL.CFAT.BFG_WEIGHTS) does not fit this BFG VAE "
                               f"(MODEL.HEADS.BFG.*): {str(error).splitlines()[0]}") from None
        logger.info(f"BFG VAE started from {path} ({len(vae_state)} tensors)")

    def backbone_output(self, images: torch.Tensor, camids: Optional[torch.Tensor]) -> BackboneOutput:
        """The student's backbone output, projected to the teacher's width when a projection is configured."""
        out = run_backbone(self.backbone, images, camids)
        return out if self.projection is None else self.projection(out)

    # ---- iteration and warm-up ----
    def current_iter(self) -> int:
        """The trainer's iteration (EventStorage) when one runs, else a count of training forwards."""
        if events._CURRENT_STORAGE_STACK:
            return events.get_event_storage().iter
        return self._fallback_iter

    def in_bfg_warmup(self) -> bool:
        return self.bfg_warmup_iters > 0 and self.current_iter() < self.bfg_warmup_iters

    # ---- forward ----
    def teacher_feature(self, batched_inputs, camids: Optional[torch.Tensor]) -> torch.Tensor:
        """The teacher's pooled pre-BNNeck feature (CLS for the ViT) of the clean view."""
        try:
            clean = batch_images(batched_inputs, "clean_images")
        except (KeyError, TypeError):
            raise KeyError("CFAT trains on paired views but the batch has no 'clean_images': enable the "
                           "paired loader with DATASETS.CORRUPTION.TRAIN.ENABLED True") from None
        teacher = self.teacher
        with torch.no_grad():
            images = self.normalise(clean, teacher.pixel_mean, teacher.pixel_std)
            if hasattr(teacher, "backbone_output"):
                out = teacher.backbone_output(images, camids)
            else:  # FastReID's own meta-architectures
                out = run_backbone(teacher.backbone, images, camids)
            with autocast_off(images):
                return pooled_feature(teacher.heads, full_precision(out).feature_map)

    def forward(self, batched_inputs):
        if not self.training:
            return super().forward(batched_inputs)
        if self.teacher is None:
            raise TeacherError("this CFAT model was built without its teacher (MODEL.TEACHER.ENABLED False) "
                               "and can only run inference")
        camids = self.camids_of(batched_inputs)
        targets = self.targets_of(batched_inputs)
        f_clean = self.teacher_feature(batched_inputs, camids)
        images = self.preprocess_image(batched_inputs)
        out = full_precision(self.backbone_output(images, camids))
        with autocast_off(images):
            losses = self.losses(self.heads(out.feature_map, targets), targets, f_clean)
        if not events._CURRENT_STORAGE_STACK:
            self._fallback_iter += 1
        return losses

    def losses(self, outputs, gt_labels, teacher_feat: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """Student ID/triplet (FastReID's), then coarse alignment and the BFG losses."""
        loss_dict = super().losses(outputs, gt_labels)
        if teacher_feat is None:
            return loss_dict
        f_corrupt = outputs["pool_feat"]
        loss_dict["loss_align"] = weighted_contrastive_alignment_loss(
            f_corrupt, teacher_feat, self.align_temperature, self.align_weighted) * self.scales["align"]
        warmup = self.in_bfg_warmup()
        if warmup:  # only the VAE learns: student losses keep their value, lose their gradient
            loss_dict = {k: value_without_gradient(v) for k, v in loss_dict.items()}
            f_corrupt = f_corrupt.detach()
        student_cls = outputs["cls_outputs"]
        if warmup:
            student_cls = student_cls.detach()
        loss_dict.update(self.bfg_losses(f_corrupt, teacher_feat, gt_labels, detach_head=warmup,
                                         student_cls=student_cls))
        if not warmup and self.grad_norm_due():
            log_gradient_norms(loss_dict, f_corrupt)
        return loss_dict

    def grad_norm_due(self) -> bool:
        """Whether this iteration logs the per-loss gradient norms (``MODEL.CFAT.GRAD_NORM_PERIOD``)."""
        return self.grad_norm_period > 0 and self.current_iter() % self.grad_norm_period == 0

    def bridge_kl(self, q_corrupt: Posterior, q_bridge: Posterior, scale: Optional[float] = None) -> torch.Tensor:
        """The bridge KL in the configured form (``MODEL.CFAT.LOSS.KL.*``), times ``scale`` (default: its key's)."""
        signed = self.heads.bfg.signed_sigma
        if signed and self.training:
            floor = self.kl_options["norm_floor"]
            self.count_guards("kl", guarded_sigma_elements(q_corrupt.sigma, q_bridge.sigma, floor))
        return bridge_kl_loss(q_corrupt.mu, q_corrupt.sigma, q_bridge.mu, q_bridge.sigma, signed_sigma=signed,
                              **self.kl_options) * (self.scales["kl"] if scale is None else scale)

    def bridge(self, f_clean: torch.Tensor, f_corrupt: torch.Tensor) -> torch.Tensor:
        """The bridge features of this batch (``MODEL.CFAT.BRIDGE.*``); guarded rows are counted."""
        t = sample_t(f_corrupt.shape[0], self.t_range, self.t_per_sample, device=f_corrupt.device,
                     dtype=f_corrupt.dtype)
        f_bridge, guarded = make_bridge(self.bridge_form, f_clean, f_corrupt, t)
        if self.bridge_form == "official" and self.training:
            self.count_guards("bridge", guarded)
        return f_bridge

    def count_guards(self, where: str, elements: int) -> None:
        """Record how many values a NaN guard changed this step (event storage) and announce the first."""
        if elements:
            if not self.guarded_steps[where]:
                logger.warning(f"the released {where} formula would give NaN here: guarded ({elements} values this "
                               f"step); every guarded step is counted as guarded_{where}_steps in metrics.json")
            self.guarded_steps[where] += 1
        if events._CURRENT_STORAGE_STACK:
            unit = "rows" if where == "bridge" else "elements"
            events.get_event_storage().put_scalars(**{f"guarded_{where}_{unit}": float(elements),
                                                      f"guarded_{where}_steps": float(self.guarded_steps[where])},
                                                   smoothing_hint=False)

    def bfg_losses(self, f_corrupt: torch.Tensor, f_clean: torch.Tensor, targets: torch.Tensor,
                   detach_head: bool = False, student_cls: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """KL to the bridge posterior, teacher reconstruction, and ID + triplet on the student's reconstruction.

        ``student_cls``: the student's own classifier outputs, the ID term's input when
        ``MODEL.CFAT.LOSS.RECON_ID.LOGITS`` is ``student`` (published)."""
        head, vae = self.heads, self.heads.bfg
        n = f_corrupt.shape[0]
        x_co, x_cl = head.vae_input(f_corrupt), head.vae_input(f_clean)
        f_bridge = self.bridge(f_clean, f_corrupt)
        q_co, q_bb, q_cl = _split(vae.encode(torch.cat([x_co, f_bridge, x_cl])), [n, n, n])
        recon = vae.decode(torch.cat([vae.sample(q_co), vae.sample(q_cl)]))
        recon_co, recon_cl = recon[:n], recon[n:]
        kl_co, kl_bb = q_co, q_bb
        if not self.kl_trains_vae:  # MODEL.CFAT.LOSS.KL.TRAINS_VAE False: the KL trains the student only
            kl_co, kl_bb = _split(vae.encode(torch.cat([x_co, f_bridge]), frozen=True), [n, n])
        losses = {
            "loss_kl": self.bridge_kl(kl_co, kl_bb),
            "loss_recon": reconstruction_loss(recon_cl, x_cl, self.recon_reduction) * self.scales["recon"],
        }
        if self.recon_id_logits == "student":
            if student_cls is None:
                raise ValueError("MODEL.CFAT.LOSS.RECON_ID.LOGITS student needs the student's classifier outputs")
            id_input = student_cls
        else:
            id_input = head.classify(recon_co, targets, detach=detach_head)["cls_outputs"]
        losses.update(reconstruction_reid_losses(
            id_input, recon_co, targets, self.loss_kwargs["ce"], self.loss_kwargs["tri"],
            self.scales["recon_id"], self.scales["recon_triplet"]))
        return losses


def set_teacher_mode(teacher: nn.Module, stochastic: bool) -> None:
    """Eval mode, or (``stochastic``) train mode for everything but BatchNorm, whose running statistics
    must not move: the published teacher is a ViT, for which train mode means drop-path and dropout."""
    teacher.train(stochastic)
    if stochastic:
        for module in teacher.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()


def _checkpoint_state(path: str, key: str) -> Dict[str, torch.Tensor]:
    """The model state dict of a FastReID checkpoint (or a raw state dict) at ``path``."""
    if not os.path.isfile(path):
        raise TeacherNotFoundError(f"{key} file not found: {path}")
    checkpoint = Checkpointer(nn.Module())._load_file(path)
    return checkpoint.get("model", checkpoint)


def log_gradient_norms(loss_dict: Dict[str, torch.Tensor], feature: torch.Tensor) -> Dict[str, float]:
    """The norm of d(loss)/d(feature) for each loss term: which term drives the student.

    Written to the event storage as ``grad_<term>`` (tensorboard, metrics.json) and logged as
    one line. Costs one extra backward pass per term through the heads only.
    """
    norms = {}
    for name, loss in loss_dict.items():
        grad = None
        if loss.requires_grad:
            grad = torch.autograd.grad(loss, feature, retain_graph=True, allow_unused=True)[0]
        norms[name.replace("loss_", "", 1)] = 0.0 if grad is None else float(grad.norm())
    if events._CURRENT_STORAGE_STACK:
        storage = events.get_event_storage()
        storage.put_scalars(**{f"grad_{k}": v for k, v in norms.items()}, smoothing_hint=False)
        prefix = f"iter {storage.iter}: "
    else:
        prefix = ""
    logger.info(prefix + "gradient norm on the student feature: " +
                "  ".join(f"{k} {v:.3g}" for k, v in sorted(norms.items(), key=lambda kv: -kv[1])))
    return norms
