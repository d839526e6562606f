"""DIL's losses: each reaches zero (or its floor) on a constructed case, and grows when it should."""
import pytest
import torch

import cfat_plugin  # noqa: F401
from cfat_plugin.dil.losses import (content_invariance_loss, degradation_rank_loss, identity_consistency_kl,
                                    identity_loss, lsgan_loss, quality_score, r1_penalty,
                                    realism_discriminator_loss, realism_generator_loss, reconstruction_loss,
                                    replay_consistency_kl)


def _outputs(value: float, scales=((4, 2), (2, 1))):
    return [torch.full((3, 1, *size), value) for size in scales]


def test_realism_is_zero_at_the_least_squares_targets():
    assert realism_discriminator_loss(_outputs(1.0), _outputs(0.0)) == 0
    assert realism_generator_loss(_outputs(1.0)) == 0
    # the wrong way round: each scale's mean squared distance is 1, two scales
    assert realism_discriminator_loss(_outputs(0.0), _outputs(1.0)) == pytest.approx(4.0)
    assert lsgan_loss(_outputs(0.5), 0.0) == pytest.approx(2 * 0.25)


def test_degradation_rank_is_zero_once_the_better_image_leads_by_the_margin():
    better, worse = [torch.tensor([[3.0]]).view(1, 1, 1, 1)], [torch.tensor([[2.0]]).view(1, 1, 1, 1)]
    assert degradation_rank_loss(better, worse, margin=1.0) == 0
    assert degradation_rank_loss(better, worse, margin=1.5) == pytest.approx(0.5)  # margin - gap
    assert degradation_rank_loss(worse, better, margin=1.0) == pytest.approx(2.0)
    patches = [torch.tensor([[[[1.0, 3.0]]]]), torch.tensor([[[[4.0]]]])]
    assert quality_score(patches).item() == pytest.approx(2.0 + 4.0)  # patch mean per scale, summed


def test_reconstruction_and_invariance_are_zero_for_identical_images_and_maps():
    x = torch.rand(2, 3, 8, 4)
    assert reconstruction_loss([(x, x), (x * 2, x * 2)]) == 0
    assert reconstruction_loss([(x + 0.25, x), (x, x - 0.5)]) == pytest.approx(0.75)
    c = torch.randn(2, 16, 4, 2)
    assert content_invariance_loss(c, c) == 0 and content_invariance_loss(c, c + 1) == pytest.approx(1.0)


def test_identity_losses_reach_their_floor():
    targets = torch.tensor([0, 2])
    certain = torch.full((2, 3), -50.0)
    certain[torch.arange(2), targets] = 50.0
    assert identity_loss(certain, targets, certain, targets) == pytest.approx(0.0, abs=1e-6)
    assert identity_loss(torch.zeros(2, 3), targets, torch.zeros(2, 3), targets) == pytest.approx(2 * torch.log(
        torch.tensor(3.0)).item())
    logits = torch.randn(4, 5)
    assert identity_consistency_kl(logits, logits) == pytest.approx(0.0, abs=1e-6)
    assert identity_consistency_kl(logits, logits.flip(1)) > 0


def test_replay_kl_is_zero_when_the_replayed_prediction_agrees_and_trains_only_that_side():
    clean = torch.randn(4, 6, requires_grad=True)
    replayed = clean.detach().clone().requires_grad_(True)
    assert replay_consistency_kl(clean, replayed).item() == pytest.approx(0.0, abs=1e-6)
    loss = replay_consistency_kl(clean, torch.randn(4, 6) + replayed)
    loss.backward()
    assert loss > 0 and clean.grad is None and replayed.grad.abs().sum() > 0  # the clean side is the target


def test_gradient_penalty_is_zero_for_a_flat_discriminator_and_measures_the_slope():
    x = torch.rand(3, 3, 4, 4)
    assert r1_penalty(lambda v: [v.sum(dim=(1, 2, 3), keepdim=True) * 0.0], x) == 0
    # D(x) = sum of 0.5 x: gradient 0.5 at each of 48 pixels, squared norm 48 / 4 = 12
    assert r1_penalty(lambda v: [0.5 * v.sum(dim=(1, 2, 3), keepdim=True)], x) == pytest.approx(12.0)


@pytest.mark.parametrize("weight", ["REALISM", "DEGRADATION", "RECONSTRUCTION", "SELF_RECONSTRUCTION", "INVARIANCE",
                                    "IDENTITY", "IDENTITY_KL"])
def test_each_stage1_weight_switches_its_term_off_at_zero(weight, one_torch_thread):
    """The paper's ablations: a weight of 0 removes its term (and its computation) from the generator step."""
    from fastreid.modeling import build_model

    from cfat_plugin.engine import load_config

    names = {"REALISM": "loss_realism", "DEGRADATION": "loss_degradation", "RECONSTRUCTION": "loss_recon",
             "SELF_RECONSTRUCTION": "loss_self_recon", "INVARIANCE": "loss_invariance", "IDENTITY": "loss_identity",
             "IDENTITY_KL": "loss_identity"}
    cfg = load_config("projects/DIL/synth_mlr_r18_stage1.yml", [
        "MODEL.DIL.BASELINE_WEIGHTS", "", "MODEL.HEADS.NUM_CLASSES", "4", "INPUT.SIZE_TRAIN", "[32, 16]",
        "MODEL.DIL.DIS.SCALES", "1", "MODEL.DIL.STAGE1.LOSS.IDENTITY_KL", "0.5",
        f"MODEL.DIL.STAGE1.LOSS.{weight}", "0.0"])
    torch.manual_seed(0)
    model = build_model(cfg)
    batch = {"images": torch.rand(2, 3, 32, 16) * 255, "targets": torch.tensor([0, 1]),
             "lr_images": torch.rand(2, 3, 32, 16) * 255, "lr_targets": torch.tensor([2, 3])}
    kinds = ("synthetic",) if weight in ("INVARIANCE", "IDENTITY_KL") else ("real",) if weight == "IDENTITY" \
        else ("synthetic", "real")
    for kind in kinds:
        losses = model.generator_losses(*model.pair(batch, kind), kind)
        assert names[weight] not in losses and losses  # the other terms are there
