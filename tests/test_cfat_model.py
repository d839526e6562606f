"""The CFAT meta-architecture and the camera-aware baseline, on tiny models and hand-made batches."""
import copy
import os

import pytest
import torch

from conftest import set_tiny_vit

import cfat_plugin  # noqa: F401  (compat fixes before any FastReID import)
from cfat_plugin.config import add_cfat_config
from cfat_plugin.cfat import CFAT
from cfat_plugin.modeling.meta_arch import (TeacherError, TeacherNotFoundError, check_teacher_available, pooled_feature,
                                            run_backbone)
from fastreid.config import get_cfg
from fastreid.modeling import build_model
from fastreid.solver import build_optimizer
from fastreid.utils.checkpoint import Checkpointer
from fastreid.utils.events import EventStorage

H, W, B = 64, 32, 8
LOSS_NAMES = {"loss_cls", "loss_triplet", "loss_align", "loss_kl", "loss_recon", "loss_recon_cls",
              "loss_recon_triplet"}


# CNN backbones by config: (MODEL.BACKBONE.NAME, DEPTH or torchreid name, FEAT_DIM)
CNN_BACKBONES = {"resnet": ("build_resnet_backbone", "18x", 512),  # FastReID's ResNets
                 "resnet50": ("build_resnet_backbone", "50x", 2048),
                 "osnet": ("build_torchreid_backbone", "osnet_x0_25", 128)}  # torchreid's smallest OSNet


def model_cfg(arch="CameraAwareBaseline", head="EmbeddingHead", backbone="vit"):
    cfg = add_cfat_config(get_cfg())
    cfg.MODEL.DEVICE = "cpu"
    cfg.MODEL.META_ARCHITECTURE = arch
    if backbone == "vit":
        set_tiny_vit(cfg)
        cfg.MODEL.BACKBONE.SIE_CAMERAS = 3
        cfg.MODEL.HEADS.POOL_LAYER = "Identity"
    else:
        name, depth, feat_dim = CNN_BACKBONES[backbone]
        cfg.MODEL.BACKBONE.NAME = name
        cfg.MODEL.BACKBONE.DEPTH = depth
        cfg.MODEL.BACKBONE.TORCHREID.NAME = depth
        cfg.MODEL.BACKBONE.FEAT_DIM = feat_dim
        cfg.MODEL.BACKBONE.PRETRAIN = False
        cfg.MODEL.HEADS.POOL_LAYER = "GlobalAvgPool"
    cfg.MODEL.HEADS.NAME = head
    cfg.MODEL.HEADS.NUM_CLASSES = 4
    cfg.MODEL.HEADS.WITH_BNNECK = True
    cfg.MODEL.LOSSES.NAME = ("CrossEntropyLoss", "TripletLoss")
    cfg.MODEL.LOSSES.TRI.HARD_MINING = True
    cfg.INPUT.SIZE_TRAIN = [H, W]
    cfg.INPUT.SIZE_TEST = [H, W]
    cfg.SOLVER.OPT = "SGD"
    cfg.SOLVER.BASE_LR = 0.01
    cfg.SOLVER.WEIGHT_DECAY = 0.0
    cfg.SOLVER.WEIGHT_DECAY_NORM = 0.0
    return cfg


def save_teacher(tmp_path, backbone="vit"):
    """Train nothing: a freshly initialised teacher saved the way FastReID's trainer saves one."""
    t_cfg = model_cfg(backbone=backbone)
    t_cfg.OUTPUT_DIR = str(tmp_path / "teacher")
    torch.manual_seed(1)
    teacher = build_model(t_cfg)
    os.makedirs(t_cfg.OUTPUT_DIR, exist_ok=True)
    config_file = tmp_path / "teacher.yml"
    config_file.write_text(t_cfg.dump())
    Checkpointer(teacher, t_cfg.OUTPUT_DIR).save("model_final")
    return str(config_file), os.path.join(t_cfg.OUTPUT_DIR, "model_final.pth")


