"""Config keys of the model side (ViT and torchreid backbones, BFG head, CFAT meta-architecture).

FastReID already has the ViT keys it shares with us: ``MODEL.BACKBONE.DEPTH``
(here a size name: tiny/small/base/large), ``STRIDE_SIZE``, ``SIE_COE`` (the SIE
coefficient lambda), ``DROP_PATH_RATIO``, ``DROP_RATIO``, ``ATT_DROP_RATE``,
``PRETRAIN`` and ``PRETRAIN_PATH``. The keys below are what it lacks.
"""
from fastreid.config import CfgNode as CN


def _add(node: CN, key: str, value) -> None:
    """Set ``node.key`` only when it is absent, so a second call changes nothing."""
    if key not in node:
        node[key] = value


def _child(node: CN, key: str) -> CN:
    if key not in node:
        node[key] = CN()
    return node[key]


def add_model_config(cfg: CN) -> None:
    """Add the model keys to ``cfg`` in place; safe to call twice."""
    model = cfg.MODEL

    # ---- ViT backbone (build_cfat_vit_backbone) ----
    backbone = model.BACKBONE
    # Number of cameras for the SIE camera embedding; 0 turns SIE off (so does SIE_COE 0).
    _add(backbone, "SIE_CAMERAS", 0)
    vit = _child(backbone, "VIT")
    # 0 (or 0.0) = take the value of the size named by MODEL.BACKBONE.DEPTH.
    _add(vit, "EMBED_DIM", 0)
    _add(vit, "NUM_LAYERS", 0)
    _add(vit, "NUM_HEADS", 0)
    _add(vit, "MLP_RATIO", 0.0)
    _add(vit, "PATCH_SIZE", 16)
    _add(vit, "QKV_BIAS", True)

    # ---- torchreid model as backbone (build_torchreid_backbone); weights: PRETRAIN + PRETRAIN_PATH ----
    torchreid = _child(backbone, "TORCHREID")
    # A name of torchreid's catalogue (torchreid.reid.models), e.g. "osnet_x0_25"; FEAT_DIM = its map's channels.
    _add(torchreid, "NAME", "osnet_x1_0")

    # ---- Retrieval feature returned at inference (CameraAwareBaseline and CFAT) ----
    retrieval = _child(model, "RETRIEVAL")
    # "cls": CLS token (pooled map for CNNs); "patch_mean": mean of the patch tokens after
    # the final LayerNorm (published CFAT); "bnneck": the head's BNNeck output (FastReID).
    _add(retrieval, "FEAT", "bnneck")
    # L2-normalise the returned feature (the benchmark compares normalised features).
    _add(retrieval, "NORM", True)

    # ---- BFG head (Bridge Feature Generation VAE) ----
    bfg = _child(model.HEADS, "BFG")
    _add(bfg, "HIDDEN_DIM", 128)
    _add(bfg, "LATENT_DIM", 16)
    # Positive sigma: "softplus" (softplus + 1e-4) or "logvar" (the layer predicts log sigma^2).
    _add(bfg, "SIGMA", "softplus")
    # Decoder output: "linear" (can reach any feature) or "sigmoid" (published code).
    _add(bfg, "DECODER_OUT", "linear")
    # Feed the VAE L2-normalised features, the space the bridge lives in.
    _add(bfg, "NORM_INPUT", True)

    # ---- Teacher of the CFAT meta-architecture ----
    teacher = _child(model, "TEACHER")
    _add(teacher, "ENABLED", True)  # False: inference-only CFAT model (no teacher file needed)
    _add(teacher, "CONFIG_FILE", "")
    _add(teacher, "WEIGHTS", "")

    # ---- CFAT ----
    cfat = _child(model, "CFAT")
    _add(cfat, "INIT_STUDENT_FROM_TEACHER", True)
    # The student's start (the published `pretrain_cor`: a model trained on corrupted views), loaded
    # over the copy of the teacher; any FastReID checkpoint of the same model. Empty: the teacher's copy.
    _add(cfat, "STUDENT_WEIGHTS", "")
    # A checkpoint whose heads.bfg.* start the BFG VAE (the BFG pre-training stage, meta-architecture
    # BFGPretrain, writes one). Empty: the VAE starts from random.
    _add(cfat, "BFG_WEIGHTS", "")
    # Every N training iterations, log the gradient norm each loss puts on the student's training
    # feature (pre-BNNeck pooled feature) and write it to the event file as grad_<loss>; 0: off.
    _add(cfat, "GRAD_NORM_PERIOD", 0)
    # Student feature map -> teacher width when the two differ: "none" (widths must match) or
    # "linear" (a learnable 1x1 projection in the student; head and BFG VAE then use the teacher width).
    _add(cfat, "TEACHER_PROJECTION", "none")
    # BFG warm-up: for this many iterations only the VAE learns (student losses carry zero gradient).
    _add(cfat, "BFG_WARMUP_ITERS", 0)
    bridge = _child(cfat, "BRIDGE")
    _add(bridge, "T_RANGE", [0.0, 1.0])  # t ~ U(T_RANGE[0], T_RANGE[1])
    _add(bridge, "T_PER_SAMPLE", False)  # False: one t per batch (published); True: one per image
    loss = _child(cfat, "LOSS")
    align = _child(loss, "ALIGN")  # coarse weighted contrastive alignment
    _add(align, "SCALE", 1.0)
    _add(align, "TEMPERATURE", 0.5)
    _add(align, "WEIGHTED", True)  # weight each anchor by (1 - cos) of its pair
    kl = _child(loss, "KL")  # KL(q(z|f_co) || q(z|f_bb)), the bridge KL
    _add(kl, "SCALE", 1.0)
    # "published": mu and sigma L2-normalised along the latent axis first (released KL_Loss2);
    # "raw": the posteriors as the encoder gives them (about 10^4 times smaller on real features).
    _add(kl, "FORM", "published")
    _add(kl, "REDUCTION", "sum")  # over the batch: "sum" (published) or "mean"
    _add(kl, "NORM_FLOOR", 1e-3)  # floor of |mu| and |sigma| in the published form (mu ~ 0 stays finite)
    recon = _child(loss, "RECON")  # reconstruction of the teacher feature
    _add(recon, "SCALE", 1.0)
    _add(recon, "REDUCTION", "sample_sum")  # "sample_sum" (sum over dims, batch mean) or "mean"
    _add(_child(loss, "RECON_ID"), "SCALE", 1.0)  # ID loss on the reconstructed student feature
    _add(_child(loss, "RECON_TRIPLET"), "SCALE", 1.0)  # triplet loss on it

    # ---- BFG pre-training stage (meta-architecture BFGPretrain: only the VAE learns) ----
    pretrain = _child(cfat, "BFG_PRETRAIN")
    # Reconstruction of both ends (teacher clean and student corrupted features) through the VAE.
    _add(pretrain, "RECON_SCALE", 1.0)
    _add(pretrain, "PRIOR_KL_SCALE", 0.01)  # KL(q(z|x) || N(0, I)), batch mean: keeps the latent in scale
    _add(pretrain, "BRIDGE_KL_SCALE", 0.1)  # the bridge KL (MODEL.CFAT.LOSS.KL form and reduction)
