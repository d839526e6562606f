"""Sizes of the end-to-end demo: the default (CPU, about 20 minutes) and a tiny one for tests."""
from dataclasses import dataclass, field, replace
from typing import Dict, List, Tuple

# Held out of training, one per family (noise, blur, weather, digital, + rain), so the
# report can show seen vs unseen corruption types.
HELD_OUT_TYPES: Tuple[str, ...] = ("speckle_noise", "glass_blur", "frost", "pixelate", "rain")


@dataclass(frozen=True)
class DemoProfile:
    """Everything that sets the demo's size; every student gets the same training budget."""

    synthreid_preset: str = "demo"
    # ResNet-18: a ViT learns little from scratch on a few thousand images within a CPU
    # budget (the tiny ViT teacher of synthreid_teacher.yml: 13.3% clean mAP with the
    # bnneck feature after 10 epochs, against 69% for ResNet-18 after 6); CFAT's
    # meta-architecture, head and losses are the same for both.
    teacher_config: str = "projects/CFAT/synthreid_r18_teacher.yml"
    cfat_config: str = "projects/CFAT/synthreid_r18.yml"
    teacher_epochs: int = 6
    teacher_warmup_iters: int = 20
    student_epochs: int = 3
    student_warmup_iters: int = 10
    student_lr: float = 0.0001
    batch: int = 32
    held_out_types: Tuple[str, ...] = HELD_OUT_TYPES
    retrieval_feat: str = "bnneck"
    repeats: int = 3
    grid: bool = True
    grid_types: Tuple[str, ...] = ()  # random draws and grid: empty = all 20 (the protocol)
    grid_severities: Tuple[int, ...] = (1, 3, 5)
    seed: int = 0
    model_overrides: List[str] = field(default_factory=list)  # applied to every training config

    def student_solver(self) -> List[str]:
        """Identical solver settings for the three trained students."""
        return ["SOLVER.MAX_EPOCH", str(self.student_epochs), "SOLVER.BASE_LR", str(self.student_lr),
                "SOLVER.IMS_PER_BATCH", str(self.batch), "SOLVER.CHECKPOINT_PERIOD", str(self.student_epochs),
                "TEST.EVAL_PERIOD", str(self.student_epochs),
                "SOLVER.WARMUP_ITERS", str(self.student_warmup_iters)]


PROFILES: Dict[str, DemoProfile] = {
    "default": DemoProfile(),
    # Minutes on 2 cores: the tiny SynthReID, a 2-block ViT, two cheap corruption types in the grid.
    "tiny": DemoProfile(
        synthreid_preset="tiny", teacher_epochs=3, teacher_warmup_iters=0, student_epochs=2,
        student_warmup_iters=0, batch=16, repeats=2,
        grid_types=("gaussian_noise", "contrast", "speckle_noise"), grid_severities=(1, 5),
        model_overrides=["INPUT.SIZE_TRAIN", "[64,32]", "INPUT.SIZE_TEST", "[64,32]",
                         "DATALOADER.NUM_WORKERS", "0"]),
}


def get_profile(name: str, **changes) -> DemoProfile:
    """A named profile, with fields replaced."""
    if name not in PROFILES:
        raise ValueError(f"unknown demo profile {name!r}; choose one of {sorted(PROFILES)}")
    return replace(PROFILES[name], **changes)
