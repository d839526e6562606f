"""CFAT's losses and the BFG pieces, against hand-computed cases."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

import cfat_plugin  # noqa: F401  (compat fixes before any FastReID import)
from cfat_plugin.cfat import BFGHead, BridgeVAE, bridge_features, sample_t
from cfat_plugin.cfat.losses import (KL_FORMS, bridge_kl_loss, gaussian_kl, prior_kl_loss, reconstruction_loss,
                                         weighted_contrastive_alignment_loss)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ---------------------------------------------------------------- bridge KL
def test_kl_matches_torch_distributions_on_a_hand_case():
    mu_p = torch.tensor([[0.0, 1.0], [2.0, -1.0]])
    sigma_p = torch.tensor([[1.0, 0.5], [2.0, 1.5]])
    mu_q = torch.tensor([[1.0, 1.0], [0.0, 0.0]])
    sigma_q = torch.tensor([[2.0, 0.5], [1.0, 3.0]])
    expected = kl_divergence(Normal(mu_p, sigma_p), Normal(mu_q, sigma_q)).sum(dim=1)
    assert torch.allclose(gaussian_kl(mu_p, sigma_p, mu_q, sigma_q), expected, atol=1e-6)
    raw_mean = bridge_kl_loss(mu_p, sigma_p, mu_q, sigma_q, form="raw", reduction="mean")
    assert raw_mean.item() == pytest.approx(expected.mean().item(), abs=1e-6)
    raw_sum = bridge_kl_loss(mu_p, sigma_p, mu_q, sigma_q, form="raw", reduction="sum")
    assert raw_sum.item() == pytest.approx(expected.sum().item(), abs=1e-6)
    # first element by hand: log(2/1) + (1 + 1) / (2 * 4) - 1/2, plus 0 for the identical second dimension
    assert gaussian_kl(mu_p, sigma_p, mu_q, sigma_q)[0].item() == pytest.approx(math.log(2) + 0.25 - 0.5, abs=1e-6)


def test_kl_is_zero_for_equal_posteriors_and_mean_or_sum_over_the_batch():
    mu, sigma = torch.randn(5, 16), torch.rand(5, 16) + 0.1
    for form in KL_FORMS:
        assert bridge_kl_loss(mu, sigma, mu, sigma, form=form).item() == pytest.approx(0.0, abs=1e-5)
        args = (mu[:1], sigma[:1], mu[:1] + 1, sigma[:1])
        repeated = [a.repeat(8, 1) for a in args]
        one = bridge_kl_loss(*args, form=form, reduction="mean")
        assert bridge_kl_loss(*repeated, form=form, reduction="mean").item() == pytest.approx(one.item(), rel=1e-5)
        assert bridge_kl_loss(*repeated, form=form, reduction="sum").item() == pytest.approx(8 * one.item(), rel=1e-5)


def test_published_kl_normalises_mu_and_sigma_along_the_latent_axis_on_a_hand_case():
    # mu_p = (3, 4) -> (0.6, 0.8); mu_q = (0, 2) -> (0, 1); sigma_p = (1, 1) -> (1/sqrt2, 1/sqrt2);
    # sigma_q = (2, 0) -> (1, 0), floored at 1e-4 in its second entry.
    mu_p, mu_q = torch.tensor([[3.0, 4.0]]), torch.tensor([[0.0, 2.0]])
    sigma_p, sigma_q = torch.tensor([[1.0, 1.0]]), torch.tensor([[2.0, 1e-9]])
    s, floor = 1 / math.sqrt(2), 1e-4
    first = math.log(1 / s) + (s ** 2 + 0.6 ** 2) / 2 - 0.5
    second = math.log(floor / s) + (s ** 2 + 0.2 ** 2) / (2 * floor ** 2) - 0.5
    got = bridge_kl_loss(mu_p, sigma_p, mu_q, sigma_q, form="published", reduction="sum")
    assert got.item() == pytest.approx(first + second, rel=1e-4)
    # the scale of mu and sigma no longer matters: only their directions along the latent axis
    assert bridge_kl_loss(mu_p * 7, sigma_p * 3, mu_q * 0.1, sigma_q * 5, form="published").item() == \
        pytest.approx(got.item(), rel=1e-4)


def test_published_kl_stays_finite_with_mu_near_zero():
    mu = torch.zeros(4, 16, requires_grad=True)
    sigma = torch.full((4, 16), 0.7)
    other = torch.randn(4, 16) * 1e-7
    loss = bridge_kl_loss(mu, sigma, other, sigma + 0.1, form="published")
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(mu.grad).all()


def test_unknown_kl_form_or_reduction_names_the_key():
    mu, sigma = torch.zeros(1, 2), torch.ones(1, 2)
    with pytest.raises(ValueError, match="MODEL.CFAT.LOSS.KL.FORM"):
        bridge_kl_loss(mu, sigma, mu, sigma, form="normalised")
    with pytest.raises(ValueError, match="MODEL.CFAT.LOSS.KL.REDUCTION"):
        bridge_kl_loss(mu, sigma, mu, sigma, reduction="batchmean")


def test_prior_kl_is_zero_at_the_standard_normal():
    assert prior_kl_loss(torch.zeros(3, 16), torch.ones(3, 16)).item() == pytest.approx(0.0, abs=1e-7)
    # one dimension with mu 1: 1/2 per sample
    mu = torch.zeros(3, 16)
    mu[:, 0] = 1
    assert prior_kl_loss(mu, torch.ones(3, 16)).item() == pytest.approx(0.5, abs=1e-6)


# ---------------------------------------------------------------- bridge features
def _angle(a, b):
    return torch.arccos(F.cosine_similarity(a, b, dim=1).clamp(-1, 1))


def test_bridge_is_unit_norm_and_lies_between_its_ends():
    torch.manual_seed(0)
    clean = torch.randn(6, 32, dtype=torch.float64) * 5  # different scales on purpose
    corrupt = torch.randn(6, 32, dtype=torch.float64) * 0.1
    for t in (0.0, 0.25, 0.5, 0.9, 1.0):
        bridge = bridge_features(clean, corrupt, t)
        assert torch.allclose(bridge.norm(dim=1), torch.ones(6, dtype=torch.float64), atol=1e-6)
        total = _angle(clean, corrupt)
        assert torch.allclose(_angle(clean, bridge) + _angle(bridge, corrupt), total, atol=1e-6)
    assert torch.allclose(bridge_features(clean, corrupt, 0.0), F.normalize(clean), atol=1e-6)
    assert torch.allclose(bridge_features(clean, corrupt, 1.0), F.normalize(corrupt), atol=1e-6)
    # moving t towards 1 moves the bridge towards the corrupted end
    near = _angle(bridge_features(clean, corrupt, 0.2), clean)
    far = _angle(bridge_features(clean, corrupt, 0.8), clean)
    assert (far > near).all()


def test_bridge_never_nan_even_for_opposite_features():
    clean = torch.randn(4, 8, requires_grad=True)
    corrupt = (-3.0 * clean).detach().requires_grad_(True)  # exactly opposite directions
    t = torch.tensor([0.5, 0.5, 0.3, 0.7])
    bridge = bridge_features(clean, corrupt, t)
    assert torch.isfinite(bridge).all()
    assert torch.allclose(bridge.norm(dim=1), torch.ones(4), atol=1e-5)
    bridge.sum().backward()
    assert torch.isfinite(clean.grad).all() and torch.isfinite(corrupt.grad).all()
    # zero features do not produce NaN either
    assert torch.isfinite(bridge_features(torch.zeros(2, 8), torch.zeros(2, 8), 0.5)).all()


def test_sample_t_range_and_sharing():
    torch.manual_seed(0)
    shared = sample_t(16, (0.2, 0.4))
    assert shared.shape == (16, 1) and torch.all(shared == shared[0])
    assert 0.2 <= shared[0].item() <= 0.4
    own = sample_t(16, (0.2, 0.4), per_sample=True)
    assert own.unique().numel() > 1 and ((own >= 0.2) & (own <= 0.4)).all()
    with pytest.raises(ValueError, match="T_RANGE"):
        sample_t(4, (0.5, 1.5))


# ---------------------------------------------------------------- coarse contrastive alignment
def test_contrastive_loss_matches_a_hand_computed_two_pair_case():
    teacher = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    student = torch.tensor([[1.0, 1.0], [0.0, 2.0]])  # cos to its teacher: 1/sqrt(2) and 1
    tau = 0.5
    r = 1 / math.sqrt(2)
    # anchors in order t1, t2, s1, s2; sims to the three others, the positive first
    rows = [
        (r, [0.0, r, 0.0]),  # t1: pos s1; others t2, s1, s2
        (1.0, [0.0, r, 1.0]),  # t2: pos s2; others t1, s1, s2
        (r, [r, r, r]),  # s1: pos t1; others t1, t2, s2
        (1.0, [0.0, 1.0, r]),  # s2: pos t2; others t1, t2, s1
    ]
    weighted, plain = 0.0, 0.0
    for pos, others in rows:
        term = -math.log(math.exp(pos / tau) / sum(math.exp(s / tau) for s in others))
        weighted += (1 - pos) * term / 4
        plain += term / 4
    got = weighted_contrastive_alignment_loss(student, teacher, temperature=tau)
    assert got.item() == pytest.approx(weighted, abs=1e-6)
    got_plain = weighted_contrastive_alignment_loss(student, teacher, temperature=tau, weighted=False)
    assert got_plain.item() == pytest.approx(plain, abs=1e-6)


def test_contrastive_loss_is_scale_invariant_and_checks_inputs():
    torch.manual_seed(0)
    s, t = torch.randn(4, 8), torch.randn(4, 8)
    assert torch.allclose(weighted_contrastive_alignment_loss(s, t), weighted_contrastive_alignment_loss(3 * s, t))
    with pytest.raises(ValueError, match="TEMPERATURE"):
        weighted_contrastive_alignment_loss(s, t, temperature=0.0)
    with pytest.raises(ValueError, match="shapes"):
        weighted_contrastive_alignment_loss(s, t[:3])


# ---------------------------------------------------------------- reconstruction
def test_reconstruction_loss_reductions():
    recon = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    target = torch.tensor([[0.0, 0.0], [0.0, 2.0]])
    assert reconstruction_loss(recon, target).item() == pytest.approx((1 + 4) / 2)
    assert reconstruction_loss(recon, target, "mean").item() == pytest.approx((1 + 4) / 4)
    with pytest.raises(ValueError, match="REDUCTION"):
        reconstruction_loss(recon, target, "max")


# ---------------------------------------------------------------- the VAE and the head
@pytest.mark.parametrize("kind", ["softplus", "logvar"])
def test_vae_sigma_is_always_positive(kind):
    torch.manual_seed(0)
    vae = BridgeVAE(32, hidden_dim=16, latent_dim=4, sigma=kind)
    post = vae.encode(torch.randn(10, 32) * 1e4)
    assert (post.sigma > 0).all() and torch.isfinite(post.sigma).all()
    out = vae(torch.randn(3, 32))
    assert out.recon.shape == (3, 32) and out.z.shape == (3, 4)
    vae.eval()
    post = vae.encode(torch.ones(2, 32))
    assert torch.equal(vae.sample(post), post.mu)  # deterministic at inference


def test_raw_sigma_is_the_layer_output_of_any_sign():
    """SIGMA raw (published): sigma is the encoder layer's output as it is, negative values included."""
    torch.manual_seed(0)
    vae = BridgeVAE(32, hidden_dim=16, latent_dim=4, sigma="raw")
    x = torch.randn(64, 32)
    post = vae.encode(x)
    assert torch.equal(post.sigma, vae.enc_sigma(torch.relu(vae.enc_hidden(x))))
    assert (post.sigma < 0).any() and (post.sigma > 0).any() and vae.signed_sigma
    assert not BridgeVAE(32, sigma="softplus").signed_sigma


