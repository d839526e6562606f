"""Mixed precision: backbones in bfloat16 under autocast, heads, losses and features in float32."""
import os

import pytest
import torch
import torch.nn.functional as F

from conftest import REPO_ROOT
from test_cfat_model import B, cfat_cfg, model_cfg, paired_batch, train_steps

from cfat_plugin.demo.profiles import cpu_has_native_bfloat16, get_profile
from cfat_plugin.engine import load_config
from cfat_plugin.evaluation.precision import AutocastInference, channels_last_images, inference_model
from fastreid.modeling import build_model
from fastreid.utils.events import EventStorage

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def record_dtypes(module: torch.nn.Module, name: str, seen: dict) -> None:
    """Record the dtype of ``module``'s first input and of its output under ``name``."""
    def hook(_, inputs, output):
        out = output if isinstance(output, torch.Tensor) else next(iter(output.values()))
        seen[name] = (inputs[0].dtype, out.dtype)
    module.register_forward_hook(hook)


def test_cfat_step_under_autocast_runs_backbones_in_bfloat16_and_losses_in_float32(tmp_path):
    torch.manual_seed(0)
    model = build_model(cfat_cfg(tmp_path, backbone="resnet")).train()
    seen = {}
    record_dtypes(model.backbone, "student backbone", seen)
    record_dtypes(model.teacher.backbone, "teacher backbone", seen)
    record_dtypes(model.heads, "head", seen)
    with EventStorage(0), torch.autocast("cpu", dtype=torch.bfloat16):
        losses = model(paired_batch())
    assert seen["student backbone"][1] == torch.bfloat16
    assert seen["teacher backbone"][1] == torch.bfloat16
    # autocast is off for the head: a float32 input gives float32 logits and features
    assert seen["head"] == (torch.float32, torch.float32)
    for name, value in losses.items():
        assert value.dtype == torch.float32 and torch.isfinite(value), name


def test_cfat_trains_under_autocast(tmp_path):
    torch.manual_seed(0)
    model = build_model(cfat_cfg(tmp_path, backbone="resnet"))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        history = train_steps(model, paired_batch(), 8)
    assert sum(history[-1].values()) < sum(history[0].values())
    assert all(p.dtype == torch.float32 for p in model.parameters())  # weights stay float32


def test_camera_aware_baseline_losses_are_float32_under_autocast():
    torch.manual_seed(0)
    model = build_model(model_cfg(backbone="resnet")).train()
    seen = {}
    record_dtypes(model.backbone, "backbone", seen)
    record_dtypes(model.heads, "head", seen)
    with EventStorage(0), torch.autocast("cpu", dtype=torch.bfloat16):
        losses = model(paired_batch())
    assert seen == {"backbone": (torch.float32, torch.bfloat16), "head": (torch.float32, torch.float32)}
    assert {k: v.dtype for k, v in losses.items()} == {"loss_cls": torch.float32, "loss_triplet": torch.float32}


def test_inference_model_is_the_model_itself_unless_test_amp_is_enabled():
    cfg = model_cfg(backbone="resnet")
    model = build_model(cfg)
    assert inference_model(cfg, model) is model
    cfg.TEST.AMP.ENABLED = True
    wrapped = inference_model(cfg, model)
    assert isinstance(wrapped, AutocastInference) and wrapped.dtype is torch.bfloat16
    cfg.TEST.AMP.DTYPE = "float16"
    with pytest.raises(ValueError, match="needs a CUDA device"):
        inference_model(cfg, model)


def test_autocast_inference_gives_float32_features_close_to_float32_ones():
    cfg = model_cfg(backbone="resnet")
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    batch = paired_batch()
    with torch.no_grad():
        reference = model(batch)
    cfg.TEST.AMP.ENABLED = True
    wrapped = inference_model(cfg, model)
    seen = {}
    record_dtypes(model.backbone, "backbone", seen)
    wrapped.train()
    assert model.training  # train()/eval() reach the wrapped model, as inference_context needs
    wrapped.eval()
    with torch.no_grad():
        feats = wrapped(batch)
    assert seen["backbone"][1] == torch.bfloat16
    assert feats.dtype == torch.float32 and feats.shape == reference.shape == (B, 512)
    cosine = F.cosine_similarity(feats, reference)
    assert cosine.min() > 0.999, cosine
    assert not torch.equal(feats, reference)  # it really ran in low precision
    assert batch["images"].is_contiguous()  # the caller's batch is untouched (flip-test reuses it)


def test_channels_last_images_copies_only_image_batches():
    batch = {"images": torch.rand(2, 3, 8, 4), "targets": torch.zeros(2)}
    out = channels_last_images(batch)
    assert out is not batch and out["targets"] is batch["targets"]
    assert out["images"].is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(out["images"], batch["images"])
    assert channels_last_images({"images": torch.rand(2, 5)})["images"].dim() == 2
    tensor = torch.rand(2, 3, 8, 4)
    assert channels_last_images(tensor) is tensor


def test_test_amp_keys_load_from_the_command_line(tmp_path):
    cfg = load_config(os.path.join(REPO_ROOT, "projects/CFAT/synthreid_r18_teacher.yml"),
                      ["TEST.AMP.ENABLED", "True", "TEST.AMP.DTYPE", "bfloat16", "OUTPUT_DIR", str(tmp_path)])
    assert cfg.TEST.AMP.ENABLED and cfg.TEST.AMP.DTYPE == "bfloat16"


@pytest.mark.parametrize("precision,amp", [("bfloat16", "True"), ("float32", "False")])
def test_demo_precision_sets_training_and_test_autocast(precision, amp):
    overrides = get_profile("default", precision=precision).precision_overrides()
    pairs = dict(zip(overrides[::2], overrides[1::2]))
    assert pairs["SOLVER.AMP.ENABLED"] == pairs["TEST.AMP.ENABLED"] == amp
    cfg = load_config(os.path.join(REPO_ROOT, "projects/CFAT/synthreid_r18.yml"), overrides)  # every key exists
    assert cfg.SOLVER.AMP.ENABLED is (amp == "True")
    assert cfg.MODEL.CHANNELS_LAST is False  # training keeps PyTorch's layout; extraction stages ask for it
    extraction = get_profile("default", precision=precision).extraction_overrides()
    assert load_config(os.path.join(REPO_ROOT, "projects/CFAT/synthreid_r18.yml"), extraction).MODEL.CHANNELS_LAST


def test_demo_precision_auto_follows_the_cpu_and_rejects_unknown_names():
    expected = "bfloat16" if cpu_has_native_bfloat16() else "float32"
    assert get_profile("default").resolved_precision() == expected
    with pytest.raises(ValueError, match="precision"):
        get_profile("default", precision="float16").resolved_precision()
