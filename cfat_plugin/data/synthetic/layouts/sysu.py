"""SYSU-MM01: its folder layout, id lists and visible-infrared test protocol.

The real set (Wu et al., ICCV 2017) has six cameras: 1, 2 (indoor) and 4, 5
(outdoor) see colour, 3 (indoor) and 6 (outdoor) near infrared. Images are
``cam<k>/<pid 4-digit>/<image 4-digit>.jpg``; ``exp/train_id.txt``,
``exp/val_id.txt`` and ``exp/test_id.txt`` each hold one line of
comma-separated ids. Visible-infrared methods train on train + val ids.

Test protocol (the evaluation code published with the data set and used by
AGW/DDAG): every IR image of a test id (cameras 3 and 6) is a query; the
gallery is one image drawn at random per id and visible camera (single-shot)
from cameras 1, 2, 4, 5 ("all-search") or 1, 2 ("indoor-search"), redrawn
per trial. Camera 2 stands where camera 3 does, so for a camera-3 query every
camera-2 gallery image is left out. The published code applies that rule in
both modes; so does :func:`excluded_pairs`.

Generated sets: ``num_test_ids`` are test ids, a quarter of the others val
ids and the rest train ids; every id is seen by at least one visible and
one IR camera, by ``min_cameras_per_id`` cameras at least.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .. import rng as streams
from ..name_fields import int_fields
from ..plan import ImageRecord, camera_modality
from ..spec import SynthSpec

VISIBLE_CAMERAS = (1, 2, 4, 5)
INFRARED_CAMERAS = (3, 6)
GALLERY_CAMERAS = {"all": (1, 2, 4, 5), "indoor": (1, 2)}
SAME_LOCATION = {3: 2}  # query camera -> the gallery camera at the same place, left out
ID_SPLITS = ("train", "val", "test")
# Contact sheet rows: val ids are shown with the test ids (alternating with train ids), labeled "val".
SHEET_GROUPS = {"val": ("test", "val")}

_PATH = re.compile(r"(?:^|/)cam(\d)/(\d{4})/(\d{4})\.jpg$")


def image_path(camid: int, pid: int, number: int) -> str:
    """``cam<k>/<pid>/<number>.jpg`` with 4-digit pid and number (1-based)."""
    return f"cam{camid}/{pid:04d}/{number:04d}.jpg"


def parse_path(path: str) -> tuple[int, int, int]:
    """(camera, pid, number) of an image path (absolute or relative); ``ValueError`` if not SYSU-MM01."""
    return int_fields(_PATH, str(path).replace("\\", "/"), "a SYSU-MM01 image path",
                      ".../cam<k>/<pid 4-digit>/<nnnn>.jpg", search=True)


def id_file(split: str) -> str:
    """The id list of ``split`` (train, val, test), relative to the data set folder."""
    return f"exp/{split}_id.txt"


def read_ids(path: str | Path) -> list[int]:
    """The ids of one ``exp/*_id.txt`` file (one comma-separated line)."""
    text = Path(path).read_text().strip()
    return [int(tok) for tok in text.replace("\n", ",").split(",") if tok.strip()]


def split_ids(spec: SynthSpec) -> dict[str, list[int]]:
    """Generated ids per id list: ``num_test_ids`` test ids, a quarter of the rest val, the rest train."""
    total = spec.num_train_ids + spec.num_test_ids
    order = [int(p) for p in streams.stream(spec.seed, streams.SYSU_PLAN).permutation(total) + 1]
    n_val = spec.num_train_ids // 4
    test, val = order[: spec.num_test_ids], order[spec.num_test_ids: spec.num_test_ids + n_val]
    train = order[spec.num_test_ids + n_val:]
    return {"train": sorted(train), "val": sorted(val), "test": sorted(test)}


def _cameras_of(spec: SynthSpec, rng: np.random.Generator) -> list[int]:
    """One visible and one IR camera at least, ``min_cameras_per_id`` or more in all."""
    visible = [c for c in range(1, spec.num_cameras + 1) if c not in spec.ir_cameras]
    infrared = list(spec.ir_cameras)
    n = int(rng.integers(spec.min_cameras_per_id, spec.num_cameras + 1))
    chosen = {visible[int(rng.integers(len(visible)))], infrared[int(rng.integers(len(infrared)))]}
    rest = [c for c in range(1, spec.num_cameras + 1) if c not in chosen]
    extra = rng.choice(len(rest), size=max(0, n - len(chosen)), replace=False)
    return sorted(chosen | {rest[int(i)] for i in extra})


def plan(spec: SynthSpec) -> list[ImageRecord]:
    """Records by id list, id, camera, image; ``name`` is the image path, ``split`` the id list."""
    records = []
    lo, hi = spec.images_per_camera
    for split, ids in split_ids(spec).items():
        for pid in ids:
            rng = streams.stream(spec.seed, streams.SYSU_PLAN, pid)
            for cam in _cameras_of(spec, rng):
                count = int(rng.integers(lo, hi + 1))
                for k in range(count):
                    records.append(ImageRecord(split, image_path(cam, pid, k + 1), pid, cam, "person", k, count, pid,
                                               modality=camera_modality(spec, cam)))
    return records


def index_files(spec: SynthSpec, records: list[ImageRecord], rows: list[dict]) -> dict[str, str]:
    """``exp/{train,val,test}_id.txt``: one line of comma-separated ids, as in the real set."""
    return {id_file(split): ",".join(str(p) for p in sorted({r.pid for r in records if r.split == split})) + "\n"
            for split in ID_SPLITS}


PERM_FILE = "exp/rand_perm_cam.mat"  # the published gallery draws of the real set (evaluation/data_split/)


def read_rand_perm(path: str | Path) -> dict[tuple[int, int], np.ndarray]:
    """SYSU-MM01's ``rand_perm_cam.mat``: (camera, pid) -> (trials, images) array of image numbers, the
    published evaluation's gallery order per trial (cell ``rand_perm_cam{camera}{pid}``)."""
    from scipy.io import loadmat

    cams, out = loadmat(str(path))["rand_perm_cam"], {}
    for c in range(cams.shape[0]):
        for i, numbers in enumerate(np.atleast_1d(np.asarray(cams[c][0]).squeeze())):
            numbers = np.asarray(numbers)
            if numbers.size:
                out[c + 1, i + 1] = np.atleast_2d(numbers).astype(int)
    return out


PUBLISHED_DRAWS = f"SYSU-MM01 gallery draws: the published ones ({PERM_FILE})"
SEEDED_DRAWS = (f"SYSU-MM01 gallery draws: seeded by this plugin, NOT the published ones (no {PERM_FILE}); "
                "figures are not comparable with published SYSU-MM01 numbers")


def gallery_draws_note(perm: dict | None) -> str:
    """The line a report of SYSU-MM01 figures carries: whose gallery draws the trials used."""
    return SEEDED_DRAWS if perm is None else PUBLISHED_DRAWS


def split_query_gallery(items: list[tuple[str, int, int]], mode: str = "all", trial: int = 1, shots: int = 1,
                        perm: dict | None = None) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """SYSU-MM01's query and gallery of one trial from test ``(path, pid, camera)`` items (cameras
    1-based): all IR images are queries; per (id, gallery camera) ``shots`` images (1: single-shot,
    10: multi-shot; all of them when there are fewer). With ``perm`` (:func:`read_rand_perm`) the
    published draws: the first ``shots`` image numbers of row ``trial`` (1-based) of the (camera, id)'s
    permutation; without it, drawn without replacement from a stream keyed by the trial, independent of
    the order of ``items`` (generated sets)."""
    if mode not in GALLERY_CAMERAS:
        raise ValueError(f"SYSU-MM01 search mode must be one of {sorted(GALLERY_CAMERAS)}, got {mode!r}")
    query = sorted(it for it in items if it[2] in INFRARED_CAMERAS)
    groups: dict[tuple[int, int], list[tuple[str, int, int]]] = {}
    for it in items:
        if it[2] in GALLERY_CAMERAS[mode]:
            groups.setdefault((it[1], it[2]), []).append(it)
    gallery = []
    for pid, cam in sorted(groups):
        choices = sorted(groups[pid, cam])
        if perm is not None:
            wanted = set(perm[cam, pid][trial - 1][:shots].tolist()) if (cam, pid) in perm else set()
            gallery += [it for it in choices if parse_path(it[0])[2] in wanted]
            continue
        rng = streams.stream(0, streams.SYSU_GALLERY, trial, pid, cam)
        if shots == 1:
            gallery.append(choices[int(rng.integers(len(choices)))])
        else:
            picked = rng.choice(len(choices), size=min(shots, len(choices)), replace=False)
            gallery += [choices[int(i)] for i in sorted(picked)]
    return query, gallery


def excluded_pairs(query_cameras, gallery_cameras) -> np.ndarray:
    """Boolean (num_query, num_gallery): True where a gallery image is left out for a query
    (same place: camera 2 for camera-3 queries). Cameras 1-based."""
    q = np.asarray(query_cameras).reshape(-1, 1)
    g = np.asarray(gallery_cameras).reshape(1, -1)
    out = np.zeros((q.shape[0], g.shape[1]), dtype=bool)
    for q_cam, g_cam in SAME_LOCATION.items():
        out |= (q == q_cam) & (g == g_cam)
    return out

