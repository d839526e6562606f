"""DIL's networks: the shape of what each one takes and returns, at the CPU configs' sizes."""
import pytest
import torch

import cfat_plugin  # noqa: F401  (compat fixes and registrations before FastReID)
from cfat_plugin.dil.content_encoder import ContentEncoder, ResNetTrunk, build_content_head, build_resnet
from cfat_plugin.dil.degradation import SyntheticDegradation, check_downsample_range
from cfat_plugin.dil.degradation_encoder import REAL, SYNTHETIC, DegradationEncoder
from cfat_plugin.dil.discriminator import MultiScaleDiscriminator
from cfat_plugin.dil.generator import AdaINGenerator
from cfat_plugin.engine import load_config

STAGE1 = "projects/DIL/synth_mlr_r18_stage1.yml"
STAGE2 = "projects/DIL/synth_mlr_r18.yml"
N, H, W = 4, 64, 32


def _cfg(path: str, *opts: str):
    return load_config(path, ["MODEL.DIL.BASELINE_WEIGHTS", "", "MODEL.HEADS.NUM_CLASSES", "10", *opts])


@pytest.fixture(scope="module")
def stage1(one_torch_thread):
    from fastreid.modeling import build_model

    torch.manual_seed(0)
    return build_model(_cfg(STAGE1)).eval()


def test_content_encoder_gives_the_invariant_feature_and_a_quarter_size_content_map(stage1):
    x = torch.rand(N, 3, H, W) * 2 - 1
    f_inv, content = stage1.content_encoder(x)
    assert f_inv.shape == (N, 256) and content.shape == (N, 64, H // 4, W // 4)  # INV_DIM, CONTENT_DIM at 1/4
    assert torch.equal(stage1.content_encoder.content(x), content)
    logits, embedding = stage1.content_encoder.classifier(f_inv)
    assert logits.shape == (N, 10) and embedding.shape == (N, 128)  # classes, BOTTLENECK
    assert not any(p.requires_grad for p in stage1.content_encoder.trunk.parameters())  # the frozen trunk
    stage1.content_encoder.train()
    assert not stage1.content_encoder.trunk.training and stage1.content_encoder.head.training
    stage1.content_encoder.eval()


def test_published_widths_on_a_resnet50_trunk():
    cfg = _cfg("projects/DIL/mlr_cuhk03_stage1.yml")
    trunk = ResNetTrunk(build_resnet(cfg))
    assert trunk.channels == [64, 256, 512, 1024]
    head = build_content_head(cfg, trunk)
    assert [block.body[0].conv.in_channels for block in head.invariance] == [128, 256, 512, 1024]
    assert head.inv_dim == 2048 and head.content_fuse.conv.out_channels == 128
    encoder = ContentEncoder(trunk, head, 7, cfg.MODEL.PIXEL_MEAN, cfg.MODEL.PIXEL_STD)
    f_inv, content = encoder(torch.zeros(2, 3, 256, 128))
    assert f_inv.shape == (2, 2048) and content.shape == (2, 128, 64, 32)


def test_degradation_encoder_has_a_real_and_a_synthetic_head():
    torch.manual_seed(0)
    encoder = DegradationEncoder(width=16, code_dim=32)
    x = torch.rand(N, 3, H, W) * 2 - 1
    real, synthetic = encoder(x, REAL), encoder(x, SYNTHETIC)
    assert real.shape == synthetic.shape == (N, 32) and not torch.allclose(real, synthetic)
    strides = [m.conv.stride[0] for m in encoder.features]
    assert strides.count(2) == 5 and len(strides) == 6  # five stride-2 convolutions, as published


def test_generator_turns_content_and_code_into_an_image_of_the_input_size():
    torch.manual_seed(0)
    g = AdaINGenerator(content_dim=32, code_dim=16, res_blocks=2, mlp_dim=24)
    content, codes = torch.randn(N, 32, H // 4, W // 4), torch.randn(N, 16)
    image = g(content, codes)
    assert image.shape == (N, 3, H, W) and image.abs().max() <= 1.0  # tanh: [-1, 1]
    assert len(g.mlps) == 4 and g.mlps[0][-1].out_features == 2 * 32  # one MLP per AdaIN layer: scale, shift
    assert not torch.allclose(g(content, codes), g(content, codes.flip(0)))  # the code changes the image
    with pytest.raises(ValueError, match="4 content maps but 3 degradation codes"):
        g(content, codes[:3])


def test_discriminators_score_patches_at_each_scale(stage1):
    x = torch.rand(N, 3, H, W) * 2 - 1
    assert [tuple(o.shape) for o in stage1.realism_discriminator(x)] == [(N, 1, 8, 4), (N, 1, 4, 2)]
    assert [tuple(o.shape) for o in stage1.degradation_discriminator(x)] == [(N, 1, 8, 4)]
    published = MultiScaleDiscriminator(scales=3, width=8, layers=4)
    assert [tuple(o.shape) for o in published(torch.zeros(1, 3, 256, 128))] == [(1, 1, 16, 8), (1, 1, 8, 4),
                                                                                (1, 1, 4, 2)]


def test_swap_gives_the_four_generated_images(stage1):
    x_a, x_b = torch.rand(N, 3, H, W) * 2 - 1, torch.rand(N, 3, H, W) * 2 - 1
    with torch.no_grad():
        out = stage1.swap(x_a, x_b, SYNTHETIC)
    for name in ("x_aa", "x_bb", "x_ab", "x_ba"):
        assert out[name].shape == (N, 3, H, W)
    assert out["d_a"].shape == out["d_b"].shape == (N, 64)


def test_synthetic_degradation_down_samples_by_the_drawn_factor():
    x = torch.rand(2, 3, 64, 32) * 2 - 1
    for types in (["res"], ["ill"], ["jpg"], ["blur"], ["motion"], ["noise"], ["poisson"], ["dark"], ["res", "jpg"]):
        out = SyntheticDegradation(types, seed=0)(x)
        assert out.shape == x.shape and out.abs().max() <= 1.0 + 1e-5 and not torch.allclose(out, x)
    a, b = SyntheticDegradation(["res"], seed=3)(x), SyntheticDegradation(["res"], seed=3)(x)
    assert torch.equal(a, b)  # seeded
    sharp = (x[:, :, 1:] - x[:, :, :-1]).abs().mean()
    soft = SyntheticDegradation(["res"], (4.0, 4.0))(x)
    assert (soft[:, :, 1:] - soft[:, :, :-1]).abs().mean() < 0.5 * sharp  # detail removed by x4 down-sampling
    assert check_downsample_range(3, 5) is None
    for low, high in ((1.0, 3.0), (0.5, 2.0), (5.0, 3.0)):
        assert "1 < low <= high" in check_downsample_range(low, high)
    with pytest.raises(ValueError, match="1 < low <= high"):
        SyntheticDegradation(["res"], (1.0, 2.0))
    with pytest.raises(ValueError, match="valid res, ill, jpg, blur, motion, noise, poisson, dark"):
        SyntheticDegradation(["hazy"])


def test_stage2_model_trains_three_branches_and_returns_both_bottlenecks(one_torch_thread):
    from fastreid.modeling import build_model

    torch.manual_seed(0)
    cfg = _cfg(STAGE2, "MODEL.TEACHER.ENABLED", "False")  # the bare model: no stage I file read
    model = build_model(cfg)
    assert model.replay is None
    batch = {"images": torch.rand(8, 3, H, W) * 255, "targets": torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])}
    losses = model(batch)
    assert set(losses) == {f"loss_{b}_{t}" for b in ("fuse", "inv", "sen") for t in ("ce", "triplet")}
    model.eval()
    with torch.no_grad():
        feature = model(batch)
    assert feature.shape == (8, 2 * 128)  # [b_sen; b_inv]
    assert model.sen_classifier.bottleneck[0].in_features == 512  # ResNet-18's layer4
    assert model.fuse_classifier.bottleneck[0].in_features == 512 + 256  # [f_sen; f_inv]
    assert not any(k.startswith(("replay", "_replay")) for k in model.state_dict())


