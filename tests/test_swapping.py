"""Swapping CFAT's teacher and student by config: ViT, FastReID's ResNet-50, torchreid's OSNet, and the projection."""
import copy
import os

import pytest
import torch

from conftest import REPO_ROOT
from test_cfat_model import B, LOSS_NAMES, cfat_cfg, paired_batch

import cfat_plugin  # noqa: F401  (compat fixes before any FastReID import)
from fastreid.modeling import build_model
from fastreid.solver import build_optimizer
from fastreid.utils.events import EventStorage

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def one_training_step(model, cfg):
    """One optimizer step on a paired batch: the losses, and which student parameters moved."""
    optimizer, _ = build_optimizer(cfg, model, contiguous=False)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    model.train()
    with EventStorage(0):
        losses = model(paired_batch())
        optimizer.zero_grad()
        sum(losses.values()).backward()
    no_grad = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    optimizer.step()
    moved = {n for n, p in model.named_parameters() if not torch.equal(before[n], p)}
    return losses, no_grad, moved


@pytest.mark.parametrize("teacher, student, projection", [
    ("vit", "vit", "none"),  # ViT teacher + ViT student (the published pairing)
    ("resnet50", "resnet50", "none"),  # FastReID's ResNet-50 on both sides
    ("vit", "osnet", "linear"),  # torchreid's OSNet student, 128-d, under a 32-d ViT teacher
])
def test_one_cfat_step_per_teacher_student_pair(tmp_path, teacher, student, projection):
    cfg = cfat_cfg(tmp_path, backbone=student, teacher_backbone=teacher, TEACHER_PROJECTION=projection)
    torch.manual_seed(0)
    model = build_model(cfg)
    frozen = copy.deepcopy(model.teacher.state_dict())

    losses, no_grad, moved = one_training_step(model, cfg)
    assert set(losses) == LOSS_NAMES
    assert all(torch.isfinite(v) for v in losses.values()), losses
    assert no_grad == []  # every student parameter, projection included, gets a gradient
    assert any(n.startswith("backbone.") for n in moved) and any(n.startswith("heads.bfg.") for n in moved)
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, frozen[key]), key
    model.eval()
    assert model(paired_batch()).shape == (B, model.heads.weight.shape[1])


def test_projection_puts_the_head_and_the_bridge_vae_at_the_teachers_width(tmp_path):
    model = build_model(cfat_cfg(tmp_path, backbone="osnet", teacher_backbone="vit", TEACHER_PROJECTION="linear"))
    assert model.projection.proj.weight.shape == (32, 128, 1, 1)  # student 128 -> teacher 32
    assert model.heads.weight.shape[1] == 32 and model.heads.bfg.enc_hidden.in_features == 32
    assert model.heads.bfg.dec_out.out_features == 32
    assert "projection.proj.weight" in model.state_dict()  # checkpointed with the student
    # different backbones: the student's starts from its own init; BNNeck and classifier from the teacher's
    assert torch.equal(model.heads.weight, model.teacher.heads.weight)


def test_mismatched_widths_without_a_projection_name_both_and_the_key(tmp_path):
    cfg = cfat_cfg(tmp_path, backbone="osnet", teacher_backbone="vit")
    with pytest.raises(ValueError, match=r"128-d .* 32-d .*MODEL.CFAT.TEACHER_PROJECTION: linear"):
        build_model(cfg)
    cfg.MODEL.CFAT.TEACHER_PROJECTION = "mlp"
    with pytest.raises(ValueError, match="TEACHER_PROJECTION must be one of"):
        build_model(cfg)


def test_a_narrower_student_of_the_same_model_starts_from_its_own_init(tmp_path):
    """ViT-32 teacher -> ViT-48 student: nothing of the backbone fits, which a projection makes expected."""
    cfg = cfat_cfg(tmp_path, TEACHER_PROJECTION="linear")
    cfg.MODEL.BACKBONE.VIT.EMBED_DIM = cfg.MODEL.BACKBONE.FEAT_DIM = 48
    model = build_model(cfg)
    assert model.projection.proj.weight.shape == (32, 48, 1, 1)
    assert torch.equal(model.heads.bottleneck[0].weight, model.teacher.heads.bottleneck[0].weight)
    cfg.MODEL.CFAT.TEACHER_PROJECTION = "none"
    with pytest.raises(ValueError, match="48-d"):
        build_model(cfg)


def test_cuhk01_osnet_project_config_builds_and_trains_one_step(tmp_path, monkeypatch):
    """projects/CFAT/cuhk01_osnet.yml as written (OSNet x1.0 student, projection), its teacher swapped for a
    tiny saved ViT and its ImageNet file left out; its teacher config names the same data set."""
    from cfat_plugin.data.datasets import corrupted
    from cfat_plugin.utils import runtime
    from cfat_plugin.engine import load_config
    from fastreid.data.datasets import DATASET_REGISTRY

    monkeypatch.chdir(REPO_ROOT)  # project configs name their teacher relative to the repository root
    student_file = os.path.join("projects", "CFAT", "cuhk01_osnet.yml")
    teacher = load_config(load_config(student_file).MODEL.TEACHER.CONFIG_FILE)
    assert teacher.DATASETS.NAMES == ("TorchreidCUHK01",) and teacher.MODEL.BACKBONE.FEAT_DIM == 768

    tiny = cfat_cfg(tmp_path)  # saves a tiny ViT teacher
    cfg = load_config(student_file, [
        "MODEL.TEACHER.CONFIG_FILE", tiny.MODEL.TEACHER.CONFIG_FILE,
        "MODEL.TEACHER.WEIGHTS", tiny.MODEL.TEACHER.WEIGHTS,
        "MODEL.BACKBONE.PRETRAIN", "False", "MODEL.DEVICE", "cpu", "MODEL.HEADS.NUM_CLASSES", "4",
        "INPUT.SIZE_TRAIN", "[64, 32]", "INPUT.SIZE_TEST", "[64, 32]"])
    monkeypatch.setattr(runtime, "_OPTIONS", runtime.runtime_options())  # restored after the test
    corrupted.configure_corrupted_test(cfg)
    assert all(name in DATASET_REGISTRY._obj_map for name in cfg.DATASETS.TESTS)  # TorchreidCUHK01C too
    torch.manual_seed(0)
    model = build_model(cfg)
    assert model.backbone.torchreid_name == "osnet_x1_0" and model.projection.proj.weight.shape == (32, 512, 1, 1)
    losses, no_grad, _ = one_training_step(model, cfg)
    assert set(losses) == LOSS_NAMES and no_grad == []
    assert all(torch.isfinite(v) for v in losses.values())
