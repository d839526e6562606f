"""Coarse attribute labels for CAP: gender and a pose cluster per training image.

Generated sets (SynthReID's ``prcc`` / ``ltcc`` presets) carry ``attributes/identities.csv``
(gender per identity, drawn by the generator) and ``attributes/images.csv`` (the tracklet's view
and a pose bin of the walking phase the renderer drew) beside the images; both are read here, never
guessed from pixels. Real data sets: ``MODEL.RLQ.CAP.GENDER_CSV`` / ``POSE_CSV``, read in the
published ``Scripts/Helper/*.csv`` forms:

- gender per identity, ``Category,ID,Gender`` (1 = male), looked up by the image's person id;
  a per-image ``image,gender`` file is read as well;
- pose cluster per image, ``Image`` and one column per clustering (``R_LA_15`` for the published
  K = 15 limb-length-and-angle clusters, chosen by ``POSE_CLUSTERS``), or ``image,pose``.

Images are keyed as the published code keys them (:func:`image_key`): ``<pid>_<name>`` where the
person id is the folder above the image (PRCC, whose names such as ``A_cropped_rgb001`` repeat
across identities), the bare name otherwise (LTCC, Celeb-reID: names already start with the pid).

Pose clusters: the published code clusters AlphaPose limb lengths and angles with K-means (K = 15)
and keeps 0 for images without a pose. The generator knows no joints, only a view (front, back,
left, right) and how far the legs swing (feet together, mid stride, full stride), so the pose
descriptor here is [one-hot view; swing in {0, 0.5, 1}] and K-means (scikit-learn, fixed seed)
runs on the training images' descriptors with K = min(``POSE_CLUSTERS``, distinct descriptors);
labels are cluster + 1, and 0 when an image has no attribute row.
"""
from __future__ import annotations

import csv
import functools
import os
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ..data.synthetic.attributes import POSE_BINS

VIEWS = ("front", "back", "left", "right")
GENDERS = {"female": 0, "male": 1, "0": 0, "1": 1}
UNKNOWN_GENDER = -1
NO_POSE = 0
UNKNOWN_POSE = -1  # no attribute file at all: the pose CE skips the image (not "no pose", class 0)


@functools.lru_cache(maxsize=None)
def _generator_tables(attributes_dir: str) -> Tuple[Dict[str, dict], Dict[str, str]]:
    """(image rows by path relative to the data set folder, gender by pid) of one generated set."""
    with open(os.path.join(attributes_dir, "images.csv"), newline="") as f:
        images = {row["path"]: row for row in csv.DictReader(f)}
    with open(os.path.join(attributes_dir, "identities.csv"), newline="") as f:
        genders = {row["pid"]: row["gender"] for row in csv.DictReader(f)}
    return images, genders


def _attributes_dir(path: str) -> Optional[str]:
    """The ``attributes/`` folder of the generated set holding ``path``, if any (up to 4 levels up)."""
    folder = os.path.dirname(os.path.abspath(path))
    for _ in range(4):
        candidate = os.path.join(folder, "attributes")
        if os.path.isfile(os.path.join(candidate, "images.csv")):
            return candidate
        folder = os.path.dirname(folder)
    return None


def generator_row(path: str) -> Tuple[Optional[dict], Optional[str]]:
    """(the generator's row of image ``path`` or None, the gender of its identity or None)."""
    attributes_dir = _attributes_dir(path)
    if attributes_dir is None:
        return None, None
    images, genders = _generator_tables(attributes_dir)
    dataset_folder = os.path.dirname(os.path.dirname(attributes_dir))
    row = images.get(os.path.relpath(os.path.abspath(path), dataset_folder).replace(os.sep, "/"))
    return row, genders.get(row["pid"]) if row else None


def pose_descriptor(view: str, pose_bin: str) -> np.ndarray:
    """[one-hot view (front, back, left, right); leg swing 0 / 0.5 / 1]."""
    one_hot = np.zeros(len(VIEWS) + 1, np.float32)
    one_hot[VIEWS.index(view)] = 1.0
    one_hot[-1] = POSE_BINS.index(pose_bin) / (len(POSE_BINS) - 1)
    return one_hot


