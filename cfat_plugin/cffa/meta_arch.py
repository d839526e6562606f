"""``CFFA``: IRRA's dual encoder with CFFA's FLFR heads and MAL, each term weighted by ``MODEL.CFFA.LOSS``.

Training takes a FastReID batch whose ``caption`` holds one string per image (an image with two captions
is two samples) and returns the loss dict:
``loss_itc``, ``loss_sdm``, ``loss_mal``, ``loss_mal_local``, ``loss_sdm_local``, ``loss_id``, ``loss_irr``
for the terms whose weight is above 0. Evaluation encodes each modality on its own (:meth:`encode_image`,
:meth:`encode_text`): ``global`` and, with FLFR, ``local`` features.
"""
from __future__ import annotations

import logging
from typing import Dict, List

import torch
from fastreid.modeling.meta_arch import META_ARCH_REGISTRY
from torch import nn

from .clip_tokenizer import ClipTokenizer
from .flfr import FLFRHead
from .irr import IRRHead, mask_words
from .losses import id_loss, irr_loss, itc_loss, mal_coefficient, mal_loss, sdm_loss
from .losses.irr_loss import IGNORE
from .text_augmentation import augment_text
from .towers import IMAGE_TOWERS, TEXT_TOWERS, build_tower
from .wordpiece_tokenizer import WordPieceTokenizer

from . import clip_towers as _clip, offline_towers as _offline  # noqa: F401  (register the towers)

TOKENIZERS = {"clip": ClipTokenizer, "minilm": WordPieceTokenizer}
logger = logging.getLogger(__name__)


