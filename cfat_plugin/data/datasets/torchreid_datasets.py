"""torchreid's image data sets that FastReID lacks, read by torchreid's own readers, in FastReID's DATASET_REGISTRY.

``DATASETS.NAMES: ("TorchreidCUHK01",)`` / ``DATASETS.TESTS`` load CUHK01
through ``torchreid.reid.data.datasets.image.cuhk01.CUHK01``: torchreid's
split protocol (half of the identities for training, camera A query,
camera B gallery, split ``split_id`` of torchreid's ``splits.json``).

torchreid's readers write their split files into the data folder (and would
try to download or unzip into it). Data folders are often read-only or
shared, so the reader is pointed at a *mirror*: a folder of symlinks to the
data set's entries, under ``$CFAT_TORCHREID_DATA`` (default
``$XDG_CACHE_HOME/cfat-reid/torchreid``, ``~/.cache`` when unset), one
mirror per data folder and split seed. The data folder is never written to.
torchreid shuffles its splits with NumPy's global generator, unseeded; here
the split file is made under ``numpy.random.seed(split_seed)`` (the global
state is restored afterwards), so every machine gets the same split.

Items are turned into FastReID's format: training identities and cameras
prefixed with the data set name (FastReID relabels them), test items plain
ints, paths pointing at the data folder (not the mirror). Identities keep
torchreid's numbering (CUHK01: the file's ``PPPP`` minus 1).
"""
import contextlib
import hashlib
import os
from typing import Callable

from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.data.datasets.bases import ImageDataset

from ..corruptions.seeding import seeded_global_numpy

WORK_DIR_ENV = "CFAT_TORCHREID_DATA"


def default_work_dir() -> str:
    """``$CFAT_TORCHREID_DATA``, else ``$XDG_CACHE_HOME/cfat-reid/torchreid`` (``~/.cache`` by default)."""
    if os.getenv(WORK_DIR_ENV):
        return os.environ[WORK_DIR_ENV]
    base = os.getenv("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cfat-reid", "torchreid")


def mirror_folder(source: str, work_dir: str, dataset_dir: str, tag: str) -> str:
    """A writable ``<mirror>/<dataset_dir>/`` of symlinks to ``source``'s entries; returns ``<mirror>``."""
    key = hashlib.sha1(os.path.realpath(source).encode()).hexdigest()[:12]
    mirror = os.path.join(work_dir, f"{dataset_dir}-{key}-{tag}")
    target = os.path.join(mirror, dataset_dir)
    os.makedirs(target, exist_ok=True)
    for name in os.listdir(source):
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.symlink(os.path.abspath(os.path.join(source, name)), os.path.join(target, name))
    return mirror


class TorchreidImageDataset(ImageDataset):
    """A torchreid image data set read by torchreid's reader, its items in FastReID's format.

    Subclasses set ``dataset_name``, ``dataset_dir`` (torchreid's folder name),
    ``marker`` (an entry that identifies the data set folder) and ``reader``.
    """

    dataset_dir: str = ""
    marker: str = ""
    layout: str = ""
    reader: Callable[[], type]  # returns torchreid's data set class (imported lazily)

    def __init__(self, root: str = "datasets", split_id: int = 0, split_seed: int = 0, **kwargs):
        self.root = root
        source = self.find_source(root)
        mirror = mirror_folder(source, default_work_dir(), self.dataset_dir, f"seed{split_seed}")
        with seeded_global_numpy(split_seed):
            data = type(self).reader()(root=mirror, split_id=split_id, verbose=False)
        mirrored = os.path.join(mirror, self.dataset_dir)

        def path(p: str) -> str:  # back from the mirror to the data folder
            return os.path.join(source, os.path.relpath(p, mirrored))

        name = self.dataset_name
        train = [(path(p), f"{name}_{pid}", f"{name}_{camid}") for p, pid, camid, *_ in data.train]
        query = [(path(p), int(pid), int(camid)) for p, pid, camid, *_ in data.query]
        gallery = [(path(p), int(pid), int(camid)) for p, pid, camid, *_ in data.gallery]
        super().__init__(train, query, gallery, **kwargs)

    @classmethod
    def find_source(cls, root: str) -> str:
        """``<root>/<dataset_dir>``, or ``root`` itself when it holds the data set's ``marker`` entry."""
        for candidate in (os.path.join(root, cls.dataset_dir), root):
            if os.path.exists(os.path.join(candidate, cls.marker)):
                return candidate
        raise FileNotFoundError(f"{cls.__name__}: no {cls.dataset_dir} data set under {os.path.abspath(root)}. "
                                f"Expected layout: {cls.layout}. Set DATASETS.ROOT (or FASTREID_DATASETS).")


def _torchreid_cuhk01() -> type:
    from torchreid.reid.data.datasets.image.cuhk01 import CUHK01

    return CUHK01


@DATASET_REGISTRY.register()
class TorchreidCUHK01(TorchreidImageDataset):
    """CUHK01 through torchreid's reader and split protocol (the foundation's own adapter is ``CUHK01``)."""

    dataset_name = "torchreid_cuhk01"
    dataset_dir = "cuhk01"
    marker = "campus"
    layout = "<root>/cuhk01/campus/PPPPKKK.png (or <root>/campus/)"
    reader = staticmethod(_torchreid_cuhk01)

