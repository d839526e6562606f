"""The image check: every file a run reads decoded once, before anything expensive starts.

A truncated, empty, missing or unreadable image otherwise stops training in
the middle of an epoch, deep in a DataLoader worker, without its path. Here
every image of the run's data sets (the training split of
``DATASETS.NAMES``, query and gallery of ``DATASETS.TESTS`` — the base set of
a corrupted ``*C`` set) is opened and decoded to its last byte with PIL
(``load()``: ``verify()`` misses truncated pixel data; JPEGs in draft mode, at
1/8 scale, which reads all their data but skips most of the pixel work) when a run starts, and what the
check found is kept in a small JSON file per data set, keyed by (path, size,
mtime): the next run only decodes files that are new or have changed, and
stats the rest.

``DATASETS.IMAGE_CHECK.MODE``:

- ``stop`` (default): a :class:`BadImageError` lists every bad file, one line
  each (data set, path, what is wrong), before the model is built;
- ``skip``: bad files are left out of every split of every data set read
  afterwards in this process (FastReID's ``Dataset.train/query/gallery``
  filter them), and the log says how many were skipped;
- ``off``: no check; a bad file stops the run when it is read.

A file that breaks after the check (written during the run) stops the run
when it is read, with its data set and path (``fix_image_read_errors``), and
the last checkpoint is kept, so ``--resume`` continues once it is repaired.
"""
import hashlib
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from PIL import Image

from ..utils.bad_images import bad_image_line, describe_image_error, note_dataset_folders
from ..utils.errors import BadImageError
from ..utils.files import replace_atomically

logger = logging.getLogger(__name__)

CHECK_MODES = ("stop", "skip", "off")
# Bump when what counts as a bad image changes, so old results are not reused.
CHECK_VERSION = "1"
# Bad files named in an error message; the full list goes to a file when there are more.
LISTED = 20
BAD_IMAGES_FILE = "bad_images.txt"

# Paths left out in ``skip`` mode (see :func:`skip_images`).
SKIPPED: Set[str] = set()

__all__ = ["BadImageError", "CHECK_MODES", "ImageCheck", "check_images", "check_run_images", "image_problem",
           "default_check_dir"]


def default_check_dir() -> str:
    """``$CFAT_IMAGE_CHECK_CACHE``, else ``$XDG_CACHE_HOME/cfat-reid/image-check`` (``~/.cache`` by default)."""
    if os.getenv("CFAT_IMAGE_CHECK_CACHE"):
        return os.environ["CFAT_IMAGE_CHECK_CACHE"]
    base = os.getenv("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cfat-reid", "image-check")


def image_problem(path: str) -> Optional[str]:
    """What is wrong with the image file at ``path`` in a few words, or None when it decodes fully."""
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        return "file not found"
    except OSError as error:
        return f"cannot be read: {error.strerror}"
    if size == 0:
        return "empty file (0 bytes)"
    try:
        with Image.open(path) as image:
            # JPEG: decode at 1/8 scale. The entropy-coded data is still read to its end (truncated files
            # fail as before) but the inverse DCT and colour conversion are skipped: about 3x faster.
            image.draft(image.mode, (1, 1))
            image.load()
    except Exception as error:  # PIL raises OSError, SyntaxError, ValueError, ... on broken files
        return describe_image_error(error)
    return None


class ImageCheck:
    """What the check found for one data set's files, on disk: ``{path: [size, mtime_ns, problem]}``."""

    def __init__(self, dataset: str, paths: Sequence[str], cache_dir: Optional[str] = None):
        self.dataset = dataset
        folders = sorted({os.path.dirname(os.path.abspath(p)) for p in paths}) or [""]
        where = os.path.commonpath(folders) if folders != [""] else ""
        key = hashlib.blake2b(f"{CHECK_VERSION}|{dataset}|{where}".encode(), digest_size=6).hexdigest()
        self.file = os.path.join(cache_dir or default_check_dir(), f"{dataset}-{key}.json")

    def load(self) -> Dict[str, list]:
        try:
            with open(self.file) as f:
                payload = json.load(f)
        except (OSError, ValueError):  # none yet, or unreadable: check again
            return {}
        return payload.get("files", {}) if payload.get("version") == CHECK_VERSION else {}

    def save(self, files: Dict[str, list]) -> None:
        payload = {"version": CHECK_VERSION, "dataset": self.dataset, "files": files}

        def write(tmp):
            with open(tmp, "w") as f:
                json.dump(payload, f)

        try:
            replace_atomically(self.file, write)
        except OSError as error:  # a read-only cache only costs the next run the decoding
            logger.warning(f"image check results not saved to {self.file}: {error}")


def find_bad_images(paths: Iterable[str], dataset: str, cache_dir: Optional[str] = None,
                    workers: Optional[int] = None) -> Dict[str, str]:
    """``{path: problem}`` for every bad file of ``paths``; decodes only files new since the last check."""
    paths = list(dict.fromkeys(paths))
    check = ImageCheck(dataset, paths, cache_dir)
    known = check.load()
    files: Dict[str, list] = {}
    todo: List[Tuple[str, os.stat_result]] = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            files[path] = [-1, -1, image_problem(path)]
            continue
        entry = known.get(path)
        if entry is not None and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            files[path] = entry
        else:
            todo.append((path, stat))
    if todo:
        start = time.perf_counter()
        if workers and workers > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                problems = list(pool.map(image_problem, [path for path, _ in todo], chunksize=64))
        else:  # opening a small file costs more than decoding it, under the GIL: threads do not pay off
            problems = [image_problem(path) for path, _ in todo]
        for (path, stat), problem in zip(todo, problems):
            files[path] = [stat.st_size, stat.st_mtime_ns, problem]
        logger.info(f"Image check of {dataset}: {len(todo)} files decoded in {time.perf_counter() - start:.1f} s, "
                    f"{len(paths) - len(todo)} unchanged since the last check ({check.file})")
        check.save({**known, **files})
    note_dataset_folders(dataset, paths)
    return {path: entry[2] for path, entry in files.items() if entry[2]}