@META_ARCH_REGISTRY.register()
class CFFA(nn.Module):
    """Image tower, text tower, shared ID classifier, IRR head and the two FLFR heads (module docstring)."""

    def __init__(self, cfg) -> None:
        super().__init__()
        c = cfg.MODEL.CFFA
        self.weights = {k.lower(): float(v) for k, v in c.LOSS.items()}
        self.sdm_tau, self.mal_tau, self.mal_margin = c.SDM.TAU, c.MAL.TAU, c.MAL.MARGIN
        self.text_aug_prob, self.mask_prob = c.TEXT_AUG_PROB, c.IRR.MASK_PROB
        self.image_tower = build_tower(IMAGE_TOWERS, "IMAGE_TOWER", cfg)
        self.text_tower = build_tower(TEXT_TOWERS, "TEXT_TOWER", cfg)
        self.tokenizer = TOKENIZERS[c.TEXT_TOWER](context_length=c.TEXT_LENGTH)
        width = c.EMBED_DIM
        classes = cfg.MODEL.HEADS.NUM_CLASSES  # 0 when only evaluating: no classifier is built
        self.classifier = nn.Linear(width, classes) if self.weights["id"] > 0 and classes > 0 else None
        self.irr = IRRHead(width, c.IRR.DEPTH, c.IRR.HEADS, self.tokenizer.vocab_size) if self.weights["irr"] > 0 else None
        if self.weights["mal_local"] > 0 or self.weights["sdm_local"] > 0:
            self.flfr_image = FLFRHead(width, c.FLFR.DIM, c.FLFR.SELECT_RATIO)
            self.flfr_text = FLFRHead(width, c.FLFR.DIM, c.FLFR.SELECT_RATIO)
        else:
            self.flfr_image = self.flfr_text = None
        self.warn_if_mal_collapses(cfg)
        self.register_buffer("pixel_mean", torch.tensor(cfg.MODEL.PIXEL_MEAN).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(cfg.MODEL.PIXEL_STD).view(1, -1, 1, 1), persistent=False)

    def warn_if_mal_collapses(self, cfg) -> None:
        """MAL's constant c = floor(1/B) equals tau only at B = 64; with c > tau a loss of
        (c/tau - 1) x (a common similarity) falls as every similarity goes negative together, and on
        SynthPEDES at B = 32 the features did collapse so (measured: text-image cosine -0.66 for matches and
        non-matches alike)."""
        if self.weights["mal"] > 0 or self.weights["mal_local"] > 0:
            c = mal_coefficient(cfg.SOLVER.IMS_PER_BATCH)
            if c > self.mal_tau:
                logger.warning("MAL: c = %.3f (batch %d) exceeds tau = %.3f; the features may collapse (all "
                               "similarities equal and negative). The published pairing is B = 64, c = tau = 0.015",
                               c, cfg.SOLVER.IMS_PER_BATCH, self.mal_tau)

    @property
    def device(self) -> torch.device:
        return self.pixel_mean.device

    def new_modules(self) -> List[str]:
        """Names of the randomly initialised parts (IRRA trains them at ``NEW_LR_FACTOR`` x the base rate)."""
        return ["classifier", "irr"] + [f"image_tower.{n}" for n in getattr(self.image_tower, "NEW", ())] + \
            [f"text_tower.{n}" for n in getattr(self.text_tower, "NEW", ())]

    def preprocess(self, batched_inputs: Dict) -> torch.Tensor:
        images = batched_inputs["images"].to(self.device)
        return (images - self.pixel_mean) / self.pixel_std

    def encode_image(self, images: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``global`` (and ``local`` with FLFR) features of normalised images."""
        out = self.image_tower(images)
        feats = {"global": out.feature}
        if self.flfr_image is not None:
            allowed = torch.ones_like(out.attention, dtype=torch.bool)
            feats["local"] = self.flfr_image(out.tokens[:, 1:], out.attention, allowed)
        return feats

    def encode_text(self, captions: List[str]) -> Dict[str, torch.Tensor]:
        """``global`` (and ``local`` with FLFR) features of captions."""
        out = self.text_tower(self.tokenizer(captions).to(self.device))
        feats = {"global": out.feature}
        if self.flfr_text is not None:
            feats["local"] = self.flfr_text(out.tokens, out.attention, out.words)
        return feats

    def forward(self, batched_inputs: Dict):
        images = self.preprocess(batched_inputs)
        if not self.training:
            return self.encode_image(images)["global"]
        pids = batched_inputs["targets"].to(self.device)
        ids = self.tokenizer(batched_inputs["caption"]).to(self.device)
        tok = self.tokenizer
        words = (ids != tok.pad) & (ids != tok.sot) & (ids != tok.eot)
        image = self.image_tower(images)
        text = self.text_tower(augment_text(ids, words, self.text_aug_prob, tok.mask, tok.word_ids, tok.pad))
        w, losses = self.weights, {}
        if w["itc"] > 0:
            losses["loss_itc"] = w["itc"] * itc_loss(image.feature, text.feature, self.sdm_tau)
        if w["sdm"] > 0:
            losses["loss_sdm"] = w["sdm"] * sdm_loss(image.feature, text.feature, pids, self.sdm_tau)
        if w["mal"] > 0:
            losses["loss_mal"] = w["mal"] * mal_loss(image.feature, text.feature, pids, self.mal_tau, self.mal_margin)
        if self.flfr_image is not None:
            local_image = self.flfr_image(image.tokens[:, 1:], image.attention, torch.ones_like(image.attention,
                                                                                                 dtype=torch.bool))
            local_text = self.flfr_text(text.tokens, text.attention, text.words)
            if w["mal_local"] > 0:
                losses["loss_mal_local"] = w["mal_local"] * mal_loss(local_image, local_text, pids, self.mal_tau,
                                                                     self.mal_margin)
            if w["sdm_local"] > 0:
                losses["loss_sdm_local"] = w["sdm_local"] * sdm_loss(local_image, local_text, pids, self.sdm_tau)
        if self.classifier is not None:
            losses["loss_id"] = w["id"] * id_loss(self.classifier(image.feature), self.classifier(text.feature), pids)
        if self.irr is not None:
            masked, labels = mask_words(ids, words, self.mask_prob, tok.mask, tok.word_ids)
            picked = labels != IGNORE
            logits = self.irr(self.text_tower(masked).tokens, image.tokens, picked)
            losses["loss_irr"] = w["irr"] * irr_loss(logits, labels[picked])
        return losses
