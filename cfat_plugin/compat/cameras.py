"""Training camera ids that mean the same camera as the test ids (for SIE's camera embedding)."""
import functools
import logging
import re
from typing import Dict, Hashable, Iterable, Optional

from .patching import wrap_method_once

logger = logging.getLogger(__name__)

# FastReID's readers name a training camera "<dataset_name>_<0-based id>".
_PREFIXED = re.compile(r"^(.*)_(\d+)$")


def reader_camera_ids(cameras: Iterable[Hashable]) -> Optional[Dict[Hashable, int]]:
    """Each training camera key -> the 0-based id its reader gives the same camera in the test set.

    Keys are ints or ``"<dataset>_<id>"`` strings. With several data sets, each
    one's ids are shifted past the previous ones' (in name order), so no two
    cameras share an id. None when a key has neither form.
    """
    parsed = {}
    for camera in cameras:
        if isinstance(camera, int):
            parsed[camera] = ("", camera)
            continue
        match = _PREFIXED.match(str(camera))
        if match is None:
            return None
        parsed[camera] = (match.group(1), int(match.group(2)))
    offsets, start = {}, 0
    for name in sorted({name for name, _ in parsed.values()}):
        offsets[name] = start
        start += 1 + max(cid for n, cid in parsed.values() if n == name)
    if len(offsets) > 1:
        logger.warning(f"Training on several data sets ({', '.join(sorted(offsets))}): camera ids are shifted "
                       f"by {offsets}, so each test set's ids match only the first set's embedding.")
    return {camera: offsets[name] + cid for camera, (name, cid) in parsed.items()}


def fix_camera_relabel() -> None:
    """Relabel training cameras to the ids their reader gives the same cameras at test time.

    Symptom: FastReID's ``CommDataset`` relabels training cameras by their rank
    among sorted strings ("msmt17_0" < "msmt17_1" < "msmt17_10" < ... < "msmt17_2"),
    while test sets keep the readers' integer ids. On MSMT17 (15 cameras)
    training camera 2 becomes id 7 but test camera 2 stays 2, so SIE's camera
    embedding learned for a camera is not the one used for it at test time
    (and on any data set whose training set lacks a camera, every later id
    shifts). Nothing fails; results silently get worse. Now a training camera
    keeps its reader's id (``"msmt17_2"`` -> 2), as in the test set.
    """
    from fastreid.data.common import CommDataset

    def reader_ids(original):
        @functools.wraps(original)
        def __init__(self, img_items, transform=None, relabel=True):
            original(self, img_items, transform, relabel)
            if relabel:
                ids = reader_camera_ids(self.cams)
                if ids is not None:
                    self.cam_dict = ids
        return __init__

    wrap_method_once(CommDataset, "__init__", reader_ids)
