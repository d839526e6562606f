#!/usr/bin/env python
"""Does CFAT's fine stage matter? Every arm trained with several training seeds, paired, one teacher.

    .venv/bin/python benchmarks/cfat_ablation.py --output-dir output/ablation --seeds 0 1 2 3 4

The demo's scale (SynthReID demo preset, ResNet-18, 3 student epochs, bfloat16 where native). One
teacher (seed 0) is shared: the question is the student stage. Arms (keys of
``cfat_plugin.demo.pipeline.all_arms``):

- ``b_augmented``: the teacher fine-tuned on corrupted views, ID + triplet (the baseline; also the
  corruption-trained start of the ``staged`` arms below);
- ``d_cfat_coarse`` / ``c_cfat``: the demo's (d) coarse only / (c) CFAT with the raw KL, from the
  teacher's copy (CFAT as first built);
- ``c_cfat_staged``: published KL, BFG pre-training stage, corruption-trained start (c');
- ``c_cfat_staged_nokl``: the same without the bridge KL (separates the KL from the
  reconstruction's ID + triplet terms);
- ``d_cfat_coarse_staged``: coarse only from the same corruption-trained start (isolates the
  fine stage from the extra start);
- ``c_cfat_staged_klstudent``: (c') with the bridge KL training the student only
  (``MODEL.CFAT.LOSS.KL.TRAINS_VAE False``): in (c') the KL's share of the student's gradient
  falls from about half the alignment's at the first step to 3-4% within 50 steps; this arm
  tells the encoder's part in that fall from the student's (projects/CFAT/README.md);
- the fine stage in the released form, and its two controls (projects/CFAT/README.md, "The fine
  stage in the released form"): ``c_cfat_official`` (c'-O: raw features into the VAE, the closed-form
  bridge on raw features, raw sigma, sigmoid decoder, the second student CE, the fine terms weighted
  as the alignment), ``c_cfat_official_noce2`` (the same without the second CE) and
  ``d_cfat_coarse_ce2`` (coarse only with the student's CE at weight 2). Not in the default arms:

    .venv/bin/python benchmarks/cfat_ablation.py --arms d_cfat_coarse_staged c_cfat_official \
        d_cfat_coarse_ce2 c_cfat_official_noce2

  ``--clean-prob`` sets the share of the students' views left clean (the demo's 0.7; the released
  code's one draw from clean + 20 types is 1/21): give it its own ``--results`` and ``--output-dir``.

Pairing: within one seed every arm trains with ``SEED`` = the seed and the same training
corruption seed, so sampler order, corruption draws and the bridge's t agree across arms. Every
model is evaluated on the same fixed test draws (``--test-seed``, 2 draws as the demo). Prints and
writes ``ablation.md``, ``ablation.csv`` and ``ablation.png`` (corrupted mAP, a line per seed) to the
output folder: per arm mean +- std over seeds, and paired differences +- their standard error. Every finished (arm, seed) goes at once into
``benchmarks/results/cfat_ablation.json`` (``--results``), with a hash of the teacher: run it again,
in the same or a later session, and only the missing pairs are trained (the seed-0 teacher trains
to the same weights every time; a different teacher is refused).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
from cfat_plugin.demo import Demo, get_profile  # noqa: E402
from cfat_plugin.demo.pipeline import all_arms  # noqa: E402
from cfat_plugin.demo.seed_runs import SeedResults, run_missing, write_report  # noqa: E402
from cfat_plugin.demo.seeds import seed_tables  # noqa: E402

ARMS = ("b_augmented", "d_cfat_coarse", "c_cfat", "c_cfat_staged", "c_cfat_staged_nokl", "d_cfat_coarse_staged",
        "c_cfat_staged_klstudent")
OFFICIAL_ARMS = ("c_cfat_official", "c_cfat_official_noce2", "d_cfat_coarse_ce2")
REFERENCES = ("d_cfat_coarse_staged", "d_cfat_coarse", "b_augmented")
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "cfat_ablation.json")
METRICS = ("clean_mAP", "corrupted_mAP", "seen_mAP", "held_out_mAP")


def metrics_of(summary: dict) -> dict:
    """The four figures of one evaluated model (corrupted ones: mean over the test draws)."""
    return {"clean_mAP": summary["clean"]["mAP"], "corrupted_mAP": summary["settings"]["both"]["mAP"]["mean"],
            "seen_mAP": summary["seen"]["mAP"]["mean"], "held_out_mAP": summary["held_out"]["mAP"]["mean"]}


def profile_changes(args: argparse.Namespace) -> dict:
    """The profile fields the command line sets: the test draw's seed and, when given, the clean share."""
    changes = {"seed": args.test_seed}
    if args.clean_prob is not None:
        if not 0.0 <= args.clean_prob < 1.0:
            sys.exit(f"error: --clean-prob must lie in [0, 1), got {args.clean_prob}")
        changes["student_clean_prob"] = args.clean_prob
    return changes


