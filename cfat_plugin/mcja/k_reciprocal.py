"""k-reciprocal re-ranking (Zhong et al., CVPR 2017) on top-k neighbour lists and sparse encodings.

MSER re-ranks a stacked set of ``n`` images (queries, then the gallery seen four times). Written
densely, the Jaccard step compares every query with every image over ``n`` columns: queries x n^2
operations, about 18 minutes for one SYSU-MM01 multi-shot trial. Here, as in the published code
(its inverted index), only what is non-zero is touched:

- distances are computed in row blocks and only each row's top ``K`` neighbours are kept
  (``K = max(k1 + 1, k2)``), with each row's largest distance (the normalisation of the original
  distance) and the query-to-gallery block, the only part of the output;
- with neighbours drawn among the queries only, every row is compared with the queries only: a
  gallery image is then never anyone's k-reciprocal neighbour, so only query rows need their largest
  distance, and that comes out of the same product (it is symmetric);
- the encodings ``V`` are sparse (``k1 + 1`` entries a row, ``k2 (k1 + 1)`` after the local query
  expansion), and ``sum_k min(V_qk, V_gk)`` is summed over the columns both rows fill (an inverted
  index: per column, the queries and gallery images that use it).

Ties in the neighbour lists are broken by index order (a stable sort). The dense form is kept as
the reference this one is tested against (:mod:`.k_reciprocal_dense`).
"""
from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp
import torch

BLOCK_ROWS = 1024  # rows of the distance matrix computed at once (BLOCK_ROWS x n values)


def _squared_distances(a: torch.Tensor, b: torch.Tensor, a_sq: torch.Tensor, b_sq: torch.Tensor) -> torch.Tensor:
    return torch.addmm(a_sq[:, None] + b_sq[None, :], a, b.t(), alpha=-2.0).clamp_(min=0.0)


class _Neighbours:
    """Each row's ``K`` nearest (indices, squared distances) among the ranking columns, each row's largest
    distance where needed, and the (num_query, n - num_query) query-to-gallery distances."""

    def __init__(self, feats: torch.Tensor, num_query: int, K: int, query_neighbours_only: bool,
                 all_rows_max: bool) -> None:
        n, dtype = len(feats), feats.numpy().dtype  # distances in the features' precision
        sq = (feats * feats).sum(1)
        self.index = np.empty((n, K), dtype=np.int64)
        self.dist = np.empty((n, K), dtype=dtype)
        self.row_max = np.zeros(n, dtype=dtype)
        self.query_gallery = np.empty((num_query, n - num_query), dtype=dtype)
        ranked = num_query if query_neighbours_only else n  # the columns a neighbour list is drawn from
        columns = n if all_rows_max else num_query
        column_max = torch.full((columns,), -np.inf, dtype=feats.dtype)
        for start in range(0, n, BLOCK_ROWS):
            stop = min(n, start + BLOCK_ROWS)
            d = _squared_distances(feats[start:stop], feats[:columns], sq[start:stop], sq[:columns])
            if all_rows_max:
                self.row_max[start:stop] = d.max(1).values.numpy()
            else:
                column_max = torch.maximum(column_max, d.max(0).values)
            self._keep_nearest(d[:, :ranked], start, K, num_query if query_neighbours_only else None)
            if start < num_query and all_rows_max:
                q_stop = min(stop, num_query)
                self.query_gallery[start:q_stop] = d[:q_stop - start, num_query:].numpy()
            if stop > num_query and not all_rows_max:  # gallery rows against the queries: the transpose
                g_start = max(start, num_query)
                self.query_gallery[:, g_start - num_query:stop - num_query] = d[g_start - start:].t().numpy()
        if not all_rows_max:
            self.row_max[:num_query] = column_max.numpy()  # row q's largest distance is column q's

    def _keep_nearest(self, d: torch.Tensor, start: int, K: int, pad_from: int | None) -> None:
        """Sorted nearest ``K`` of each row of ``d``; a list longer than the ranked columns goes on with
        the other columns in index order (they all tie at the largest distance)."""
        rows = slice(start, start + len(d))
        k = min(K, d.shape[1])
        if k < d.shape[1]:
            values, index = torch.topk(d, k, dim=1, largest=False, sorted=True)
        else:
            values, index = torch.sort(d, dim=1, stable=True)
        self.index[rows, :k], self.dist[rows, :k] = index.numpy(), values.numpy()
        if k < K:  # only with neighbours among the queries, fewer queries than K
            self.index[rows, k:] = np.arange(pad_from, pad_from + K - k)
            self.dist[rows, k:] = np.nan  # never used: such rows' weights come from the padded pass below


