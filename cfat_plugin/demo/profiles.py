"""Sizes of the end-to-end demo: the default (2 CPU cores, README for its measured time), a tiny one for tests,
the former default (``recorded``, what the recorded seed tables ran) and the CUHK01 and GPU comparisons'."""
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Tuple

# Held out of training, one per family (noise, blur, weather, digital, + rain), so the
# report can show seen vs unseen corruption types.
HELD_OUT_TYPES: Tuple[str, ...] = ("speckle_noise", "glass_blur", "frost", "pixelate", "rain")
# The grid's seen rows: one training type per family, beside the five held out.
GRID_SEEN_TYPES: Tuple[str, ...] = ("gaussian_noise", "motion_blur", "fog", "jpeg_compression", "contrast")
DEMO_INPUT_SIZE: Tuple[str, ...] = ("INPUT.SIZE_TRAIN", "[112,56]", "INPUT.SIZE_TEST", "[112,56]")


def cpu_has_native_bfloat16() -> bool:
    """Whether oneDNN runs bfloat16 natively here (AVX512-BF16 or AMX); emulated bfloat16 is slower than float32."""
    import torch

    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch without the query
        return False


@dataclass(frozen=True)
class DemoProfile:
    """Everything that sets the demo's size; every student gets the same training budget."""

    synthreid_preset: str = "demo"
    # The data set every model trains and is tested on: SynthReID is generated into the output
    # folder; any other registered data set is read from data_root (e.g. CUHK01 in ../shared/data).
    dataset: str = "SynthReID"
    data_root: str = ""  # the folder FastReID's reader gets as DATASETS.ROOT ("" with SynthReID)
    # ResNet-18: a ViT learns little from scratch on a few thousand images within a CPU
    # budget (the tiny ViT teacher of synthreid_teacher.yml: 13.3% clean mAP with the
    # bnneck feature after 10 epochs, against 69% for ResNet-18 after 6); CFAT's
    # meta-architecture, head and losses are the same for both.
    teacher_config: str = "projects/CFAT/synthreid_r18_teacher.yml"
    cfat_config: str = "projects/CFAT/synthreid_r18.yml"
    # CFAT with its stages (corruption-trained start, pre-trained BFG, KL weighted as the alignment)
    cfat_staged_config: str = "projects/CFAT/synthreid_r18_staged.yml"
    bfg_config: str = "projects/CFAT/synthreid_r18_bfg.yml"  # the BFG pre-training stage
    bfg_epochs: int = 2
    # The compared models, by key of cfat_plugin.demo.pipeline.all_arms, in training order. CFAT and
    # its coarse-only ablation run staged (corruption-trained start = (b), BFG pre-training): over 5
    # paired training seeds the staged (c') beats the first-built (c) by about 3 corrupted mAP
    # (benchmarks/cfat_ablation.py; projects/CFAT/README.md), so the demo shows CFAT that way.
    models: Tuple[str, ...] = ("a_teacher", "b_augmented", "c_cfat_staged", "d_cfat_coarse_staged")
    teacher_epochs: int = 6
    teacher_warmup_iters: int = 20
    student_epochs: int = 3
    student_warmup_iters: int = 10
    student_lr: float = 0.0001
    # Share of the students' "corrupted" views left clean (b, c and d alike): fine-tuning on
    # corrupted views only moves BatchNorm statistics and features away from clean images.
    student_clean_prob: float = 0.7
    batch: int = 32
    held_out_types: Tuple[str, ...] = HELD_OUT_TYPES
    retrieval_feat: str = "bnneck"
    # Random draws of each setting (all 20 types x severities 1-5, the protocol). One: a draw is 40% of a
    # model's benchmark in float32, and the spread that matters is over training seeds, which the table's
    # note prints (benchmarks/cfat_ablation.py); the protocol's 10: --repeats 10.
    repeats: int = 1
    grid: bool = True
    # The type x severity grid (its heat maps) costs one query + gallery extraction per cell, so
    # the demo runs a slice of it on the models it contrasts; tools/eval_robustness.py --grid
    # runs the whole 20 x 5.
    # The five held-out types: what the heat maps are for (does CFAT carry over to damage it never trained
    # on?); GRID_SEEN_TYPES + HELD_OUT_TYPES adds one seen type per family (the ``recorded`` profile's).
    grid_types: Tuple[str, ...] = HELD_OUT_TYPES
    grid_severities: Tuple[int, ...] = (3,)
    grid_models: Tuple[str, ...] = ("a_teacher", "c_cfat_staged")
    # The rank-list sheet (rank_lists.png): the same corrupted queries ranked by these two models, one
    # row each, the query's true matches framed green; None: no sheet. A seen noise type at a middle
    # severity: what costs the clean teacher most among the training types (the demo's grid).
    rank_sheet_models: Optional[Tuple[str, str]] = ("a_teacher", "c_cfat_staged")
    rank_sheet_corruption: Tuple[str, int] = ("gaussian_noise", 3)
    rank_sheet_queries: int = 6
    rank_sheet_topk: int = 8
    seed: int = 0  # the data set, the test draws and (unless train_seed) training
    train_seed: Optional[int] = None  # training only (SEED, training corruption draws); None: seed
    # Mixed precision of every training step and feature extraction (backbone in bfloat16, heads,
    # losses and features in float32): "auto" = bfloat16 where the CPU computes it natively
    # (AVX512-BF16 / AMX), else float32; or "bfloat16" / "float32".
    precision: str = "auto"
    # Feature extraction (the benchmark, the rank lists) with channels-last weights and images
    # (MODEL.CHANNELS_LAST): 1.2x faster in float32 (benchmarks/bench_precision.py). Training keeps
    # PyTorch's layout: the whole training step was no faster in channels-last order (README).
    channels_last: bool = True
    # What corrupts the students' training views (``pipeline.TRAINING_BACKENDS``) where an arm does not say:
    # the reference (one image at a time in the loader) or torch (the batch after collation). The demo's
    # profile uses torch at 160x80: over 10 paired seeds it ties the reference ((c') -0.21 +- 0.13 corrupted
    # mAP) and its step is faster (projects/CFAT/README.md, "Training corruptions in torch"); at 128x64 it
    # trained (c') 0.5 lower. The other profiles keep the backend their results files were made with.
    training_backend: str = "reference"
    # Data-loader worker processes of every step: on 2 cores, loading in the main process beats
    # workers that compete with torch's threads (benchmarks/bench_loader_workers.py).
    loader_workers: int = 0
    # Applied to every training config. The demo's: 112x56 images for every model alike (the configs'
    # 128x64 is the ``recorded`` profile's): 0.8x the compute of a training step and of feature extraction,
    # so the whole demo fits 15 minutes in float32 on 2 cores (README, "The demo").
    model_overrides: List[str] = field(default_factory=lambda: list(DEMO_INPUT_SIZE))
    # Minutes the whole run took on a quiet 2-core CPU, by precision (README, "The demo"): printed before it
    # starts; empty for profiles never timed so.
    expected_minutes: Dict[str, float] = field(default_factory=dict)

    def expected_duration(self) -> str:
        """What the run should take here, as measured in the README (or that it was never timed)."""
        minutes = self.expected_minutes.get(self.resolved_precision())
        if minutes is None:
            return "not timed for this profile and precision"
        return (f"about {minutes:.0f} min on a quiet 2-core CPU in {self.resolved_precision()} (README); "
                "longer when other work shares the cores")

    def training_seed(self) -> int:
        return self.seed if self.train_seed is None else self.train_seed

    def resolved_precision(self) -> str:
        """``bfloat16`` or ``float32``: what ``precision`` means on this machine."""
        if self.precision == "auto":
            return "bfloat16" if cpu_has_native_bfloat16() else "float32"
        if self.precision not in ("bfloat16", "float32"):
            raise ValueError(f"demo precision must be auto, bfloat16 or float32, got {self.precision!r}")
        return self.precision

    def precision_overrides(self) -> List[str]:
        """Config overrides for training (``SOLVER.AMP``) and feature extraction (``TEST.AMP``)."""
        amp = self.resolved_precision() == "bfloat16"
        return ["SOLVER.AMP.ENABLED", str(amp), "SOLVER.AMP.DTYPE", "bfloat16",
                "TEST.AMP.ENABLED", str(amp), "TEST.AMP.DTYPE", "bfloat16"]

    def extraction_overrides(self) -> List[str]:
        """Config overrides of the stages that only extract features (``MODEL.CHANNELS_LAST``)."""
        return ["MODEL.CHANNELS_LAST", str(self.channels_last)]

    def student_solver(self) -> List[str]:
        """Identical solver settings for the three trained students."""
        return ["SOLVER.MAX_EPOCH", str(self.student_epochs), "SOLVER.BASE_LR", str(self.student_lr),
                "SOLVER.IMS_PER_BATCH", str(self.batch), "SOLVER.CHECKPOINT_PERIOD", str(self.student_epochs),
                "TEST.EVAL_PERIOD", str(self.student_epochs),
                "SOLVER.WARMUP_ITERS", str(self.student_warmup_iters),
                "DATASETS.CORRUPTION.TRAIN.CLEAN_PROB", str(self.student_clean_prob)]


