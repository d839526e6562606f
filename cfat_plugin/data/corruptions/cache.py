"""Disk cache of corrupted test images, filled in parallel, safe to share between processes.

Key: (content hash of the source file, type, severity, seed) -> a lossless PNG
(JPEG would add a corruption of its own), under a namespace that changes with
``CACHE_VERSION`` and the versions of the libraries that compute the pixels. Content hashes make the cache
independent of where the data set lives and invalidate an entry when an image
changes. Files are written to a temporary name and renamed into place
(``os.replace`` is atomic), so readers never see half a file and two
processes filling the same cache at once only duplicate work.
"""
import hashlib
import logging
import multiprocessing
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image, ImageOps

from ...utils.bad_images import bad_image_line, describe_image_error
from ...utils.errors import BadImageError
from .core import corrupt
from .specs import Draw

logger = logging.getLogger(__name__)

# Bump when a corruption's pixels change, so old entries are not reused.
CACHE_VERSION = "v1"
# The libraries that produce the pixels; upgrading one starts a fresh namespace in the cache.
PIXEL_LIBRARIES = ("imagecorruptions-imaug", "albumentations", "scikit-image", "scipy", "numpy", "pillow",
                   "opencv-python-headless", "opencv-python", "numba")

Job = Tuple[str, str, Draw]  # (source image, cached file, draw)


def cache_namespace() -> str:
    """``CACHE_VERSION`` plus a short hash of the versions of the libraries that make the pixels."""
    from importlib import metadata

    versions = []
    for name in PIXEL_LIBRARIES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=none")
    return f"{CACHE_VERSION}-{hashlib.blake2b(';'.join(versions).encode(), digest_size=4).hexdigest()}"


def default_cache_dir() -> str:
    """``$CFAT_CORRUPTION_CACHE``, else ``$XDG_CACHE_HOME/cfat-reid/corruptions`` (``~/.cache`` by default)."""
    if os.getenv("CFAT_CORRUPTION_CACHE"):
        return os.environ["CFAT_CORRUPTION_CACHE"]
    base = os.getenv("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cfat-reid", "corruptions")


def read_rgb(path: str) -> np.ndarray:
    """An image file as RGB uint8 HxWx3, read like FastReID's ``read_image`` (EXIF rotation applied).

    A file that cannot be decoded raises a ``BadImageError`` naming it (and its data set, when known).
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"image not found: {path}")
    try:
        with Image.open(path) as image:
            try:
                image = ImageOps.exif_transpose(image)
            except Exception:  # broken EXIF: FastReID ignores it too
                pass
            return np.asarray(image.convert("RGB"))
    except Exception as error:
        problem = "empty file (0 bytes)" if os.path.getsize(path) == 0 else describe_image_error(error)
        raise BadImageError(bad_image_line(path, problem)) from None


def content_key(path: str) -> str:
    """Hash of a file's bytes (128-bit BLAKE2b, hex)."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_png_atomic(image: np.ndarray, path: str) -> None:
    """Write ``image`` as PNG via a unique temporary file and an atomic rename."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        # zlib level 1: a third of the default level's time for files ~10% larger (same pixels)
        Image.fromarray(image).save(tmp, format="PNG", compress_level=1)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def corrupt_file(job: Job) -> bool:
    """Fill one cache entry unless present; True if it was computed here."""
    source, target, draw = job
    if os.path.exists(target):
        return False
    write_png_atomic(corrupt(read_rgb(source), draw.name, draw.severity, draw.seed), target)
    return True


def warm_up(jobs: Sequence[Job]) -> None:
    """Run each (type, severity) of ``jobs`` once on a small image, in this process.

    Forked workers then inherit the lazy imports and numba's compiled glass
    blur (seconds per process otherwise) instead of each paying for them.
    """
    probe = np.full((32, 32, 3), 128, dtype=np.uint8)
    for name, severity in sorted({(draw.name, draw.severity) for _, _, draw in jobs}):
        corrupt(probe, name, severity, 0)


@dataclass
class FillStats:
    """What one ``fill`` did."""

    total: int
    computed: int
    reused: int
    seconds: float


class CorruptionCache:
    """Corrupted copies of image files under ``root`` (see the module docstring)."""

    def __init__(self, root: Optional[Union[str, Path]] = None):
        self.root = Path(root) if root else Path(default_cache_dir())
        self.namespace = cache_namespace()
        self._keys = {}  # path -> (mtime_ns, size, content hash): hash each file once per cache object

    def key_of(self, source: str) -> str:
        """Content hash of ``source``, remembered while the file's mtime and size stay the same."""
        try:
            stat = os.stat(source)
        except FileNotFoundError:
            raise FileNotFoundError(f"image not found: {source}") from None
        known = self._keys.get(source)
        if known is None or known[:2] != (stat.st_mtime_ns, stat.st_size):
            known = self._keys[source] = (stat.st_mtime_ns, stat.st_size, content_key(source))
        return known[2]

    def path_for(self, key: str, draw: Draw) -> str:
        """Where the corrupted version (``draw``) of the file with content hash ``key`` lives."""
        return str(self.root / self.namespace / draw.name / f"s{draw.severity}" / f"{key}_{draw.seed}.png")

    def job(self, source: str, draw: Draw) -> Job:
        """The (source, target, draw) job for ``source`` (hashes the file the first time)."""
        return source, self.path_for(self.key_of(source), draw), draw

    def fill(self, jobs: Sequence[Job], num_workers: Optional[int] = None, progress: bool = True,
             desc: str = "corrupting", start_method: Optional[str] = None) -> FillStats:
        """Compute every missing entry of ``jobs``, on ``num_workers`` processes (None: all cores).

        Entries already on disk (from this or an earlier run, or from another
        process filling at the same time) are reused. ``start_method``: the
        pool's multiprocessing start method; default ``fork`` where available
        (like PyTorch's DataLoader: workers start at once, with everything
        imported and warmed up), else the platform default.
        """
        start = time.perf_counter()
        unique = list({target: (source, target, draw) for source, target, draw in jobs}.values())
        missing = [job for job in unique if not os.path.exists(job[1])]
        workers = (os.cpu_count() or 1) if num_workers is None else int(num_workers)
        computed = 0
        if missing:
            computed = sum(self._run(missing, workers, progress, desc, start_method))
        stats = FillStats(len(unique), computed, len(unique) - computed, time.perf_counter() - start)
        logger.info(f"corruption cache {self.root}: {stats.computed} computed, {stats.reused} reused "
                    f"in {stats.seconds:.1f} s")
        return stats

    @staticmethod
    def _run(jobs: List[Job], workers: int, progress: bool, desc: str, start_method: Optional[str]) -> Iterable[bool]:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc=desc, unit="img", disable=not progress, smoothing=0.05)
        results = []
        try:
            if workers <= 1 or len(jobs) == 1:
                for job in jobs:
                    results.append(corrupt_file(job))
                    bar.update()
            else:
                method = start_method
                if method is None and "fork" in multiprocessing.get_all_start_methods():
                    method = "fork"
                context = multiprocessing.get_context(method)
                if method == "fork":
                    warm_up(jobs)
                chunk = max(1, min(32, len(jobs) // (workers * 8)))
                with context.Pool(min(workers, len(jobs))) as pool:
                    for done in pool.imap_unordered(corrupt_file, jobs, chunksize=chunk):
                        results.append(done)
                        bar.update()
        finally:
            bar.close()
        return results
