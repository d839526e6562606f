"""RegDB: ten visible and ten thermal images of every person, and ten train/test trials.

The real set (Nguyen et al., Sensors 2017) was taken by a dual camera
system: ``Visible/<pid>/*.bmp`` and ``Thermal/<pid>/*.bmp``, 64x128 pixels.
Which ids train and which test is drawn anew for each of ten trials, in
``idx/{train,test}_{visible,thermal}_<trial>.txt``, one image a line:
``Visible/<pid>/<file> <label>`` with labels 0..n-1 over that file's ids
(the same label for an id in the visible and the thermal file). Readers use
the index files only, never the folder names.

Generated sets: camera 1 is the visible one, camera 2 the infrared one (a
near-infrared rendering stands in for RegDB's far-infrared thermal camera);
each trial puts ``num_train_ids`` ids in train and the others in test.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image

from .. import rng as streams
from ..plan import ImageRecord, camera_modality
from ..spec import SynthSpec

NUM_TRIALS = 10
IMAGE_SIZE = (64, 128)  # width, height of every RegDB image
FOLDERS = {"visible": "Visible", "infrared": "Thermal"}
_LETTER = {"visible": "v", "infrared": "t"}
# Contact sheet rows: no split to show (it is drawn per trial).
SHEET_GROUPS = {"trials": ("train", "")}


def image_path(modality: str, pid: int, number: int) -> str:
    """``Visible/<pid>/v_<number 5-digit>_<pid>.bmp`` (``Thermal/.../t_...`` for infrared)."""
    return f"{FOLDERS[modality]}/{pid}/{_LETTER[modality]}_{number:05d}_{pid}.bmp"


def index_file(split: str, modality: str, trial: int) -> str:
    """``idx/<split>_<visible|thermal>_<trial>.txt``, relative to the data set folder."""
    if split not in ("train", "test") or not 1 <= trial <= NUM_TRIALS:
        raise ValueError(f"RegDB index files are train/test for trials 1..{NUM_TRIALS}, got {split!r}, {trial}")
    return f"idx/{split}_{'visible' if modality == 'visible' else 'thermal'}_{trial}.txt"


def read_index(path: str | Path) -> list[tuple[str, int]]:
    """(relative image path, label) per line of an index file."""
    out = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            rel, label = line.rsplit(maxsplit=1)
            out.append((rel, int(label)))
    return out


def plan(spec: SynthSpec) -> list[ImageRecord]:
    """Every id in both cameras, ``images_per_camera`` images each; the split is per trial (``trials``)."""
    records = []
    lo, hi = spec.images_per_camera
    for pid in range(1, spec.num_train_ids + spec.num_test_ids + 1):
        rng = streams.stream(spec.seed, streams.REGDB_TRIAL, 0, pid)
        for cam in (1, 2):
            count = int(rng.integers(lo, hi + 1))
            modality = camera_modality(spec, cam)
            for k in range(count):
                number = (pid - 1) * hi + k + 1
                records.append(ImageRecord("trials", image_path(modality, pid, number), pid, cam, "person", k, count,
                                           pid, modality=modality))
    return records


def trial_ids(spec: SynthSpec, trial: int) -> tuple[list[int], list[int]]:
    """Train and test ids of one trial (a fresh random half for each, as in the real index files)."""
    total = spec.num_train_ids + spec.num_test_ids
    order = streams.stream(spec.seed, streams.REGDB_TRIAL, trial).permutation(total) + 1
    return sorted(int(p) for p in order[: spec.num_train_ids]), sorted(int(p) for p in order[spec.num_train_ids:])


def index_files(spec: SynthSpec, records: list[ImageRecord], rows: list[dict]) -> dict[str, str]:
    """The forty index files of the ten trials."""
    files = {}
    for trial in range(1, NUM_TRIALS + 1):
        for split, ids in zip(("train", "test"), trial_ids(spec, trial)):
            label = {pid: i for i, pid in enumerate(ids)}
            for modality in ("visible", "infrared"):
                lines = [f"{r.name} {label[r.pid]}" for r in records if r.pid in label and r.modality == modality]
                files[index_file(split, modality, trial)] = "\n".join(lines) + "\n"
    return files


def save_bmp(image: Image.Image, path: Path, spec: SynthSpec) -> None:
    """RegDB stores 64x128 bitmaps (the crop is resized, as the real ones were)."""
    image.resize(IMAGE_SIZE, Image.BILINEAR).save(path, format="BMP")

