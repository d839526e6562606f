"""MSER (Multi-Spectral Enhanced Ranking): the k-reciprocal re-ranking it runs, and its variants."""
import numpy as np
import torch

from cfat_plugin.mcja.multi_spectral_ranking import (ChannelReplica, _squared_euclidean, channel_replica,
                                                     k_reciprocal_distance, mser_distance)


def test_with_expansion_and_all_neighbours_it_is_fastreids_re_ranking():
    from fastreid.evaluation.rerank import re_ranking

    torch.manual_seed(0)
    q, g = torch.randn(6, 8), torch.randn(15, 8)
    feats = torch.cat([q, g])
    squared = _squared_euclidean(feats, feats)
    ours = k_reciprocal_distance(squared, 6, k1=4, k2=3, lambda_value=0.3, expand=True)
    sq = np.sqrt(np.maximum(squared, 0))  # FastReID squares the distances it is given
    theirs = re_ranking(sq[:6, 6:], sq[:6, :6], sq[6:, 6:], k1=4, k2=3, lambda_value=0.3)
    assert np.allclose(ours, theirs, atol=1e-5)


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
    feats = torch.nn.functional.normalize(torch.cat([queries, gallery]), dim=1)
    direct = k_reciprocal_distance(_squared_euclidean(feats, feats), 2, 2, 1, 0.3, query_neighbours_only=True)
    assert np.allclose(single, direct)
    v2i = mser_distance([gallery] * 4, [queries], k1=2, k2=1, lambda_value=0.3)  # visible queries, IR gallery
    assert v2i.shape == (2, 2) and v2i[0, 0] < v2i[0, 1]
