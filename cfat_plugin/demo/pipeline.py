"""The main job: data, teacher, three students trained the same way, the benchmark, one comparison.

Every step is a :class:`~cfat_plugin.demo.stages.StageRequest` of the package's entry points
(training, the robustness benchmark) run in a child process; it logs to a file under the output
folder and is skipped when its result is already there, so an interrupted demo picks up where it
stopped (training steps resume from their last checkpoint).
"""
import json
import os
import time
from dataclasses import asdict, dataclass
from typing import Callable, Dict, List, Optional, Sequence

from ..data.corruptions import CORRUPTION_TYPES
from ..experiments import REPO_ROOT, RESULTS_DIR, short_name
from .compare import seed_spread_note, write_comparison
from .launcher import run_stage_process
from .profiles import DemoProfile
from .stages import Overrides, StageRequest, config_pairs

# The profiles' config files (projects/CFAT/*.yml) are read from REPO_ROOT: the stages run there.


def ablation_results_path(profile_name: str) -> str:
    """The seeds ablation's results file of a profile: ``cfat_ablation.json`` holds the ``recorded`` one's."""
    suffix = "" if profile_name == "recorded" else f"_{profile_name}"
    return os.path.join(RESULTS_DIR, f"cfat_ablation{suffix}.json")


# The note beside the demo's table, by the backend of its training views: the seeds file of its own recipe
# (its models read under their BACKEND_TWINS there, see backend_twins).
SEED_SPREAD_FILES = {
    "reference": ablation_results_path("default"),
    "torch_160x80": os.path.join(RESULTS_DIR, "cfat_training_backends.json"),
}


@dataclass(frozen=True)
class Student:
    """One of the compared models: how it is trained from the teacher (``config`` None: not trained).

    ``start``: the key of another model whose final weights the student starts from
    (``MODEL.CFAT.STUDENT_WEIGHTS``, the published corruption-trained start); ``bfg_pretrain``: run the
    BFG pre-training stage from that same start first and load its VAE (``MODEL.CFAT.BFG_WEIGHTS``);
    ``bfg_form``: the VAE's form for that stage (``VAE_FORMS``), so that it pre-trains the VAE the student uses;
    ``backend``: what makes its corrupted training views (``TRAINING_BACKENDS``), in every stage it trains;
    None: the profile's ``training_backend``.
    """

    key: str
    title: str
    config: Optional[str]
    overrides: tuple = ()
    start: Optional[str] = None
    bfg_pretrain: bool = False
    bfg_form: str = "project"
    backend: Optional[str] = None


# CFAT's fine stage off: coarse alignment alone (the ablation).
NO_BFG = ("MODEL.CFAT.LOSS.KL.SCALE", "0.0", "MODEL.CFAT.LOSS.RECON.SCALE", "0.0",
          "MODEL.CFAT.LOSS.RECON_ID.SCALE", "0.0", "MODEL.CFAT.LOSS.RECON_TRIPLET.SCALE", "0.0",
          "MODEL.CFAT.BFG_WARMUP_ITERS", "0")
# The raw bridge KL: the posteriors as the encoder gives them (not L2-normalised as in the released
# KL_Loss2), averaged over the batch rather than summed.
RAW_KL = ("MODEL.CFAT.LOSS.KL.FORM", "raw", "MODEL.CFAT.LOSS.KL.REDUCTION", "mean")
NO_KL = ("MODEL.CFAT.LOSS.KL.SCALE", "0.0")
# The bridge KL trains the student only: the VAE's encoder cannot shrink it by ignoring its input.
KL_STUDENT_ONLY = ("MODEL.CFAT.LOSS.KL.TRAINS_VAE", "False")
# The VAE and bridge as the released code has them: raw features in, the closed-form bridge on raw
# features, unconstrained sigma, sigmoid decoder, element-mean reconstruction (PyTorch's MSELoss).
VAE_FORMS = {
    "project": (),
    "official": ("MODEL.CFAT.BRIDGE.FORM", "official", "MODEL.HEADS.BFG.NORM_INPUT", "False",
                 "MODEL.HEADS.BFG.SIGMA", "raw", "MODEL.HEADS.BFG.DECODER_OUT", "sigmoid",
                 "MODEL.CFAT.LOSS.RECON.REDUCTION", "mean"),
}


