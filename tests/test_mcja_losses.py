"""MCJA's soft rank (torchsort or its PyTorch twin) and the cross-modality retrieval (CMR) loss."""
import pytest
import torch

from cfat_plugin.mcja.losses import cross_modality_retrieval_loss
from cfat_plugin.mcja.soft_rank import soft_rank, soft_rank_torch


def test_soft_rank_hand_computed_pool():
    """x = (0, 0.5), strength 1: sorted (0.5, 0) minus w = (2, 1) is (-1.5, -1), increasing, so PAV pools
    it to -1.25 and the ranks are (0 + 1.25, 0.5 + 1.25); each rank moves by 1/2 per unit of either value."""
    x = torch.tensor([[0.0, 0.5]], dtype=torch.float64, requires_grad=True)
    ranks = soft_rank_torch(x, 1.0)
    assert torch.allclose(ranks, torch.tensor([[1.25, 1.75]], dtype=torch.float64))
    (grad,) = torch.autograd.grad(ranks[0, 0], x)
    assert torch.allclose(grad, torch.tensor([[0.5, -0.5]], dtype=torch.float64))


def test_soft_rank_is_hard_when_values_are_far_apart():
    x = torch.tensor([[3.0, -7.0, 20.0, 0.0]])
    assert torch.equal(soft_rank_torch(x, 0.5), torch.tensor([[3.0, 1.0, 4.0, 2.0]]))


def test_soft_rank_gradient_is_exact():
    x = torch.randn(3, 7, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: soft_rank_torch(v, 0.5), (x,))


def test_soft_rank_refuses_other_shapes_and_backends():
    with pytest.raises(ValueError, match="2-d"):
        soft_rank_torch(torch.zeros(4), 1.0)
    with pytest.raises(ValueError, match="backend"):
        soft_rank(torch.zeros(1, 4), 1.0, backend="numpy")


def test_torchsort_and_fallback_agree():
    try:
        import torchsort  # noqa: F401
    except Exception as error:  # not built (make torchsort), or built against another torch
        pytest.skip(f"torchsort does not import: {type(error).__name__}: {error}")  # conftest: a summary line
    torch.manual_seed(0)
    x = torch.rand(16, 64, requires_grad=True)  # CMR's distances lie in [0, 1], galleries of 64
    weights = torch.randn(16, 64)
    a = soft_rank(x, 0.5, backend="torchsort")
    b = soft_rank(x, 0.5, backend="torch")
    assert (a - b).abs().max() < 1e-5
    (ga,) = torch.autograd.grad((a * weights).sum(), x)
    (gb,) = torch.autograd.grad((b * weights).sum(), x)
    assert (ga - gb).abs().max() < 1e-5


def _batch(swap: bool = False):
    """Identities A, B, one visible and one infrared image each; A along +e1, B along -e1 (opposite)."""
    e1 = torch.tensor([1.0, 0.0, 0.0])
    feats = torch.stack([e1, -e1, e1, -e1])  # visible A, visible B, infrared A, infrared B
    if swap:
        feats = torch.stack([e1, -e1, -e1, e1])  # the infrared images swapped: every match ranked last
    return feats.requires_grad_(True), torch.tensor([0, 1, 0, 1]), torch.tensor([0, 0, 1, 1])


def test_cmr_is_zero_for_a_perfectly_ranked_batch():
    """Each query's gallery: its match at distance 0 (rank 1), the other at distance 1 (rank |G| = 2)."""
    feats, ids, modalities = _batch()
    loss = cross_modality_retrieval_loss(feats, ids, modalities, strength=0.5, backend="torch")
    assert loss.item() == pytest.approx(0.0, abs=1e-6)


def test_cmr_is_positive_when_misranked_and_its_gradient_fixes_the_ranking():
    """Matches ranked last but close (distance gaps under the soft rank's strength, where ranks are
    soft and the gradient is non-zero): the loss is positive and a gradient step lowers it."""
    e1, e2 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    tilt = lambda a, b, t: a * (1 - t) + b * t  # noqa: E731
    feats = torch.stack([e1, e2, tilt(e1, e2, 0.6), tilt(e1, e2, 0.4)]).requires_grad_(True)  # IR A nearer B
    ids, modalities = torch.tensor([0, 1, 0, 1]), torch.tensor([0, 0, 1, 1])
    loss = cross_modality_retrieval_loss(feats, ids, modalities, backend="torch")
    assert loss.item() > 0.1
    loss.backward()
    assert feats.grad.abs().sum() > 0
    stepped = (feats - 0.5 * feats.grad).detach()
    assert cross_modality_retrieval_loss(stepped, ids, modalities, backend="torch").item() < loss.item()


def test_cmr_drops_queries_without_a_ranking_to_learn():
    """Only one identity: every query's gallery holds positives only, nothing to rank; a query whose
    identity the other modality lacks has no positive. Neither counts (zero loss, still a graph)."""
    feats = torch.randn(4, 8, requires_grad=True)
    same_id = cross_modality_retrieval_loss(feats, torch.tensor([3, 3, 3, 3]), torch.tensor([0, 0, 1, 1]),
                                            backend="torch")
    no_match = cross_modality_retrieval_loss(feats, torch.tensor([1, 2, 3, 4]), torch.tensor([0, 0, 1, 1]),
                                             backend="torch")
    assert same_id.item() == 0.0 and no_match.item() == 0.0
    (same_id + no_match).backward()
    # a batch of one modality has no cross-modality ranking either
    assert cross_modality_retrieval_loss(feats, torch.tensor([1, 2, 1, 2]), torch.zeros(4, dtype=torch.long),
                                         backend="torch").item() == 0.0
