"""The pieces every reader shares: the item rule, a layout's name fields, LayoutReader's folder, the VI trial."""
import os
import re

import pytest

from cfat_plugin.data.datasets.items import item
from cfat_plugin.data.datasets.layout_reader import LayoutReader
from cfat_plugin.data.datasets.visible_infrared import trial_option
from cfat_plugin.data.synthetic.name_fields import int_fields


def test_item_prefixes_training_labels_only():
    assert item("prcc", "a.jpg", 7, 2, is_train=True) == ("a.jpg", "prcc_7", "prcc_2")
    assert item("prcc", "a.jpg", 7, 2, is_train=False) == ("a.jpg", 7, 2)


def test_int_fields_match_search_and_error():
    pattern = re.compile(r"(\d+)_c(\d)\.jpg$")
    assert int_fields(pattern, "0012_c3.jpg", "a name", "PPPP_cC.jpg") == (12, 3)
    assert int_fields(pattern, "x/0012_c3.jpg", "a path", "…", search=True) == (12, 3)
    with pytest.raises(ValueError, match=r"not a name: 'x/0012_c3.jpg' \(want PPPP_cC.jpg\)"):
        int_fields(pattern, "x/0012_c3.jpg", "a name", "PPPP_cC.jpg")


class _OneFolder(LayoutReader):
    """Every .jpg of the folder is a train, query and gallery item of pid 1."""

    dataset_dir, dataset_name = "OneFolder", "onefolder"

    def read(self, folder):
        self.check_before_run([folder])
        paths = sorted(os.path.join(folder, n) for n in os.listdir(folder))
        return ([item(self.dataset_name, p, 1, 0, True) for p in paths],
                [(p, 1, 0) for p in paths], [(p, 1, 1) for p in paths])


def test_layout_reader_reads_root_folder_or_the_named_one(tmp_path):
    for folder in (tmp_path / "OneFolder", tmp_path / "elsewhere"):
        folder.mkdir()
        (folder / "a.jpg").write_bytes(b"")
    data = _OneFolder(root=str(tmp_path), verbose=False)
    assert data.dataset_dir == str(tmp_path / "OneFolder") and data.root == str(tmp_path)
    assert data.train == [(str(tmp_path / "OneFolder" / "a.jpg"), "onefolder_1", "onefolder_0")]
    other = _OneFolder(root=str(tmp_path), dataset_dir=str(tmp_path / "elsewhere"), verbose=False)
    assert other.query == [(str(tmp_path / "elsewhere" / "a.jpg"), 1, 0)]
    with pytest.raises(FileNotFoundError, match="nothing/OneFolder not found"):
        _OneFolder(root=str(tmp_path / "nothing"), verbose=False)


def test_trial_option_from_argument_config_or_default(monkeypatch):
    from cfat_plugin.engine import apply_runtime_config, load_config
    from cfat_plugin.utils.errors import RetiredVariableError

    assert trial_option(None) == 1
    apply_runtime_config(load_config("", ["DATASETS.VISIBLE_INFRARED.TRIAL", "4"]))
    assert trial_option(None) == 4 and trial_option(2) == 2
    with pytest.raises(ValueError, match="must be an integer, got 'four'"):
        trial_option("four")
    monkeypatch.setenv("VIREID_TRIAL", "4")
    with pytest.raises(RetiredVariableError, match=r"VIREID_TRIAL -> DATASETS\.VISIBLE_INFRARED\.TRIAL"):
        trial_option(None)
