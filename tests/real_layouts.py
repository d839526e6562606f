"""Small folders in the real layouts and file names of Market-1501, CUHK03, MSMT17, SYSU-MM01 and RegDB.

Nobody here can download the real data sets; these generate a few images per
identity in exactly the folders, file names, list files and ``.mat`` files
FastReID's readers expect, so the project's configs can be read end to end.
Each generator returns what it wrote (identities per split, cameras), for the
tests to compare with what the readers return.
"""
import os
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import numpy as np
from PIL import Image


def _image(path: str, value: int = 128, size: Tuple[int, int] = (16, 32)) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.new("RGB", size, (value, value // 2, 255 - value)).save(path)


# ---------------------------------------------------------------- Market-1501

@dataclass
class MarketLayout:
    train_ids: List[int]
    test_ids: List[int]
    train_cameras: Dict[str, int] = field(default_factory=dict)  # file name -> camera (1-6)


def make_market1501(root: str) -> MarketLayout:
    """``<root>/Market-1501-v15.09.15/{bounding_box_train,bounding_box_test,query}``, names ``PPPP_cCsS_FFFFFF_BB.jpg``.

    8 training identities over the 6 cameras (camera 6 only in training ids 7-8),
    4 test identities (query: one picture each; gallery: the others, in other
    cameras), plus the gallery's distractors (0000) and junk (-1).
    """
    base = os.path.join(root, "Market-1501-v15.09.15")
    layout = MarketLayout(train_ids=[2, 7, 10, 11, 12, 20, 22, 23], test_ids=[1, 3, 5, 8])
    for k, pid in enumerate(layout.train_ids):
        for j in range(4):
            cam = 1 + (k + j) % 6
            name = f"{pid:04d}_c{cam}s{j + 1}_{100 * k + j:06d}_0{j % 3 + 1}.jpg"
            layout.train_cameras[name] = cam
            _image(os.path.join(base, "bounding_box_train", name))
    for k, pid in enumerate(layout.test_ids):
        _image(os.path.join(base, "query", f"{pid:04d}_c{1 + k % 6}s1_{1000 + k:06d}_00.jpg"))
        for j in range(1, 4):
            cam = 1 + (k + j) % 6
            _image(os.path.join(base, "bounding_box_test", f"{pid:04d}_c{cam}s2_{2000 + 10 * k + j:06d}_01.jpg"))
    _image(os.path.join(base, "bounding_box_test", "0000_c1s1_000151_01.jpg"))  # distractor
    _image(os.path.join(base, "bounding_box_test", "-1_c3s1_000401_03.jpg"))  # junk: ignored
    return layout


# ---------------------------------------------------------------- CUHK03

@dataclass
class CUHK03Layout:
    """What went into the ``.mat`` files: per box type, the file names of each (pair, person)."""

    files: Dict[str, Dict[Tuple[int, int], List[str]]]
    train_people: List[Tuple[int, int]]
    test_people: List[Tuple[int, int]]
    pixel: Dict[str, int]  # the grey level of each box type's images


CUHK03_PAIRS = 2
CUHK03_PEOPLE = 4  # per camera pair
# Pictures per view: 5 slots each (indices 0-4 view 1, 5-9 view 2); empty slots are empty cells.
CUHK03_SLOTS = {"detected": [0, 1, 2, 5, 6, 7], "labeled": [0, 1, 5, 6]}


def make_cuhk03(root: str) -> CUHK03Layout:
    """``<root>/cuhk03/cuhk03_release/cuhk-03.mat`` (HDF5, MATLAB v7.3) and the new-protocol split files.

    ``cuhk-03.mat`` holds, as MATLAB does, ``detected`` and ``labeled``: one
    cell per camera pair, each a (people x 10) cell array of images stored
    transposed (3 x W x H), empty cells where a view has fewer than 5 pictures;
    and ``testsets``, the classic splits as [pair, person] rows. Detected boxes
    are 3 + 3 pictures per person, labeled 2 + 2, so the two are told apart.

    ``cuhk03_new_protocol_config_{detected,labeled}.mat`` (MATLAB v5, as Zhong
    et al. distribute them) hold ``filelist``, ``labels``, ``camId`` and 1-based
    ``train_idx`` / ``query_idx`` / ``gallery_idx``: people 1-2 of each pair
    train, 3-4 test; query = the first picture of each view, gallery = the rest.
    """
    import h5py
    from scipy.io import savemat

    folder = os.path.join(root, "cuhk03")
    os.makedirs(os.path.join(folder, "cuhk03_release"), exist_ok=True)
    people = [(pair, person) for pair in range(1, CUHK03_PAIRS + 1) for person in range(1, CUHK03_PEOPLE + 1)]
    layout = CUHK03Layout(files={}, train_people=[p for p in people if p[1] <= 2],
                          test_people=[p for p in people if p[1] > 2], pixel={"detected": 60, "labeled": 200})

    with h5py.File(os.path.join(folder, "cuhk03_release", "cuhk-03.mat"), "w") as mat:
        refs = mat.create_group("#refs#")
        counter = iter(range(10 ** 6))

        def store(array: np.ndarray):
            return refs.create_dataset(f"r{next(counter)}", data=array).ref

        for box, slots in CUHK03_SLOTS.items():
            layout.files[box] = {}
            pair_refs = []
            for pair in range(1, CUHK03_PAIRS + 1):
                cells = np.empty((10, CUHK03_PEOPLE), dtype=h5py.ref_dtype)  # transposed (people x 10)
                for person in range(1, CUHK03_PEOPLE + 1):
                    names = []
                    for slot in range(10):
                        if slot in slots:
                            image = np.full((3, 12, 24), layout.pixel[box], dtype=np.uint8)  # 24 x 12 RGB, transposed
                            cells[slot, person - 1] = store(image)
                            names.append(f"{pair}_{person:03d}_{1 if slot < 5 else 2}_{slot + 1:02d}.png")
                        else:
                            cells[slot, person - 1] = store(np.zeros(2, dtype=np.uint64))  # MATLAB's empty cell
                    layout.files[box][(pair, person)] = names
                pair_refs.append(refs.create_dataset(f"{box}{pair}", data=cells).ref)
            mat.create_dataset(box, data=np.array([pair_refs], dtype=h5py.ref_dtype))
        classic = [np.array(layout.test_people, dtype=np.float64).T,
                   np.array(layout.train_people, dtype=np.float64).T]
        mat.create_dataset("testsets", data=np.array([[store(split) for split in classic]], dtype=h5py.ref_dtype))

    for box in CUHK03_SLOTS:
        filelist, labels, cams, train, query, gallery = [], [], [], [], [], []
        for label, person in enumerate(people, start=1):
            seen_views = set()
            for name in layout.files[box][person]:
                filelist.append(name)
                labels.append(label)
                view = int(name.split("_")[2])
                cams.append(view)
                index = len(filelist)  # 1-based, as in MATLAB
                if person in layout.train_people:
                    train.append(index)
                elif view not in seen_views:
                    query.append(index)
                    seen_views.add(view)
                else:
                    gallery.append(index)
        cell = np.empty((len(filelist), 1), dtype=object)
        for i, name in enumerate(filelist):
            cell[i, 0] = name
        # integer columns, as in the released files (FastReID indexes arrays with train_idx - 1)
        column = lambda values: np.array(values, dtype=np.int32).reshape(-1, 1)  # noqa: E731
        savemat(os.path.join(folder, f"cuhk03_new_protocol_config_{box}.mat"),
                {"filelist": cell, "labels": column(labels), "camId": column(cams),
                 "train_idx": column(train), "query_idx": column(query), "gallery_idx": column(gallery)})
    return layout


# ---------------------------------------------------------------- MSMT17

MSMT17_DIRS = {"MSMT17_V1": ("train", "test"), "MSMT17_V2": ("mask_train_v2", "mask_test_v2")}
MSMT17_CAMERAS = 15


@dataclass
class MSMT17Layout:
    train: List[Tuple[str, int, int]]  # (relative path, list label, camera 1-15)
    val: List[Tuple[str, int, int]]
    query: List[Tuple[str, int, int]]
    gallery: List[Tuple[str, int, int]]


def _msmt17_name(pid: int, index: int, cam: int) -> str:
    return f"{pid:04d}/{pid:04d}_{index:03d}_{cam:02d}_0303morning_{100 + index:04d}_0.jpg"


def make_msmt17(root: str, version: str = "MSMT17_V2") -> MSMT17Layout:
    """``<root>/MSMT17_V{1,2}/`` with its image folders and ``list_{train,val,query,gallery}.txt``.

    Names as in the release: ``PPPP/PPPP_III_CC_0303morning_FFFF_0.jpg``, camera
    ``CC`` 01-15; list lines ``<path> <label>``. 15 training identities, each
    seen by 3 cameras so all 15 appear; the last picture of each is in
    ``list_val`` (held out of training). 5 test identities: one query each, and
    gallery pictures in every camera.
    """
    train_dir, test_dir = MSMT17_DIRS[version]
    base = os.path.join(root, version)
    layout = MSMT17Layout([], [], [], [])
    for pid in range(15):
        for index, cam in enumerate([1 + pid % MSMT17_CAMERAS, 1 + (pid + 5) % MSMT17_CAMERAS,
                                     1 + (pid + 10) % MSMT17_CAMERAS, 1 + (pid + 3) % MSMT17_CAMERAS]):
            (layout.val if index == 3 else layout.train).append((_msmt17_name(pid, index, cam), pid, cam))
    for pid in range(5):
        layout.query.append((_msmt17_name(pid, 0, 1 + (2 * pid) % MSMT17_CAMERAS), pid, 1 + (2 * pid) % MSMT17_CAMERAS))
        for index in range(1, 4):
            cam = 1 + (3 * pid + index) % MSMT17_CAMERAS
            layout.gallery.append((_msmt17_name(pid, index, cam), pid, cam))
    for split, folder in (("train", train_dir), ("val", train_dir), ("query", test_dir), ("gallery", test_dir)):
        lines = []
        for path, label, _ in getattr(layout, split):
            _image(os.path.join(base, folder, path))
            lines.append(f"{path} {label}\n")
        with open(os.path.join(base, f"list_{split}.txt"), "w") as f:
            f.writelines(lines)
    return layout


# ---------------------------------------------------------------- SYSU-MM01 and RegDB (visible-infrared)

def write_rand_perm(path: str, table: Dict[Tuple[int, int], list], num_ids: int) -> None:
    """SYSU-MM01's ``exp/rand_perm_cam.mat`` as the data set ships it: ``rand_perm_cam``, a 6 x 1 cell
    (one per camera) of 1 x ids cells, each a trials x images array of 1-based image numbers (empty
    where the camera never saw the id). ``table``: (camera, pid) -> rows."""
    from scipy.io import savemat

    cams = np.empty((6, 1), dtype=object)
    for cam in range(1, 7):
        ids = np.empty((1, num_ids), dtype=object)
        for pid in range(1, num_ids + 1):
            ids[0, pid - 1] = np.asarray(table.get((cam, pid), np.zeros((0, 0))), dtype=float)
        cams[cam - 1, 0] = ids
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    savemat(path, {"rand_perm_cam": cams})


def make_sysu_mm01(root: str, images: int = 3, perm: Dict[Tuple[int, int], list] | None = None) -> str:
    """``<root>/SYSU-MM01``: ids 1-2 train, 3 val, 4-9 test, every id in the six cameras with ``images``
    images each (``cam<k>/<pid>/<nnnn>.jpg``), ``exp/*_id.txt``, and ``exp/rand_perm_cam.mat`` from
    ``perm`` when given. Returns the folder."""
    base = os.path.join(root, "SYSU-MM01")
    for cam in range(1, 7):
        for pid in range(1, 10):
            for n in range(1, images + 1):
                _image(os.path.join(base, f"cam{cam}", f"{pid:04d}", f"{n:04d}.jpg"), 20 * pid + n, (8, 16))
    os.makedirs(os.path.join(base, "exp"), exist_ok=True)
    for split, ids in (("train", "1,2"), ("val", "3"), ("test", "4,5,6,7,8,9")):
        with open(os.path.join(base, "exp", f"{split}_id.txt"), "w") as f:
            f.write(ids + "\n")
    if perm is not None:
        write_rand_perm(os.path.join(base, "exp", "rand_perm_cam.mat"), perm, 9)
    return base


def make_regdb(root: str, trial: int = 1, train_ids: int = 2, test_ids: int = 6, images: int = 2) -> str:
    """``<root>/RegDB``: ``Visible/<pid>/`` and ``Thermal/<pid>/`` images and the trial's four index files
    (``idx/{train,test}_{visible,thermal}_<trial>.txt``, lines ``<relative path> <label>``)."""
    base = os.path.join(root, "RegDB")
    for split, pids in (("train", range(1, train_ids + 1)), ("test", range(train_ids + 1, train_ids + test_ids + 1))):
        for folder, modality in (("Visible", "visible"), ("Thermal", "thermal")):
            lines = []
            for label, pid in enumerate(pids):
                for n in range(images):
                    rel = f"{folder}/{pid}/{modality}_{pid}_{n}.bmp"
                    _image(os.path.join(base, rel), 20 * pid + n, (8, 16))
                    lines.append(f"{rel} {label}")
            os.makedirs(os.path.join(base, "idx"), exist_ok=True)
            with open(os.path.join(base, "idx", f"{split}_{modality}_{trial}.txt"), "w") as f:
                f.write("\n".join(lines) + "\n")
    return base


# ---------------------------------------------------------------- MLR-CUHK03, MLR-VIPeR, CAVIAR (low resolution)

@dataclass
class LowResolutionLayout:
    """What went into a low-resolution set's folder: file name -> (split, pid, camera)."""

    folder: str
    images: Dict[str, Tuple[str, int, int]] = field(default_factory=dict)

    def names(self, split: str) -> List[str]:
        return sorted(name for name, (s, _, _) in self.images.items() if s == split)


def make_low_resolution(root: str, folder: str = "MLR-CUHK03", train_ids=(3, 20), test_ids=(5, 7, 41),
                        val: bool = True) -> LowResolutionLayout:
    """``<root>/<folder>/{train,val,query,gallery}/<pid 4-digit>/<pid 5-digit>_c<cam>_<n 5-digit>.jpg`` as the
    Degradation-Invariant ReID code's copies are laid out (MLR-CUHK03, MLR_VIPER, CAVIAR): camera ``c0``
    images are low resolution (stored 8 x 16), ``c1`` full (16 x 32). Train ids: two images per camera
    (with ``val``: one more ``c1`` image each under ``val/``); test ids: ``c0`` queries, ``c1`` gallery."""
    base = os.path.join(root, folder)
    layout = LowResolutionLayout(base)

    def write(split: str, pid: int, cam: int, number: int) -> None:
        name = f"{pid:05d}_c{cam}_{number:05d}.jpg"
        _image(os.path.join(base, split, f"{pid:04d}", name), 10 * pid + number, (8, 16) if cam == 0 else (16, 32))
        layout.images[name] = (split, pid, cam)

    for pid in train_ids:
        for number, cam in enumerate((0, 0, 1, 1)):
            write("train", pid, cam, number)
        if val:
            write("val", pid, 1, 4)
    for pid in test_ids:
        write("query", pid, 0, 0)
        write("gallery", pid, 1, 1)
        write("gallery", pid, 1, 2)
    return layout
