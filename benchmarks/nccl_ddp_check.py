#!/usr/bin/env python
"""DistributedDataParallel over NCCL through the plugin's ``launch``: are the gradients one process's?

Each process takes its shard of one fixed batch; after backward, DDP's averaged
gradients must equal those of the whole batch on a single process. Needs as
many GPUs as processes: NCCL refuses two ranks on one GPU, and on a one-GPU
machine the script says so and shows NCCL's own answer to that.

    python benchmarks/nccl_ddp_check.py              # all visible GPUs (at least 2)
"""
import copy
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cfat_plugin  # noqa: E402,F401
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402
from cfat_plugin.engine.launch import launch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.parallel import DistributedDataParallel  # noqa: E402

PER_RANK = 8


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))


def _batch(world: int):
    g = torch.Generator().manual_seed(1)
    return torch.randn(PER_RANK * world, 16, generator=g), torch.randn(PER_RANK * world, 4, generator=g)


def ddp_gradients_match() -> None:
    """Run in every process: DDP step on this rank's shard, compared with the whole batch on one model."""
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device("cuda", torch.cuda.current_device())
    model = _model().to(device)
    reference = copy.deepcopy(model)
    ddp = DistributedDataParallel(model, device_ids=[device.index])
    x, y = (t.to(device) for t in _batch(world))
    shard = slice(rank * PER_RANK, (rank + 1) * PER_RANK)
    ((ddp(x[shard]) - y[shard]) ** 2).mean().backward()
    ((reference(x) - y) ** 2).mean().backward()
    worst = max((a.grad - b.grad).abs().max().item() for a, b in zip(model.parameters(), reference.parameters()))
    print(f"rank {rank}/{world} on {torch.cuda.get_device_name(device)} ({dist.get_backend()}): "
          f"largest gradient difference to one process {worst:.2e} -> {'OK' if worst < 1e-5 else 'MISMATCH'}",
          flush=True)


def _same_gpu_worker(rank: int, world: int, port: int) -> None:
    torch.cuda.set_device(0)
    dist.init_process_group("nccl", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        ddp_gradients_match()
    finally:
        dist.destroy_process_group()


def main() -> None:
    gpus = torch.cuda.device_count()
    print(f"visible GPUs: {gpus}, NCCL {torch.cuda.nccl.version()}", flush=True)
    if gpus >= 2:
        launch(ddp_gradients_match, gpus, device="cuda")
        return
    print("one GPU: the plugin's launch refuses --num-gpus 2 (NCCL needs a GPU per process); "
          "probing NCCL with two processes on GPU 0:", flush=True)
    from fastreid.engine.launch import _find_free_port

    try:
        mp.spawn(_same_gpu_worker, nprocs=2, args=(2, _find_free_port()))
    except Exception as exc:  # NCCL's answer is the finding
        print(f"NCCL with two processes on one GPU: {type(exc).__name__}: {str(exc).strip()[-600:]}")


if __name__ == "__main__":
    main()
