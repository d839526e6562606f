"""CFFA's losses and modules on constructed cases: ITC's diagonal targets, SDM's target distribution, MAL's margin and batch
constant, ID, IRR's masking (at least one word a caption), FLFR's top-k selection, text augmentation."""
import math

import pytest
import torch
import torch.nn.functional as F

from cfat_plugin.cffa.flfr import FLFRHead, select_top_k
from cfat_plugin.cffa.irr import IRRHead, mask_words
from cfat_plugin.cffa.losses import id_loss, irr_loss, itc_loss, mal_coefficient, mal_loss, sdm_loss
from cfat_plugin.cffa.losses.irr_loss import IGNORE
from cfat_plugin.cffa.text_augmentation import augment_text


def test_sdm_is_the_kl_to_the_identity_distribution():
    pids = torch.tensor([0, 0, 1])
    image = torch.eye(3)
    text = torch.eye(3)
    tau = 0.5
    q = torch.tensor([[.5, .5, 0], [.5, .5, 0], [0, 0, 1]])
    p = (torch.eye(3) / tau).softmax(1)
    expected = 2 * (p * (p.log() - torch.log(q + 1e-8))).sum(1).mean()
    assert torch.isclose(sdm_loss(image, text, pids, tau), expected)
    # when the predicted distribution is the target distribution, the loss is ~0
    same = torch.tensor([[1., 0], [1., 0], [0., 1.]])
    assert sdm_loss(same, same, pids, tau=1e-3) < 1e-4


def test_itc_is_the_cross_entropy_of_each_pair_against_the_batch():
    # two pairs, cosine 1 with the own caption and 0 with the other: each row's softmax gives the own
    # caption e^(1/tau) / (e^(1/tau) + 1), in both directions
    image = torch.tensor([[2., 0], [0., 3.]])
    text = torch.tensor([[1., 0], [0., 1.]])
    tau = 0.5
    expected = -math.log(math.exp(2) / (math.exp(2) + 1))
    assert math.isclose(itc_loss(image, text, tau).item(), expected, rel_tol=1e-6)
    # a same-identity pair is still a negative: swapping the captions raises the loss above log 2 (chance)
    assert itc_loss(image, text.flip(0), tau) > math.log(2)


def test_mal_constant_is_floor_of_one_over_b_and_a_zero_is_refused():
    assert mal_coefficient(64) == 0.015 and mal_coefficient(3) == 0.333 and mal_coefficient(1000) == 0.001
    with pytest.raises(ValueError, match="1001 makes its constant c"):
        mal_coefficient(1001)


def test_mal_is_the_margin_when_positive_and_negative_terms_cancel():
    # orthogonal features: S = I, alpha puts all weight on the diagonal; negatives all at similarity 0
    b, tau, margin = 4, 0.015, 0.1
    feats = torch.eye(b)
    c = mal_coefficient(b)
    per_row = max(0.0, -1.0 + c * math.log(b - 1) + margin)
    assert torch.isclose(mal_loss(feats, feats, torch.arange(b), tau, margin), torch.tensor(2 * b * per_row))
    # a hard negative (the same vector for two ids) makes it positive: S_ij = 1 for a negative
    hard = torch.tensor([[1., 0], [1., 0]])
    expected = 2 * 2 * (-1 + 0.5 * (1 / tau) + margin)
    assert torch.isclose(mal_loss(hard, hard, torch.tensor([0, 1]), tau, margin), torch.tensor(expected), rtol=1e-5)


def test_id_loss_averages_both_modalities():
    logits = torch.tensor([[2., 0.], [0., 2.]])
    pids = torch.tensor([0, 0])
    expected = (F.cross_entropy(logits, pids) + F.cross_entropy(logits.flip(0), pids)) / 2
    assert torch.isclose(id_loss(logits, logits.flip(0), pids), expected)


def test_irr_masks_at_least_one_word_a_caption_and_scores_only_masked_ones():
    ids = torch.tensor([[101, 5, 6, 7, 102, 0], [101, 8, 102, 0, 0, 0]])
    words = torch.tensor([[0, 1, 1, 1, 0, 0], [0, 1, 0, 0, 0, 0]], dtype=torch.bool)
    masked, labels = mask_words(ids, words, prob=1e-9, mask_id=103, word_ids=(150, 200),
                                generator=torch.Generator().manual_seed(0))
    assert ((labels != IGNORE).sum(1) == 1).all() and ((labels != IGNORE) <= words).all()
    assert torch.equal(masked[~words], ids[~words])
    logits = torch.zeros(2, 6, 200)
    logits[..., 0] = 0  # uniform over the vocabulary: loss log(200)
    assert torch.isclose(irr_loss(logits, labels), torch.tensor(math.log(200)))
    head = IRRHead(16, 1, 2, 200)
    assert head(torch.randn(2, 6, 16), torch.randn(2, 9, 16)).shape == (2, 6, 200)


def test_flfr_keeps_the_top_k_allowed_tokens_by_attention():
    tokens = torch.arange(10.).view(1, 10, 1).expand(1, 10, 2)
    scores = torch.tensor([[.0, .9, .1, .8, .2, .7, .3, .6, .4, .5]])
    allowed = torch.ones(1, 10, dtype=torch.bool)
    allowed[0, 1] = False  # the most attended token is start/end: never selected
    selected, valid = select_top_k(tokens, scores, allowed, ratio=0.3)
    assert selected[0, :, 0].tolist() == [3., 5., 7.] and valid.all()
    few = torch.zeros(1, 10, dtype=torch.bool)
    few[0, 2] = True  # a one-word caption: only that word counts
    selected, valid = select_top_k(tokens, scores, few, ratio=0.3)
    assert valid[0].tolist() == [True, False, False] and selected[0, 0, 0] == 2
    head = FLFRHead(2, 4, 0.3).eval()
    assert head(tokens, scores, few).shape == (1, 4) and torch.isfinite(head(tokens, scores, few)).all()


def test_text_augmentation_leaves_specials_and_zero_probability_alone():
    ids = torch.tensor([[101] + list(range(1000, 1030)) + [102, 0, 0]])
    words = (ids >= 1000)
    assert augment_text(ids, words, 0.0, 103, (999, 30522)) is ids
    out = augment_text(ids, words, 1.0, 103, (999, 30522), generator=torch.Generator().manual_seed(0))
    assert out[0, 0] == 101 and out.shape == ids.shape and (out[0] == 102).sum() == 1
    assert (out[0] == 103).sum() > 0 and (out[0] == 0).sum() > 2  # masked and deleted words
    assert ((out[0] >= 999) | (out[0] == 103) | (out[0] == 101) | (out[0] == 102) | (out[0] == 0)).all()


def test_mal_is_satisfied_by_a_collapse_only_when_c_exceeds_tau():
    # every image equal, every text its opposite: all similarities -1, positives and negatives alike
    image = torch.ones(64, 4)
    text = -image
    pids = torch.arange(64)
    at_64 = mal_loss(image, text, pids, tau=0.015, margin=0.1)  # c = tau: -S + S + c log 63 + m > 0
    assert at_64 > 0
    assert mal_loss(image[:32], text[:32], pids[:32], tau=0.015, margin=0.1) == 0  # c = 0.031 > tau
