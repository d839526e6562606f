"""The ReID ViT backbone: position-embedding resizing, SIE, overlapping patches, weight loading."""
import numpy as np
import pytest
import torch

from conftest import set_tiny_vit

import cfat_plugin  # noqa: F401  (compat fixes before any FastReID import)
from cfat_plugin.config import add_cfat_config
from cfat_plugin.modeling.backbones import (ReIDViT, build_cfat_vit_backbone, infer_grid,
                                            load_pretrained_vit, resize_pos_embed)
from cfat_plugin.modeling.backbones.vit import vit_arch_from_config
from cfat_plugin.modeling.backbones.vit_weights import state_dict_to_npz_dict
from fastreid.config import get_cfg
from fastreid.modeling.backbones import BACKBONE_REGISTRY


def tiny_vit(img_size=(64, 32), **kwargs) -> ReIDViT:
    args = dict(embed_dim=32, depth=2, num_heads=2, drop_path_rate=0.0)
    args.update(kwargs)
    torch.manual_seed(0)
    return ReIDViT(img_size=img_size, **args).eval()


def vit_cfg(**overrides):
    cfg = add_cfat_config(get_cfg())
    set_tiny_vit(cfg)
    cfg.INPUT.SIZE_TRAIN = [64, 32]
    for key, value in overrides.items():
        node = cfg
        *path, last = key.split(".")
        for part in path:
            node = node[part]
        node[last] = value
    return cfg


pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ---------------------------------------------------------------- position embeddings
def test_resize_keeps_checkpoint_values_at_matching_positions():
    old = torch.randn(1, 1 + 4 * 2, 8)
    new = resize_pos_embed(old, (4, 2), (12, 6))
    assert new.shape == (1, 1 + 12 * 6, 8)
    assert torch.equal(new[:, 0], old[:, 0])  # CLS position untouched
    old_grid = old[0, 1:].reshape(4, 2, 8)
    new_grid = new[0, 1:].reshape(12, 6, 8)
    # With a 3x upsampling, old cell (r, c) is centred on new cell (3r + 1, 3c + 1).
    for r in range(4):
        for c in range(2):
            assert torch.allclose(new_grid[3 * r + 1, 3 * c + 1], old_grid[r, c], atol=1e-6)


def test_resize_same_grid_is_identity_and_rows_stay_rows():
    old = torch.randn(1, 1 + 6, 4)
    assert torch.equal(resize_pos_embed(old, (3, 2), (3, 2)), old)
    # A grid whose value is its row index: resizing only the width keeps every row's value.
    rows = torch.arange(3.0).repeat_interleave(2).view(1, 6, 1).expand(1, 6, 4)
    posemb = torch.cat([torch.zeros(1, 1, 4), rows], dim=1)
    wide = resize_pos_embed(posemb, (3, 2), (3, 5))[0, 1:].reshape(3, 5, 4)
    for r in range(3):
        assert torch.allclose(wide[r], torch.full((5, 4), float(r)))


def test_resize_rejects_wrong_token_count():
    with pytest.raises(ValueError, match="tokens"):
        resize_pos_embed(torch.randn(1, 10, 4), (4, 2), (8, 4))


def test_infer_grid_square_imagenet_and_tall_person_grids():
    assert infer_grid(196, (16, 8)) == (14, 14)
    assert infer_grid(210, (16, 8)) == (21, 10)  # TransReID stride 12 at 256x128
    assert infer_grid(128, (16, 8)) == (16, 8)


