"""RLQ's losses against hand-computed cases."""
import math

import pytest
import torch

import cfat_plugin  # noqa: F401  (compat fixes before any FastReID import)
from cfat_plugin.rlq.losses import (CosineClassifier, clothes_adversarial, clothes_classification, cosine_triplet,
                                    normalized_mse,
                                    pose_disentanglement, tau_kl)


def test_tau_kl_matches_the_hand_computed_value():
    tau, lam = 0.8, 0.64
    target = torch.tensor([[0.0, 0.0]])  # softmax: (1/2, 1/2)
    logits = torch.tensor([[tau * math.log(3.0), 0.0]])  # softmax(./tau): (3/4, 1/4)
    kl = 0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25)
    expected = lam * tau * tau * kl / 2  # divided by the number of logits, not the batch
    assert tau_kl(target, logits) == pytest.approx(expected, rel=1e-6)
    assert tau_kl(logits, logits).item() == pytest.approx(0.0, abs=1e-7)


def test_tau_kl_is_divided_by_every_logit_and_reaches_both_inputs():
    a = torch.randn(4, 5, requires_grad=True)
    b = torch.randn(4, 5, requires_grad=True)
    one = tau_kl(a, b)
    twice = tau_kl(torch.cat([a, a]), torch.cat([b, b]))
    assert twice.item() == pytest.approx(one.item(), rel=1e-5)
    one.backward()
    assert a.grad.abs().sum() > 0 and b.grad.abs().sum() > 0


def test_pose_disentanglement_is_the_mean_absolute_cosine():
    f_id = torch.tensor([[1.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    f_pose = torch.tensor([[0.0, 3.0], [-1.0, 0.0], [1.0, 1.0]])  # cos 0, -1, 1/sqrt(2)
    expected = (0 + 1 + 1 / math.sqrt(2)) / 3
    assert pose_disentanglement(f_id, f_pose).item() == pytest.approx(expected, rel=1e-6)


def test_normalized_mse_hand_case_and_zero_for_the_same_direction():
    teacher, student = torch.tensor([[3.0, 4.0]]), torch.tensor([[4.0, 3.0]])
    assert normalized_mse(teacher, student).item() == pytest.approx(0.08, rel=1e-5)
    x = torch.randn(6, 16)
    assert normalized_mse(x, 2.5 * x).item() == pytest.approx(0.0, abs=1e-6)
    assert normalized_mse(x, -x).item() == pytest.approx(4.0, rel=1e-5)


def test_clothes_adversarial_hand_cases():
    # Both clothes classes belong to the identity: no negative in the softmax, nothing to push.
    cos = torch.tensor([[0.5, -0.2]])
    assert clothes_adversarial(cos, torch.tensor([0]), torch.tensor([[1.0, 1.0]])).item() == pytest.approx(0.0,
                                                                                                          abs=1e-6)
    # One own class (target) and one class of another identity: -log(e^8 / (e^8 + e^0)).
    loss = clothes_adversarial(torch.tensor([[0.5, 0.0]]), torch.tensor([0]), torch.tensor([[1.0, 0.0]]))
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-8.0)), abs=1e-6)
    # Two own classes and a negative: epsilon spreads over the identity's classes.
    cos = torch.tensor([[0.5, 0.25, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    logp = [16 * c - math.log(math.exp(16 * c) + 1.0) for c in (0.5, 0.25)]
    expected = -((0.9 + 0.05) * logp[0] + 0.05 * logp[1])
    assert clothes_adversarial(cos.double(), torch.tensor([0]), mask.double()).item() == pytest.approx(expected, rel=1e-9)


def test_cosine_classifier_detached_weights_train_only_the_feature():
    clf = CosineClassifier(8, 3)
    x = torch.randn(4, 8, requires_grad=True)
    clothes = torch.tensor([0, 1, 2, 0])
    clothes_adversarial(clf(x, detach_weight=True), clothes, torch.ones(4, 3)).backward()
    assert clf.weight.grad is None and x.grad is not None
    clothes_classification(clf(x.detach()), clothes).backward()
    assert clf.weight.grad.abs().sum() > 0
    assert clf(x).abs().max() <= 1 + 1e-6  # cosines


def test_cosine_triplet_hand_case():
    # anchors 0 and 1 share an identity; 2 is another identity
    f = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    t = torch.tensor([0, 0, 1])
    # d = 1 - cos: d(0,1) = 1, d(0,2) = d(1,2) = 1 - 1/sqrt(2)
    d_pos, d_neg = 1.0, 1 - 1 / math.sqrt(2)
    # anchor 2's only positive is itself (d = 0), as in the published mask
    per_anchor = [max(0.0, d_pos - d_neg + 0.3)] * 2 + [max(0.0, 0.0 - d_neg + 0.3)]
    assert cosine_triplet(f, t).item() == pytest.approx(sum(per_anchor) / 3, rel=1e-6)
    far = torch.tensor([[1.0, 0.0], [1.0, 0.01], [-1.0, 0.0]])
    assert cosine_triplet(far, t, margin=0.3).item() == pytest.approx(0.0, abs=1e-6)  # margin met everywhere
