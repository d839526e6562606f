"""CFFA's config keys (``MODEL.CFFA``), grouped by the component that reads them; published values as defaults
(lqfhello/CFFA ``train.sh`` on anosorae/IRRA's options)."""
from fastreid.config import CfgNode as CN

from ..modeling.config import add_key, child_node
from ..utils.config_keys import register_config_keys


@register_config_keys
def add_cffa_config(cfg: CN) -> None:
    """Add CFFA's keys to ``cfg`` in place; safe to call twice."""
    c = child_node(cfg.MODEL, "CFFA")
    # ---- The two towers (towers.py, clip_towers.py, offline_towers.py) ----
    add_key(c, "IMAGE_TOWER", "clip_vit_b16")  # clip_vit_b16 (published) | mobilenetv2_imagenet (offline)
    add_key(c, "TEXT_TOWER", "clip")  # clip (published, BPE) | minilm (offline, WordPiece)
    add_key(c, "EMBED_DIM", 512)  # width of both towers' projected tokens (CLIP ViT-B/16's embed_dim 512)
    add_key(c, "TEXT_LENGTH", 77)  # tokens per caption, start and end included (IRRA's text_length 77)
    clip = child_node(c, "CLIP")
    add_key(clip, "WEIGHTS", "")  # the user's OpenAI CLIP file (ViT-B-16.pt); empty: random initialisation
    add_key(clip, "PATCH", 16)  # ViT patch size and stride: 384x128 gives the 24x8 grid
    add_key(clip, "VISION_WIDTH", 768)  # ViT-B/16's width
    add_key(clip, "VISION_LAYERS", 12)  # ViT-B/16's depth
    add_key(clip, "VISION_HEADS", 12)  # ViT-B/16's heads
    add_key(clip, "TEXT_WIDTH", 512)  # CLIP text transformer's width
    add_key(clip, "TEXT_LAYERS", 12)  # CLIP text transformer's depth
    add_key(clip, "TEXT_HEADS", 8)  # CLIP text transformer's heads
    add_key(clip, "VOCAB_SIZE", 49408)  # CLIP's BPE vocabulary, <|mask|> included (IRRA)
    off = child_node(c, "OFFLINE")
    add_key(off, "WIDTH", 256)  # width of the attention layer over MobileNetV2's tokens
    add_key(off, "HEADS", 4)  # its heads
    add_key(off, "FROZEN_IMAGE_BLOCKS", 0)  # MobileNetV2 feature blocks kept as shipped (of 18; 14: up to stride 16)
    add_key(off, "FROZEN_TEXT_LAYERS", 0)  # MiniLM layers kept as shipped, embeddings with them (of 6)

    # ---- Loss weights: 0 removes a term (the paper's ablations) ----
    loss = child_node(c, "LOSS")
    add_key(loss, "ITC", 0.0)  # CLIP's image-text contrastive loss, the baseline IRRA improves on (CFFA: off)
    add_key(loss, "SDM", 0.0)  # IRRA's similarity distribution matching (CFFA: off, --loss_names mal+mlm)
    add_key(loss, "MAL", 1.0)  # multi-association learning on the global features (published 1)
    add_key(loss, "MAL_LOCAL", 1.0)  # MAL on FLFR's local features (published 1)
    add_key(loss, "SDM_LOCAL", 0.0)  # SDM on FLFR's local features (CFFA: off; "SDM in MAL's place" sets it)
    # FLFR's heads are built when MAL_LOCAL or SDM_LOCAL is above 0; both 0: no FLFR, global features only
    add_key(loss, "ID", 1.0)  # shared identity classifier over image and text features (published 1, on with mal)
    add_key(loss, "IRR", 1.4)  # IRR's masked-language modelling (published mlm_loss_weight 1.4)

    sdm = child_node(c, "SDM")
    add_key(sdm, "TAU", 0.02)  # temperature tau of SDM and ITC (IRRA: one logit scale 1/0.02 for both)
    mal = child_node(c, "MAL")
    add_key(mal, "TAU", 0.015)  # temperature tau of MAL (published --tau 0.015)
    add_key(mal, "MARGIN", 0.1)  # margin m of MAL (published --margin 0.1)

    # ---- IRR: cross-attention masked-language modelling (irr.py) ----
    irr = child_node(c, "IRR")
    add_key(irr, "DEPTH", 4)  # transformer layers after the cross-attention (IRRA cmt_depth 4)
    add_key(irr, "HEADS", 8)  # heads of the cross-attention and those layers (IRRA 8)
    add_key(irr, "MASK_PROB", 0.15)  # share of words masked (IRRA 0.15: 80% mask, 10% random, 10% kept)

    # ---- FLFR: fine-grained local feature refinement (flfr.py) ----
    flfr = child_node(c, "FLFR")
    add_key(flfr, "SELECT_RATIO", 0.3)  # share of patches / words kept by attention (published select_ratio 0.3)
    add_key(flfr, "DIM", 1024)  # width of the local feature (published 1024)
    add_key(flfr, "LR", 0.001)  # FLFR's own learning rate (published 1e-3)

    # ---- Text augmentation (text_augmentation.py) ----
    add_key(c, "TEXT_AUG_PROB", 0.2)  # per word: masked 60%, random 20%, deleted 20% (published txt_aug 0.2); 0: off

    # ---- Optimiser and test ----
    add_key(c, "NEW_LR_FACTOR", 5.0)  # lr multiplier of the randomly initialised modules (IRRA lr_factor 5)
    add_key(c, "SIM_FUSION", "fused")  # headline similarity: global | local | fused = (global + local) / 2
    add_key(c, "SHEET_QUERIES", 4)  # text queries in the top-10 retrieval sheet written after the test; 0: none
