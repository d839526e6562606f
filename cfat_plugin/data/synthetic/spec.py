"""The size and difficulty knobs of a SynthReID data set, and its named presets.

One frozen value object describes a data set completely: the same spec gives
byte-identical files, so a spec (with the generator version) is what the
manifest stores and what a cached folder is checked against.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

# Bumped whenever a change to the generator changes the pixels it writes, so
# that an old cached folder is recognised as stale.
GENERATOR_VERSION = 1

# Limits imposed by the Market-1501 file naming that FastReID's stock reader
# parses: 4-digit ids up to 1501 and one digit of camera, 1..6.
MAX_IDS = 1501
MAX_CAMERAS = 6

# Where the images go and how they are named, each layout that of a real data set and
# written by its module under ``layouts/``: Market-1501 (the default); the clothes-changing
# PRCC and LTCC and the unlabeled external set (3-digit ids); CUHK-PEDES (``pedes``: images
# with two captions each, text-based ReID); the visible-infrared SYSU-MM01 and RegDB; MLR-CUHK03
# (``mlr``: low-resolution queries, full-resolution gallery).
LAYOUTS = ("market", "prcc", "ltcc", "external", "pedes", "sysu", "regdb", "mlr")
CLOTHES_LAYOUTS = ("prcc", "ltcc", "external")  # several outfits per identity
VISIBLE_INFRARED_LAYOUTS = ("sysu", "regdb")  # Market-1501's limits, and infrared cameras
MAX_CLOTHES_IDS = 999
MAX_CLOTHES_CAMERAS = 12  # LTCC has 12 cameras (c1..c12)
PRCC_CAMERAS = 3  # A, B (same clothes), C (other clothes)
MAX_OUTFITS = 9
MAX_PEDES_IDS = 99_999
MLR_CAMERAS = 2  # MLR-CUHK03: each person in one CUHK03 camera pair, one camera of it down-sampled
MLR_FACTORS = (2, 3, 4)  # MLR-CUHK03's down-sampling factors
MAX_FACTOR = 8
# What tells people apart: everything; only details a low resolution erases (Market, MLR); or, where people
# change clothes (LTCC, PRCC), what they keep made plain to see at full quality.
IDENTITY_CUES = ("all", "fine", "persistent")
CUES_LAYOUTS = {"fine": ("market", "mlr"), "persistent": ("ltcc", "prcc")}  # the layouts each mode is for


@dataclass(frozen=True)
class SynthSpec:
    """Everything that determines a generated data set.

    Counts are per split; ``images_per_camera`` is the inclusive (min, max)
    number of images of one identity in one camera it appears in, and every
    identity appears in at least ``min_cameras_per_id`` cameras (so that
    cross-camera matching is always possible, as in Market-1501).
    ``difficulty`` in [0, 1] scales how alike identities are (shared outfits,
    palette jitter) and how much cameras and images vary (light, occlusion).
    ``layout`` is one of :data:`LAYOUTS`; the clothes-changing ones dress each
    identity in ``outfits_per_id`` (inclusive range) outfits (``clothes.py``),
    the Market layout in one look, as always. ``caption_dropout`` is the
    chance that a caption leaves out each attribute it need not name (the
    ``pedes`` layout only; ``captions.py``). ``ir_cameras`` lists the (1-based)
    cameras that see in near infrared instead of colour (``infrared.py``); the
    SYSU-MM01 and RegDB layouts need them and have no distractors or junk.
    ``lowres_cameras`` render natively small, their crops ``lowres_height_range``
    pixels high, with their own stronger blur, noise and JPEG compression
    (``lowres.py``); the other cameras are byte-identical to a spec without them.
    ``downsample_factors`` (the ``mlr`` layout only, and required there) are
    the factors an MLR-CUHK03 low-resolution image is down-sampled by, one
    drawn per image. ``identity_cues="fine"`` draws look-alike families that
    differ only in details a low resolution erases (``fine_identity.py``; the
    Market and MLR layouts); ``"persistent"`` makes what a person keeps across
    outfits plain to see (``persistent_cues.py``; the LTCC and PRCC layouts).
    These fields come before ``caption_dropout`` so that it stays last (its
    test); the manifest stores the spec by name, not order.
    """

    num_train_ids: int = 200
    num_test_ids: int = 150
    num_cameras: int = 4
    images_per_camera: tuple[int, int] = (2, 4)
    min_cameras_per_id: int = 2
    num_distractors: int = 120
    num_junk: int = 40
    difficulty: float = 0.5
    height_range: tuple[int, int] = (128, 192)
    jpeg_quality: int = 90
    seed: int = 0
    layout: str = "market"
    outfits_per_id: tuple[int, int] = (1, 1)
    ir_cameras: tuple[int, ...] = ()
    lowres_cameras: tuple[int, ...] = ()
    lowres_height_range: tuple[int, int] = (32, 64)
    downsample_factors: tuple[int, ...] = ()
    identity_cues: str = "all"  # "all"; "fine": details only; "persistent": kept cues visible (IDENTITY_CUES)
    caption_dropout: float = 0.3  # the last field (tests/test_captions.py)

    def __post_init__(self) -> None:
        # Tuples may arrive as lists (from JSON or argparse); store tuples so
        # the spec stays hashable and compares equal after a round trip.
        object.__setattr__(self, "images_per_camera", tuple(self.images_per_camera))
        object.__setattr__(self, "height_range", tuple(self.height_range))
        object.__setattr__(self, "outfits_per_id", tuple(self.outfits_per_id))
        object.__setattr__(self, "ir_cameras", tuple(self.ir_cameras))
        object.__setattr__(self, "lowres_cameras", tuple(self.lowres_cameras))
        object.__setattr__(self, "lowres_height_range", tuple(self.lowres_height_range))
        object.__setattr__(self, "downsample_factors", tuple(self.downsample_factors))
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` naming the bad knob; called on construction."""
        def need(cond: bool, msg: str) -> None:
            if not cond:
                raise ValueError(f"SynthSpec: {msg}")

        for name in ("num_train_ids", "num_test_ids", "num_cameras", "min_cameras_per_id",
                     "num_distractors", "num_junk", "jpeg_quality", "seed"):
            value = getattr(self, name)
            need(isinstance(value, int) and not isinstance(value, bool),
                 f"{name} must be an int, got {value!r}")
        need(self.num_train_ids >= 1 and self.num_test_ids >= 1, "need at least one train and one test id")
        need(self.layout in LAYOUTS, f"layout must be one of {LAYOUTS}, got {self.layout!r}")
        if self.layout == "market" or self.layout in VISIBLE_INFRARED_LAYOUTS + ("mlr",):
            self._validate_sizes(need, MAX_IDS, "4-digit Market ids", MAX_CAMERAS, "(one digit in Market names)")
            need(self.outfits_per_id == (1, 1), f"outfits_per_id must be (1, 1) in the {self.layout} layout; "
                 "clothes changes need layout prcc or ltcc")
        elif self.layout == "pedes":
            self._validate_pedes(need)
        else:
            self._validate_clothes(need)
        need(self.identity_cues in IDENTITY_CUES, f"identity_cues must be one of {IDENTITY_CUES}, "
             f"got {self.identity_cues!r}")
        need(self.identity_cues == "all" or self.layout in CUES_LAYOUTS[self.identity_cues],
             f"identity_cues={self.identity_cues!r} is for the "
             f"{' and '.join(CUES_LAYOUTS.get(self.identity_cues, ()))} layouts, not {self.layout!r}")
        need(isinstance(self.caption_dropout, (int, float)) and 0.0 <= self.caption_dropout <= 1.0,
             f"caption_dropout must be in [0, 1], got {self.caption_dropout!r}")
        need(2 <= self.min_cameras_per_id <= self.num_cameras,
             f"min_cameras_per_id must be in 2..num_cameras, got {self.min_cameras_per_id}")
        lo, hi = self.images_per_camera
        need(len(self.images_per_camera) == 2 and 1 <= lo <= hi,
             f"images_per_camera must be (min, max) with 1 <= min <= max, got {self.images_per_camera}")
        need(self.num_distractors >= 0 and self.num_junk >= 0, "num_distractors/num_junk must be >= 0")
        need(isinstance(self.difficulty, (int, float)) and 0.0 <= self.difficulty <= 1.0,
             f"difficulty must be in [0, 1], got {self.difficulty!r}")
        hlo, hhi = self.height_range
        need(len(self.height_range) == 2 and 64 <= hlo <= hhi <= 512,
             f"height_range must be (min, max) within 64..512, got {self.height_range}")
        need(1 <= self.jpeg_quality <= 100, f"jpeg_quality must be in 1..100, got {self.jpeg_quality}")
        need(self.seed >= 0, f"seed must be >= 0, got {self.seed}")
        need(all(isinstance(c, int) and 1 <= c <= self.num_cameras for c in self.ir_cameras)
             and list(self.ir_cameras) == sorted(set(self.ir_cameras)),
             f"ir_cameras must be distinct, increasing camera numbers in 1..num_cameras, got {self.ir_cameras}")
        need(len(self.ir_cameras) < self.num_cameras, "at least one camera must be visible (not in ir_cameras)")
        need(not (self.layout == "pedes" and self.ir_cameras),
             "ir_cameras must be empty in the pedes layout (its captions name colours an infrared camera does not see)")
        if self.layout in VISIBLE_INFRARED_LAYOUTS:
            need(self.num_distractors == 0 and self.num_junk == 0,
                 f"the {self.layout} layout has no distractors or junk; set num_distractors=num_junk=0")
            need(len(self.ir_cameras) >= 1, f"the {self.layout} layout is visible-infrared: name ir_cameras")
        self._validate_lowres(need)
        if self.layout == "regdb":
            need(self.num_cameras == 2 and self.ir_cameras == (2,),
                 "the regdb layout has two cameras, visible (1) and thermal (2): num_cameras=2, ir_cameras=(2,)")

    def _validate_lowres(self, need) -> None:
        need(all(isinstance(c, int) and 1 <= c <= self.num_cameras for c in self.lowres_cameras)
             and list(self.lowres_cameras) == sorted(set(self.lowres_cameras)),
             f"lowres_cameras must be distinct, increasing camera numbers in 1..num_cameras, got {self.lowres_cameras}")
        lo, hi = self.lowres_height_range
        need(len(self.lowres_height_range) == 2 and 16 <= lo <= hi <= 128,
             f"lowres_height_range must be (min, max) within 16..128, got {self.lowres_height_range}")
        need(all(isinstance(f, int) and 1 <= f <= MAX_FACTOR for f in self.downsample_factors)
             and list(self.downsample_factors) == sorted(set(self.downsample_factors)),
             f"downsample_factors must be distinct, increasing ints in 1..{MAX_FACTOR}, got {self.downsample_factors}")
        if self.layout == "mlr":
            need(self.num_cameras == MLR_CAMERAS, f"the mlr layout has {MLR_CAMERAS} cameras (one CUHK03 camera "
                 f"pair per person): num_cameras={MLR_CAMERAS}, got {self.num_cameras}")
            need(len(self.downsample_factors) >= 1, f"the mlr layout down-samples its queries: name "
                 f"downsample_factors (MLR-CUHK03: {MLR_FACTORS})")
            need(self.num_distractors == 0 and self.num_junk == 0,
                 "the mlr layout has no distractors or junk; set num_distractors=num_junk=0")
        else:
            need(not self.downsample_factors, f"downsample_factors are for the mlr layout only (down-sampled "
                 f"queries); for natively small cameras use lowres_cameras, got {self.downsample_factors}")

    def _validate_sizes(self, need, max_ids: int, ids_note: str, max_cameras: int, cameras_note: str) -> None:
        """The id and camera counts that a layout's file names can hold."""
        total = self.num_train_ids + self.num_test_ids
        need(total <= max_ids, f"train + test ids must be <= {max_ids} ({ids_note}), got {total}")
        need(2 <= self.num_cameras <= max_cameras,
             f"num_cameras must be in 2..{max_cameras} {cameras_note}, got {self.num_cameras}")

    def _validate_pedes(self, need) -> None:
        self._validate_sizes(need, MAX_PEDES_IDS, "5-digit ids in pedes names", MAX_CLOTHES_CAMERAS,
                             "in the pedes layout")
        need(self.outfits_per_id == (1, 1), f"outfits_per_id must be (1, 1) in the pedes layout (one outfit "
             f"per person, as in CUHK-PEDES), got {self.outfits_per_id}")
        need(self.num_distractors == 0 and self.num_junk == 0,
             "num_distractors and num_junk must be 0 in the pedes layout (a caption needs a person)")

    def _validate_clothes(self, need) -> None:
        if self.layout == "prcc":
            need(self.num_cameras == PRCC_CAMERAS, f"num_cameras must be {PRCC_CAMERAS} (A, B, C) in the prcc layout, "
                 f"got {self.num_cameras}")
        self._validate_sizes(need, MAX_CLOTHES_IDS, f"3-digit ids in {self.layout} names", MAX_CLOTHES_CAMERAS,
                             f"in the {self.layout} layout")
        lo, hi = self.outfits_per_id
        need(len(self.outfits_per_id) == 2 and 2 <= lo <= hi <= MAX_OUTFITS,
             f"outfits_per_id must be (min, max) with 2 <= min <= max <= {MAX_OUTFITS}, got {self.outfits_per_id}")
        need(self.num_distractors == 0 and self.num_junk == 0,
             f"num_distractors and num_junk must be 0 in the {self.layout} layout (its names have no place for them)")

    def replace(self, **changes: Any) -> "SynthSpec":
        """A copy with some knobs changed (validated)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form, as written to the manifest."""
        out = dataclasses.asdict(self)
        out["images_per_camera"] = list(self.images_per_camera)
        out["height_range"] = list(self.height_range)
        out["outfits_per_id"] = list(self.outfits_per_id)
        out["ir_cameras"] = list(self.ir_cameras)
        for name in ("lowres_cameras", "lowres_height_range", "downsample_factors"):
            out[name] = list(getattr(self, name))
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SynthSpec":
        """Inverse of :meth:`to_dict`; unknown keys are an error, not ignored."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"SynthSpec: unknown keys {unknown}; known: {sorted(known)}")
        return cls(**data)


# "demo": the out-of-the-box data set of the main job (a few thousand images).
# "tiny": what the tests use (a couple of hundred images, generated in seconds).
# "prcc", "ltcc": clothes-changing sets in those data sets' shapes and layouts,
# each generated in under a minute on 2 cores; "*-tiny" are their test sizes.
# "external": people no labeled set has (other seed, other ids), unlabeled.
# "pedes": CUHK-PEDES-shaped, two captions per image (train / val / test ids disjoint).
# "sysu", "regdb": visible-infrared sets in SYSU-MM01's and RegDB's shapes and layouts.
# "lowres": the demo (same seed, ids, cameras 1-3 byte-identical) with camera 4 natively low-resolution.
# "mlr": MLR-CUHK03's protocol and layout, with the demo's seed and ids (its test ids are the demo's);
# "mlr-x1": the same with the queries at full size (below); "mlr-hard": identities as alike as the generator
# makes them (difficulty 1: most wear one of 16 shared outfits with one change), so that finer cues count;
# "mlr-fine": people told apart only by details a few pixels wide (their jacket's pattern and period, the
# shirt in its opening, their shoes; fine_identity.py), crops 64-96 px high so that a 64x32 input keeps those details at full size.
_CLOTHES = dict(num_distractors=0, num_junk=0, min_cameras_per_id=2)
PRESETS: dict[str, SynthSpec] = {
    "demo": SynthSpec(),
    "tiny": SynthSpec(num_train_ids=12, num_test_ids=12, num_cameras=3, images_per_camera=(2, 3),
                      num_distractors=10, num_junk=4),
    "prcc": SynthSpec(layout="prcc", num_train_ids=90, num_test_ids=40, num_cameras=3, images_per_camera=(4, 7),
                      outfits_per_id=(2, 2), **_CLOTHES),
    "prcc-tiny": SynthSpec(layout="prcc", num_train_ids=10, num_test_ids=6, num_cameras=3,
                           images_per_camera=(2, 3), outfits_per_id=(2, 2), **_CLOTHES),
    "ltcc": SynthSpec(layout="ltcc", num_train_ids=80, num_test_ids=40, num_cameras=8, images_per_camera=(2, 3),
                      outfits_per_id=(2, 5), **_CLOTHES),
    "ltcc-tiny": SynthSpec(layout="ltcc", num_train_ids=8, num_test_ids=6, num_cameras=4,
                           images_per_camera=(2, 2), outfits_per_id=(2, 3), **_CLOTHES),
    "external": SynthSpec(layout="external", num_train_ids=50, num_test_ids=30, num_cameras=6,
                          images_per_camera=(2, 3), outfits_per_id=(2, 3), **_CLOTHES),
    "pedes": SynthSpec(layout="pedes", num_train_ids=800, num_test_ids=200, num_cameras=4, images_per_camera=(1, 2),
                       **_CLOTHES),
    "pedes-tiny": SynthSpec(layout="pedes", num_train_ids=10, num_test_ids=6, num_cameras=3,
                            images_per_camera=(1, 2), **_CLOTHES),
    # Visible-infrared: SYSU-MM01's six cameras, 3 and 6 infrared, train/val/test id lists;
    # RegDB's pairs, ten visible and ten thermal images of every person, ten train/test trials.
    "sysu": SynthSpec(num_train_ids=80, num_test_ids=40, num_cameras=6, images_per_camera=(2, 4),
                      min_cameras_per_id=3, num_distractors=0, num_junk=0, ir_cameras=(3, 6), layout="sysu"),
    "regdb": SynthSpec(num_train_ids=40, num_test_ids=40, num_cameras=2, images_per_camera=(10, 10),
                       num_distractors=0, num_junk=0, height_range=(128, 160), ir_cameras=(2,), layout="regdb"),
    # Low resolution: a natively small camera in the demo; MLR-CUHK03's two cameras per
    # person, one down-sampled by 2, 3 or 4 (queries low-resolution, gallery full resolution).
    "lowres": SynthSpec(lowres_cameras=(4,)),
    "mlr": SynthSpec(layout="mlr", num_cameras=2, images_per_camera=(2, 5), num_distractors=0, num_junk=0,
                     downsample_factors=MLR_FACTORS),
    "mlr-tiny": SynthSpec(layout="mlr", num_train_ids=8, num_test_ids=6, num_cameras=2, images_per_camera=(2, 3),
                          num_distractors=0, num_junk=0, downsample_factors=MLR_FACTORS),
}
# The factor-1 controls: the same plan with nothing down-sampled (the plan draws the same numbers whatever the
# factors), so the queries are the same people, poses and cameras at full size and the gallery is
# byte-identical: a model's score on them is its full-resolution score on the same test.
PRESETS["mlr-hard"] = PRESETS["mlr"].replace(difficulty=1.0)
PRESETS["mlr-fine"] = PRESETS["mlr"].replace(identity_cues="fine", height_range=(64, 96))
# "ltcc-persistent": the ltcc people keeping cues a full-quality crop shows and a low-quality one loses
# (a larger head, hair never capped and in distinct tones, builds further apart, their own shoes).
PRESETS["ltcc-persistent"] = PRESETS["ltcc"].replace(identity_cues="persistent")
PRESETS["ltcc-persistent-tiny"] = PRESETS["ltcc-tiny"].replace(identity_cues="persistent")
PRESETS.update({f"{name}-x1": PRESETS[name].replace(downsample_factors=(1,))
                for name in ("mlr", "mlr-tiny", "mlr-hard", "mlr-fine")})


def preset(name: str, **changes: Any) -> SynthSpec:
    """The named preset, with optional knob overrides (e.g. ``seed=3``)."""
    try:
        base = PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown SynthReID preset {name!r}; choose one of {sorted(PRESETS)}") from None
    return base.replace(**changes) if changes else base


def folder_name(preset_name: str = "demo", seed: int = 0) -> str:
    """The folder a preset is generated into under the data root: ``SynthReID``
    for the demo with seed 0, ``SynthReID-<preset>-s<seed>`` otherwise."""
    if preset_name == "demo" and seed == 0:
        return "SynthReID"
    return f"SynthReID-{preset_name}-s{seed}"