def _reciprocal_mask(index: np.ndarray, n: int) -> np.ndarray:
    """``mask[i, p]``: is ``i`` in the list of its ``p``-th neighbour ``index[i, p]`` (same list length)?"""
    rows = np.repeat(np.arange(n, dtype=np.int64), index.shape[1])
    keys = np.sort(rows * n + index.ravel())
    back = index.ravel() * n + rows
    pos = np.minimum(np.searchsorted(keys, back), len(keys) - 1)
    return (keys[pos] == back).reshape(index.shape)


def _set_matrix(index: np.ndarray, mask: np.ndarray, n: int) -> sp.csr_matrix:
    rows = np.repeat(np.arange(n), index.shape[1]).reshape(index.shape)[mask]
    return sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, index[mask])), shape=(n, n))


def _expanded_sets(index: np.ndarray, k1: int, n: int) -> sp.csr_matrix:
    """Each row's k-reciprocal set grown by every member's half-size set that shares more than 2/3 of
    itself with the row's set (Zhong et al.'s expansion)."""
    full = index[:, :k1 + 1]
    half = index[:, :int(np.around(k1 / 2.0)) + 1]
    sets = _set_matrix(full, _reciprocal_mask(full, n), n)
    half_sets = _set_matrix(half, _reciprocal_mask(half, n), n)
    overlap = (half_sets @ sets.T).tocsr()  # [c, i]: |half set of c  and  set of i|
    sizes = np.asarray(half_sets.sum(axis=1)).ravel()
    members = sets.tocoo()
    shared = np.asarray(overlap[members.col, members.row]).ravel()
    keep = shared > 2.0 / 3 * sizes[members.col]
    accept = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.float32), (members.row[keep], members.col[keep])),
                           shape=(n, n))
    grown = (sets + accept @ half_sets).tocsr()
    grown.data[:] = 1.0
    return grown


def _pair_distances(feats: torch.Tensor, rows: np.ndarray, cols: np.ndarray, chunk: int = 16384) -> np.ndarray:
    """Squared distances of the pairs (rows[i], cols[i]) not kept in the lists, a chunk at a time."""
    out = [((feats[rows[i:i + chunk]] - feats[cols[i:i + chunk]]) ** 2).sum(1).numpy()
           for i in range(0, len(rows), chunk)]
    return np.concatenate(out) if out else np.zeros(0, dtype=feats.numpy().dtype)


def _encodings(nb: _Neighbours, feats: torch.Tensor, k1: int, expand: bool) -> sp.csr_matrix:
    """V: per row, exp(-original distance) over its k-reciprocal set, normalised to sum 1."""
    n = len(feats)
    if expand:
        sets = _expanded_sets(nb.index, k1, n).tocoo()
        rows, cols = sets.row, sets.col
        d = _pair_distances(feats, rows, cols)
    else:
        forward = nb.index[:, :k1 + 1]
        mask = _reciprocal_mask(forward, n)
        rows = np.repeat(np.arange(n), forward.shape[1]).reshape(forward.shape)[mask]
        cols, d = forward[mask], nb.dist[:, :k1 + 1][mask]
        if np.isnan(d).any():  # padded list entries: their distances were not kept
            lost = np.isnan(d)
            d[lost] = _pair_distances(feats, rows[lost], cols[lost])
    weight = np.exp(-(d / nb.row_max[rows]).astype(np.float32))  # the original distance, in float32
    totals = np.bincount(rows, weights=weight, minlength=n).astype(np.float32)
    return sp.csr_matrix((weight / totals[rows], (rows, cols)), shape=(n, n), dtype=np.float32)