def official_fine(align_scale: float) -> tuple:
    """The whole fine stage in the released form, its loss weights the published ones relative to the
    coarse alignment's ``align_scale``: every fine term (bridge KL, reconstruction, triplet on the
    reconstruction) at ``align_scale``, and the ID term on the student's own logits (the released
    loss_en2) at the student's own CE weight, 1, as loss_en1 and loss_en2 are equal in the released code."""
    weight = str(float(align_scale))
    return VAE_FORMS["official"] + (
        "MODEL.CFAT.LOSS.RECON_ID.LOGITS", "student", "MODEL.CFAT.LOSS.RECON_ID.SCALE", "1.0",
        "MODEL.CFAT.LOSS.KL.SCALE", weight, "MODEL.CFAT.LOSS.RECON.SCALE", weight,
        "MODEL.CFAT.LOSS.RECON_TRIPLET.SCALE", weight)


def alignment_weight(config_file: str) -> float:
    """``MODEL.CFAT.LOSS.ALIGN.SCALE`` of a CFAT config file (its ``_BASE_`` chain read as FastReID does)."""
    from fastreid.config import get_cfg

    from ..config import add_cfat_config

    cfg = add_cfat_config(get_cfg())
    cfg.merge_from_file(os.path.join(REPO_ROOT, config_file) if not os.path.isabs(config_file) else config_file)
    return float(cfg.MODEL.CFAT.LOSS.ALIGN.SCALE)


# Who corrupts the training views: the reference (numpy, one image at a time in the loader) or the torch
# corruptions on the collated batch, at Market-1501's crop size as a stand-in for the native size the
# reference corrupts at (SynthReID's crops are 128-192 pixels tall). Both spelt out, so that every stage
# runs what its results file says whatever the config's default.
TRAINING_BACKENDS = {
    "reference": ("DATASETS.CORRUPTION.TRAIN.BACKEND", "reference"),
    "torch": ("DATASETS.CORRUPTION.TRAIN.BACKEND", "torch", "DATASETS.CORRUPTION.TRAIN.TORCH_SIZE", "[128,64]"),
    # nearer the middle of SynthReID's native heights, where the reference's damage is made
    "torch_160x80": ("DATASETS.CORRUPTION.TRAIN.BACKEND", "torch", "DATASETS.CORRUPTION.TRAIN.TORCH_SIZE", "[160,80]"),
}

# (b) and (c') with their training views corrupted by a named backend -> their twin on the profile's backend
# (projects/CFAT/README.md, "Training corruptions in torch").
BACKEND_TWINS = {"b_augmented_torch": "b_augmented", "c_cfat_staged_torch": "c_cfat_staged",
                 "b_augmented_torch160": "b_augmented", "c_cfat_staged_torch160": "c_cfat_staged"}

NO_SECOND_CE = ("MODEL.CFAT.LOSS.RECON_ID.SCALE", "0.0")
# The control for the released model's second student CE: coarse only, the student's CE doubled.
STUDENT_CE_TWICE = ("MODEL.LOSSES.CE.SCALE", "2.0")


def teacher_overrides(teacher_dir: str) -> tuple:
    """CFAT's teacher: the config it was trained with and its final weights."""
    return ("MODEL.TEACHER.CONFIG_FILE", os.path.join(teacher_dir, "config.yaml"),
            "MODEL.TEACHER.WEIGHTS", os.path.join(teacher_dir, "model_final.pth"))


