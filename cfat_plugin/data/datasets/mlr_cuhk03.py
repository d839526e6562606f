"""MLR-CUHK03, MLR-VIPeR and CAVIAR for low-resolution ReID, and MLR-CUHK03's generated twin.

The three are read from the layout of the copies distributed with the Degradation-Invariant ReID
code (Huang et al., CVPR 2020; ``<data_root>/{MLR_CUHK03,MLR_VIPER,CAVIAR}`` in its code, the
README spells ``MLR-CUHK03``): ``<folder>/{train,val,query,gallery}/<pid>/<pid 5-digit>_c<cam>_<n>.jpg``
(``synthetic/layouts/mlr.py``; ``val/`` optional). Train ids have both cameras; test queries are
low-resolution images, the gallery full-resolution ones. Camera ids are the 0-based ones of the names.

Which images are low resolution: ``factors.csv`` where the folder has one (the generated sets: the
down-sampling factor of every image, 1 = full resolution), else the published rule, camera ``c0``
(the code's ``'c0' in filename``; a name of this layout holds ``c0`` only as its camera).
``reader.is_low_resolution(path)`` answers per image and :class:`~cfat_plugin.data.resolution.
LowResolutionDataset` carries it into batches. ``reader.val``: the ``val/`` items (labelled as
training items; the code validates on them), empty without the folder; FastReID's train, query and
gallery do not include them.

The test protocol is the CUHK03 single-shot one the code uses for these three sets
(``test_protocol``; :mod:`cfat_plugin.evaluation.single_shot`).

``SynthMLR`` generates the ``mlr`` SynthReID preset (or ``DATASETS.SYNTHREID.PRESET.MLR``, seed
``DATASETS.SYNTHREID.SEED``) into ``<root>/SynthReID-<preset>-s<seed>`` on first use, then reads it as
MLR-CUHK03.
"""
from __future__ import annotations

import logging
import os

from fastreid.data.datasets import DATASET_REGISTRY

from ..synthetic.layouts import mlr
from .items import Item, item
from .layout_reader import LayoutReader, Split
from .synthreid import GeneratedPreset

__all__ = ["CAVIAR", "LowResolutionReader", "MLRCUHK03", "MLRVIPeR", "SynthMLR"]

logger = logging.getLogger(__name__)