def _local_expansion(V: sp.csr_matrix, index: np.ndarray, k2: int) -> sp.csr_matrix:
    """Each row replaced by the mean of its ``k2`` nearest rows' encodings."""
    n = V.shape[0]
    nearest = sp.csr_matrix((np.ones(n * k2, dtype=np.float32), (np.repeat(np.arange(n), k2), index[:, :k2].ravel())),
                            shape=(n, n))
    out = (nearest @ V).tocsr()
    out.data /= np.float32(k2)
    return out


@numba.njit(cache=True, nogil=True, parallel=True)
def _shared_mass_kernel(q_indptr, q_indices, q_data, g_indptr, g_indices, g_data, out):  # pragma: no cover
    for i in numba.prange(out.shape[0]):  # one query row per task: no two tasks write the same row
        row = out[i]
        for p in range(q_indptr[i], q_indptr[i + 1]):
            k, a = q_indices[p], q_data[p]
            for r in range(g_indptr[k], g_indptr[k + 1]):
                b = g_data[r]
                row[g_indices[r]] += a if a < b else b


def _shared_mass(queries: sp.csr_matrix, gallery: sp.csr_matrix) -> np.ndarray:
    """(num_query, num_gallery) ``sum_k min(Q_ik, G_jk)``: for each column a query fills, the gallery
    images that fill it too (the gallery's columns: an inverted index), compiled by numba."""
    out = np.zeros((queries.shape[0], gallery.shape[0]), dtype=np.float32)
    g = gallery.tocsc()
    numba.set_num_threads(max(1, min(torch.get_num_threads(), numba.config.NUMBA_NUM_THREADS)))
    _shared_mass_kernel(queries.indptr, queries.indices, queries.data, g.indptr, g.indices, g.data, out)
    return out


def k_reciprocal_rerank(feats: torch.Tensor, num_query: int, k1: int = 20, k2: int = 6, lambda_value: float = 0.3,
                        expand: bool = False, query_neighbours_only: bool = False) -> np.ndarray:
    """Re-ranked (num_query, n - num_query) distances of ``feats`` (n, d): the queries, then the gallery.
    Squared Euclidean distances, in float32 (as the published code) or, for float64 features, float64
    (as the dense reference); ``expand``: Zhong et al.'s neighbourhood expansion (left out by MSER);
    ``query_neighbours_only``: neighbour lists drawn among the queries (SYSU-MM01's MSER)."""
    dtype = torch.float64 if feats.dtype == torch.float64 else torch.float32
    feats = feats.detach().to("cpu", dtype).contiguous()
    n = len(feats)
    if not 0 < num_query < n:
        raise ValueError(f"need queries and gallery images: {num_query} queries of {n} images")
    K = min(n, max(k1 + 1, k2))
    # A gallery image can be a k-reciprocal neighbour, and so need its largest distance, unless the
    # lists are drawn among at least k1 + 1 queries.
    all_rows_max = not query_neighbours_only or num_query < k1 + 1
    with torch.no_grad():
        nb = _Neighbours(feats, num_query, K, query_neighbours_only, all_rows_max)
    V = _encodings(nb, feats, k1, expand)
    if k2 != 1:
        V = _local_expansion(V, nb.index, k2)
    shared = _shared_mass(V[:num_query], V[num_query:])
    jaccard = 1.0 - shared / (2.0 - shared)
    original = (nb.query_gallery / nb.row_max[:num_query, None]).astype(np.float32)
    return jaccard * (1.0 - lambda_value) + original * lambda_value
