#!/usr/bin/env python
"""Speed and agreement of float32 against bfloat16 autocast (``SOLVER.AMP`` / ``TEST.AMP``), each with and
without channels-last weights and inference images (``MODEL.CHANNELS_LAST``), at ResNet last strides 1
and 2 (``MODEL.BACKBONE.LAST_STRIDE``): what the demo's speed is made of.

The demo's ResNet-18 (128x64, the teacher's config): feature
extraction of a 128-image batch through ``inference_model`` (what the robustness
evaluator runs) and one training step (forward, backward, Adam) under the
autocast that FastReID's AMP trainer opens. The variants take turns so that load
changes hit all alike; each figure is the median over the repeats.

    python benchmarks/bench_precision.py
    python benchmarks/bench_precision.py --repeats 10 --config projects/CFAT/synthreid_r18_teacher.yml
"""
import argparse
import copy
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401  (compat fixes before any FastReID import)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from cfat_plugin.demo.profiles import cpu_has_native_bfloat16  # noqa: E402
from cfat_plugin.engine import load_config  # noqa: E402
from cfat_plugin.evaluation.precision import inference_model  # noqa: E402
from cfat_plugin.utils.memory_format import apply_channels_last  # noqa: E402
from fastreid.modeling import build_model  # noqa: E402
from fastreid.utils.events import EventStorage  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="projects/CFAT/synthreid_r18_teacher.yml")
    parser.add_argument("--test-batch", type=int, default=128)
    parser.add_argument("--train-batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=4, help="rounds")
    parser.add_argument("--last-strides", type=int, nargs="+", default=[1, 2],
                        help="ResNet last strides to compare (MODEL.BACKBONE.LAST_STRIDE; the demo uses 2)")
    return parser.parse_args()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, ["MODEL.HEADS.NUM_CLASSES", str(args.train_batch // 4)])
    height, width = cfg.INPUT.SIZE_TEST
    torch.manual_seed(0)
    base = build_model(cfg)
    test_batch = {"images": torch.rand(args.test_batch, 3, height, width) * 255}
    train_batch = {"images": torch.rand(args.train_batch, 3, height, width) * 255,
                   "targets": torch.arange(args.train_batch) // 4, "camids": torch.zeros(args.train_batch)}

    variants = {}
    for last_stride in args.last_strides:
        cfg.defrost()
        cfg.MODEL.BACKBONE.LAST_STRIDE = last_stride
        torch.manual_seed(0)
        built = build_model(cfg)  # the same weights for every last stride (the stride has none)
        for amp in (False, True):
            for channels_last in (False, True):
                cfg.TEST.AMP.ENABLED = amp
                cfg.MODEL.CHANNELS_LAST = channels_last
                model = apply_channels_last(cfg, copy.deepcopy(built))
                name = (("bfloat16" if amp else "float32") + (" channels-last" if channels_last else "")
                        + (f" last stride {last_stride}" if len(args.last_strides) > 1 else ""))
                variants[name] = {
                    "model": model, "infer": inference_model(cfg, model),
                    "optimizer": torch.optim.Adam(model.parameters(), lr=1e-4), "amp": amp,
                    "infer_s": [], "train_s": []}
    reference_name = next(iter(variants))  # float32, channels-first, the first last stride

    def train_step(v):
        v["model"].train()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=v["amp"]):
            loss = sum(v["model"](train_batch).values())
        v["optimizer"].zero_grad(set_to_none=True)
        loss.backward()
        v["optimizer"].step()

    def features(v):
        v["infer"].eval()
        with torch.no_grad():
            return v["infer"](test_batch)

    with EventStorage(0):
        for repeat in range(args.repeats + 1):  # the first round warms oneDNN's kernels up
            for v in variants.values():  # a few passes in a row, as in a real run
                infer_s = [timed(lambda: features(v)) for _ in range(3)]
                train_s = [timed(lambda: train_step(v)) for _ in range(3)]
                if repeat:
                    v["infer_s"] += infer_s[1:]
                    v["train_s"] += train_s[1:]

    fp32 = variants[reference_name]
    cfg.MODEL.CHANNELS_LAST = False
    fresh = copy.deepcopy(base).eval()
    with torch.no_grad():
        reference = fresh(test_batch)
        cfg.TEST.AMP.ENABLED = True
        low = inference_model(cfg, fresh)(test_batch)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, native bfloat16: {cpu_has_native_bfloat16()}")
    print(f"{args.config}: {height}x{width}, test batch {args.test_batch}, train batch {args.train_batch}, "
          f"median of {2 * args.repeats} passes each")
    print("| variant | features s/batch | images/s | train s/step |")
    print("|---|---|---|---|")
    for name, v in variants.items():
        infer = statistics.median(v["infer_s"])
        print(f"| {name} | {infer:.3f} | {args.test_batch / infer:.0f} | {statistics.median(v['train_s']):.3f} |")
    for name, v in variants.items():
        if name != reference_name:
            infer = statistics.median(fp32["infer_s"]) / statistics.median(v["infer_s"])
            train = statistics.median(fp32["train_s"]) / statistics.median(v["train_s"])
            print(f"speed-up of {name} over {reference_name}: features x{infer:.2f}, training x{train:.2f}")
    cos = F.cosine_similarity(low, reference)
    print(f"features bfloat16 vs float32 (same weights): cosine min {cos.min():.6f}, mean {cos.mean():.6f}; "
          f"dtype {low.dtype}")


if __name__ == "__main__":
    main()