def skip_images(paths: Iterable[str]) -> None:
    """Leave ``paths`` out of every FastReID data set's train/query/gallery read from now on (this process).

    FastReID builds its data sets anew for each loader (training, each test
    set, the robustness benchmark, the corrupted ``*C`` sets), all through
    ``Dataset.train/query/gallery``; filtering there covers them all.
    """
    SKIPPED.update(paths)
    _install_skip_filter()


def _install_skip_filter() -> None:
    from fastreid.data.datasets.bases import Dataset

    if getattr(Dataset, "_cfat_skips_bad_images", False):
        return

    def filtered(original: property) -> property:
        def getter(self):
            items = original.fget(self)
            return [item for item in items if item[0] not in SKIPPED] if SKIPPED else items

        return property(getter, doc=original.__doc__)

    for part in ("train", "query", "gallery"):
        setattr(Dataset, part, filtered(getattr(Dataset, part)))
    Dataset._cfat_skips_bad_images = True


def check_images(parts: Sequence[Tuple[str, Sequence[tuple]]], mode: str = "stop", cache_dir: Optional[str] = None,
                 report_dir: Optional[str] = None, workers: Optional[int] = None) -> int:
    """Check ``(label, items)`` parts (label: ``"CUHK01 train"``); return how many files were skipped.

    ``mode`` ``stop``: a :class:`BadImageError` listing every bad file (the
    first :data:`LISTED` in the message, all in ``report_dir/bad_images.txt``);
    ``skip``: bad files are left out (:func:`skip_images`) and counted;
    ``off``: nothing is checked.
    """
    mode = str(mode).lower()
    if mode not in CHECK_MODES:
        raise ValueError(f"DATASETS.IMAGE_CHECK.MODE must be one of {', '.join(CHECK_MODES)}, got {mode!r}")
    if mode == "off":
        return 0
    lines, bad_paths, total = [], set(), 0
    for label, items in parts:
        paths = [item[0] for item in items]
        total += len(paths)
        dataset = label.split()[0]
        for path, problem in sorted(find_bad_images(paths, dataset, cache_dir, workers).items()):
            if path not in bad_paths:
                bad_paths.add(path)
                lines.append(bad_image_line(path, problem, label))
    if not lines:
        return 0
    if mode == "skip":
        skip_images(bad_paths)
        logger.warning(f"Skipped {len(bad_paths)} of {total} images that cannot be read "
                       f"(DATASETS.IMAGE_CHECK.MODE skip): " + "; ".join(lines[:3])
                       + (" ..." if len(lines) > 3 else ""))
        return len(bad_paths)
    listed = "\n".join(f"  {line}" for line in lines[:LISTED])
    more = ""
    if report_dir:
        report = os.path.join(report_dir, BAD_IMAGES_FILE)
        os.makedirs(report_dir, exist_ok=True)
        replace_atomically(report, lambda tmp: open(tmp, "w").write("\n".join(lines) + "\n"))
        more = f"\n  (every one in {report})" if len(lines) > LISTED else f"\n  (list in {report})"
    elif len(lines) > LISTED:
        more = f"\n  ... and {len(lines) - LISTED} more"
    raise BadImageError(f"{len(lines)} of {total} images cannot be read; repair or remove them, or set "
                        f"DATASETS.IMAGE_CHECK.MODE skip to leave them out:\n{listed}{more}")


def dataset_parts(name: str, root: str, splits: Sequence[str], **kwargs) -> List[Tuple[str, Sequence[tuple]]]:
    """``[("<name> <split>", items), ...]`` of the registered data set ``name`` (a ``*C`` set: its base)."""
    from fastreid.data.datasets import DATASET_REGISTRY

    cls = DATASET_REGISTRY.get(name)
    base = getattr(cls, "base_name", None)
    if base is not None:  # a corrupted test set: its clean base's files (corrupted copies come from them)
        name, cls = base, DATASET_REGISTRY.get(base)
    data = cls(root=root, **kwargs)
    return [(f"{name} {split}", getattr(data, split)) for split in splits]


def check_run_images(cfg, root: str, train: bool = True, tests: bool = True, report_dir: Optional[str] = None,
                     test_names: Optional[Sequence[str]] = None) -> int:
    """Check the images a run reads, per ``cfg.DATASETS.IMAGE_CHECK``; return how many were skipped.

    ``train``: the training split of ``DATASETS.NAMES`` (all splits with
    ``DATASETS.COMBINEALL``); ``tests``: query and gallery of ``test_names``
    (default ``DATASETS.TESTS``).
    """
    node = cfg.DATASETS.IMAGE_CHECK
    if str(node.MODE).lower() == "off":
        return 0
    parts = []
    if train:
        combine = bool(cfg.DATASETS.get("COMBINEALL", False))
        for name in cfg.DATASETS.NAMES:
            parts += dataset_parts(name, root, ("train", "query", "gallery") if combine else ("train",))
    if tests:
        for name in (cfg.DATASETS.TESTS if test_names is None else test_names):
            parts += dataset_parts(name, root, ("query", "gallery"))
    return check_images(parts, node.MODE, node.CACHE_DIR or None, report_dir)