def cfat_cfg(tmp_path, backbone="vit", teacher_backbone=None, **cfat):
    """CFAT with a fresh teacher on file; the teacher's backbone is the student's unless named."""
    config_file, weights = save_teacher(tmp_path, teacher_backbone or backbone)
    cfg = model_cfg("CFAT", "BFGHead", backbone)
    cfg.MODEL.TEACHER.CONFIG_FILE = config_file
    cfg.MODEL.TEACHER.WEIGHTS = weights
    for key, value in cfat.items():
        cfg.MODEL.CFAT[key] = value
    return cfg


def paired_batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    clean = torch.rand(B, 3, H, W, generator=g) * 255
    corrupted = (clean + torch.randn(B, 3, H, W, generator=g) * 40).clamp(0, 255)
    return {"images": corrupted, "clean_images": clean, "targets": torch.arange(B) // 2,
            "camids": torch.arange(B) % 3, "img_paths": [f"img{i}.png" for i in range(B)]}


def train_steps(model, batch, steps, cfg=None, storage_iter_start=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    history = []
    model.train()
    with EventStorage(storage_iter_start) as storage:
        for i in range(steps):
            storage.iter = storage_iter_start + i
            losses = model(batch)
            optimizer.zero_grad()
            sum(losses.values()).backward()
            optimizer.step()
            history.append({k: v.item() for k, v in losses.items()})
    return history


pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ---------------------------------------------------------------- the teacher
def test_teacher_is_frozen_and_outside_parameters_state_dict_and_optimizer(tmp_path):
    model = build_model(cfat_cfg(tmp_path))
    teacher = model.teacher
    before = copy.deepcopy(teacher.state_dict())
    teacher_ids = {id(p) for p in teacher.parameters()}

    assert not teacher_ids & {id(p) for p in model.parameters()}
    assert not any(k.startswith(("teacher", "_teacher")) for k in model.state_dict())
    optimizer, _ = build_optimizer(model_cfg(), model, contiguous=False)
    assert not teacher_ids & {id(p) for g in optimizer.param_groups for p in g["params"]}

    train_steps(model, paired_batch(), 3)
    assert not teacher.training and model.training
    for key, value in teacher.state_dict().items():
        assert torch.equal(value, before[key]), key  # parameters and BN statistics unchanged
    assert all(p.grad is None and not p.requires_grad for p in teacher.parameters())


def test_checkpoint_holds_the_student_only(tmp_path):
    model = build_model(cfat_cfg(tmp_path))
    os.makedirs(tmp_path / "run")
    Checkpointer(model, str(tmp_path / "run")).save("model_0001")
    saved = torch.load(tmp_path / "run" / "model_0001.pth", map_location="cpu", weights_only=False)["model"]
    assert set(saved) == set(model.state_dict())
    assert any(k.startswith("heads.bfg.") for k in saved)


def test_teacher_follows_dtype_and_stays_in_eval(tmp_path):
    model = build_model(cfat_cfg(tmp_path)).double()
    assert all(p.dtype == torch.float64 for p in model.teacher.parameters())
    model.train()
    assert not model.teacher.training


def test_student_starts_equal_to_the_teacher(tmp_path):
    model = build_model(cfat_cfg(tmp_path))
    teacher = model.teacher
    for key, value in teacher.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    model.eval()
    batch = paired_batch()
    images = (batch["clean_images"] - model.pixel_mean) / model.pixel_std
    camids = batch["camids"]
    student = pooled_feature(model.heads, run_backbone(model.backbone, images, camids).feature_map)
    frozen = pooled_feature(teacher.heads, run_backbone(teacher.backbone, images, camids).feature_map)
    assert torch.allclose(student, frozen, atol=1e-6)


def test_student_can_start_from_scratch(tmp_path):
    cfg = cfat_cfg(tmp_path, INIT_STUDENT_FROM_TEACHER=False)
    torch.manual_seed(5)
    model = build_model(cfg)
    key = "backbone.blocks.0.attn.qkv.weight"
    assert not torch.equal(model.state_dict()[key], model.teacher.state_dict()[key])


def test_missing_teacher_weights_name_the_command_that_makes_them(tmp_path):
    cfg = cfat_cfg(tmp_path)
    cfg.MODEL.TEACHER.WEIGHTS = str(tmp_path / "nowhere" / "model_final.pth")
    with pytest.raises(TeacherNotFoundError) as info:
        build_model(cfg)
    message = str(info.value)
    assert f"python tools/train_net.py --config-file {cfg.MODEL.TEACHER.CONFIG_FILE}" in message
    assert isinstance(info.value, FileNotFoundError)
    cfg.MODEL.TEACHER.CONFIG_FILE = ""
    with pytest.raises(TeacherNotFoundError, match="CONFIG_FILE is empty"):
        build_model(cfg)


def test_project_config_fails_fast_without_its_teacher(tmp_path, monkeypatch):
    """What tools/train_net.py can check before loading any data."""
    from cfat_plugin.engine import load_config

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cfg = load_config(os.path.join(repo, "projects", "CFAT", "market.yml"),
                      ["MODEL.TEACHER.WEIGHTS", str(tmp_path / "missing.pth")])
    monkeypatch.chdir(repo)  # project configs name the teacher's config relative to the repository root
    with pytest.raises(FileNotFoundError,
                       match="python tools/train_net.py --config-file projects/CFAT/market_teacher.yml"):
        check_teacher_available(cfg)
    check_teacher_available(model_cfg())  # not CFAT: nothing to check


def test_inference_only_model_needs_no_teacher(tmp_path):
    cfg = model_cfg("CFAT", "BFGHead")
    cfg.MODEL.TEACHER.ENABLED = False
    model = build_model(cfg)
    assert model.teacher is None
    model.eval()
    assert model(paired_batch()).shape == (B, 32)
    model.train()
    with pytest.raises(TeacherError, match="inference"):
        model(paired_batch())


def test_cfat_needs_the_bfg_head(tmp_path):
    cfg = cfat_cfg(tmp_path)
    cfg.MODEL.HEADS.NAME = "EmbeddingHead"
    with pytest.raises(TypeError, match="BFGHead"):
        build_model(cfg)


# ---------------------------------------------------------------- training
def test_every_loss_term_is_returned_and_the_total_falls(tmp_path):
    torch.manual_seed(0)
    model = build_model(cfat_cfg(tmp_path))
    batch = paired_batch()
    history = train_steps(model, batch, 25)
    assert set(history[0]) == LOSS_NAMES
    totals = [sum(step.values()) for step in history]
    assert all(torch.isfinite(torch.tensor(totals)))
    assert sum(totals[-3:]) / 3 < 0.8 * sum(totals[:3]) / 3
    assert batch["images"].max() > 1.0  # the batch was not normalised in place


def test_every_parameter_gets_a_gradient(tmp_path):
    """DDP without find_unused_parameters needs a gradient (maybe zero) on every parameter."""
    for warmup in (0, 100):
        model = build_model(cfat_cfg(tmp_path / str(warmup), BFG_WARMUP_ITERS=warmup)).train()
        with EventStorage(0):
            sum(model(paired_batch()).values()).backward()
        missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
        assert missing == [], (warmup, missing)


@pytest.mark.parametrize("trains_vae", [True, False])
def test_kl_trains_the_vae_encoder_only_when_asked(tmp_path, trains_vae):
    """MODEL.CFAT.LOSS.KL.TRAINS_VAE: the bridge KL's gradient reaches the student's feature either way;
    the VAE's encoder gets it only when True (published), so with False the encoder cannot shrink the KL."""
    torch.manual_seed(0)
    cfg = cfat_cfg(tmp_path)
    cfg.MODEL.CFAT.LOSS.KL.TRAINS_VAE = trains_vae
    model = build_model(cfg).train()
    batch = paired_batch()
    camids, targets = model.camids_of(batch), model.targets_of(batch)
    f_clean = model.teacher_feature(batch, camids)
    outputs = model.heads(model.backbone_output(model.preprocess_image(batch), camids).feature_map, targets)
    f_student = outputs["pool_feat"]
    loss_kl = model.bfg_losses(f_student, f_clean, targets)["loss_kl"]
    encoder = [p for n, p in model.heads.bfg.named_parameters() if n.startswith("enc_")]
    grads = torch.autograd.grad(loss_kl, [f_student] + encoder, allow_unused=True)
    assert grads[0] is not None and grads[0].abs().sum() > 0  # the student learns from the KL
    encoder_grad = sum(float(g.abs().sum()) for g in grads[1:] if g is not None)
    assert (encoder_grad > 0) == trains_vae, encoder_grad


def test_bfg_warmup_trains_only_the_vae(tmp_path):
    torch.manual_seed(0)
    model = build_model(cfat_cfg(tmp_path, BFG_WARMUP_ITERS=3))
    start = copy.deepcopy(model.state_dict())
    history = train_steps(model, paired_batch(), 3)
    after = model.state_dict()
    changed = {k for k in start if not torch.equal(start[k], after[k])}
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert {k for k in changed & trainable} == {k for k in trainable if k.startswith("heads.bfg.")}
    assert history[0]["loss_cls"] > 0  # student losses still logged with their values

    train_steps(model, paired_batch(), 1, storage_iter_start=3)  # warm-up over: the student learns
    assert not torch.equal(start["backbone.blocks.0.attn.qkv.weight"],
                           model.state_dict()["backbone.blocks.0.attn.qkv.weight"])


def test_missing_clean_view_says_how_to_enable_pairs(tmp_path):
    model = build_model(cfat_cfg(tmp_path)).train()
    batch = paired_batch()
    del batch["clean_images"]
    with EventStorage(0), pytest.raises(KeyError, match="DATASETS.CORRUPTION.TRAIN.ENABLED"):
        model(batch)


def test_inference_returns_the_student_retrieval_feature(tmp_path):
    cfg = cfat_cfg(tmp_path)
    cfg.MODEL.RETRIEVAL.FEAT = "patch_mean"
    model = build_model(cfg).eval()
    batch = {k: v for k, v in paired_batch().items() if k != "clean_images"}
    feats = model(batch)
    assert feats.shape == (B, 32)
    assert torch.allclose(feats.norm(dim=1), torch.ones(B), atol=1e-5)


def test_resnet_student_and_teacher_by_config_only(tmp_path):
    torch.manual_seed(0)
    model = build_model(cfat_cfg(tmp_path, backbone="resnet"))
    assert type(model) is CFAT and type(model.backbone).__name__ == "ResNet"
    history = train_steps(model, paired_batch(), 8)
    assert set(history[0]) == LOSS_NAMES
    assert sum(history[-1].values()) < sum(history[0].values())
    model.eval()
    assert model({"images": paired_batch()["images"], "camids": torch.zeros(B)}).shape == (B, 512)


# ---------------------------------------------------------------- camera-aware baseline
@pytest.mark.parametrize("kind", ["cls", "patch_mean", "bnneck"])
def test_retrieval_feature_choices(kind):
    cfg = model_cfg()
    cfg.MODEL.RETRIEVAL.FEAT = kind
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    batch = paired_batch()
    feats = model(batch)
    assert feats.shape == (B, 32)
    assert torch.allclose(feats.norm(dim=1), torch.ones(B), atol=1e-5)
    images = (batch["images"] - model.pixel_mean) / model.pixel_std
    tokens = model.backbone.forward_tokens(images, batch["camids"])
    expected = {"cls": tokens[:, 0], "patch_mean": tokens[:, 1:].mean(1),
                "bnneck": model.heads(tokens[:, 0, :, None, None])}[kind]
    assert torch.allclose(feats, torch.nn.functional.normalize(expected), atol=1e-5)


def test_camera_aware_baseline_feeds_camera_ids_and_trains():
    cfg = model_cfg()
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    batch = paired_batch()
    batch["images"] = batch["images"][:1].expand(2, -1, -1, -1)
    batch["camids"] = torch.tensor([0, 1])
    feats = model(batch)
    assert not torch.allclose(feats[0], feats[1])  # SIE reached the backbone
    history = train_steps(model, paired_batch(), 10)
    assert set(history[0]) == {"loss_cls", "loss_triplet"}
    assert sum(history[-1].values()) < sum(history[0].values())


def test_unknown_retrieval_feature_is_rejected():
    cfg = model_cfg()
    cfg.MODEL.RETRIEVAL.FEAT = "gem"
    with pytest.raises(ValueError, match="RETRIEVAL.FEAT"):
        build_model(cfg)