def test_stage2_without_stage1_start_takes_trunk_and_sensitive_branch_from_the_baseline(tmp_path, one_torch_thread):
    from fastreid.modeling import build_model
    from fastreid.utils.checkpoint import Checkpointer

    torch.manual_seed(0)
    baseline = build_model(load_config("projects/DIL/synth_mlr_r18_baseline.yml", ["MODEL.HEADS.NUM_CLASSES", "10"]))
    Checkpointer(baseline, save_dir=str(tmp_path)).save("baseline")
    cfg = load_config(STAGE2, ["MODEL.DIL.BASELINE_WEIGHTS", str(tmp_path / "baseline.pth"), "MODEL.DIL.STAGE1_WEIGHTS",
                               "", "MODEL.DIL.STAGE1_INIT", "False", "MODEL.DIL.REPLAY.KL", "0.0",
                               "MODEL.HEADS.NUM_CLASSES", "10"])
    model = build_model(cfg)
    assert model.replay is None
    start = baseline.backbone.state_dict()
    for name, tensor in model.trunk.state_dict().items():  # stem..layer3: the baseline's
        assert torch.equal(tensor, start[name]), name
    for name, tensor in model.sensitive.state_dict().items():  # layer4: the baseline's
        assert torch.equal(tensor, start["layer4." + name]), name
    torch.manual_seed(1)
    other = build_model(cfg)  # the invariant head as built: another draw gives other weights
    assert not torch.equal(next(model.content_head.parameters()), next(other.content_head.parameters()))
