"""How much of a person survives a change of clothes in SynthReID: retrieval with no learned model.

A base trained from ImageNet on the ``ltcc`` preset reaches same-clothes mAP ~50 but
clothes-changing mAP only ~8.6 (``projects/RLQ/README.md``). Whether that is the model's fault or
the data's is measured here: every test image is described by the generator's own labels of what a
change of clothes leaves alone (``clothes.sample_biometrics``; a cap, part of an outfit, hides the
hair style, ``clothes.dressed_identity``), similarity is how many of them agree, and the ranking is
scored by the project's clothes-changing evaluator (:func:`~cfat_plugin.evaluation.clothes_changing.
evaluate_clothes`: same camera and, in the clothes-changing setting, same clothes are junk).
The oracle's cc mAP is what the persistent cues allow when read exactly, at the resolution they are
read at (the body measures, drawn as real numbers, are read in a few equal bins), and weighted equally:
a rough ceiling (weighting rarer cues more could do a little better), not a model's expected score.

Cue sets:

- ``persistent``: gender, skin tone, hair style as seen (``cap`` while one is worn), hair colour
  (``none`` on a bald head, the only one that shows no hair), and the shoes where people keep them
  (``identity_cues="persistent"``, ``persistent_cues.py``, whose head and build ranges bin the body);
- ``persistent+body``: those and the five body measures (height, build, head size, leg ratio,
  arm swing) each in ``BODY_BINS`` equal bins of the range the generator draws it from;
- ``all``: ``persistent+body`` and the outfit as this image's view shows it (``attributes.
  image_attributes``: garments, colours, pattern, shoes, bag), for the same-clothes setting.

Ties: counts are integers, so a uniform jitter in [0, 0.5) drawn from ``numpy.random.default_rng
(tie_seed)`` per (query, gallery) pair is added; it orders equal counts at random and never two
different ones. Scores are averaged over several tie seeds; chance is the same evaluator on jitter
alone.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..data.clothes import clothes_of_path
from ..data.synthetic.clothes import dressed_identity, kept_biometrics
from ..data.synthetic.clothes_plan import draw_seed
from ..data.synthetic.persistent_cues import BUILD_RANGES, HEAD_RANGE
from ..data.synthetic.spec import SynthSpec
from ..evaluation.clothes_changing import evaluate_clothes
from ..evaluation.fact_agreement import fact_agreement

# "kept_shoes": the shoes a person wears with every outfit where the set's people keep them
# (``identity_cues="persistent"``); "none" for everyone elsewhere, so it adds the same to every count.
PERSISTENT = ("gender", "skin", "hair_style", "hair_color", "kept_shoes")
# (low, high) of each body measure over both genders (clothes.sample_biometrics)
BODY_RANGES = {"height": (0.86, 1.0), "build": (0.84, 1.16), "head": (0.92, 1.08), "leg_ratio": (0.95, 1.05),
               "arm_swing": (0.5, 1.2)}
# where the persistent cues are made visible, head and build are drawn from ranges of their own
PERSISTENT_BODY_RANGES = {**BODY_RANGES, "head": HEAD_RANGE,
                          "build": (min(r[0] for r in BUILD_RANGES.values()), max(r[1] for r in BUILD_RANGES.values()))}
BODY_BINS = 3
BODY = tuple(BODY_RANGES)
OUTFIT = ("upper", "upper_color", "pattern", "lower", "lower_color", "shoes", "bag", "bag_color")
CUE_SETS = {"persistent": PERSISTENT, "persistent+body": PERSISTENT + BODY,
            "all": PERSISTENT + BODY + OUTFIT}
# Cue subsets scored on their own besides each single cue: what reading two or three labels would give.
SUBSETS = (("gender", "skin"), ("skin", "hair_color"), ("gender", "skin", "hair_color"))
JITTER = 0.5  # below 1: breaks ties between equal counts only


def body_bin(name: str, value: float, bins: int = BODY_BINS, ranges: Mapping = BODY_RANGES) -> int:
    """Which of ``bins`` equal bins of the drawn range ``value`` falls in."""
    lo, hi = ranges[name]
    return int(min(bins - 1, max(0, (value - lo) / (hi - lo) * bins)))


def person_cues(seed: int, pid: int, clothes: int, difficulty: float, kept: str = "all") -> dict[str, object]:
    """The persistent labels and binned body measures of ``pid`` in outfit ``clothes`` (0-based).
    ``seed`` is the draw seed (``clothes_plan.draw_seed``); ``kept`` the set's ``identity_cues``."""
    body = kept_biometrics(seed, pid, kept)
    visible = kept == "persistent"
    names = dressed_identity(seed, pid, clothes, difficulty, kept).outfit_names()
    cues: dict[str, object] = {
        "gender": names["gender"], "skin": names["skin"], "hair_style": names["hair_style"],
        "hair_color": "none" if names["hair_style"] == "bald" else names["hair_color"],
        "kept_shoes": names["shoes"] if visible else "none",
    }
    ranges = PERSISTENT_BODY_RANGES if visible else BODY_RANGES
    cues.update((k, body_bin(k, body[k], ranges=ranges)) for k in BODY)
    return cues


