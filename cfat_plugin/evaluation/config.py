"""Config keys of the evaluation: feature precision (``TEST.AMP``), the single-shot protocol
(``TEST.SINGLE_SHOT``) and the robustness benchmark (``TEST.ROBUSTNESS``)."""
from fastreid.config import CfgNode as CN

from ..utils.config_keys import register_config_keys


@register_config_keys
def add_evaluation_config(cfg: CN) -> None:
    """Add ``TEST.AMP.*``, ``TEST.SINGLE_SHOT.*`` and ``TEST.ROBUSTNESS.*`` (idempotent)."""
    if "AMP" not in cfg.TEST:
        cfg.TEST.AMP = CN()
        # Extract features under torch.autocast (the backbone in low precision, features
        # returned in float32): bfloat16 on CPUs with native support is several times faster.
        cfg.TEST.AMP.ENABLED = False
        # auto: float16 on CUDA, bfloat16 on CPU; or float16 / bfloat16 (as SOLVER.AMP.DTYPE).
        cfg.TEST.AMP.DTYPE = "auto"
    if "SINGLE_SHOT" not in cfg.TEST:
        # The CUHK03 single-shot protocol, for the data sets that ask for it (MLR-CUHK03, MLR-VIPeR, CAVIAR):
        # per draw, one gallery image per id; the query's id in its own camera left out.
        cfg.TEST.SINGLE_SHOT = CN()
        # Random gallery draws averaged; 100 in the Degradation-Invariant ReID code (N in its test).
        cfg.TEST.SINGLE_SHOT.DRAWS = 100
        # Seed of the draws, independent of SEED: every model and every training seed meets the same draws.
        cfg.TEST.SINGLE_SHOT.SEED = 0
    if "ROBUSTNESS" in cfg.TEST:
        return
    cfg.TEST.ROBUSTNESS = CN()
    # Run the benchmark inside the trainer's test() too (EvalHook, eval-only).
    cfg.TEST.ROBUSTNESS.ENABLED = False
    # Data sets to evaluate; empty: DATASETS.TESTS.
    cfg.TEST.ROBUSTNESS.DATASETS = []
    # Which of the benchmark's settings: clean, both, query, gallery.
    cfg.TEST.ROBUSTNESS.SETTINGS = ["clean", "both", "query", "gallery"]
    # Random draws averaged per setting (uniform type and severity per image); the benchmark uses 10.
    # Their types, severities and seed: DATASETS.CORRUPTION.TEST.{TYPES,SEVERITIES,SEED}.
    cfg.TEST.ROBUSTNESS.REPEATS = 10
    # The full grid: one cell per (type, severity), query and gallery both corrupted.
    cfg.TEST.ROBUSTNESS.GRID = False
    # Severities of the grid only; empty: DATASETS.CORRUPTION.TEST.SEVERITIES.
    cfg.TEST.ROBUSTNESS.GRID_SEVERITIES = []
    # Types of the grid only; empty: DATASETS.CORRUPTION.TEST.TYPES.
    cfg.TEST.ROBUSTNESS.GRID_TYPES = []
    # Report seen vs held-out types (needs DATASETS.CORRUPTION.TRAIN.TYPES to hold some out).
    cfg.TEST.ROBUSTNESS.SEEN_HELD_OUT = True
    # The "seen" types, when they are not this config's training set (e.g. to compare a
    # clean-trained model on the same split as corruption-trained ones); empty: from the config.
    cfg.TEST.ROBUSTNESS.SEEN_TYPES = []
    # The corrupted-image cache and its workers: DATASETS.CORRUPTION.TEST.CACHE_DIR / NUM_WORKERS.
