"""Distance computations of FastReID that break on torch 2 or without a GPU."""
import functools

import torch

from .patching import wrap_method_once


@torch.no_grad()
def compute_euclidean_distance(features: torch.Tensor, others: torch.Tensor):
    """Squared Euclidean distances, as FastReID's, with the keyword ``addmm_`` overload."""
    m, n = features.size(0), others.size(0)
    dist = (features.pow(2).sum(dim=1, keepdim=True).expand(m, n)
            + others.pow(2).sum(dim=1, keepdim=True).expand(n, m).t())
    dist.addmm_(features, others.t(), beta=1, alpha=-2)
    return dist.cpu().numpy()


def fix_addmm_overload() -> None:
    """Use ``addmm_(mat1, mat2, beta=, alpha=)``.

    Symptom: every evaluation with ``TEST.METRIC euclidean`` warns "This
    overload of addmm_ is deprecated" (torch 2.x; the positional
    ``addmm_(beta, alpha, mat1, mat2)`` overload that FastReID's
    ``compute_euclidean_distance`` uses is slated for removal, after which it
    raises ``TypeError``).
    """
    import fastreid.utils.compute_dist as compute_dist

    wrap_method_once(compute_dist, "compute_euclidean_distance", lambda original: compute_euclidean_distance)


def _gpu_search_available() -> bool:
    import faiss

    return torch.cuda.is_available() and hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0


def fix_rerank_on_cpu() -> None:
    """Run k-reciprocal re-ranking with faiss-cpu when faiss has no GPU.

    Symptom: ``TEST.RERANK.ENABLED True`` crashes on CPU / with faiss-cpu
    ("Found no NVIDIA driver on your system" with torch's CUDA wheel, "Torch
    not compiled with CUDA enabled" with its CPU wheel, or ``faiss`` has no
    ``StandardGpuResources``): ``build_dist(metric="jaccard")`` always asks for
    ``search_option=0`` (GPU). The CPU path (``search_option=3``) already exists
    in FastReID; this selects it when no GPU search is possible.
    """
    import fastreid.utils.compute_dist as compute_dist

    def cpu_search_without_gpu(original):
        @functools.wraps(original)
        @torch.no_grad()
        def compute_jaccard_distance(features, k1=20, k2=6, search_option=0, fp16=False):
            if search_option < 3 and not _gpu_search_available():
                search_option = 3
                features = features.cpu()
            return original(features, k1=k1, k2=k2, search_option=search_option, fp16=fp16)
        return compute_jaccard_distance

    wrap_method_once(compute_dist, "compute_jaccard_distance", cpu_search_without_gpu)
