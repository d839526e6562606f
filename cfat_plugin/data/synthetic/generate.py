"""Writing a data set to disk: in parallel, atomically, once.

A data set is built in a private temporary folder next to its destination and
renamed into place only when complete (with its manifest), so a crash never
leaves a half-written folder that looks finished, and two processes that
start at once (e.g. one per GPU) cannot mix their files: a lock makes the
second wait, and the rename is atomic even without it.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any, Iterator

from .attributes import image_attributes
from .captions import caption_facts, image_captions
from .clothes import dressed_identity
from .clothes_plan import draw_seed
from .layouts import get_layout, plan_dataset
from .plan import ImageRecord, summarize
from .render import render_clothes_record, render_record
from .spec import GENERATOR_VERSION, SynthSpec

logger = logging.getLogger(__name__)

MANIFEST = "synthreid.json"
CONTACT_SHEET = "contact_sheet.png"

_worker_state: dict[str, Any] = {}


def _init_worker(spec: SynthSpec, root: str) -> None:
    _worker_state["spec"], _worker_state["root"] = spec, Path(root)


def _write_one(record: ImageRecord) -> tuple[str, str, dict | None]:
    """Render, encode and write one image; returns (relative path, sha256, attribute
    row or ``None`` where people wear no outfits: Market-1501, SYSU-MM01, RegDB)."""
    spec, root = _worker_state["spec"], _worker_state["root"]
    layout = get_layout(spec.layout)
    rel = layout.path(record)
    attrs = None
    if not layout.dressed:
        image = render_record(spec, record)
    else:
        image, pose = render_clothes_record(spec, record)
        ident = dressed_identity(draw_seed(spec), record.pid, record.clothes, spec.difficulty, spec.identity_cues)
        attrs = {"path": rel, "pid": record.pid, "camid": record.camid, "clothes": record.clothes,
                 **image_attributes(ident, pose)}
        if layout.captions:
            attrs["split"] = record.split
            attrs["captions"] = image_captions(spec.seed, record.pid, record.camid, record.index,
                                               caption_facts(ident, pose), spec.caption_dropout)
    layout.save(image, root / rel, spec)  # fixed encoder settings: same pixels -> same bytes
    return rel, hashlib.sha256((root / rel).read_bytes()).hexdigest(), attrs


def _digest(file_hashes: dict[str, str]) -> str:
    """One hash of all images (names and bytes), independent of write order."""
    h = hashlib.sha256()
    for rel in sorted(file_hashes):
        h.update(f"{rel}\0{file_hashes[rel]}\n".encode())
    return h.hexdigest()


def _render_all(spec: SynthSpec, records: list[ImageRecord], root: Path, workers: int,
                progress: bool) -> tuple[dict[str, str], list[dict]]:
    """Hashes of all images by path, and their attribute rows (dressed layouts)."""
    from tqdm import tqdm

    hashes: dict[str, str] = {}
    rows: list[dict] = []
    bar = tqdm(total=len(records), desc="SynthReID", unit="img", disable=not progress, file=sys.stderr)
    with bar:
        if workers <= 1:
            _init_worker(spec, str(root))
            for record in records:
                rel, digest, attrs = _write_one(record)
                hashes[rel] = digest
                rows += [attrs] if attrs else []
                bar.update()
            return hashes, rows
        # fork is cheap and needs no re-import; workers only run numpy/Pillow code
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        ctx = multiprocessing.get_context(method)
        with ctx.Pool(workers, initializer=_init_worker, initargs=(spec, str(root))) as pool:
            for rel, digest, attrs in pool.imap_unordered(_write_one, records, chunksize=16):
                hashes[rel] = digest
                rows += [attrs] if attrs else []
                bar.update()
    return hashes, rows


def default_workers() -> int:
    """All CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def generate(spec: SynthSpec, out_dir: str | Path, *, workers: int | None = None, progress: bool = True,
             contact_sheet: bool = True, overwrite: bool = False) -> dict[str, Any]:
    """Generate the data set of ``spec`` into ``out_dir`` (in ``spec.layout``);
    returns the manifest (spec, counts, digest), also written to ``out_dir/synthreid.json``.

    ``out_dir`` must not exist unless ``overwrite``; the output does not depend on ``workers``.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not overwrite:
        raise FileExistsError(f"{out_dir} already exists; pass overwrite=True (CLI: --force) to replace it")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    records = plan_dataset(spec)
    layout = get_layout(spec.layout)
    workers = max(1, min(workers or default_workers(), len(records) // 32 + 1))
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir()
        for sub in sorted({str(Path(layout.path(r)).parent) for r in records}):
            (tmp / sub).mkdir(parents=True, exist_ok=True)
        hashes, rows = _render_all(spec, records, tmp, workers, progress)
        for rel, text in layout.index_files(spec, records, rows).items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_text(text)
        manifest = {
            "format": "SynthReID",
            "generator_version": GENERATOR_VERSION,
            "spec": spec.to_dict(),
            "counts": summarize(records),
            "digest": _digest(hashes),
        }
        if contact_sheet:
            layout.contact_sheet(spec, records, rows, tmp).save(tmp / CONTACT_SHEET)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if out_dir.exists():  # overwrite: move the old one aside first, delete it after
            old = tmp.with_name(tmp.name + "-old")
            os.rename(out_dir, old)
            os.rename(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out_dir)  # atomic; fails if another process got there first
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return manifest


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The manifest of a generated folder, or ``None`` if there is none."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    return json.loads(path.read_text())


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (a no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _check_complete(folder: Path) -> dict[str, Any]:
    manifest = read_manifest(folder)
    if manifest is None:
        raise RuntimeError(f"{folder} exists but is not a complete SynthReID data set (no {MANIFEST}); "
                           "delete it and it will be generated again")
    if manifest.get("generator_version") != GENERATOR_VERSION:
        raise RuntimeError(f"{folder} was made by SynthReID generator version {manifest.get('generator_version')}, "
                           f"this is version {GENERATOR_VERSION}; delete the folder to regenerate it")
    return manifest


def ensure_dataset(spec: SynthSpec, folder: str | Path, *, workers: int | None = None,
                   progress: bool = False) -> dict[str, Any]:
    """Make sure ``folder`` holds a complete generated data set, generating it
    with ``spec`` if it is missing; returns its manifest.

    An existing complete folder is used as it is (whatever spec made it: the
    CLI may have made a custom one); safe when several processes call it at once.
    """
    folder = Path(folder)
    if folder.exists():
        return _check_complete(folder)
    with _lock(folder.parent / f".{folder.name}.lock"):
        if folder.exists():  # another process finished while we waited
            return _check_complete(folder)
        logger.info("SynthReID: generating %s (seed %d, %d+%d ids, %d cameras); done once, then cached",
                    folder, spec.seed, spec.num_train_ids, spec.num_test_ids, spec.num_cameras)
        try:
            generate(spec, folder, workers=workers, progress=progress)
        except OSError:
            if folder.exists():  # lost a race with a process that did not take the lock
                return _check_complete(folder)
            raise
    return _check_complete(folder)
