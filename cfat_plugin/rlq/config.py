"""RLQ's config keys (``MODEL.RLQ``): the multi-branch backbone, CAP, CAL and TAD."""
from fastreid.config import CfgNode as CN

from ..modeling.config import add_key, child_node
from ..utils.config_keys import register_config_keys


@register_config_keys
def add_rlq_config(cfg: CN) -> None:
    """Add RLQ's keys to ``cfg`` in place; safe to call twice."""
    rlq = child_node(cfg.MODEL, "RLQ")
    # Label smoothing ε of the two identity CEs (classifier on f1, id-head on f2).
    add_key(rlq, "ID_SMOOTHING", 0.1)
    add_key(rlq, "ID_SCALE", 1.0)  # weight of each identity CE
    add_key(rlq, "TRIPLET_MARGIN", 0.3)  # batch-hard triplet on f2 (published margin)
    add_key(rlq, "TRIPLET_SCALE", 1.0)  # its weight
    # Number of clothes classes (identity x outfit) of the training set: RLQTrainer sets it from the
    # training data; a value here is for building the model outside the trainer.
    add_key(rlq, "NUM_CLOTHES", 0)

    # ---- CAP: coarse attribute prediction ----
    cap = child_node(rlq, "CAP")
    add_key(cap, "ENABLED", True)  # False: the base model (ID + triplet + CAL), no pose branch used
    add_key(cap, "GENDER_SCALE", 1.0)  # CE of the gender classifier on f2 (2 classes; unknown gender skipped)
    add_key(cap, "POSE_SCALE", 1.0)  # CE of the pose-cluster classifier on f3
    # label smoothing ε of the gender and pose CEs: published, both go through the identity criterion (ε 0.1)
    add_key(cap, "SMOOTHING", 0.1)
    # K of the K-means over pose descriptors (published 15); classes are K + 1, 0 = no pose.
    add_key(cap, "POSE_CLUSTERS", 15)
    add_key(cap, "DISENTANGLE_SCALE", 1.0)  # mean |cos(f2, f3)|
    add_key(cap, "KL_SCALE", 1.0)  # τ-KL between the id-head(f2) and classifier(f1) logits
    add_key(cap, "KL_TAU", 0.8)  # τ of every τ-KL (published)
    add_key(cap, "KL_LAMBDA", 0.64)  # λ of every τ-KL (published)
    # Attribute files of a real data set, in the published Scripts/Helper forms: gender per identity
    # "Category,ID,Gender" (1 = male), pose cluster per image "Image,...,R_LA_<K>" (0 = no pose), images
    # keyed "<pid>_<name>" where names repeat across identities (PRCC); empty: the generator's
    # attributes/ files next to the images (generated sets).
    add_key(cap, "GENDER_CSV", "")
    add_key(cap, "POSE_CSV", "")
    # A real set with CAP on and either file missing stops the run; True: train it with the missing
    # attribute's term off instead (logged once).
    add_key(cap, "WITHOUT_ATTRIBUTES", False)

    # ---- Recoloured replicas: every training image also in new clothes colours, a new clothes class ----
    recolour = child_node(rlq, "RECOLOUR")
    # True: each CAP sample brings its recoloured copy (81 extra clothes classes per identity, published
    # --sil_mode foreround_overlap); the masks are a foreground estimate, not SCHP parsing (rlq/recolour.py).
    add_key(recolour, "ENABLED", False)
    add_key(recolour, "ALPHA", 0.7)  # blend weight of the palette colour (published)

    # ---- CAL: clothes-adversarial loss with a cosine clothes classifier (own optimizer) ----
    cal = child_node(rlq, "CAL")
    add_key(cal, "ENABLED", True)
    add_key(cal, "START_EPOCH", 25)  # the clothes classifier and the adversarial loss start here (published)
    add_key(cal, "SCALE", 16.0)  # s of the cosine classifier
    add_key(cal, "EPSILON", 0.1)  # ε spread over the identity's clothes classes
    add_key(cal, "LOSS_SCALE", 1.0)  # weight of the adversarial loss
    add_key(cal, "LR", 3.5e-4)  # Adam learning rate of the clothes classifier's own optimizer
    add_key(cal, "WEIGHT_DECAY", 5e-4)

    # ---- TAD: task-agnostic distillation on an external set, alternating epochs ----
    tad = child_node(rlq, "TAD")
    add_key(tad, "ENABLED", False)  # True: a TAD epoch before every CAP epoch (needs MODEL.TEACHER.*)
    # DATASET_REGISTRY name of the external set (labels never read): "CelebReID" as published (its teacher
    # trained on Celeb-reID, projects/RLQ/celeb_teacher.yml); "SynthExternal", the generated CPU stand-in.
    add_key(tad, "DATASET", "CelebReID")
    add_key(tad, "SAMPLING", 1.0)  # fraction of the external set drawn per TAD epoch (published --sampling)
    # Published low-quality mixture: "ltcc" (= "last": 0.33 pixelate / 0.37 blur / 0.30 motion) or
    # "prcc" (= "deepchange": 0.5 pixelate / 0.5 blur).
    add_key(tad, "MIXTURE", "ltcc")
    add_key(tad, "MSE_SCALE", 1.0)  # normalised MSE of teacher(HQ) to student(HQ) and student(LQ), f1 and f2
    add_key(tad, "KL_SCALE", 1.0)  # τ-KL from the student's HQ logits to its LQ logits (both id heads)

    # ---- Evaluation on low-quality queries ----
    lq = child_node(rlq, "LQ_TEST")
    add_key(lq, "ENABLED", True)  # also score queries under the mixture below (gallery unchanged)
    add_key(lq, "MIXTURE", "ltcc")  # published mixture of the corrupted queries
    add_key(lq, "SEED", 0)  # seed of the query draws (the same for every model)
