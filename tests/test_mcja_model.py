"""MDA (Modality Distribution Adapter), the ResNet carrying it, and the MCJA meta-architecture."""
import pytest
import torch

from cfat_plugin.mcja.distribution_adapter import ModalityDistributionAdapter, ResNetMDA


@pytest.fixture
def mcja_cfg():
    from cfat_plugin.engine import load_config

    return load_config("projects/MCJA/synthsysu_r18.yml", ["MODEL.BACKBONE.PRETRAIN", "False"])


@pytest.mark.parametrize("training", [True, False])
def test_mda_is_the_identity_at_initialisation(training):
    torch.manual_seed(0)
    mda = ModalityDistributionAdapter(16, num_contexts=3).train(training)
    x = torch.randn(4, 16, 6, 3)
    assert torch.equal(mda(x), x)


def test_mda_changes_the_map_once_its_output_norm_learns():
    torch.manual_seed(0)
    mda = ModalityDistributionAdapter(8, num_contexts=2).eval()
    torch.nn.init.ones_(mda.out_norm.weight)
    x = torch.randn(2, 8, 4, 4)
    y = mda(x)
    assert not torch.allclose(y, x)
    y.sum().backward()
    assert mda.context_mask.weight.grad.abs().sum() > 0 and mda.context_conv.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("depth, expected", [("18x", [0, 2, 2, 0]), ("50x", [0, 2, 3, 0])])
def test_mda_placement(mcja_cfg, depth, expected):
    from fastreid.modeling.backbones import build_backbone

    mcja_cfg.defrost()
    mcja_cfg.MODEL.BACKBONE.DEPTH = depth
    backbone = build_backbone(mcja_cfg)
    assert isinstance(backbone, ResNetMDA)
    assert [len(getattr(backbone, f"mda{s}")) for s in range(1, 5)] == expected
    stage3 = len(backbone.layer3)
    assert backbone.mda_after[2] == list(range(stage3 - expected[2], stage3))  # the stage's last blocks


def test_mda_backbone_starts_as_the_plain_resnet(mcja_cfg):
    """Same weights, MDA on or off: the same output at initialisation (the published design intent)."""
    from fastreid.modeling.backbones import build_backbone

    torch.manual_seed(0)
    mcja_cfg.defrost()
    with_mda = build_backbone(mcja_cfg).eval()
    mcja_cfg.MODEL.MCJA.MDA.ENABLED = False
    plain = build_backbone(mcja_cfg).eval()
    missing, unexpected = plain.load_state_dict(with_mda.state_dict(), strict=False)
    assert not missing and all(k.startswith("mda") for k in unexpected)
    x = torch.randn(2, 3, 64, 32)
    with torch.no_grad():
        assert torch.allclose(with_mda(x), plain(x), atol=1e-6)


def test_mcja_meta_arch_losses(mcja_cfg):
    from fastreid.modeling import build_model
    from fastreid.utils.events import EventStorage

    mcja_cfg.defrost()
    mcja_cfg.MODEL.HEADS.NUM_CLASSES = 4
    mcja_cfg.MODEL.MCJA.CMR.BACKEND = "torch"
    model = build_model(mcja_cfg).train()
    batch = {"images": torch.rand(8, 3, 64, 32) * 255, "targets": torch.tensor([0, 0, 1, 1, 2, 2, 3, 3]),
             "modalities": torch.tensor([0, 1] * 4)}
    with EventStorage(0):
        losses = model(dict(batch))
        assert set(losses) == {"loss_cls", "loss_cmr"}
        sum(losses.values()).backward()
        with pytest.raises(KeyError, match="modalities"):
            model({k: v for k, v in batch.items() if k != "modalities"})
    model.eval()
    with torch.no_grad():
        assert model(dict(batch)).shape == (8, 512)


def test_mcja_registers_new_names_in_fastreids_registries():
    from fastreid.modeling.backbones import BACKBONE_REGISTRY
    from fastreid.modeling.meta_arch import META_ARCH_REGISTRY

    assert META_ARCH_REGISTRY.get("MCJA").__module__ == "cfat_plugin.mcja.meta_arch"
    assert BACKBONE_REGISTRY.get("build_resnet_mda_backbone").__module__ == "cfat_plugin.mcja.distribution_adapter"


def test_trainer_registry_maps_mcja_configs_to_mcja_trainer(mcja_cfg):
    """The engine's trainer registry picks MCJATrainer (a ReIDTrainer) for ``MODEL.META_ARCHITECTURE MCJA``
    and leaves other architectures on ReIDTrainer. What MCJATrainer does (its loader, steps and protocol
    test) is checked unmocked in test_mcja_training.py."""
    from cfat_plugin.engine.trainer import ReIDTrainer, trainer_for
    from cfat_plugin.mcja.trainer import MCJATrainer

    assert trainer_for(mcja_cfg) is MCJATrainer and issubclass(MCJATrainer, ReIDTrainer)
    other = mcja_cfg.clone()
    other.defrost()
    other.MODEL.META_ARCHITECTURE = "Baseline"
    assert trainer_for(other) is ReIDTrainer


def test_settings_check_names_what_to_set(mcja_cfg):
    from cfat_plugin.mcja.settings import check_mcja
    from cfat_plugin.mcja.soft_rank import torchsort_available

    mcja_cfg.defrost()
    mcja_cfg.MODEL.HEADS.NECK_FEAT = "before"
    mcja_cfg.MODEL.MCJA.CMR.BACKEND = "torchsort"
    problems = []
    check_mcja(mcja_cfg, problems, training=True)
    assert any("NECK_FEAT" in p and "valid: after" in p for p in problems)
    assert any("make torchsort" in p for p in problems) != torchsort_available()
    mcja_cfg.MODEL.MCJA.CMR.BACKEND = "numpy"
    problems = []
    check_mcja(mcja_cfg, problems, training=False)
    assert problems == ["MODEL.MCJA.CMR.BACKEND: 'numpy'; valid: auto, torchsort, torch"]