class LowResolutionReader(LayoutReader):
    """A folder in the layout of the Degradation-Invariant ReID code's low-resolution sets (module docstring).

    Subclasses name the folder's published spellings in ``folder_names`` (the first found is read).
    """

    folder_names: tuple[str, ...]
    test_protocol = "single_shot"  # the evaluator the trainer builds for this set

    def __init__(self, root: str = "datasets", dataset_dir: str | None = None, **kwargs) -> None:
        super().__init__(root, dataset_dir or self.find_folder(root), **kwargs)

    @classmethod
    def find_folder(cls, root: str) -> str:
        """``<root>/<name>`` for the first of ``folder_names`` that exists; a clear error if none does."""
        for name in cls.folder_names:
            if os.path.isdir(os.path.join(root, name)):
                return os.path.join(root, name)
        tried = " or ".join(os.path.abspath(os.path.join(root, name)) for name in cls.folder_names)
        raise FileNotFoundError(
            f"{cls.__name__}: {tried} not found. Expected layout: <root>/{cls.folder_names[0]}/"
            f"{{train,query,gallery}}/<pid>/<pid 5-digit>_c<cam>_<n 5-digit>.jpg (val/ optional). "
            f"Set DATASETS.ROOT (or the FASTREID_DATASETS environment variable) to <root>.")

    def read(self, folder: str) -> Split:
        dirs = [os.path.join(folder, split) for split in mlr.SPLIT_DIRS]
        self.check_before_run([folder] + dirs)
        factors = os.path.join(folder, mlr.FACTORS_FILE)
        self._factors = mlr.read_factors(factors) if os.path.isfile(factors) else {}
        self._warn_if_low_resolution_is_not_c0(folder)
        val = os.path.join(folder, mlr.VAL_DIR)
        self.val = self.scan(val, is_train=True) if os.path.isdir(val) else []
        return tuple(self.scan(d, is_train=(split == "train")) for split, d in zip(mlr.SPLIT_DIRS, dirs))

    def scan(self, split_dir: str, is_train: bool) -> list[Item]:
        """(path, pid, 0-based camid) of every image under ``split_dir/<pid>/``, sorted; train ids and
        cameras prefixed with the data set name, as FastReID's train sets are."""
        items = []
        for pid_dir in sorted(os.listdir(split_dir)):
            sub = os.path.join(split_dir, pid_dir)
            if not (pid_dir.isdigit() and os.path.isdir(sub)):
                continue
            for name in sorted(os.listdir(sub)):
                if not name.endswith(".jpg"):
                    continue
                pid, camid, _ = mlr.parse_name(name)
                items.append(item(self.dataset_name, os.path.join(sub, name), pid, camid, is_train))
        return items

    def factor_of(self, path: str) -> int:
        """The down-sampling factor of an image of this folder (``factors.csv``; 1 if it has none)."""
        return self._factors.get(self._relative(path), 1)

    def is_low_resolution(self, path: str) -> bool:
        """Whether an image of this folder is low resolution: its factor in ``factors.csv`` is above 1,
        or, in a folder without one (the published copies), its name's camera is ``c0``."""
        if self._factors:
            return self.factor_of(path) > 1
        return mlr.name_camera(path.replace(os.sep, "/")) == mlr.LOW_RES_CAMERA

    def _relative(self, path: str) -> str:
        return os.path.relpath(path, self.dataset_dir).replace(os.sep, "/")

    def _warn_if_low_resolution_is_not_c0(self, folder: str) -> None:
        """A folder generated before every low-resolution image was named ``c0`` (as published) reads
        right (its flags come from ``factors.csv``) but names some of them ``c1``: say so once."""
        elsewhere = [rel for rel, factor in self._factors.items()
                     if factor > 1 and mlr.name_camera(rel) != mlr.LOW_RES_CAMERA]
        if elsewhere:
            logger.warning("%s: %d low-resolution images are not named c%d (e.g. %s): the folder was generated "
                           "before the published naming; delete it to generate it again", folder, len(elsewhere),
                           mlr.LOW_RES_CAMERA, elsewhere[0])


@DATASET_REGISTRY.register()
class MLRCUHK03(LowResolutionReader):
    """MLR-CUHK03 (Jiao et al., AAAI 2018): CUHK03 with one camera of each pair down-sampled 2-4x."""

    folder_names = (mlr.ROOT, "MLR_CUHK03")  # the README's spelling, the code's
    dataset_dir, dataset_name = mlr.ROOT, "mlrcuhk03"


@DATASET_REGISTRY.register()
class MLRVIPeR(LowResolutionReader):
    """MLR-VIPeR: VIPeR (632 ids, 2 cameras) with one camera down-sampled; 316 train ids in the code."""

    folder_names = ("MLR_VIPER", "MLR-VIPeR")  # the code's spelling, the papers'
    dataset_dir, dataset_name = "MLR_VIPER", "mlrviper"


@DATASET_REGISTRY.register()
class CAVIAR(LowResolutionReader):
    """CAVIAR (CAVIAR4REID): genuinely low-resolution images in one of two cameras, ``c0`` by the code's
    rule as for the other two; 25 train ids in the code."""

    folder_names = ("CAVIAR",)
    dataset_dir, dataset_name = "CAVIAR", "caviar"


@DATASET_REGISTRY.register()
class SynthMLR(GeneratedPreset, MLRCUHK03):
    """The ``mlr`` SynthReID preset (or ``DATASETS.SYNTHREID.PRESET.MLR``), generated on first use, read as
    MLR-CUHK03."""

    dataset_name = "synthmlr"
    layout, layout_root = "mlr", mlr.ROOT