PROFILES: Dict[str, DemoProfile] = {
    # Timed from a fresh clone on 2026-12-07, 2-core AMD EPYC with AMX, bfloat16 and float32 forced (README).
    "default": DemoProfile(training_backend="torch_160x80", expected_minutes={"float32": 13.1, "bfloat16": 8.7}),
    # The default until 2026-12-06: 128x64 images, channels-first extraction, two test draws, a 10-type
    # grid. The profile of the seed tables recorded until then (benchmarks/cfat_ablation.py runs it unless
    # told otherwise, so that their commands still make them).
    "recorded": DemoProfile(channels_last=False, repeats=2, grid_types=GRID_SEEN_TYPES + HELD_OUT_TYPES,
                            model_overrides=[]),
    # Minutes on 2 cores: the tiny SynthReID at 64x32, three cheap corruption types in the grid.
    "tiny": DemoProfile(
        synthreid_preset="tiny", teacher_epochs=3, teacher_warmup_iters=0, student_epochs=2,
        student_warmup_iters=0, batch=16, repeats=2,
        grid_types=("gaussian_noise", "contrast", "speckle_noise"), grid_severities=(1, 5),
        grid_models=("a_teacher", "b_augmented", "c_cfat", "d_cfat_coarse", "c_cfat_staged", "d_cfat_coarse_staged"),
        model_overrides=["INPUT.SIZE_TRAIN", "[64,32]", "INPUT.SIZE_TEST", "[64,32]"]),
    # Real photographs: CUHK01's 485 / 486 identity split with ImageNet MobileNetV2
    # teacher and students, the demo's recipe otherwise; benchmarks/cfat_cuhk01.py sets data_root.
    "cuhk01_mnv2": DemoProfile(
        dataset="CUHK01", teacher_config="projects/CFAT/cuhk01_mnv2_teacher.yml",
        cfat_config="projects/CFAT/cuhk01_mnv2.yml", cfat_staged_config="projects/CFAT/cuhk01_mnv2_staged.yml",
        bfg_config="projects/CFAT/cuhk01_mnv2_bfg.yml", grid=False, repeats=2, channels_last=False,
        model_overrides=[]),
    # One GPU, minutes: the demo's comparison with the ReID ViT at ViT-B size, 256x128, from random
    # initialisation (no ImageNet weights on a machine without downloads), data loaded by 12 workers (the
    # corrupted views are made on the CPU). benchmarks/gpu_checks.sh runs c' against d' with it.
    "vit_b_gpu": DemoProfile(
        teacher_config="projects/CFAT/synthreid_teacher.yml", cfat_config="projects/CFAT/synthreid.yml",
        cfat_staged_config="projects/CFAT/synthreid_vit_staged.yml", bfg_config="projects/CFAT/synthreid_vit_bfg.yml",
        teacher_epochs=10, student_lr=0.00002, batch=64, precision="bfloat16", loader_workers=12, grid=False,
        repeats=2, channels_last=False,
        model_overrides=["MODEL.DEVICE", "cuda", "MODEL.BACKBONE.DEPTH", "base", "MODEL.BACKBONE.FEAT_DIM", "768",
                         "MODEL.BACKBONE.VIT.NUM_LAYERS", "12", "INPUT.SIZE_TRAIN", "[256,128]",
                         "INPUT.SIZE_TEST", "[256,128]", "INPUT.PADDING.SIZE", "10", "TEST.IMS_PER_BATCH", "256"]),
}


def get_profile(name: str, **changes) -> DemoProfile:
    """A named profile, with fields replaced."""
    if name not in PROFILES:
        raise ValueError(f"unknown demo profile {name!r}; choose one of {sorted(PROFILES)}")
    return replace(PROFILES[name], **changes)
