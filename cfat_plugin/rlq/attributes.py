"""Coarse attribute labels for CAP: gender and a pose cluster per training image.

Generated sets (SynthReID's ``prcc`` / ``ltcc`` presets) carry ``attributes/identities.csv``
(gender per identity, drawn by the generator) and ``attributes/images.csv`` (the tracklet's view
and a pose bin of the walking phase the renderer drew) beside the images; both are read here, never
guessed from pixels. Real data sets: ``MODEL.RLQ.CAP.GENDER_CSV`` / ``POSE_CSV`` lookups keyed by
image file name (the published ``Scripts/Helper/*.csv`` give these for LTCC, PRCC, LaST,
DeepChange, after conversion).

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


def _name_lookup(csv_path: str, column: str) -> Dict[str, str]:
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    if rows and ("image" not in rows[0] or column not in rows[0]):
        raise ValueError(f"{csv_path}: want columns 'image,{column}', got {sorted(rows[0])}")
    return {os.path.basename(r["image"]): r[column] for r in rows}


def attribute_labels(paths: Iterable[str], pose_clusters: int, gender_csv: str = "",
                     pose_csv: str = "") -> Tuple[List[int], List[int]]:
    """(gender: 0 female, 1 male, -1 unknown; pose cluster: 0 none, 1..K) of each training image."""
    paths = list(paths)
    genders, descriptors, poses = [], [], None
    gender_by_name = _name_lookup(gender_csv, "gender") if gender_csv else None
    if pose_csv:
        pose_by_name = _name_lookup(pose_csv, "pose")
        poses = [int(pose_by_name.get(os.path.basename(p), NO_POSE)) for p in paths]
    for path in paths:
        row, gender = generator_row(path) if not (gender_by_name is not None and poses is not None) else (None, None)
        if gender_by_name is not None:
            gender = gender_by_name.get(os.path.basename(path))
        genders.append(GENDERS.get(str(gender), UNKNOWN_GENDER))
        descriptors.append(pose_descriptor(row["view"], row["pose"]) if row else None)
    if poses is None:
        poses = cluster_poses(descriptors, pose_clusters)
    return genders, poses