def teacher_fingerprint(weights: str) -> str:
    """A hash of the shared teacher's weights: results of different teachers are never mixed."""
    import hashlib

    import torch
    from fastreid.utils.checkpoint import Checkpointer

    digest = hashlib.sha1()
    for name, tensor in sorted(Checkpointer(torch.nn.Module())._load_file(weights)["model"].items()):
        digest.update(name.encode())
        digest.update(tensor.to(torch.float32).contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", default="output/ablation")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="training seeds")
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=sorted(set(ARMS + OFFICIAL_ARMS)))
    parser.add_argument("--test-seed", type=int, default=0, help="data set and test draws (fixed for all)")
    parser.add_argument("--profile", default="default", help="demo profile (tiny: a quick check of the script)")
    parser.add_argument("--clean-prob", type=float, default=None,
                        help="share of the students' views left clean (default: the profile's, 0.7; the released "
                             "code: 1/21 = 0.0476); kept in the results file, which refuses another")
    parser.add_argument("--results", default=RESULTS,
                        help="results file, kept in the repository so that a run can be continued in pieces: "
                             "arm/seed pairs already in it are not rerun (only with the same teacher)")
    parser.add_argument("--report-only", action="store_true",
                        help="train nothing: report what the results file holds so far (no teacher needed)")
    args = parser.parse_args()
    out = os.path.abspath(args.output_dir)
    started = time.perf_counter()
    base = get_profile(args.profile, **profile_changes(args), grid=False)
    store = SeedResults(args.results) if args.report_only else train_all(args, base, out)
    titles = {key: arm.title for key, arm in all_arms(base, "").items()}
    arms = store.arms_present(args.arms)
    seeds = sorted({int(s) for arm in arms for s in store.results[arm]})
    text = seed_tables(store.results, arms, REFERENCES, METRICS, titles)
    note = (f"\nSynthReID ({base.synthreid_preset}); students' clean share {store.data.get('clean_prob', 0.7)}; "
            f"one teacher (seed {store.data.get('test_seed')}, "
            f"{store.data.get('teacher')}); students {base.student_epochs} epochs; training seeds {seeds}; test "
            f"draws: seed {store.data.get('test_seed')}, {base.repeats} draws, the same for every model. Precision "
            f"{store.data.get('precision')}. Wall time of this invocation: {(time.perf_counter() - started) / 60:.1f} "
            f"min.\n")
    files = write_report(out, "ablation", "CFAT fine-stage ablation", text, note, store, arms, titles, "corrupted_mAP")
    print("\n" + text + note + "\nFiles: " + ", ".join(files + [store.path]))


def train_all(args: argparse.Namespace, base, out: str) -> SeedResults:
    """The shared teacher, then every missing (arm, seed) of ``args`` into the results file."""
    echo = lambda line: print(line, flush=True)  # noqa: E731
    shared = Demo(base, out, echo=echo)
    echo(f"Precision: {base.resolved_precision()}; seeds {args.seeds}; arms {args.arms}; output {out}")
    shared.prepare_data()
    echo("teacher (shared, seed %d)" % args.test_seed)
    shared.train_teacher()
    arms = all_arms(base, shared.teacher_dir)
    identity = {"teacher": teacher_fingerprint(os.path.join(shared.teacher_dir, "model_final.pth")),
                "test_seed": args.test_seed, "profile": args.profile, "precision": base.resolved_precision(),
                "clean_prob": base.student_clean_prob}
    try:
        store = SeedResults(args.results, identity)
    except ValueError as error:
        sys.exit(f"error: {error}")
    demos = {}

    def train_and_score(key: str, seed: int) -> dict:
        if seed not in demos:
            demos[seed] = Demo(get_profile(args.profile, **profile_changes(args), train_seed=seed, grid=False),
                               os.path.join(out, f"seed{seed}"), echo=echo, shared_dir=out)
        arm = arms[key]
        return metrics_of(demos[seed].evaluate(arm, arm.config, demos[seed].train_student(arm)))

    run_missing(store, [(key, seed) for seed in args.seeds for key in args.arms], train_and_score,
                {key: arm.title for key, arm in arms.items()}, echo)
    return store


if __name__ == "__main__":
    main()
