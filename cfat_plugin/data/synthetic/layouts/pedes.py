"""CUHK-PEDES's layout, written by the generator and read by the reader.

As the public CUHK-PEDES release is laid out (and as text-based ReID code,
e.g. IRRA's reader, reads it)::

    CUHK-PEDES/imgs/<subfolder>/<file>.jpg
    CUHK-PEDES/reid_raw.json

``reid_raw.json`` is a list of records ``{"split": "train" | "val" | "test",
"captions": [str, ...], "file_path": "<subfolder>/<file>.jpg",
"processed_tokens": [[str, ...], ...], "id": int}`` with 1-based person ids
and one token list (lower-cased words) per caption. The real subfolders name
the source data sets (``CUHK01``, ``Market``, ``train_query``...); SynthReID
writes one, ``SynthReID``, with names ``<pid>_c<cam>_<frame>.jpg`` (5-digit
pid), which no reader needs to parse: the JSON says who is who.

Generated sets (:func:`plan`): CUHK-PEDES gathers a few crops of each person
from several cameras (about three images a person) and splits the people, not
the images: train, val and test identities are disjoint. So here: ids are split
as everywhere (``plan.split_ids``), every fifth training identity goes to
``val``; each person wears one outfit (``clothes.dressed_identity(..., k=0)``, so
captions can say "a man" / "a woman") and passes ``min_cameras_per_id`` or one
more cameras, ``images_per_camera`` frames each. Records of test people have
split ``test``: their images are the text-to-image gallery, their captions the
queries.
"""
from __future__ import annotations

import json
import re

from .. import rng as streams
from ..plan import ImageRecord, split_ids
from ..spec import SynthSpec

ROOT = "CUHK-PEDES"
IMAGES = "imgs"
ANNOTATIONS = "reid_raw.json"
SUBFOLDER = "SynthReID"
SPLITS = ("train", "val", "test")

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def file_path(pid: int, camid: int, frame: int) -> str:
    """An image's ``file_path`` as the JSON holds it (relative to ``imgs/``)."""
    if not (0 <= pid <= 99_999 and 1 <= camid <= 99 and 0 <= frame <= 999_999):
        raise ValueError(f"CUHK-PEDES: name field out of range: pid={pid} cam={camid} frame={frame}")
    return f"{SUBFOLDER}/{pid:05d}_c{camid}_{frame:06d}.jpg"


def format_path(pid: int, camid: int, frame: int) -> str:
    """Path of an image relative to the folder holding ``CUHK-PEDES/``."""
    return f"{ROOT}/{IMAGES}/{file_path(pid, camid, frame)}"


def plan(spec: SynthSpec) -> list[ImageRecord]:
    """CUHK-PEDES-shaped records, in order (pid, camera, frame)."""
    train, test = split_ids(spec)
    val = set(train[4::5])
    split_of = {**{p: "val" if p in val else "train" for p in train}, **{p: "test" for p in test}}
    lo, hi = spec.images_per_camera
    top = min(spec.num_cameras, spec.min_cameras_per_id + 1)
    records = []
    for pid in sorted(split_of):
        rng = streams.stream(spec.seed, streams.PEDES_PLAN, pid)
        n = int(rng.integers(spec.min_cameras_per_id, top + 1))
        for cam in sorted(int(c) + 1 for c in rng.choice(spec.num_cameras, size=n, replace=False)):
            count, step = int(rng.integers(lo, hi + 1)), int(rng.integers(1, 6))
            first = int(rng.integers(1, 9999 - step * count))
            for i in range(count):
                path = format_path(pid, cam, first + i * step)
                records.append(ImageRecord(split_of[pid], path, pid, cam, "person", i, count, pid, 0))
    return records


def tokens(caption: str) -> list[str]:
    """The lower-cased words of a caption (punctuation dropped, "t-shirt" one word),
    as in ``processed_tokens``."""
    return _WORD.findall(caption.lower())


def record(split: str, pid: int, path: str, captions: list[str]) -> dict:
    """One ``reid_raw.json`` record; ``path`` is the image's ``file_path``."""
    if split not in SPLITS:
        raise ValueError(f"CUHK-PEDES: split must be one of {SPLITS}, got {split!r}")
    return {"split": split, "captions": list(captions), "file_path": path,
            "processed_tokens": [tokens(c) for c in captions], "id": pid}


def annotations_json(rows: list[dict]) -> str:
    """``reid_raw.json`` from one row per image (``path`` relative to the folder holding
    ``CUHK-PEDES/``, ``pid``, ``split``, ``captions``), sorted by id, then path."""
    prefix = f"{ROOT}/{IMAGES}/"
    records = [record(r["split"], r["pid"], r["path"][len(prefix):], r["captions"])
               for r in sorted(rows, key=lambda r: (r["pid"], r["path"]))]
    return json.dumps(records) + "\n"


def validate_record(rec: object) -> None:
    """Raise ``ValueError`` naming what makes ``rec`` not a ``reid_raw.json`` record."""
    if not isinstance(rec, dict) or set(rec) != {"split", "captions", "file_path", "processed_tokens", "id"}:
        keys = sorted(rec) if isinstance(rec, dict) else type(rec).__name__
        raise ValueError(f"CUHK-PEDES: a record needs exactly split, captions, file_path, processed_tokens, id; "
                         f"got {keys}")
    if rec["split"] not in SPLITS:
        raise ValueError(f"CUHK-PEDES: split must be one of {SPLITS}, got {rec['split']!r}")
    if not (isinstance(rec["id"], int) and not isinstance(rec["id"], bool) and rec["id"] >= 1):
        raise ValueError(f"CUHK-PEDES: id must be an int >= 1, got {rec['id']!r}")
    if not (isinstance(rec["file_path"], str) and rec["file_path"].count("/") >= 1):
        raise ValueError(f"CUHK-PEDES: file_path must be <subfolder>/<file>, got {rec['file_path']!r}")
    caps, toks = rec["captions"], rec["processed_tokens"]
    if not (isinstance(caps, list) and caps and all(isinstance(c, str) and c for c in caps)):
        raise ValueError(f"CUHK-PEDES: captions must be a non-empty list of strings, got {caps!r}")
    if not (isinstance(toks, list) and len(toks) == len(caps)
            and all(isinstance(t, list) and all(isinstance(w, str) for w in t) for t in toks)):
        raise ValueError(f"CUHK-PEDES: processed_tokens must be one list of strings per caption, got {toks!r}")


def read_annotations(path: str) -> list[dict]:
    """The records of a ``reid_raw.json``, each checked by :func:`validate_record`."""
    with open(path) as fh:
        records = json.load(fh)
    if not isinstance(records, list):
        raise ValueError(f"CUHK-PEDES: {path} must hold a JSON list of records, got {type(records).__name__}")
    for rec in records:
        validate_record(rec)
    return records
