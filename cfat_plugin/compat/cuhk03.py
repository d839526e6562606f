"""FastReID's CUHK03 reader: the box type and split chosen by config, not by a hidden default."""
import functools
from dataclasses import dataclass

from ..utils.runtime import runtime_options
from .patching import wrap_method_once


@dataclass(frozen=True)
class CUHK03Protocol:
    """Which CUHK03 boxes and split FastReID's reader returns (``DATASETS.CUHK03.*``)."""

    labeled: bool = False  # False: detected boxes (CIL benchmark, CFAT); True: hand-labelled boxes
    classic_split: bool = False  # False: new 767/700 protocol (Zhong et al. 2017); True: the 20 classic splits
    split_id: int = 0  # which classic split (the new protocol has one)


def configured_protocol() -> CUHK03Protocol:
    """The protocol of ``DATASETS.CUHK03`` (run-time options; the default is the published one)."""
    options = runtime_options()
    return CUHK03Protocol(options.cuhk03_labeled, options.cuhk03_classic_split, options.cuhk03_split_id)


def fix_cuhk03_split_choice() -> None:
    """Let the config choose CUHK03's boxes and split (detected, new protocol unless told otherwise).

    Symptom: FastReID's ``CUHK03`` reads the *labeled* boxes by default
    (``cuhk03_labeled=True``) and ``build_reid_train_loader`` /
    ``build_reid_test_loader`` pass it nothing but ``root``, so every config
    trains and tests on labeled boxes, while the CIL benchmark and CFAT report
    CUHK03 on the *detected* boxes (767/700 protocol). Nothing fails; the
    numbers are for another split. Now the keyword arguments a caller leaves
    out come from ``DATASETS.CUHK03.{LABELED,CLASSIC_SPLIT,SPLIT_ID}``
    (detected, new protocol, split 0 by default); explicit keywords still win.
    """
    from fastreid.data.datasets.cuhk03 import CUHK03

    def configured_split(original):
        @functools.wraps(original)
        def __init__(self, root="datasets", split_id=None, cuhk03_labeled=None, cuhk03_classic_split=None,
                     **kwargs):
            configured = configured_protocol()
            chosen = CUHK03Protocol(
                labeled=bool(configured.labeled if cuhk03_labeled is None else cuhk03_labeled),
                classic_split=bool(configured.classic_split if cuhk03_classic_split is None else cuhk03_classic_split),
                split_id=int(configured.split_id if split_id is None else split_id))
            original(self, root, split_id=chosen.split_id, cuhk03_labeled=chosen.labeled,
                     cuhk03_classic_split=chosen.classic_split, **kwargs)
            self.protocol = chosen  # what was read, for logs and tests
        return __init__

    wrap_method_once(CUHK03, "__init__", configured_split)
