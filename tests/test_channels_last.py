"""MODEL.CHANNELS_LAST: convolution weights (student and teacher) and inference images in channels-last order."""
import copy

import pytest
import torch

from test_cfat_model import B, cfat_cfg, model_cfg, paired_batch, train_steps

from cfat_plugin.engine.trainer import ReIDTrainer
from cfat_plugin.evaluation.precision import inference_model
from cfat_plugin.utils.memory_format import apply_channels_last

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CHANNELS_LAST = torch.channels_last


def conv_weights(model: torch.nn.Module) -> list:
    """Weights of the convolutions wider than 1x1 (a 1x1 weight is contiguous in both orders)."""
    return [m.weight for m in model.modules() if isinstance(m, torch.nn.Conv2d) and m.weight[0, 0].numel() > 1]


def test_the_trainers_model_has_channels_last_convolutions_only_when_asked(tmp_path):
    cfg = cfat_cfg(tmp_path, backbone="resnet")
    plain = ReIDTrainer.build_model(cfg)
    assert all(not w.is_contiguous(memory_format=CHANNELS_LAST) for w in conv_weights(plain))
    cfg.MODEL.CHANNELS_LAST = True
    model = ReIDTrainer.build_model(cfg)
    for module in (model, model.teacher):  # the frozen teacher lives outside the module tree
        weights = conv_weights(module)
        assert weights and all(w.is_contiguous(memory_format=CHANNELS_LAST) for w in weights)


def test_channels_last_training_follows_the_channels_first_one(tmp_path):
    """Same maths in another summation order: the same losses over the first steps, to float32 rounding
    (further on, SGD on a random batch amplifies rounding differences of 1e-7 into visible ones)."""
    cfg = cfat_cfg(tmp_path, backbone="resnet")
    torch.manual_seed(0)
    model = ReIDTrainer.build_model(cfg)
    cfg.MODEL.CHANNELS_LAST = True
    twin = apply_channels_last(cfg, copy.deepcopy(model))
    batch = paired_batch()
    torch.manual_seed(1)  # the same reparameterisation noise of the VAE in both runs
    ours = train_steps(twin, batch, 2)
    torch.manual_seed(1)
    theirs = train_steps(model, batch, 2)
    for step_ours, step_theirs in zip(ours, theirs):
        assert step_ours.keys() == step_theirs.keys()
        for name in step_ours:
            assert step_ours[name] == pytest.approx(step_theirs[name], rel=1e-4, abs=1e-5), name
    assert ours[-1]["loss_cls"] != ours[0]["loss_cls"]  # it trained


def test_float32_inference_feeds_channels_last_images_and_gives_the_same_features():
    cfg = model_cfg(backbone="resnet")
    torch.manual_seed(0)
    model = ReIDTrainer.build_model(cfg).eval()
    batch = paired_batch()
    with torch.no_grad():
        reference = model(batch)
    cfg.MODEL.CHANNELS_LAST = True
    apply_channels_last(cfg, model)
    wrapped = inference_model(cfg, model)
    assert wrapped is not model
    seen = {}
    model.backbone.register_forward_hook(lambda _, inputs, out: seen.update(
        input_last=inputs[0].is_contiguous(memory_format=CHANNELS_LAST), dtype=out.dtype))
    with torch.no_grad():
        feats = wrapped(batch)
    assert seen == {"input_last": True, "dtype": torch.float32}  # no autocast without TEST.AMP
    assert feats.shape == reference.shape == (B, 512)
    torch.testing.assert_close(feats, reference, rtol=1e-4, atol=1e-4)
    assert batch["images"].is_contiguous()  # the caller's batch is untouched