# ---------------------------------------------------------------- architecture
def test_overlapping_stride_sets_the_grid_and_output_shapes():
    model = tiny_vit(stride_size=12)
    assert model.grid == ((64 - 16) // 12 + 1, (32 - 16) // 12 + 1)
    assert model.pos_embed.shape == (1, 1 + model.grid[0] * model.grid[1], 32)
    x = torch.randn(3, 3, 64, 32)
    tokens = model.forward_tokens(x)
    assert tokens.shape == (3, 1 + 5 * 2, 32)
    cls = model(x)
    assert cls.shape == (3, 32, 1, 1)
    assert torch.allclose(cls[..., 0, 0], tokens[:, 0])


def test_test_size_may_differ_from_train_size():
    model = tiny_vit()
    out = model(torch.randn(2, 3, 96, 48))  # 6x3 grid: position embeddings resized on the fly
    assert out.shape == (2, 32, 1, 1) and torch.isfinite(out).all()


def test_sie_changes_features_per_camera():
    model = tiny_vit(num_cameras=3, sie_coef=3.0)
    x = torch.randn(1, 3, 64, 32).expand(3, -1, -1, -1)
    out = model(x, camids=torch.tensor([0, 1, 2]))[..., 0, 0]
    assert not torch.allclose(out[0], out[1]) and not torch.allclose(out[1], out[2])
    again = model(x, camids=torch.tensor([0, 0, 0]))[..., 0, 0]
    assert torch.allclose(again[0], again[2])
    assert torch.allclose(again[0], out[0], atol=1e-6)


def test_sie_off_when_lambda_is_zero():
    model = tiny_vit(num_cameras=3, sie_coef=0.0)
    assert not hasattr(model, "sie_embed") and not model.uses_camids
    assert "sie_embed" not in dict(model.named_parameters())
    x = torch.randn(1, 3, 64, 32).expand(2, -1, -1, -1)
    out = model(x, camids=torch.tensor([0, 2]))
    assert torch.allclose(out[0], out[1])


def test_sie_errors_name_the_fix():
    model = tiny_vit(num_cameras=2)
    with pytest.raises(ValueError, match="camera ids"):
        model(torch.randn(1, 3, 64, 32))
    with pytest.raises(ValueError, match="SIE_CAMERAS"):
        model(torch.randn(1, 3, 64, 32), camids=torch.tensor([5]))


def test_builder_from_config_and_registry():
    cfg = vit_cfg(**{"MODEL.BACKBONE.SIE_CAMERAS": 4, "MODEL.BACKBONE.STRIDE_SIZE": (12, 12)})
    model = BACKBONE_REGISTRY.get("build_cfat_vit_backbone")(cfg)
    assert model.embed_dim == 32 and len(model.blocks) == 2 and model.grid == (5, 2)
    assert model.sie_embed.shape == (4, 1, 32)
    assert model.blocks[1].drop_path1.drop_prob == pytest.approx(0.1)  # FastReID's DROP_PATH_RATIO default


@pytest.mark.parametrize("size,dims", [("tiny", (192, 12, 3)), ("small", (384, 12, 6)), ("base", (768, 12, 12))])
def test_named_sizes(size, dims):
    cfg = add_cfat_config(get_cfg())
    cfg.MODEL.BACKBONE.DEPTH = size
    arch = vit_arch_from_config(cfg)
    assert (arch["embed_dim"], arch["depth"], arch["num_heads"]) == dims


def test_builder_errors_are_clear():
    with pytest.raises(KeyError, match="not a ViT size"):
        build_cfat_vit_backbone(vit_cfg(**{"MODEL.BACKBONE.DEPTH": "50x"}))
    with pytest.raises(ValueError, match="FEAT_DIM"):
        build_cfat_vit_backbone(vit_cfg(**{"MODEL.BACKBONE.FEAT_DIM": 2048}))
    with pytest.raises(FileNotFoundError, match="nothing is downloaded"):
        build_cfat_vit_backbone(vit_cfg(**{"MODEL.BACKBONE.PRETRAIN": True,
                                           "MODEL.BACKBONE.PRETRAIN_PATH": "/nonexistent/vit.npz"}))


# ---------------------------------------------------------------- weight loading
def test_transreid_checkpoint_loads_with_resized_grid_and_dropped_head(tmp_path):
    source = tiny_vit(img_size=(64, 32))  # grid 4x2
    state = {f"base.{k}": v for k, v in source.state_dict().items()}
    state["classifier.weight"] = torch.randn(10, 32)
    state["bottleneck.weight"] = torch.randn(32)
    path = tmp_path / "transreid.pth"
    torch.save(state, path)

    target = tiny_vit(img_size=(192, 96))  # grid 12x6
    report = load_pretrained_vit(target, str(path))
    assert any("classifier.weight" in d for d in report.dropped)
    assert any(r.startswith("pos_embed (grid 4x2 -> 12x6)") for r in report.resized)
    assert report.missing == []
    assert torch.equal(target.blocks[1].mlp.fc2.weight, source.blocks[1].mlp.fc2.weight)
    grid_old = source.pos_embed[0, 1:].reshape(4, 2, -1)
    grid_new = target.pos_embed[0, 1:].reshape(12, 6, -1)
    assert torch.allclose(grid_new[4, 4], grid_old[1, 1], atol=1e-6)  # cell (1,1) -> (3+1, 3+1)


def test_timm_npz_round_trip_gives_the_same_network(tmp_path):
    source = tiny_vit(img_size=(64, 64), num_heads=4)  # square 4x4 grid, like an ImageNet checkpoint
    path = tmp_path / "vit.npz"
    np.savez(path, **state_dict_to_npz_dict(source))

    same = tiny_vit(img_size=(64, 64), num_heads=4)
    torch.nn.init.zeros_(same.blocks[0].attn.qkv.weight)
    report = load_pretrained_vit(same, str(path))
    assert report.missing == [] and report.resized == []
    x = torch.randn(2, 3, 64, 64)
    assert torch.allclose(same(x), source(x), atol=1e-5)

    person = tiny_vit(img_size=(64, 32), num_heads=4)  # person grid 4x2: pos_embed resized
    report = load_pretrained_vit(person, str(path))
    assert any("4x4 -> 4x2" in r for r in report.resized)
    assert torch.equal(person.blocks[0].attn.qkv.weight, source.blocks[0].attn.qkv.weight)


def test_timm_safetensors_state_dict_loads(tmp_path):
    from safetensors.torch import save_file
    from timm.models.vision_transformer import VisionTransformer

    timm_vit = VisionTransformer(img_size=64, patch_size=16, embed_dim=32, depth=2, num_heads=2, num_classes=7)
    path = tmp_path / "vit.safetensors"
    save_file({k: v.contiguous() for k, v in timm_vit.state_dict().items()}, str(path))
    model = tiny_vit()
    report = load_pretrained_vit(model, str(path))
    assert any(d.startswith("head.weight") for d in report.dropped)
    assert report.missing == []
    assert torch.equal(model.blocks[0].norm1.weight, timm_vit.blocks[0].norm1.weight)


def test_loading_a_non_vit_file_fails_clearly(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"conv1.weight": torch.randn(3, 3)}, path)
    with pytest.raises(ValueError, match="no tensor matches"):
        load_pretrained_vit(tiny_vit(), str(path))
