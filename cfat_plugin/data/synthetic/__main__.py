"""CLI: ``python -m cfat_plugin.data.synthetic --out datasets/ --seed 0 [--preset prcc] [knobs]``.

Writes ``<out>/<name>/`` in the Market-1501 layout (or the preset's: PRCC,
LTCC, the external set, CUHK-PEDES with captions, SYSU-MM01's and RegDB's
visible-infrared layouts, MLR-CUHK03's low-resolution one), with ``contact_sheet.png``
(look at it before trusting numbers) and ``synthreid.json`` (spec, counts,
digest of all files: equal digests = byte-identical data sets).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .captions import CAPTIONS_PER_IMAGE
from .generate import CONTACT_SHEET, MANIFEST, generate
from .layouts import mlr, pedes, plan_dataset
from .plan import SPLITS, summarize
from .spec import IDENTITY_CUES, PRESETS, VISIBLE_INFRARED_LAYOUTS, folder_name, preset

# CLI flag -> SynthSpec field, for the knobs that override the preset
_KNOBS = {
    "train_ids": "num_train_ids", "test_ids": "num_test_ids", "cameras": "num_cameras",
    "images_per_camera": "images_per_camera", "min_cameras": "min_cameras_per_id",
    "distractors": "num_distractors", "junk": "num_junk", "difficulty": "difficulty",
    "height_range": "height_range", "quality": "jpeg_quality", "outfits": "outfits_per_id",
    "caption_dropout": "caption_dropout", "ir_cameras": "ir_cameras",
    "lowres_cameras": "lowres_cameras", "lowres_height_range": "lowres_height_range",
    "downsample_factors": "downsample_factors", "identity_cues": "identity_cues",
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cfat_plugin.data.synthetic",
                                description="Generate the SynthReID pedestrian data set (Market-1501 layout; "
                                            "presets prcc and ltcc: clothes changes in those layouts; "
                                            "pedes: CUHK-PEDES layout with captions; sysu and regdb: "
                                            "visible-infrared, in SYSU-MM01's and RegDB's layouts; "
                                            "lowres: a natively low-resolution camera; mlr: MLR-CUHK03 layout, "
                                            "down-sampled queries).")
    p.add_argument("--out", default="datasets", help="data root; the set goes to <out>/<name> (default: datasets)")
    p.add_argument("--name", default=None,
                   help="folder name (default: SynthReID for the demo with seed 0, else SynthReID-<preset>-s<seed>, "
                        "which is where the registered SynthReID data set looks)")
    p.add_argument("--preset", default="demo", choices=sorted(PRESETS), help="base size (default: demo)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train-ids", type=int)
    p.add_argument("--test-ids", type=int)
    p.add_argument("--cameras", type=int, help="2..6")
    p.add_argument("--images-per-camera", type=int, nargs=2, metavar=("MIN", "MAX"),
                   help="images of one identity in one camera")
    p.add_argument("--min-cameras", type=int, help="cameras each identity appears in, at least")
    p.add_argument("--distractors", type=int, help="pid 0000 gallery images")
    p.add_argument("--junk", type=int, help="pid -1 gallery images (readers drop them)")
    p.add_argument("--difficulty", type=float, help="0 (easy) .. 1 (hard)")
    p.add_argument("--height-range", type=int, nargs=2, metavar=("MIN", "MAX"), help="crop heights in pixels")
    p.add_argument("--quality", type=int, help="JPEG quality")
    p.add_argument("--outfits", type=int, nargs=2, metavar=("MIN", "MAX"),
                   help="outfits per identity (clothes-changing presets prcc, ltcc, external)")
    p.add_argument("--caption-dropout", type=float,
                   help="chance a caption leaves out each attribute it need not name (preset pedes; default 0.3)")
    p.add_argument("--ir-cameras", type=int, nargs="*", metavar="CAM",
                   help="cameras (1-based) that see in near infrared instead of colour")
    p.add_argument("--lowres-cameras", type=int, nargs="*", metavar="CAM",
                   help="cameras (1-based) that render natively small, with their own blur, noise and compression")
    p.add_argument("--lowres-height-range", type=int, nargs=2, metavar=("MIN", "MAX"),
                   help="crop heights of the low-resolution cameras (default 32 64)")
    p.add_argument("--downsample-factors", type=int, nargs="+", metavar="F",
                   help="factors the low-resolution images of the mlr preset are down-sampled by (default 2 3 4)")
    p.add_argument("--identity-cues", choices=IDENTITY_CUES,
                   help="what tells people apart: all (default), only details down-sampling erases (market, mlr), "
                        "or what people keep across outfits made plain to see (ltcc, prcc)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all CPUs); output is the same")
    p.add_argument("--force", action="store_true", help="replace an existing folder")
    p.add_argument("--no-contact-sheet", action="store_true")
    p.add_argument("--dry-run", action="store_true", help="print the counts only, write nothing")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    changes = {field: getattr(args, flag) for flag, field in _KNOBS.items() if getattr(args, flag) is not None}
    try:
        spec = preset(args.preset, seed=args.seed, **changes)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    out = Path(args.out) / (args.name or folder_name(args.preset, args.seed))
    counts = summarize(plan_dataset(spec))
    print(f"{'split':8} {'ids':>5} {'images':>7} {'cameras':>8}")
    for split in [s for s in SPLITS if s in counts]:
        c = counts[split]
        print(f"{split:8} {c['ids']:>5} {c['images']:>7} {c['cameras']:>8}")
    if spec.ir_cameras:
        print(f"infrared cameras: {', '.join(f'c{c}' for c in spec.ir_cameras)}; layout: {spec.layout}")
    if spec.lowres_cameras:
        print(f"low-resolution cameras: {', '.join(f'c{c}' for c in spec.lowres_cameras)} "
              f"(crops {spec.lowres_height_range[0]}-{spec.lowres_height_range[1]} px high)")
    if spec.layout == "mlr":
        print(f"files: {counts['all']['files']}; one camera of each person down-sampled by "
              f"{' or '.join(str(f) for f in spec.downsample_factors)}, named c{mlr.LOW_RES_CAMERA} (queries "
              f"low-resolution, gallery full resolution; factors in {mlr.ROOT}/{mlr.FACTORS_FILE})")
    elif spec.layout == "pedes":
        print(f"files: {counts['all']['files']}, each with {CAPTIONS_PER_IMAGE} captions in {pedes.ANNOTATIONS} "
              f"(test: the images are the gallery, their captions the queries)")
    elif spec.layout in VISIBLE_INFRARED_LAYOUTS:
        print(f"files: {counts['all']['files']} (query and gallery are drawn by the {spec.layout} readers)")
    else:
        print(f"files: {counts['all']['files']} (gallery includes {counts['all']['distractors']} distractors "
              f"with pid 0000, and {counts['all']['junk']} junk with pid -1 that readers drop)")
    if args.dry_run:
        return 0
    if out.exists() and not args.force:
        print(f"error: {out} exists; use --force to replace it", file=sys.stderr)
        return 1
    start = time.perf_counter()
    manifest = generate(spec, out, workers=args.workers, progress=True,
                        contact_sheet=not args.no_contact_sheet, overwrite=args.force)
    seconds = time.perf_counter() - start
    print(f"wrote {out} in {seconds:.1f} s ({counts['all']['files'] / seconds:.0f} images/s)")
    print(f"digest {manifest['digest']} (in {out / MANIFEST})")
    if not args.no_contact_sheet:
        print(f"contact sheet: {out / CONTACT_SHEET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
