"""Every shipped config file loads: its keys exist, and its model and data sets are registered names."""
import glob
import os

import pytest
from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.modeling.backbones import BACKBONE_REGISTRY
from fastreid.modeling.meta_arch import META_ARCH_REGISTRY

from cfat_plugin.data.datasets.corrupted import configure_corrupted_test
from cfat_plugin.engine import load_config

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = sorted(os.path.relpath(path, REPO_ROOT) for pattern in ("configs/**/*.yml", "projects/**/*.yml")
                 for path in glob.glob(os.path.join(REPO_ROOT, pattern), recursive=True))


def test_there_are_configs_to_check():
    assert any(path.startswith("projects/CFAT/") for path in CONFIGS)


@pytest.mark.parametrize("path", CONFIGS)
def test_config_loads_with_registered_components(path):
    cfg = load_config(os.path.join(REPO_ROOT, path))
    META_ARCH_REGISTRY.get(cfg.MODEL.META_ARCHITECTURE)  # KeyError names an unregistered one
    BACKBONE_REGISTRY.get(cfg.MODEL.BACKBONE.NAME)
    configure_corrupted_test(cfg)  # registers the corrupted copies ("<Base>C") its test sets name
    for name in list(cfg.DATASETS.NAMES) + list(cfg.DATASETS.TESTS):
        DATASET_REGISTRY.get(name)