def test_vae_rejects_unknown_options():
    with pytest.raises(ValueError, match="SIGMA"):
        BridgeVAE(8, sigma="exp")
    with pytest.raises(ValueError, match="DECODER_OUT"):
        BridgeVAE(8, decoder_out="tanh")


def _head(**kwargs) -> BFGHead:
    args = dict(feat_dim=16, embedding_dim=0, num_classes=5, neck_feat="before", pool_type="GlobalAvgPool",
                cls_type="Linear", scale=1, margin=0.0, with_bnneck=True, norm_type="BN")
    args.update(kwargs)
    return BFGHead(**args)


def test_bfg_head_outputs_and_stats_free_classification():
    torch.manual_seed(0)
    head = _head().train()
    feats = torch.randn(6, 16, 1, 1)
    targets = torch.tensor([0, 0, 1, 1, 2, 2])
    out = head(feats, targets)
    assert set(out) == {"cls_outputs", "pred_class_logits", "features", "pool_feat"}
    assert torch.equal(out["pool_feat"], feats[..., 0, 0])
    bn = head.bottleneck[0]
    mean_before, var_before = bn.running_mean.clone(), bn.running_var.clone()
    logits = head.classify(torch.randn(6, 16) * 5 + 3, targets)
    assert logits["cls_outputs"].shape == (6, 5)
    assert torch.equal(bn.running_mean, mean_before) and torch.equal(bn.running_var, var_before)
    detached = head.classify(torch.randn(6, 16, requires_grad=True), targets, detach=True)
    detached["cls_outputs"].sum().backward()
    assert head.weight.grad is None  # warm-up: the classifier is a constant
    head.eval()
    assert head(feats).shape == (6, 16)  # inference: the BNNeck feature, as FastReID's EmbeddingHead


def test_bfg_head_vae_input_is_normalised():
    head = _head()
    x = torch.randn(4, 16) * 7
    assert torch.allclose(head.vae_input(x).norm(dim=1), torch.ones(4), atol=1e-5)
    assert torch.equal(_head(bfg_norm_input=False).vae_input(x), x)
