#!/usr/bin/env python
"""Cost of one CFAT training step against FastReID's Baseline with the same student backbone.

Same batch, same backbone (the plugin's ReID ViT), same optimizer; a step is
forward + backward + SGD update. CFAT's extra work is the frozen teacher's
forward on the clean view plus the small BFG VAE, so the ratio should stay
near 1 + (teacher forward / student forward+backward), about 1.3. For ViT-small
and ViT-base, FastReID's own ViT (``build_vit_backbone``, TransReID's) in
FastReID's Baseline is timed beside them: the reference a FastReID user knows.
``--amp`` runs the steps under autocast as FastReID's AMP trainer does with the
plugin's fix (float16 with a gradient scaler, or bfloat16). ``--corruptions torch`` adds CFAT
with its student views corrupted inside the timed step by the torch backend on the batch's device
(every view its own type and severity, drawn anew each step; none left clean: the upper bound),
and prints its images/s against CFAT's on ready-made views (target: at least 0.95x).
``--op-table N`` prints the N operators that take the most time in CFAT's and the Baseline's
steps (torch.profiler): where CFAT's cost beyond the teacher's forward goes.

    python benchmarks/bench_cfat_step.py                       # CPU, ViT-tiny 128x64, batch 16
    python benchmarks/bench_cfat_step.py --size base --height 256 --width 128 --batch 64 --device cuda --amp bf16
    python benchmarks/bench_cfat_step.py --size base --height 256 --width 128 --batch 64 --device cuda --amp bf16 \
        --corruptions torch --op-table 15
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401  (compat fixes before any FastReID import)
import torch  # noqa: E402
from cfat_plugin.config import add_cfat_config  # noqa: E402
from fastreid.config import get_cfg  # noqa: E402
from fastreid.modeling import build_model  # noqa: E402
from fastreid.utils.checkpoint import Checkpointer  # noqa: E402
from fastreid.utils.events import EventStorage  # noqa: E402


def model_cfg(args, arch: str, head: str, sie: bool):
    cfg = add_cfat_config(get_cfg())
    cfg.MODEL.DEVICE = args.device
    cfg.MODEL.META_ARCHITECTURE = arch
    cfg.MODEL.BACKBONE.NAME = "build_cfat_vit_backbone"
    cfg.MODEL.BACKBONE.DEPTH = args.size
    cfg.MODEL.BACKBONE.FEAT_DIM = {"tiny": 192, "small": 384, "base": 768}[args.size]
    cfg.MODEL.BACKBONE.STRIDE_SIZE = (args.stride, args.stride)
    cfg.MODEL.BACKBONE.SIE_CAMERAS = 6 if sie else 0
    cfg.MODEL.HEADS.NAME = head
    cfg.MODEL.HEADS.POOL_LAYER = "Identity"
    cfg.MODEL.HEADS.WITH_BNNECK = True
    cfg.MODEL.HEADS.NUM_CLASSES = args.batch // 4
    cfg.MODEL.LOSSES.NAME = ("CrossEntropyLoss", "TripletLoss")
    cfg.MODEL.LOSSES.TRI.HARD_MINING = True
    cfg.INPUT.SIZE_TRAIN = [args.height, args.width]
    return cfg


def fastreid_vit_cfg(args):
    """FastReID's own ViT (TransReID's) in FastReID's Baseline; its widths are fixed at 768."""
    cfg = model_cfg(args, "Baseline", "EmbeddingHead", sie=False)
    cfg.MODEL.BACKBONE.NAME = "build_vit_backbone"
    cfg.MODEL.BACKBONE.FEAT_DIM = 768
    cfg.MODEL.BACKBONE.PRETRAIN = False
    cfg.MODEL.BACKBONE.SIE_COE = 3.0
    cfg.MODEL.BACKBONE.DROP_RATIO = 0.0
    cfg.MODEL.BACKBONE.DROP_PATH_RATIO = 0.1
    cfg.MODEL.BACKBONE.ATT_DROP_RATE = 0.0
    return cfg