def all_arms(profile: DemoProfile, teacher_dir: str) -> Dict[str, Student]:
    """Every model the demo and the ablation benchmark know, by key.

    (c) and (d) start from a copy of the teacher with a VAE from random, and (c) uses the raw
    bridge KL (``RAW_KL``). The ``_staged`` arms start from the augmented baseline
    (b) -- a student trained on corrupted views, the published ``pretrain_cor`` -- with, for CFAT,
    the published KL and a BFG VAE pre-trained from that start.
    """
    teacher = teacher_overrides(teacher_dir)
    official = official_fine(alignment_weight(profile.cfat_staged_config))
    augmented = ("DATASETS.CORRUPTION.TRAIN.ENABLED", "True",
                 "MODEL.WEIGHTS", os.path.join(teacher_dir, "model_final.pth"))
    cfat = profile.cfat_config
    arms = [
        Student("a_teacher", "(a) clean-trained teacher, no further training", None),
        Student("b_augmented", "(b) corruption-augmented baseline (ID + triplet)", profile.teacher_config, augmented),
        Student("c_cfat", "(c) CFAT (coarse + fine)", cfat, teacher + RAW_KL),
        Student("d_cfat_coarse", "(d) CFAT without BFG (coarse only)", cfat, teacher + NO_BFG),
        Student("c_cfat_staged", "(c') CFAT staged: published KL, pre-trained BFG, corruption-trained start",
                profile.cfat_staged_config, teacher, start="b_augmented", bfg_pretrain=True),
        Student("c_cfat_staged_nokl", "(c'-KL) CFAT staged without the bridge KL", profile.cfat_staged_config,
                teacher + NO_KL, start="b_augmented", bfg_pretrain=True),
        Student("c_cfat_staged_klstudent", "(c'-S) CFAT staged, the bridge KL trains the student only",
                profile.cfat_staged_config, teacher + KL_STUDENT_ONLY, start="b_augmented", bfg_pretrain=True),
        Student("d_cfat_coarse_staged", "(d') coarse only, corruption-trained start", cfat, teacher + NO_BFG,
                start="b_augmented"),
        Student("c_cfat_official", "(c'-O) CFAT staged, the fine stage in the released form",
                profile.cfat_staged_config, teacher + official, start="b_augmented", bfg_pretrain=True,
                bfg_form="official"),
        Student("c_cfat_official_noce2", "(c'-O-CE2) the released fine stage without its second student CE",
                profile.cfat_staged_config, teacher + official + NO_SECOND_CE, start="b_augmented",
                bfg_pretrain=True, bfg_form="official"),
        Student("d_cfat_coarse_ce2", "(d'-CE2) coarse only, the student's CE at weight 2", cfat,
                teacher + NO_BFG + STUDENT_CE_TWICE, start="b_augmented"),
        Student("b_augmented_torch", "(b-T) the augmented baseline, views corrupted by the torch backend",
                profile.teacher_config, augmented, backend="torch"),
        Student("c_cfat_staged_torch", "(c'-T) CFAT staged, views corrupted by the torch backend",
                profile.cfat_staged_config, teacher, start="b_augmented_torch", bfg_pretrain=True, backend="torch"),
        Student("b_augmented_torch160", "(b-T160) (b), views corrupted by the torch backend at 160x80",
                profile.teacher_config, augmented, backend="torch_160x80"),
        Student("c_cfat_staged_torch160", "(c'-T160) (c'), views corrupted by the torch backend at 160x80",
                profile.cfat_staged_config, teacher, start="b_augmented_torch160", bfg_pretrain=True,
                backend="torch_160x80"),
    ]
    return {arm.key: arm for arm in arms}


ALL_ARM_KEYS = tuple(all_arms(DemoProfile(), ""))


def backend_twins(backend: str, arms: Dict[str, Student]) -> Dict[str, str]:
    """Each model of the demo -> its twin trained with ``backend`` named (``BACKEND_TWINS``); none for a
    backend no arm names."""
    return {model: twin for twin, model in BACKEND_TWINS.items() if arms[twin].backend == backend}


def stage_chain(student: Student, profile: DemoProfile, arms: Dict[str, Student]) -> str:
    """Every training stage behind ``student``, in order, with its epochs: what the table's model is."""
    teacher = f"teacher {profile.teacher_epochs} ep (clean)"
    if student.config is None:
        return teacher
    stages = [stage_chain(arms[student.start], profile, arms)] if student.start else [teacher]
    if student.bfg_pretrain:
        stages.append(f"BFG pre-training {profile.bfg_epochs} ep (VAE only)")
    stages.append(f"{short_name(student.title)} {profile.student_epochs} ep")
    return " -> ".join(stages)


def students(profile: DemoProfile, teacher_dir: str) -> List[Student]:
    """The demo's models, in the order they are trained (a start before the models that use it)."""
    arms = all_arms(profile, teacher_dir)
    unknown = [key for key in profile.models if key not in arms]
    if unknown:
        raise ValueError(f"unknown demo models {unknown}; valid: {', '.join(arms)}")
    return [arms[key] for key in profile.models]  # a start not listed is trained when first needed


