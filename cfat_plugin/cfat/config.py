"""CFAT's config keys: the BFG head (``MODEL.HEADS.BFG``) and the method (``MODEL.CFAT``)."""
from fastreid.config import CfgNode as CN

from ..modeling.config import add_key, child_node
from ..utils.config_keys import register_config_keys


@register_config_keys
def add_cfat_config(cfg: CN) -> None:
    """Add CFAT's own keys to ``cfg`` in place; safe to call twice."""
    model = cfg.MODEL

    # ---- BFG head (Bridge Feature Generation VAE) ----
    bfg = child_node(model.HEADS, "BFG")
    add_key(bfg, "HIDDEN_DIM", 128)  # width of the VAE's encoder and decoder hidden layers
    add_key(bfg, "LATENT_DIM", 16)  # width of the latent z whose posteriors the bridge KL compares
    # Sigma of q(z|x): "softplus" (softplus + 1e-4) or "logvar" (the layer predicts log sigma^2), both
    # positive; "raw" (published): the layer's output, any sign (the KL guards its log, and counts it).
    add_key(bfg, "SIGMA", "softplus")
    # Decoder output: "linear" (can reach any feature) or "sigmoid" (published code).
    add_key(bfg, "DECODER_OUT", "linear")
    # Feed the VAE L2-normalised features, the space the arc bridge lives in; False (published): raw features.
    add_key(bfg, "NORM_INPUT", True)

    # ---- CFAT ----
    cfat = child_node(model, "CFAT")
    add_key(cfat, "INIT_STUDENT_FROM_TEACHER", True)  # the student starts as a copy of the teacher's weights
    # The student's start (the published `pretrain_cor`: a model trained on corrupted views), loaded
    # over the copy of the teacher; any FastReID checkpoint of the same model. Empty: the teacher's copy.
    add_key(cfat, "STUDENT_WEIGHTS", "")
    # A checkpoint whose heads.bfg.* start the BFG VAE (the BFG pre-training stage, meta-architecture
    # BFGPretrain, writes one). Empty: the VAE starts from random.
    add_key(cfat, "BFG_WEIGHTS", "")
    # Every N training iterations, log the gradient norm each loss puts on the student's training
    # feature (pre-BNNeck pooled feature) and write it to the event file as grad_<loss>; 0: off.
    add_key(cfat, "GRAD_NORM_PERIOD", 0)
    # Student feature map -> teacher width when the two differ: "none" (widths must match) or
    # "linear" (a learnable 1x1 projection in the student; head and BFG VAE then use the teacher width).
    add_key(cfat, "TEACHER_PROJECTION", "none")
    # BFG warm-up: for this many iterations only the VAE learns (student losses carry zero gradient).
    add_key(cfat, "BFG_WARMUP_ITERS", 0)
    # The teacher's mode while it gives the clean features: False = eval (deterministic); True = the
    # published code's train mode (drop-path and dropout active; BatchNorm statistics stay frozen).
    add_key(cfat, "TEACHER_TRAIN_MODE", False)
    bridge = child_node(cfat, "BRIDGE")
    add_key(bridge, "T_RANGE", [0.0, 1.0])  # t ~ U(T_RANGE[0], T_RANGE[1])
    add_key(bridge, "T_PER_SAMPLE", False)  # False: one t per batch (published); True: one per image
    # "arc": a unit vector between the L2-normalised ends; "official": the released closed form
    # (t f_co + (1-t) f_cl) / sqrt(t^2 + (1-t)^2 + 2t(1-t)<f_cl, f_co>) on the raw features.
    add_key(bridge, "FORM", "arc")
    loss = child_node(cfat, "LOSS")
    align = child_node(loss, "ALIGN")  # coarse weighted contrastive alignment
    add_key(align, "SCALE", 1.0)
    add_key(align, "TEMPERATURE", 0.5)
    add_key(align, "WEIGHTED", True)  # weight each anchor by (1 - cos) of its pair
    kl = child_node(loss, "KL")  # KL(q(z|f_co) || q(z|f_bb)), the bridge KL
    add_key(kl, "SCALE", 1.0)
    # "published": mu and sigma L2-normalised along the latent axis first (released KL_Loss2);
    # "raw": the posteriors as the encoder gives them (about 10^4 times smaller on real features).
    add_key(kl, "FORM", "published")
    add_key(kl, "REDUCTION", "sum")  # over the batch: "sum" (published) or "mean"
    add_key(kl, "NORM_FLOOR", 1e-3)  # floor of |mu| and |sigma| in the published form (mu ~ 0 stays finite)
    # True (published): the KL's gradient also trains the VAE's encoder, which can then shrink the KL by
    # ignoring its input; False: it reaches the student only (the VAE learns from the other BFG terms).
    add_key(kl, "TRAINS_VAE", True)
    recon = child_node(loss, "RECON")  # reconstruction of the teacher feature
    add_key(recon, "SCALE", 1.0)
    add_key(recon, "REDUCTION", "sample_sum")  # "sample_sum" (sum over dims, batch mean) or "mean"
    recon_id = child_node(loss, "RECON_ID")  # the fine stage's ID term
    add_key(recon_id, "SCALE", 1.0)
    # Whose logits it classifies: "reconstruction" (the VAE reconstruction of the student feature through
    # the student's BNNeck and classifier) or "student" (published loss_en2: the student's own logits
    # again, i.e. a second student CE).
    add_key(recon_id, "LOGITS", "reconstruction")
    add_key(child_node(loss, "RECON_TRIPLET"), "SCALE", 1.0)  # triplet loss on it

    # ---- BFG pre-training stage (meta-architecture BFGPretrain: only the VAE learns) ----
    pretrain = child_node(cfat, "BFG_PRETRAIN")
    # Reconstruction of both ends (teacher clean and student corrupted features) through the VAE.
    add_key(pretrain, "RECON_SCALE", 1.0)
    add_key(pretrain, "PRIOR_KL_SCALE", 0.01)  # KL(q(z|x) || N(0, I)), batch mean: keeps the latent in scale
    add_key(pretrain, "BRIDGE_KL_SCALE", 0.1)  # the bridge KL (MODEL.CFAT.LOSS.KL form and reduction)
