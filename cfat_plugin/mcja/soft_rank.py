"""Soft ranks (Blondel et al., "Fast Differentiable Sorting and Ranking", ICML 2020), l2-regularised.

MCJA's CMR loss ranks each query's gallery distances with ``torchsort.soft_rank(..., "l2", 0.5)``.
``torchsort`` is a C++ extension without wheels; when it is not importable this module computes the
same operator in PyTorch: the soft rank of ``x`` is ``z - v(z - w)`` with ``z = x / strength`` sorted
descending, ``w = (n, ..., 1)`` and ``v`` the non-increasing isotonic regression of ``z - w``, solved
by pool-adjacent-violators (PAV). Its Jacobian is block-averaging over PAV's blocks, so the backward
pass is ``g - blockmean(g)``, as torchsort's. Blocks are merged on ties the way torchsort's kernel
merges them, so both agree value for value and gradient for gradient (tested within 1e-5).
Ranks are ascending: the smallest value gets (softly) rank 1, the largest rank n.

torchsort imports without its CUDA kernel when it was built without ``nvcc`` (``make install``
builds it for the CPU unless ``TORCHSORT_CUDA=1``): its CUDA entries are then a Python stub that
raises on first use. So ``auto`` asks whether the installed torchsort has the compiled kernels for
the tensor's device (:func:`torchsort_supports`) and otherwise uses the PyTorch twin, said once in
the log per device.
"""
from __future__ import annotations

import functools
import logging
import types
from typing import List

import torch

logger = logging.getLogger(__name__)

BACKENDS = ("auto", "torchsort", "torch")
_announced = set()


@functools.lru_cache(maxsize=None)  # asked twice per training step; a failed import is not remembered by Python
def torchsort_available() -> bool:
    """Whether the ``torchsort`` extension imports (it builds from source; see projects/MCJA/README.md)."""
    try:
        import torchsort  # noqa: F401
    except Exception:  # ImportError, or an extension built against another torch
        return False
    return True


def torchsort_supports(device_type: str) -> bool:
    """Whether the installed torchsort has its compiled l2 kernels, forward and backward, for
    ``device_type`` (``cpu``, ``cuda``); a torchsort built without CUDA holds a Python stub there."""
    if not torchsort_available():
        return False
    try:
        from torchsort import ops
    except Exception:  # a torchsort laid out otherwise: trust only what can be checked
        return False
    kernels = [getattr(ops, name, {}).get(device_type) for name in ("isotonic_l2", "isotonic_l2_backward")]
    return all(k is not None and not isinstance(k, types.FunctionType) for k in kernels)


def choose_backend(backend: str, device: torch.device) -> str:
    """``torchsort`` or ``torch`` for a tensor on ``device``: ``auto`` takes torchsort where it has the
    device's kernel, else the PyTorch twin (announced once per reason); the others are taken as given."""
    if backend not in BACKENDS:
        raise ValueError(f"soft rank backend {backend!r}; choose one of {BACKENDS}")
    if backend != "auto":
        return backend
    if torchsort_supports(device.type):
        return "torchsort"
    if not torchsort_available():
        _announce("torchsort is not installed: the CMR loss uses the PyTorch soft rank (same values; "
                  "slower on long rows). Build it with `make torchsort` (projects/MCJA/README.md).")
    else:
        _announce(f"torchsort is installed without its {device.type.upper()} kernel: the CMR loss uses the "
                  f"PyTorch soft rank on {device.type} (same values). On a GPU machine build it with "
                  "`TORCHSORT_CUDA=1 make torchsort` (projects/MCJA/README.md).")
    return "torch"


def _pav_decreasing(y: List[float]) -> List[float]:
    """Non-increasing isotonic regression of ``y`` (least squares) by pool-adjacent-violators.

    A block is merged into the one before it while its mean is not smaller (``<=``, torchsort's rule)."""
    sums: List[float] = []
    counts: List[int] = []
    for value in y:
        sums.append(value)
        counts.append(1)
        while len(sums) > 1 and sums[-2] / counts[-2] <= sums[-1] / counts[-1]:
            s, c = sums.pop(), counts.pop()
            sums[-1] += s
            counts[-1] += c
    out: List[float] = []
    for s, c in zip(sums, counts):
        out += [s / c] * c
    return out


def _block_mean(sol: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """Per row, ``grad`` averaged over the runs of equal consecutive values of ``sol`` (PAV's blocks)."""
    out = torch.empty_like(grad)
    for b in range(sol.shape[0]):
        row, start, n = sol[b].tolist(), 0, sol.shape[1]
        while start < n:
            end = start + 1
            while end < n and row[end] == row[start]:
                end += 1
            out[b, start:end] = grad[b, start:end].mean()
            start = end
    return out


class _SoftRankL2(torch.autograd.Function):
    """The l2 soft rank with its exact (block-averaging) gradient."""

    @staticmethod
    def forward(ctx, values: torch.Tensor, strength: float) -> torch.Tensor:
        n = values.shape[1]
        w = torch.arange(n, 0, -1, dtype=values.dtype, device=values.device).expand_as(values)
        s, perm = torch.sort(values / strength, dim=1, descending=True)
        y = (s - w).detach().to("cpu", torch.float64)
        sol = torch.tensor([_pav_decreasing(row) for row in y.tolist()], dtype=torch.float64)
        sol = sol.to(values.device, values.dtype)
        inv = torch.empty_like(perm).scatter_(1, perm, torch.arange(n, device=perm.device).expand_as(perm))
        ctx.save_for_backward(sol, perm, inv)
        ctx.strength = strength
        return (s - sol).gather(1, inv)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        sol, perm, inv = ctx.saved_tensors
        grad = grad_output - _block_mean(sol, grad_output.gather(1, perm)).gather(1, inv)
        return grad / ctx.strength, None


def soft_rank_torch(values: torch.Tensor, strength: float = 1.0) -> torch.Tensor:
    """The l2 soft rank of each row of a 2-d ``values``, in PyTorch (the fallback for torchsort)."""
    if values.dim() != 2:
        raise ValueError(f"soft_rank wants a 2-d tensor (one row per query), got shape {tuple(values.shape)}")
    return _SoftRankL2.apply(values, float(strength))


def _announce(message: str) -> None:
    if message not in _announced:
        _announced.add(message)
        logger.warning(message)


def soft_rank(values: torch.Tensor, strength: float = 1.0, backend: str = "auto") -> torch.Tensor:
    """Ascending l2 soft ranks of each row: ``torchsort`` where it has the kernel of ``values``'s device
    (``auto``), else the PyTorch PAV (announced once in the log); ``backend`` ``torchsort`` or ``torch``
    forces one."""
    if choose_backend(backend, values.device) == "torchsort":
        import torchsort

        return torchsort.soft_rank(values, regularization="l2", regularization_strength=strength)
    return soft_rank_torch(values, strength)