class Demo:
    """Runs the pipeline into ``output_dir``; ``echo`` receives progress lines."""

    def __init__(self, profile: DemoProfile, output_dir: str, echo: Callable[[str], None] = print,
                 shared_dir: Optional[str] = None):
        """``shared_dir`` (default ``output_dir``) holds what several runs can share: the data set,
        the corrupted-image cache and the teacher (the ablation benchmark trains one per seed folder)."""
        self.profile = profile
        self.output_dir = os.path.abspath(output_dir)
        self.shared_dir = os.path.abspath(shared_dir or output_dir)
        self.datasets_root = os.path.abspath(profile.data_root) if profile.data_root else os.path.join(
            self.shared_dir, "datasets")
        self.teacher_dir = os.path.join(self.shared_dir, "a_teacher")
        self.echo = echo
        self.timings: Dict[str, float] = {}
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1",
                    "CFAT_CORRUPTION_CACHE": os.path.join(self.shared_dir, "corruption-cache")}

    # -- helpers -------------------------------------------------------------------------------
    def common_overrides(self) -> Overrides:
        """What every stage of this run shares: seeds, data, corruption split, retrieval feature, precision."""
        seen = [t for t in CORRUPTION_TYPES if t not in self.profile.held_out_types]
        train_seed = self.profile.training_seed()
        return config_pairs(["SEED", train_seed,  # FastReID seeds its RNGs from it: the same run twice
                             "DATASETS.ROOT", self.datasets_root,
                             # the SynthReID set prepare_data generated (read only when it is the data set)
                             "DATASETS.SYNTHREID.PRESET.MARKET", self.profile.synthreid_preset,
                             "DATASETS.SYNTHREID.SEED", self.profile.seed, "DATASETS.CORRUPTION.TRAIN.TYPES", seen,
                             "TEST.ROBUSTNESS.SEEN_TYPES", seen, "DATASETS.CORRUPTION.TRAIN.SEED", train_seed,
                             "DATASETS.NAMES", (self.profile.dataset,), "DATASETS.TESTS", (self.profile.dataset,),
                             "MODEL.RETRIEVAL.FEAT", self.profile.retrieval_feat,
                             "DATALOADER.NUM_WORKERS", self.profile.loader_workers],
                            self.profile.precision_overrides(), self.profile.model_overrides)

    def _run(self, step: str, request: StageRequest, request_path: str, log_name: str) -> None:
        """Run ``request`` in its own process; its output goes to a log file, progress lines to ``echo``."""
        log_path = os.path.join(self.output_dir, "logs", log_name)
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        os.makedirs(os.path.dirname(request_path), exist_ok=True)
        request.write(request_path)
        start = time.perf_counter()

        def progress(line: str) -> None:
            if _is_progress(line, self.profile.dataset):
                self.echo("    " + line.rstrip().split("]: ", 1)[-1][:150])

        code = run_stage_process(request_path, log_path, self.env, REPO_ROOT, progress)
        self.timings[step] = self.timings.get(step, 0.0) + time.perf_counter() - start
        if code != 0:
            tail = "".join(open(log_path, errors="replace").readlines()[-25:])
            raise RuntimeError(f"step '{step}' failed (exit {code}); log: {log_path}\n{tail}")

    def train(self, step: str, config: str, out: str, overrides: Sequence) -> str:
        """Train ``config`` into ``out`` (resuming there); skipped when ``out`` has its final weights.

        ``overrides``: ``KEY VALUE ...`` (values typed or as FastReID's command line writes them).
        """
        final = os.path.join(out, "model_final.pth")
        if os.path.exists(final):
            self.echo(f"    done before: {final}")
            return final
        request = StageRequest("train_net", config, out, self.common_overrides() + config_pairs(overrides))
        self._run(step, request, os.path.join(out, "stage_request.json"), f"{step}.log")
        return final

    # -- steps ---------------------------------------------------------------------------------
    def prepare_data(self) -> None:
        """Generate SynthReID when missing, or read the profile's data set once (a missing folder stops here)."""
        from fastreid.data.datasets import DATASET_REGISTRY

        from ..data.datasets.synthreid import SynthReID

        start = time.perf_counter()
        if self.profile.dataset == "SynthReID":
            SynthReID(root=self.datasets_root, preset=self.profile.synthreid_preset, seed=self.profile.seed)
        else:
            DATASET_REGISTRY.get(self.profile.dataset)(root=self.datasets_root)
        self.timings["data"] = time.perf_counter() - start

    def train_teacher(self) -> str:
        p = self.profile
        return self.train("teacher", p.teacher_config, self.teacher_dir, [
            "SOLVER.MAX_EPOCH", p.teacher_epochs, "SOLVER.CHECKPOINT_PERIOD", p.teacher_epochs,
            "TEST.EVAL_PERIOD", p.teacher_epochs, "SOLVER.IMS_PER_BATCH", p.batch,
            "SOLVER.WARMUP_ITERS", p.teacher_warmup_iters])

    def train_student(self, student: Student) -> str:
        """Train one student (after its BFG pre-training stage, when it has one); its final weights."""
        backend = student.backend or self.profile.training_backend
        overrides = self.profile.student_solver() + list(student.overrides) + list(TRAINING_BACKENDS[backend])
        if student.start is not None:
            start = os.path.join(self.output_dir, student.start, "model_final.pth")
            if not os.path.exists(start):  # its start is trained first (once, kept for the others)
                self.echo(f"    its start first: {student.start}")
                self.train_student(all_arms(self.profile, self.teacher_dir)[student.start])
            overrides += ["MODEL.CFAT.STUDENT_WEIGHTS", start]
            if student.bfg_pretrain:
                overrides += ["MODEL.CFAT.BFG_WEIGHTS",
                              self.pretrain_bfg(student.start, start, student.bfg_form, backend)]
        return self.train(student.key, student.config, os.path.join(self.output_dir, student.key), overrides)

    def pretrain_bfg(self, start_key: str, start_weights: str, form: str = "project",
                     backend: Optional[str] = None) -> str:
        """The BFG pre-training stage from ``start_weights`` for a VAE of ``form``, its views corrupted by
        ``backend`` (None: the profile's; shared by every student with that start, form and backend)."""
        backend = backend or self.profile.training_backend
        key = f"bfg_from_{start_key}" + ("" if form == "project" else f"_{form}") + (
            "" if backend == self.profile.training_backend else f"_{backend}")
        self.echo(f"    BFG pre-training stage ({key})")
        p = self.profile
        return self.train(key, p.bfg_config, os.path.join(self.output_dir, key), [
            "SOLVER.MAX_EPOCH", p.bfg_epochs, "SOLVER.CHECKPOINT_PERIOD", p.bfg_epochs,
            "TEST.EVAL_PERIOD", p.bfg_epochs, "SOLVER.IMS_PER_BATCH", p.batch,
            "DATASETS.CORRUPTION.TRAIN.CLEAN_PROB", p.student_clean_prob,
            "MODEL.CFAT.STUDENT_WEIGHTS", start_weights] + list(teacher_overrides(self.teacher_dir))
            + list(VAE_FORMS[form]) + list(TRAINING_BACKENDS[backend]))

    def evaluate(self, student: Student, config: str, weights: str) -> dict:
        out = os.path.join(self.output_dir, student.key)
        summary_path = os.path.join(out, "robustness", "summary.json")
        p = self.profile
        benchmark = ["TEST.ROBUSTNESS.REPEATS", p.repeats, "DATASETS.CORRUPTION.TEST.SEED", p.seed,
                     *p.extraction_overrides()]
        if p.grid and student.key in p.grid_models:
            benchmark += ["TEST.ROBUSTNESS.GRID", True, "TEST.ROBUSTNESS.GRID_SEVERITIES", list(p.grid_severities)]
            if p.grid_types:
                benchmark += ["TEST.ROBUSTNESS.GRID_TYPES", list(p.grid_types)]
        request = StageRequest("eval_robustness", config, out, self.common_overrides() + config_pairs(
            benchmark, ["MODEL.WEIGHTS", weights, "MODEL.TEACHER.ENABLED", False]))
        asked = {"request": request.to_json(), "weights": _file_stamp(weights)}
        done_path = os.path.join(out, "robustness", "demo_request.json")
        if os.path.exists(summary_path) and _read_json(done_path) == asked:
            self.echo(f"    done before: {summary_path}")
        else:  # new, interrupted, or asked differently: the evaluator resumes what still matches
            self._run(f"evaluate {student.key}", request, os.path.join(out, "robustness", "stage_request.json"),
                      f"evaluate_{student.key}.log")
            with open(done_path, "w") as f:
                json.dump(asked, f, indent=1)
        with open(summary_path) as f:
            return json.load(f)

    def rank_sheet(self, plan: List[Student]) -> Optional[str]:
        """``rank_lists.png``: the profile's two models ranking the same corrupted queries (the second, when
        not among the demo's models, is the last one trained; none without the first; kept when written)."""
        p = self.profile
        models = {s.key: s for s in plan}
        trained = [s for s in plan if s.config is not None]
        if not p.rank_sheet_models or p.rank_sheet_models[0] not in models or not trained:
            return None
        first = models[p.rank_sheet_models[0]]
        second = models.get(p.rank_sheet_models[1], trained[-1])  # a subset of models: the last one trained
        path = os.path.join(self.output_dir, "rank_lists.png")
        if os.path.exists(path):
            return path
        weights = {s.key: (self.teacher_dir if s.config is None else os.path.join(self.output_dir, s.key))
                   for s in (first, second)}
        kind, severity = p.rank_sheet_corruption
        options = ("-o", path, "--num-queries", str(p.rank_sheet_queries), "--topk", str(p.rank_sheet_topk),
                   "--seed", str(p.seed), "--corruption", kind, "--severity", str(severity),
                   "--second-config-file", second.config or p.teacher_config,
                   "--second-weights", os.path.join(weights[second.key], "model_final.pth"))
        request = StageRequest("visualize_ranks", first.config or p.teacher_config,
                               os.path.join(self.output_dir, "rank_lists"),
                               self.common_overrides() + config_pairs(
                                   ["MODEL.WEIGHTS", os.path.join(weights[first.key], "model_final.pth")],
                                   p.extraction_overrides()),
                               options)
        self.echo(f"rank lists: {short_name(first.title)} and {short_name(second.title)} on the same "
                  f"{kind} s{severity} queries")
        self._run("rank lists", request, os.path.join(self.output_dir, "rank_lists", "stage_request.json"),
                  "rank_lists.log")
        return path

    def run(self) -> dict:
        """The whole pipeline; returns the comparison (also written as files)."""
        started = time.perf_counter()
        os.makedirs(self.output_dir, exist_ok=True)
        plan = students(self.profile, self.teacher_dir)
        total = 2 + sum(1 + (s.config is not None) for s in plan)
        self.echo(f"Precision: {self.profile.resolved_precision()} (profile: {self.profile.precision}); "
                  f"seed {self.profile.seed}; training views corrupted by {self.profile.training_backend}; "
                  f"output {self.output_dir}")
        self.echo(f"Expected duration: {self.profile.expected_duration()}")
        self.echo(f"[1/{total}] SynthReID ({self.profile.synthreid_preset}) in {self.datasets_root}")
        self.prepare_data()
        self.echo(f"[2/{total}] training the teacher on clean images")
        teacher = self.train_teacher()
        summaries = {}
        step = 3
        for student in plan:
            weights, config = teacher, self.profile.teacher_config
            if student.config is not None:
                self.echo(f"[{step}/{total}] training {student.title}")
                config = student.config
                weights = self.train_student(student)
            step += student.config is not None
            self.echo(f"[{step}/{total}] robustness benchmark of {student.title}")
            summaries[student.key] = (student.title, self.evaluate(student, config, weights))
            step += 1
        sheet = self.rank_sheet(plan)
        self.timings["total"] = time.perf_counter() - started
        arms = all_arms(self.profile, self.teacher_dir)
        chains = {s.key: stage_chain(s, self.profile, arms) for s in plan}
        comparison = write_comparison(summaries, self.profile, self.output_dir, self.timings, chains,
                                      seed_spread_note(list(summaries),
                                                       SEED_SPREAD_FILES.get(self.profile.training_backend, ""),
                                                       backend_twins(self.profile.training_backend, arms)))
        with open(os.path.join(self.output_dir, "demo.json"), "w") as f:
            json.dump({"profile": asdict(self.profile), "precision": self.profile.resolved_precision(),
                       "timings_s": self.timings, "rank_lists": sheet}, f, indent=1)
        return comparison


def _file_stamp(path: str) -> list:
    """Size and modification time of ``path``: a retrained model is evaluated again."""
    stat = os.stat(path)
    return [stat.st_size, stat.st_mtime_ns]


def _read_json(path: str):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _is_progress(line: str, dataset: str = "SynthReID") -> bool:
    """Training progress, metric lines and robustness cells (everything else stays in the step's log)."""
    return any(mark in line for mark in ("eta:", f"| {dataset}", "Resuming from", "Total training time",
                                         "Robustness cell", "Corrupted test images ready",
                                         "Resuming robustness run", "gradient norm on the student"))