def cluster_poses(descriptors: Sequence[Optional[np.ndarray]], k: int, seed: int = 0) -> List[int]:
    """K-means cluster + 1 of each descriptor, 0 for None; K capped at the number of distinct descriptors."""
    from sklearn.cluster import KMeans

    known = [d for d in descriptors if d is not None]
    if not known or k <= 0:
        return [NO_POSE] * len(descriptors)
    data = np.stack(known)
    k = min(k, len(np.unique(data, axis=0)))
    labels = iter(KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(data) + 1)
    return [int(next(labels)) if d is not None else NO_POSE for d in descriptors]


def image_key(path: str) -> str:
    """The published lookup key of an image: ``<pid>_<name>`` when the folder above it is a person id
    (PRCC's ``train/<pid>/A_cropped_rgb001.jpg``), else the name; both without the extension."""
    folder, name = os.path.split(os.path.splitext(path.replace("\\", "/"))[0])
    parent = os.path.basename(folder)
    return f"{parent}_{name}" if parent.isdigit() else name


def _key_of_csv(value: str) -> str:
    """A CSV's image column as a key: its last part without extension (``A/001_cropped_rgb001`` ->
    ``001_cropped_rgb001``, ``a.png`` -> ``a``)."""
    return os.path.splitext(value.replace("\\", "/").split("/")[-1])[0]


def _rows(csv_path: str) -> List[dict]:
    with open(csv_path, newline="") as f:
        return list(csv.DictReader(f))


def read_gender_file(csv_path: str) -> Tuple[str, Dict]:
    """``("identity", {pid: gender})`` for the published ``Category,ID,Gender`` file, or
    ``("image", {key: gender})`` for an ``image,gender`` file; ``ValueError`` for other columns."""
    rows = _rows(csv_path)
    columns = set(rows[0]) if rows else set()
    if {"ID", "Gender"} <= columns:
        return "identity", {int(r["ID"]): r["Gender"] for r in rows}
    if {"image", "gender"} <= columns:
        return "image", {_key_of_csv(r["image"]): r["gender"] for r in rows}
    raise ValueError(f"{csv_path}: want columns 'Category,ID,Gender' (published, one row per identity) or "
                     f"'image,gender', got {sorted(columns)}")


def read_pose_file(csv_path: str, pose_clusters: int) -> Dict[str, str]:
    """``{key: cluster}`` from the published ``Image,...,R_LA_<K>,...`` file (K = ``pose_clusters``) or an
    ``image,pose`` file; ``ValueError`` for other columns."""
    rows = _rows(csv_path)
    columns = set(rows[0]) if rows else set()
    published = f"R_LA_{pose_clusters}"
    for image, pose in (("Image", published), ("image", "pose")):
        if {image, pose} <= columns:
            return {_key_of_csv(r[image]): str(int(float(r[pose]))) for r in rows}
    raise ValueError(f"{csv_path}: want columns 'Image,{published}' (published) or 'image,pose', got {sorted(columns)}")


def has_generator_attributes(paths: Sequence[str]) -> bool:
    """Whether the generated set's ``attributes/`` files cover these images (checked on the first one)."""
    return bool(paths) and _attributes_dir(paths[0]) is not None


def attribute_labels(paths: Iterable[str], pose_clusters: int, gender_csv: str = "", pose_csv: str = "",
                     pids: Optional[Sequence[int]] = None) -> Tuple[List[int], List[int]]:
    """(gender: 0 female, 1 male, -1 unknown; pose cluster: 0 none, 1..K) of each training image.
    ``pids``: the raw person id of each image, for a per-identity gender file."""
    paths = list(paths)
    keys = [image_key(p) for p in paths]
    genders, poses = [], None
    gender_kind, gender_table = read_gender_file(gender_csv) if gender_csv else (None, None)
    if gender_kind == "identity" and pids is None:
        raise ValueError(f"{gender_csv} gives gender per identity: pass the images' person ids")
    if pose_csv:
        pose_by_key = read_pose_file(pose_csv, pose_clusters)
        poses = [int(pose_by_key.get(k, NO_POSE)) for k in keys]
    descriptors = []
    for i, path in enumerate(paths):
        row, gender = generator_row(path) if not (gender_table is not None and poses is not None) else (None, None)
        if gender_kind == "identity":
            gender = gender_table.get(int(pids[i]))
        elif gender_kind == "image":
            gender = gender_table.get(keys[i])
        genders.append(GENDERS.get(str(gender), UNKNOWN_GENDER))
        descriptors.append(pose_descriptor(row["view"], row["pose"]) if row else None)
    if poses is None:
        poses = cluster_poses(descriptors, pose_clusters)
    return genders, poses
