"""MCJA's config keys (``MODEL.MCJA``), one node per paper component."""
from fastreid.config import CfgNode as CN

from ..modeling.config import add_key, child_node
from ..utils.config_keys import register_config_keys


@register_config_keys
def add_mcja_config(cfg: CN) -> None:
    """Add MCJA's own keys to ``cfg`` in place; safe to call twice."""
    mcja = child_node(cfg.MODEL, "MCJA")

    # ---- VIMC: Visible-Infrared Modality Coordinator (training images, visible only) ----
    vimc = child_node(mcja, "VIMC")
    add_key(vimc, "ENABLED", True)  # False: visible images get the plain pipeline too
    add_key(vimc, "PROB", 0.5)  # probability that the operation chosen for an image is applied
    add_key(vimc, "HUE", 0.2)  # hue jitter's range (ColorJitter(hue=...))
    add_key(vimc, "CUTMIX_AREA", [0.02, 0.33])  # channel cut-mix: box area, fraction of the image
    add_key(vimc, "CUTMIX_ASPECT", [0.3, 3.3])  # channel cut-mix: box aspect ratio (height / width)

    # ---- MDA: Modality Distribution Adapter (backbone build_resnet_mda_backbone) ----
    mda = child_node(mcja, "MDA")
    add_key(mda, "ENABLED", True)  # False: the plain ResNet (same parameter names)
    add_key(mda, "M", 2)  # number of modality contexts (published: 2 for SYSU-MM01, 12 for RegDB)
    # MDA after the last LAYERS[s] blocks of ResNet stage s (published [0, 2, 3, 0]; capped at the stage's length)
    add_key(mda, "LAYERS", [0, 2, 3, 0])

    # ---- CMR: Cross-Modality Retrieval loss (meta-architecture MCJA) ----
    cmr = child_node(mcja, "CMR")
    add_key(cmr, "ENABLED", True)  # False: FastReID's losses of MODEL.LOSSES.NAME only
    add_key(cmr, "SCALE", 1.0)  # weight of the loss in the total
    add_key(cmr, "STRENGTH", 0.5)  # soft rank l2 regularisation strength (torchsort's regularization_strength)
    # Soft rank implementation: "auto" (torchsort when importable, else PyTorch, announced), "torchsort", "torch".
    add_key(cmr, "BACKEND", "auto")

    # ---- MSER: Multi-Spectral Enhanced Ranking (test time) ----
    mser = child_node(mcja, "MSER")
    add_key(mser, "ENABLED", False)  # re-rank with the R/G/B replicas of the visible images
    add_key(mser, "K1", 40)  # k-reciprocal neighbourhood size (published: 40 SYSU-MM01, 50 RegDB)
    add_key(mser, "K2", 20)  # local query expansion size (published: 20 SYSU-MM01, 10 RegDB)
    add_key(mser, "LAMBDA", 0.3)  # weight of the original distance (published: 0.3 SYSU-MM01, 0.2 RegDB)
    # Where neighbour lists come from: "protocol" (published: the queries on SYSU-MM01, the whole stacked
    # set on RegDB), "queries" or "all".
    add_key(mser, "NEIGHBOURS", "protocol")

    # ---- Test: what a training's evaluations report ----
    test = child_node(mcja, "TEST")
    # True: also report, labelled, the evaluation with the best test-set rank-1 so far (how the published
    # tables were chosen; optimistic), as test_selected/... keys beside the evaluated model's figures
    add_key(test, "SELECTION", False)
