"""DIL's config keys (``MODEL.DIL``), grouped by the component that reads them; published values as defaults."""
from fastreid.config import CfgNode as CN

from ..modeling.config import add_key, child_node
from ..utils.config_keys import register_config_keys


@register_config_keys
def add_dil_config(cfg: CN) -> None:
    """Add DIL's keys to ``cfg`` in place; safe to call twice."""
    dil = child_node(cfg.MODEL, "DIL")
    # The ReID baseline (a FastReID Baseline on the same ResNet, trained first): its stem..layer3 is E_con's
    # trunk (stage I and II), its layer4 stage II's sensitive branch (the published teacher, net_last.pth).
    # Empty: the trunk of MODEL.BACKBONE.PRETRAIN (ImageNet or nothing), said in the log.
    add_key(dil, "BASELINE_WEIGHTS", "")
    # Stage II: the stage I checkpoint (its model_final.pth): E_con's trunk, content head and classifier
    # start the invariant branch; its E_con, E_deg and G make the memory replay. Required by stage II.
    add_key(dil, "STAGE1_WEIGHTS", "")
    # Whether stage II's trunk, invariant head and classifier start from stage I (published). False: the
    # trunk starts from the baseline and the invariant head and classifier from random weights (the dual
    # branch without stage I, a comparison's arm); STAGE1_WEIGHTS is then read only by a bank or shuffle
    # replay (REPLAY.KL > 0), which draws through stage I's networks.
    add_key(dil, "STAGE1_INIT", True)

    # ---- E_con: the content encoder's head (content_encoder.py) ----
    add_key(dil, "CONTENT_DIM", 128)  # channels of the content map c (published 128)
    add_key(dil, "INV_DIM", 2048)  # width of the invariant identity feature f_inv (published feat_inv_dim 2048)
    add_key(dil, "BOTTLENECK", 512)  # every ClassBlock's bottleneck, the width of each test feature (published 512)
    head = child_node(dil, "HEAD")
    add_key(head, "ASPP_DIM", 128)  # width of the stem level after its ASPP (published 128)
    add_key(head, "LEVEL_DIM", 64)  # each level's width in the content branch before fusion (published 64)

    # ---- E_deg: the degradation encoder (degradation_encoder.py) ----
    add_key(dil, "DEG_WIDTH", 64)  # width of its first convolution (published dim 64)
    add_key(dil, "DEG_DIM", 128)  # length of the degradation code d (published style_dim 128)

    # ---- G: the AdaIN generator (generator.py) ----
    gen = child_node(dil, "GEN")
    add_key(gen, "RES_BLOCKS", 4)  # AdaIN residual blocks at the content width (published 4)
    add_key(gen, "MLP_DIM", 512)  # hidden width of each AdaIN layer's MLP from d (published 512)

    # ---- D_real and D_deg: the multi-scale discriminators (discriminator.py) ----
    dis = child_node(dil, "DIS")
    add_key(dis, "SCALES", 3)  # scales of the realism discriminator D_real (published 3)
    add_key(dis, "DEG_SCALES", 1)  # scales of the degradation discriminator D_deg (published 1 for resolution)
    add_key(dis, "WIDTH", 64)  # width of the first convolution of each scale (published 64)
    add_key(dis, "LAYERS", 4)  # stride-2 convolutions per scale (published 4)
    add_key(dis, "GP_WEIGHT", 0.01)  # gradient penalty on real inputs, both discriminators (published 0.01)

    # ---- Synthetic degradation of the pixel-aligned pairs (degradation.py) ----
    deg = child_node(dil, "DEGRADATION")
    # applied in order: res, ill, jpg, blur, motion, noise, poisson, dark (published: res for MLR sets)
    add_key(deg, "TYPES", ["res"])
    add_key(deg, "DOWNSAMPLE", [3.0, 5.0])  # res: factor ~ U(low, high), 1 < low <= high (published U(3, 5))

    # ---- Stage I: degradation invariance learning (stage1.py, trainer.py) ----
    s1 = child_node(dil, "STAGE1")
    # Which pairs a step trains on: -1 alternates (odd iterations synthetic, even ones real, published
    # sync_prob -1); p in [0, 1]: synthetic with probability p
    add_key(s1, "SYNTHETIC_PROB", -1.0)
    add_key(s1, "BETAS", [0.0, 0.999])  # Adam's betas of both optimisers (published beta1 0, beta2 0.999)
    add_key(s1, "RANK_MARGIN", 1.0)  # margin of the degradation ranking (published MarginRankingLoss(1))
    add_key(s1, "SHEET_IMAGES", 6)  # images of the degradation-swap contact sheet written after training
    loss = child_node(s1, "LOSS")  # the generator's terms; 0 removes a term (the paper's ablations)
    add_key(loss, "REALISM", 1.0)  # LS-GAN realism of the swapped images against D_real (published w_real 1)
    add_key(loss, "DEGRADATION", 1.0)  # D_deg: ranking (synthetic), LS-GAN (real) (published w_deg 1)
    add_key(loss, "RECONSTRUCTION", 10.0)  # swapped images to targets (synthetic), cycle (real) (published 10)
    add_key(loss, "SELF_RECONSTRUCTION", 10.0)  # G(c_a, d_a) to x_a and G(c_b, d_b) to x_b (published 10)
    add_key(loss, "INVARIANCE", 5.0)  # |c_a - c_b| on synthetic pairs (published w_inv 5)
    add_key(loss, "IDENTITY", 0.5)  # CE of both identities on real pairs (published w_id 0.5)
    add_key(loss, "IDENTITY_KL", 0.0)  # KL of the predictions for x_a and deg(x_a) (published only with --enable_kl)

    # ---- Stage II: the dual-branch ReID model (meta_arch.py) ----
    branch = child_node(dil, "BRANCH")  # weights of each branch's CE + triplet
    add_key(branch, "FUSE", 1.0)  # [f_sen; f_inv] (published w_id_fuse 1.0)
    add_key(branch, "INV", 0.5)  # degradation-invariant f_inv (published w_id_inv 0.5)
    add_key(branch, "SEN", 0.5)  # degradation-sensitive f_sen (published w_id_sen 0.5)
    add_key(branch, "TRIPLET_MARGIN", 0.3)  # batch-hard triplet margin on each branch's feature (published 0.3)

    # ---- Stage II: the degradation memory bank and its replay (memory_bank.py) ----
    replay = child_node(dil, "REPLAY")
    # bank: codes drawn from the bank of flip-averaged E_deg codes of the training set (published aug_mode);
    # shuffle: the batch's own codes, permuted; synthetic: x_aug = deg(x) (DEGRADATION), no generator
    add_key(replay, "MODE", "bank")
    add_key(replay, "KL", 5.0)  # weight of KL(p_inv(x).detach() || p_inv(x_aug)); 0: no replay (published 5.0)
