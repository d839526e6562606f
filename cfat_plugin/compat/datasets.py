"""Missing data set folders reported with the layout FastReID expects."""
import functools
import os

from .patching import wrap_method_once

EXPECTED_LAYOUTS = {
    "Market1501": "<root>/Market-1501-v15.09.15/{bounding_box_train,bounding_box_test,query}/"
                  "0002_c1s1_000451_03.jpg ...",
    "CUHK03": "<root>/cuhk03/cuhk03_release/cuhk-03.mat and <root>/cuhk03/"
              "cuhk03_new_protocol_config_{detected,labeled}.mat (the 767/700 split)",
    "MSMT17": "<root>/MSMT17_V2/{mask_train_v2,mask_test_v2}/ and "
              "<root>/MSMT17_V2/list_{train,val,query,gallery}.txt",
}


def fix_missing_dataset_message() -> None:
    """Say where a data set was looked for and what layout it needs.

    Symptom: a missing data set ends in ``RuntimeError: "datasets/..." is not
    found`` (MSMT17 even in ``UnboundLocalError``-like failures deeper on),
    with no hint of the expected folders or of ``FASTREID_DATASETS``. Now a
    ``FileNotFoundError`` names the missing path, the expected layout and how to
    point FastReID at the data.
    """
    from fastreid.data.datasets.bases import Dataset

    def with_layout(original):
        @functools.wraps(original)
        def check_before_run(self, required_files):
            paths = [required_files] if isinstance(required_files, str) else list(required_files)
            for path in paths:
                if not os.path.exists(path):
                    name = type(self).__name__
                    layout = EXPECTED_LAYOUTS.get(name, "see the data set's documentation")
                    raise FileNotFoundError(
                        f"{name}: {os.path.abspath(path)} not found. Expected layout: {layout}. "
                        f"Set DATASETS.ROOT (or the FASTREID_DATASETS environment variable) to <root>.")
        return check_before_run

    wrap_method_once(Dataset, "check_before_run", with_layout)
