"""ICFG-PEDES and RSTPReid readers on hand-made folders in their published layouts: splits, captions found
from the image path, relabelled training ids, and bad records named."""
import json
import os

import pytest

from cfat_plugin.data.captions import captions_of_path
from cfat_plugin.data.datasets.text_pedes import ICFGPEDES, RSTPReid


def _layout(root, folder, annotations, path_key, records):
    for rec in records:
        path = os.path.join(root, folder, "imgs", rec[path_key])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "wb").close()
    with open(os.path.join(root, folder, annotations), "w") as fh:
        json.dump(records, fh)


def test_icfg_pedes_reads_train_and_test_and_finds_captions(tmp_path):
    records = [{"id": 7, "file_path": "train/0007/a.jpg", "captions": ["a man in red"], "split": "train"},
               {"id": 9, "file_path": "train/0009/b.jpg", "captions": ["a woman"], "split": "train"},
               {"id": 3, "file_path": "test/0003/c.jpg", "captions": ["a child", "a kid"], "split": "test"}]
    _layout(tmp_path, "ICFG-PEDES", "ICFG-PEDES.json", "file_path", records)
    data = ICFGPEDES(root=str(tmp_path))
    assert [i[1] for i in data.train] == ["icfgpedes_7", "icfgpedes_9"]
    assert data.query == data.gallery and data.query[0][1:] == (3, 0)
    assert captions_of_path(data.query[0][0]) == ("a child", "a kid")
    from fastreid.data.common import CommDataset

    assert sorted(CommDataset(data.train, relabel=True).pid_dict.values()) == [0, 1]  # relabelled 0..n-1


def test_rstpreid_reads_its_three_splits(tmp_path):
    records = [{"id": i, "img_path": f"{i}_c1_0001.jpg", "captions": ["x y", "z"], "split": s}
               for i, s in ((1, "train"), (2, "val"), (3, "test"))]
    _layout(tmp_path, "RSTPReid", "data_captions.json", "img_path", records)
    data = RSTPReid(root=str(tmp_path))
    assert len(data.train) == len(data.val) == len(data.query) == 1
    assert captions_of_path(data.train[0][0]) == ("x y", "z")


@pytest.mark.parametrize("bad, message", [({"id": 1, "captions": ["a"], "split": "train"}, "missing img_path"),
                                          ({"id": 1, "img_path": "1.jpg", "captions": [""], "split": "train"},
                                           "empty caption")])
def test_a_bad_record_is_named(tmp_path, bad, message):
    good = {"id": 2, "img_path": "2.jpg", "captions": ["b"], "split": "train"}
    _layout(tmp_path, "RSTPReid", "data_captions.json", "img_path", [good])
    with open(tmp_path / "RSTPReid" / "data_captions.json", "w") as fh:
        json.dump([good, bad], fh)
    with pytest.raises(ValueError, match=f"RSTPReid: record 1 .*{message}"):
        RSTPReid(root=str(tmp_path))
