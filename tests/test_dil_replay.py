"""The memory bank and its replay: codes flip-averaged over the training images, replayed images with the
drawn degradation and their own content -- measured, on a stage I trained here on constructed pairs."""
import pytest
import torch

import cfat_plugin  # noqa: F401
from cfat_plugin.dil.degradation import downsample
from cfat_plugin.dil.memory_bank import MemoryReplay, build_memory_bank, flip_averaged_codes, replay_measures

H, W = 32, 16


def _people(n: int, seed: int) -> torch.Tensor:
    """``n`` constructed 0-255 images: coloured blocks (torso, legs, head) on a textured background, so each
    image has its own content and sharp edges for a degradation to remove."""
    g = torch.Generator().manual_seed(seed)
    images = torch.rand(n, 3, 1, 1, generator=g) * 80 + (torch.rand(n, 3, H, W, generator=g) > 0.5) * 40.0
    for top, bottom in ((2, 8), (8, 20), (20, 31)):
        colour = torch.rand(n, 3, 1, 1, generator=g) * 255
        left = torch.randint(1, 5, (n,), generator=g)
        for i in range(n):
            images[i, :, top:bottom, left[i]:W - left[i]] = colour[i]
    return images


def _sharpness(images: torch.Tensor) -> torch.Tensor:
    return (images[..., 1:] - images[..., :-1]).abs().mean(dim=(1, 2, 3))


def test_bank_codes_are_flip_averaged_and_in_loader_order():
    encoder = lambda x, kind: x.mean(dim=(2,)).flatten(1)  # noqa: E731  (a code that sees left from right)
    images = torch.rand(3, 3, 4, 2) * 255
    bank = build_memory_bank(_Wrapped(encoder), [{"images": images[:2]}, {"images": images[2:]}])
    x = images / 127.5 - 1
    assert torch.allclose(bank, (encoder(x, "real") + encoder(x.flip(-1), "real")) / 2)
    assert torch.allclose(bank, flip_averaged_codes(encoder, x))
    assert torch.allclose(bank[:, 0], bank[:, 1])  # flip-averaged: both columns agree


class _Wrapped(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn, self.p = fn, torch.nn.Parameter(torch.zeros(1))

    def forward(self, x, kind):
        return self.fn(x, kind)


def test_replay_draws_bank_codes_shuffles_the_batch_or_degrades_synthetically():
    from cfat_plugin.dil.degradation import SyntheticDegradation

    calls = []

    class Content(torch.nn.Module):
        def content(self, x):
            return x

    class Generator(torch.nn.Module):
        def forward(self, c, d):
            calls.append(d)
            return c * 0 + d[:, :1, None, None]

    encoder = _Wrapped(lambda x, kind: x.mean(dim=(1, 2, 3))[:, None])
    images = torch.arange(4.0)[:, None, None, None].expand(4, 3, 2, 2) * 50
    bank = MemoryReplay("bank", Content(), encoder, Generator(), seed=0)
    with pytest.raises(RuntimeError, match="memory bank is empty"):
        bank(images)
    bank.set_bank(torch.tensor([[0.5], [-0.5]]))
    out = bank(images)
    assert set(out[:, 0, 0, 0].tolist()) <= {(0.5 + 1) * 127.5, (-0.5 + 1) * 127.5}  # codes from the bank
    shuffle = MemoryReplay("shuffle", Content(), encoder, Generator(), seed=0)
    shuffle(images)
    own = encoder(images / 127.5 - 1, "real")
    assert sorted(calls[-1][:, 0].tolist()) == sorted(own[:, 0].tolist())  # the batch's own codes, permuted
    synthetic = MemoryReplay("synthetic", degradation=SyntheticDegradation(["res"], (4.0, 4.0)))
    assert _sharpness(synthetic(_people(2, 0))).max() < _sharpness(_people(2, 0)).min()
    assert not any(p.requires_grad for p in bank.parameters()) and not bank.train().training  # frozen


@pytest.mark.slow
def test_trained_replay_changes_degradation_and_keeps_content(one_torch_thread):
    """Stage I trained here (100 generator steps, alternating synthetic and real pairs of constructed
    full-resolution images and x4 down-sampled ones; reconstruction and invariance terms only), then
    full-resolution test images replayed with codes from a bank of low-resolution ones:
    their edges soften (degradation changed), while each replayed image's content map stays nearer its own
    source's than any other source's (content kept)."""
    from fastreid.modeling import build_model

    from cfat_plugin.engine import load_config

    cfg = load_config("projects/DIL/synth_mlr_r18_stage1.yml", [
        "MODEL.DIL.BASELINE_WEIGHTS", "", "MODEL.HEADS.NUM_CLASSES", "8", "INPUT.SIZE_TRAIN", "[32, 16]",
        "MODEL.DIL.DIS.SCALES", "1", "MODEL.DIL.DEGRADATION.DOWNSAMPLE", "[4.0, 4.0]", "MODEL.DIL.STAGE1.LOSS.IDENTITY",
        "0.0", "MODEL.DIL.STAGE1.LOSS.REALISM", "0.0", "MODEL.DIL.STAGE1.LOSS.DEGRADATION", "0.0"])
    torch.manual_seed(0)
    model = build_model(cfg).train()
    params = model.parameters_of(("content_encoder", "degradation_encoder", "generator"))
    optimizer = torch.optim.Adam(params, lr=2e-3, betas=(0.5, 0.999))
    train = _people(64, 1)
    low_train = (downsample(train / 127.5 - 1, 4.0) + 1) * 127.5
    for step in range(100):
        pick, other = torch.randint(len(train), (8,)), torch.randint(len(train), (8,))
        batch = {"images": train[pick], "targets": pick % 8, "lr_images": low_train[other], "lr_targets": other % 8}
        kind = "synthetic" if step % 2 else "real"  # alternating, as published
        losses = model.generator_losses(*model.pair(batch, kind), kind)
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
    model.eval()
    replay = MemoryReplay("bank", model.content_encoder, model.degradation_encoder, model.generator)
    low = (downsample(_people(16, 2) / 127.5 - 1, 4.0) + 1) * 127.5
    replay.set_bank(build_memory_bank(model.degradation_encoder, [{"images": low}]))
    sources = _people(12, 3)
    codes = replay.bank[torch.randperm(len(replay.bank), generator=torch.Generator().manual_seed(0))[:12]]
    measures = replay_measures(replay, sources, codes)
    replayed = replay(sources, codes)
    # degradation changed: edges lose most of the sharpness that separates full from low resolution
    # (sources 15.4, low-resolution images 6.1, replayed 6.3 to 9.5 over training seeds 0-3 and 100-300
    # steps; the bound is 9.8). E_deg's own reading is not asserted: trained this briefly, its codes are
    # 0.001 to 0.4 apart and the replayed images' codes came nearer the drawn ones in only 7 of those 10 runs
    sharp, soft, low_level = (_sharpness(x).mean() for x in (sources, replayed, low))
    assert soft < sharp - 0.6 * (sharp - low_level), (sharp, soft, low_level)
    # content kept: a replayed image's content map is nearer its source's than two sources' are to each
    # other (10 to 16 against 31 to 37 in those runs) and, for most images, nearer than any other
    # source's (12 of 12 in each)
    assert measures["content_distance"] < 0.6 * measures["content_spread"], measures
    assert measures["content_identified"] >= 0.75, measures