@dataclass(frozen=True)
class OracleImage:
    """One query or gallery image: identity, camera, per-person clothes id and its cues."""

    pid: int
    camid: int
    clothes: int
    cues: Mapping[str, object]


def agreement(query: Sequence[OracleImage], gallery: Sequence[OracleImage], keys: Sequence[str]) -> np.ndarray:
    """Query x gallery count of ``keys`` on which two images agree."""
    return fact_agreement(*([{k: t.cues[k] for k in keys} for t in images] for images in (query, gallery)))


def score(query: Sequence[OracleImage], gallery: Sequence[OracleImage], keys: Sequence[str], setting: str,
          tie_seeds: Sequence[int] = (0,)) -> dict[str, float]:
    """mAP and Rank-1 (in %, mean over ``tie_seeds``, with their std) of ranking by agreement on
    ``keys`` (none: chance) in ``setting`` of :func:`evaluate_clothes`."""
    counts = agreement(query, gallery, keys)
    fields = {k: np.array([getattr(t, k) for t in query]) for k in ("pid", "camid", "clothes")}
    gfields = {k: np.array([getattr(t, k) for t in gallery]) for k in ("pid", "camid", "clothes")}
    maps, r1s = [], []
    for s in tie_seeds:
        sim = counts + np.random.default_rng(s).uniform(0.0, JITTER, counts.shape)
        out = evaluate_clothes(-sim, fields["pid"], gfields["pid"], fields["camid"], gfields["camid"],
                               fields["clothes"], gfields["clothes"], setting)
        maps.append(out["mAP"] * 100)
        r1s.append(float(out["cmc"][0]) * 100)
    return {"mAP": float(np.mean(maps)), "mAP_std": float(np.std(maps)), "Rank-1": float(np.mean(r1s)),
            "Rank-1_std": float(np.std(r1s)), "num_query": out["num_valid"]}


def lookalikes(images: Sequence[OracleImage], keys: Sequence[str]) -> float:
    """Mean over identities of how many OTHER identities agree with it on every key in ``keys``,
    taking each identity's cues from its outfits without a cap (its first image if all wear one)."""
    person: dict[int, Mapping[str, object]] = {}
    for t in sorted(images, key=lambda t: (t.pid, t.cues.get("hair_style") == "cap")):
        person.setdefault(t.pid, t.cues)
    rows = [tuple(str(c[k]) for k in keys) for c in person.values()]
    return float(np.mean([sum(r == o for o in rows) - 1 for r in rows])) if rows else 0.0


def read_test_split(folder: str, spec: SynthSpec) -> tuple[list[OracleImage], list[OracleImage]]:
    """Query and gallery of a generated LTCC-layout set: file names give pid, camera and clothes
    (the reader's and the evaluator's parsing), ``attributes/images.csv`` the outfit as each view
    shows it, the generator the persistent cues (``spec`` must be the one that made ``folder``)."""
    from ..data.datasets.clothes_changing import LTCC
    from ..data.synthetic.layouts import ltcc

    reader = LTCC(dataset_dir=os.path.join(folder, ltcc.ROOT))
    with open(os.path.join(folder, ltcc.ROOT, "attributes", "images.csv"), newline="") as f:
        rows = {r["path"]: r for r in csv.DictReader(f)}
    seed = draw_seed(spec)

    def images(items: list) -> list[OracleImage]:
        out = []
        for path, pid, camid in (it[:3] for it in items):
            clothes = clothes_of_path(path)
            row = rows[os.path.relpath(path, folder)]
            if int(row["pid"]) != pid or int(row["clothes"]) != clothes:
                raise ValueError(f"{path}: file name and attributes/images.csv disagree")
            cues = person_cues(seed, pid, clothes, spec.difficulty, spec.identity_cues)
            cues.update((k, row[k]) for k in OUTFIT)
            out.append(OracleImage(pid, camid, clothes, cues))
        return out

    return images(reader.query), images(reader.gallery)


def ceiling(query: Sequence[OracleImage], gallery: Sequence[OracleImage],
            tie_seeds: Sequence[int] = tuple(range(10))) -> dict[str, list[dict]]:
    """The report: ``table``, each cue set (and chance) in the clothes-changing and same-clothes
    settings with how many other test identities share all of its persistent cues; ``single_cue``,
    clothes-changing scores of each persistent cue alone and of a few ``SUBSETS`` (which cues a model
    would have to read)."""
    everyone = list(query) + list(gallery)
    table = []
    for name, keys in (("chance", ()), *CUE_SETS.items()):
        persistent = [k for k in keys if k not in OUTFIT]
        for setting in ("clothes_changing", "same_clothes"):
            table.append({"cues": name, "setting": setting, **score(query, gallery, keys, setting, tie_seeds),
                          "lookalikes": lookalikes(everyone, persistent) if keys else None})
    single = [{"cues": "+".join(keys), "setting": "clothes_changing",
               **score(query, gallery, keys, "clothes_changing", tie_seeds),
               "lookalikes": lookalikes(everyone, keys)} for keys in [(k,) for k in PERSISTENT + BODY] + list(SUBSETS)]
    return {"table": table, "single_cue": single}
