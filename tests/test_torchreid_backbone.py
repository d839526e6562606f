"""torchreid's models as FastReID backbones: the feature map, FEAT_DIM, and torchreid checkpoints from a local file."""
import pytest
import torch

import cfat_plugin  # noqa: F401  (compat fixes before any FastReID import)
from cfat_plugin.config import add_cfat_config
from fastreid.config import get_cfg
from fastreid.modeling.backbones import build_backbone

pytestmark = pytest.mark.usefixtures("one_torch_thread")

H, W = 64, 32
OSNET = "osnet_x0_25"  # the smallest OSNet: a 128-channel map
OSNET_CHANNELS = 128


def torchreid_cfg(name=OSNET, feat_dim=OSNET_CHANNELS, weights=""):
    cfg = add_cfat_config(get_cfg())
    cfg.MODEL.BACKBONE.NAME = "build_torchreid_backbone"
    cfg.MODEL.BACKBONE.TORCHREID.NAME = name
    cfg.MODEL.BACKBONE.FEAT_DIM = feat_dim
    cfg.MODEL.BACKBONE.PRETRAIN = bool(weights)
    cfg.MODEL.BACKBONE.PRETRAIN_PATH = weights
    cfg.INPUT.SIZE_TRAIN = [H, W]
    return cfg


def test_returns_the_last_feature_map_and_drops_the_classifier():
    backbone = build_backbone(torchreid_cfg())
    out = backbone(torch.rand(3, 3, H, W))
    assert out.shape == (3, OSNET_CHANNELS, H // 16, W // 16)
    assert backbone.removed == ["fc", "classifier"]  # unused by featuremaps: no idle parameters
    assert not any(k.startswith(("model.fc.", "model.classifier.")) for k in backbone.state_dict())
    out.mean().backward()
    assert all(p.grad is not None for p in backbone.parameters())


def test_feat_dim_must_match_the_map():
    with pytest.raises(ValueError, match=r"FEAT_DIM \(2048\) must equal .* \(128\)"):
        build_backbone(torchreid_cfg(feat_dim=2048))


def test_unknown_names_and_models_without_a_feature_map_are_explained():
    with pytest.raises(ValueError, match=r"'osnet_x9' is not in torchreid's catalogue; available: .*osnet_x0_25"):
        build_backbone(torchreid_cfg(name="osnet_x9"))
    with pytest.raises(ValueError, match=r"'squeezenet1_1' has no featuremaps\(\).*osnet_x1_0"):
        build_backbone(torchreid_cfg(name="squeezenet1_1"))


def test_torchreid_checkpoint_with_module_prefix_loads_the_same_weights(tmp_path, capsys):
    from torchreid.reid.models import build_model
    from torchreid.reid.utils.torchtools import save_checkpoint

    torch.manual_seed(3)
    trained = build_model(OSNET, num_classes=7, pretrained=False, use_gpu=False)
    with torch.no_grad():  # weights no fresh model has, BN statistics included
        for value in trained.state_dict().values():
            if value.is_floating_point():
                value.add_(0.01 * torch.rand_like(value))
    state = {"state_dict": {f"module.{k}": v for k, v in trained.state_dict().items()}, "epoch": 3, "rank1": 0.5}
    save_checkpoint(state, str(tmp_path))  # torchreid's own writer: model.pth.tar-3

    backbone = build_backbone(torchreid_cfg(weights=str(tmp_path / "model.pth.tar-3")))
    expected = trained.state_dict()
    for key, value in backbone.model.state_dict().items():
        assert torch.equal(value, expected[key]), key
    images = torch.rand(2, 3, H, W)
    out = backbone.eval()(images)
    assert torch.isfinite(out).all() and torch.equal(out, trained.eval().featuremaps(images))


def test_checkpoint_report_names_dropped_keys_and_a_missing_file_names_the_key(tmp_path):
    from cfat_plugin.modeling.backbones import load_torchreid_checkpoint

    backbone = build_backbone(torchreid_cfg())
    path = tmp_path / "osnet.pth"
    # a raw state dict, like torchreid's ImageNet files (the other test covers {"state_dict": ...})
    torch.save({**{f"module.{k}": v for k, v in backbone.model.state_dict().items()},
                "module.classifier.weight": torch.zeros(7, 512)}, path)
    report = load_torchreid_checkpoint(backbone, str(path))
    assert report.dropped == ["module.classifier.weight (not in the backbone)"] and report.missing == []
    with pytest.raises(FileNotFoundError, match="MODEL.BACKBONE.PRETRAIN_PATH"):
        build_backbone(torchreid_cfg(weights=str(tmp_path / "missing.pth")))