CORRUPTED = "CFAT, views corrupted in step"
AMP_DTYPES = {"none": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def make_batch(args):
    g = torch.Generator().manual_seed(0)
    images = torch.rand(args.batch, 3, args.height, args.width, generator=g) * 255
    batch = {"images": images, "clean_images": images.flip(-1).clone(),
             "targets": torch.arange(args.batch) // 4, "camids": torch.arange(args.batch) % 6}
    return {k: v.to(args.device) for k, v in batch.items()}  # as FastReID's prefetcher hands them over


class TorchCorruptions:
    """The student view of each step made in the step: every clean image corrupted by its own draw
    (training types, severities 1-5) with the torch backend, on the batch's device."""

    def __init__(self):
        from cfat_plugin.data.corruptions import CORRUPTION_TYPES, RandomCorruption

        self.spec = RandomCorruption(types=CORRUPTION_TYPES, seed=0)
        self.calls = 0

    def __call__(self, batch: dict) -> dict:
        from cfat_plugin.data.corruptions.torch_backend import corrupt_drawn

        draws = [self.spec.draw(f"{self.calls}/{i}") for i in range(len(batch["clean_images"]))]
        self.calls += 1
        with torch.no_grad():
            images = corrupt_drawn(batch["clean_images"], draws)
        return {**batch, "images": images}


class Stepper:
    """One model with its optimizer; ``step()`` times forward + backward + update (after ``prepare``, which
    makes the step's views from the batch when given)."""

    def __init__(self, model, batch, device: str, amp_dtype=None, prepare=None):
        self.model = model.train()
        self.batch = batch
        self.prepare = prepare
        self.optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-3,
                                         momentum=0.9)
        self.device_type = "cuda" if device.startswith("cuda") else "cpu"
        self.sync = torch.cuda.synchronize if self.device_type == "cuda" else (lambda: None)
        self.amp_dtype = amp_dtype
        self.scaler = torch.amp.GradScaler(self.device_type, enabled=amp_dtype == torch.float16)
        self.times = []

    def step(self, record: bool) -> None:
        self.sync()
        start = time.perf_counter()
        batch = self.prepare(self.batch) if self.prepare else self.batch
        with torch.autocast(self.device_type, dtype=self.amp_dtype or torch.float32,
                            enabled=self.amp_dtype is not None):
            losses = self.model(batch)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(sum(losses.values())).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.sync()
        if record:
            self.times.append(time.perf_counter() - start)


def time_interleaved(steppers, warmup: int, steps: int) -> dict:
    """Median step time of each model, the models taking turns so load changes hit all alike."""
    with EventStorage(0) as storage:
        for i in range(warmup + steps):
            storage.iter = i
            for stepper in steppers.values():
                stepper.step(record=i >= warmup)
    return {name: statistics.median(s.times) for name, s in steppers.items()}


def print_op_table(stepper: Stepper, rows: int, title: str) -> None:
    """The operators of a few steps of ``stepper`` by total time on its device (CUDA time on a GPU)."""
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if stepper.device_type == "cuda" else [])
    with EventStorage(0), profile(activities=activities) as prof:
        for _ in range(3):
            stepper.step(record=False)
    key = "self_cuda_time_total" if stepper.device_type == "cuda" else "self_cpu_time_total"
    print(f"\n{title}: the {rows} operators with the most self time over 3 steps")
    print(prof.key_averages().table(sort_by=key, row_limit=rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="tiny", choices=["tiny", "small", "base"])
    parser.add_argument("--height", type=int, default=128)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--stride", type=int, default=16)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--amp", default="none", choices=sorted(AMP_DTYPES), help="autocast dtype of the steps")
    parser.add_argument("--corruptions", default="none", choices=["none", "torch"],
                        help="torch: also time CFAT with its views corrupted in the step")
    parser.add_argument("--op-table", type=int, default=0, help="print this many operators of CFAT's and the "
                                                                    "Baseline's steps by time (0: none)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        t_cfg = model_cfg(args, "CameraAwareBaseline", "EmbeddingHead", sie=True)
        t_cfg.OUTPUT_DIR = tmp
        Checkpointer(build_model(t_cfg), tmp).save("teacher")
        with open(os.path.join(tmp, "teacher.yml"), "w") as f:
            f.write(t_cfg.dump())
        c_cfg = model_cfg(args, "CFAT", "BFGHead", sie=True)
        c_cfg.MODEL.TEACHER.CONFIG_FILE = os.path.join(tmp, "teacher.yml")
        c_cfg.MODEL.TEACHER.WEIGHTS = os.path.join(tmp, "teacher.pth")
        models = {
            "Baseline, plugin ViT": build_model(model_cfg(args, "Baseline", "EmbeddingHead", sie=False)),
            "CameraAwareBaseline": build_model(t_cfg),
            "CFAT": build_model(c_cfg),
        }
        if args.size in ("small", "base"):
            models["Baseline, FastReID's ViT"] = build_model(fastreid_vit_cfg(args))
        if args.corruptions == "torch":
            torch.manual_seed(0)
            models[CORRUPTED] = build_model(c_cfg)
    batch = make_batch(args)
    print(f"device={args.device} threads={torch.get_num_threads()} ViT-{args.size} "
          f"{args.height}x{args.width} stride {args.stride} batch {args.batch} amp {args.amp}, median of "
          f"{args.steps} interleaved steps")
    steppers = {name: Stepper(model, batch, args.device, AMP_DTYPES[args.amp],
                              TorchCorruptions() if name == CORRUPTED else None) for name, model in models.items()}
    seconds = time_interleaved(steppers, args.warmup, args.steps)
    for name, sec in seconds.items():
        print(f"  {name:<30s} {sec * 1000:9.1f} ms/step  {args.batch / sec:8.1f} images/s")
    base = seconds["Baseline, plugin ViT"]
    print(f"CFAT / Baseline step-cost ratio: {seconds['CFAT'] / base:.2f}x "
          f"(CFAT / CameraAwareBaseline: {seconds['CFAT'] / seconds['CameraAwareBaseline']:.2f}x)")
    fastreid_vit = seconds.get("Baseline, FastReID's ViT")
    if fastreid_vit:
        print(f"Baseline step time, plugin ViT / FastReID's ViT: {base / fastreid_vit:.2f}x")
    if CORRUPTED in seconds:
        print(f"CFAT images/s with training corruptions in the step / on ready views: "
              f"{seconds['CFAT'] / seconds[CORRUPTED]:.2f}x (target >= 0.95x)")
    if args.op_table:
        for name in ("CFAT", "Baseline, plugin ViT"):
            print_op_table(steppers[name], args.op_table, name)


if __name__ == "__main__":
    main()
