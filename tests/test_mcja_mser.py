"""MSER (Multi-Spectral Enhanced Ranking): the k-reciprocal re-ranking it runs, sparse and dense, and its variants."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cfat_plugin.mcja.k_reciprocal import k_reciprocal_rerank
from cfat_plugin.mcja.k_reciprocal_dense import k_reciprocal_dense, squared_euclidean
from cfat_plugin.mcja.multi_spectral_ranking import ChannelReplica, channel_replica, mser_distance

# (queries, gallery, dim, k1, k2, neighbours among the queries only, expansion): MSER's forms, FastReID's,
# fewer queries than k1 + 1 (gallery images then enter the query-only lists, tied, in index order),
# k2 longer than the queries, no local expansion (k2 1), more queries than gallery images.
CASES = [(30, 50, 16, 5, 3, True, False), (30, 50, 16, 5, 3, False, False), (60, 100, 32, 20, 6, True, False),
         (60, 100, 32, 20, 6, False, False), (60, 100, 32, 40, 20, True, False), (50, 70, 32, 40, 20, False, False),
         (6, 15, 8, 4, 3, False, True), (60, 100, 32, 20, 6, False, True), (10, 40, 8, 20, 6, True, False),
         (5, 30, 8, 10, 12, True, False), (50, 30, 8, 10, 60, True, False), (40, 200, 64, 10, 1, False, False),
         (200, 40, 64, 10, 4, True, False)]


@pytest.mark.parametrize("nq, ng, dim, k1, k2, queries_only, expand", CASES)
def test_sparse_re_ranking_equals_the_dense_reference(nq, ng, dim, k1, k2, queries_only, expand):
    torch.manual_seed(nq * 1000 + ng + k1)
    feats = F.normalize(torch.randn(nq + ng, dim), dim=1)
    dense = k_reciprocal_dense(squared_euclidean(feats, feats), nq, k1, k2, 0.3, expand=expand,
                               query_neighbours_only=queries_only)
    sparse = k_reciprocal_rerank(feats, nq, k1, k2, 0.3, expand=expand, query_neighbours_only=queries_only)
    assert sparse.shape == (nq, ng) and np.abs(sparse - dense).max() < 2e-6


@pytest.mark.parametrize("queries_only", [True, False])
def test_sparse_re_ranking_in_float64_equals_the_dense_reference_at_mser_settings(queries_only):
    """2048-d features, SYSU-MM01's k1 40, k2 20, four gallery variants. Such distances crowd near 2, so
    float32 orders a few near-ties the other way; in float64 (the reference's precision) both agree."""
    torch.manual_seed(3)
    feats = F.normalize(torch.randn(150 + 4 * 60, 2048), dim=1).double()
    dense = k_reciprocal_dense(squared_euclidean(feats, feats), 150, 40, 20, 0.3, query_neighbours_only=queries_only)
    sparse = k_reciprocal_rerank(feats, 150, 40, 20, 0.3, query_neighbours_only=queries_only)
    assert np.abs(sparse - dense).max() < 2e-6


def test_with_expansion_and_all_neighbours_it_is_fastreids_re_ranking():
    from fastreid.evaluation.rerank import re_ranking

    torch.manual_seed(0)
    feats = torch.cat([torch.randn(6, 8), torch.randn(15, 8)])
    ours = k_reciprocal_rerank(feats, 6, k1=4, k2=3, lambda_value=0.3, expand=True)
    sq = np.sqrt(np.maximum(squared_euclidean(feats, feats), 0))  # FastReID squares the distances it is given
    theirs = re_ranking(sq[:6, 6:], sq[:6, :6], sq[6:, 6:], k1=4, k2=3, lambda_value=0.3)
    assert np.allclose(ours, theirs, atol=1e-5)


def test_re_ranking_refuses_a_set_without_queries_or_gallery():
    with pytest.raises(ValueError, match="queries and gallery"):
        k_reciprocal_rerank(torch.randn(5, 4), 5)


def test_channel_replica():
    images = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).view(2, 3, 2, 2)
    green = channel_replica(images, 1)
    assert torch.equal(green[:, 0], images[:, 1]) and torch.equal(green[:, 2], images[:, 1])
    seen = []
    ChannelReplica(lambda batch: seen.append(batch["images"]), "b")({"images": images})
    assert torch.equal(seen[0][:, 1], images[:, 2])


def test_mser_toy_two_people():
    """Two infrared queries (A, B) and a visible gallery (A, B) whose replicas agree with the original: the
    averaged distances keep each query nearest its own identity, and one gallery variant equals the plain
    query-neighbour re-ranking."""
    a, b = torch.tensor([1.0, 0.1, 0.0]), torch.tensor([0.0, 0.1, 1.0])
    queries = torch.stack([a + 0.05, b - 0.05])
    gallery = torch.stack([a, b])
    replicas = [gallery, gallery + 0.01, gallery - 0.01, gallery * 1.1]
    dist = mser_distance([queries], replicas, k1=2, k2=1, lambda_value=0.3)
    assert dist.shape == (2, 2)
    assert dist[0, 0] < dist[0, 1] and dist[1, 1] < dist[1, 0]
    single = mser_distance([queries], [gallery], k1=2, k2=1, lambda_value=0.3)
    feats = F.normalize(torch.cat([queries, gallery]), dim=1)
    direct = k_reciprocal_rerank(feats, 2, 2, 1, 0.3, query_neighbours_only=True)
    assert np.allclose(single, direct)
    v2i = mser_distance([gallery] * 4, [queries], k1=2, k2=1, lambda_value=0.3)  # visible queries, IR gallery
    assert v2i.shape == (2, 2) and v2i[0, 0] < v2i[0, 1]


def test_mser_neighbour_set():
    """``neighbours``: the queries (SYSU-MM01's published call) or the whole stacked set (RegDB's)."""
    torch.manual_seed(1)
    queries, variants = torch.randn(12, 8), [torch.randn(10, 8) for _ in range(4)]
    feats = F.normalize(torch.cat([queries] + variants), dim=1)
    for neighbours, queries_only in (("queries", True), ("all", False)):
        dense = k_reciprocal_dense(squared_euclidean(feats, feats), 12, 4, 3, 0.2, query_neighbours_only=queries_only)
        got = mser_distance([queries], variants, 4, 3, 0.2, neighbours=neighbours)
        assert np.allclose(got, dense.reshape(12, 4, 10).mean(axis=1), atol=2e-6)
    with pytest.raises(ValueError, match="neighbours"):
        mser_distance([queries], variants, 4, 3, 0.2, neighbours="gallery")
