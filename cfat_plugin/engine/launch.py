"""Launching on torch.distributed: spawned processes, torchrun, or SLURM; NCCL on GPUs, gloo on CPUs.

FastReID's ``launch`` spawns NCCL processes only and ignores torchrun's
environment. This launcher keeps its signature and its process-group set-up
(FastReID's ``comm`` helpers keep working) and adds:

- ``MODEL.DEVICE cpu`` (or no GPU): the gloo backend, N CPU processes;
- torchrun / torch.distributed.run: ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
  ``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``/``MASTER_PORT`` are read, nothing is spawned;
- SLURM (``srun``): ``SLURM_PROCID``, ``SLURM_NTASKS``, ``SLURM_LOCALID``,
  ``SLURM_NTASKS_PER_NODE`` are mapped onto the same variables (set
  ``MASTER_ADDR``/``MASTER_PORT`` in the job script).
"""
import logging
import os
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from fastreid.utils import comm

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterEnv:
    """Where this process sits, as an external launcher told it."""

    rank: int
    world_size: int
    local_rank: int
    local_world_size: int
    source: str


def cluster_env(environ=os.environ) -> Optional[ClusterEnv]:
    """The torchrun or SLURM placement of this process, if it was started by one (world > 1)."""
    if "RANK" in environ and "WORLD_SIZE" in environ and int(environ["WORLD_SIZE"]) > 1:
        world = int(environ["WORLD_SIZE"])
        return ClusterEnv(int(environ["RANK"]), world, int(environ.get("LOCAL_RANK", 0)),
                          int(environ.get("LOCAL_WORLD_SIZE", world)), "torchrun")
    if "SLURM_PROCID" in environ and int(environ.get("SLURM_NTASKS", "1")) > 1:
        world = int(environ["SLURM_NTASKS"])
        per_node = int(str(environ.get("SLURM_NTASKS_PER_NODE", world)).split("(")[0])
        return ClusterEnv(int(environ["SLURM_PROCID"]), world, int(environ.get("SLURM_LOCALID", 0)),
                          per_node, "slurm")
    return None


def choose_backend(device: str) -> str:
    """NCCL when the model runs on CUDA GPUs, gloo otherwise."""
    return "nccl" if str(device).startswith("cuda") and torch.cuda.is_available() else "gloo"


def share_cpu_threads(local_world_size: int) -> int:
    """Give each of ``local_world_size`` CPU processes its share of the cores (unless OMP_NUM_THREADS says).

    Every process otherwise starts as many OpenMP threads as there are cores; on an over-subscribed
    machine they spin-wait at each parallel region and a training step gets several times slower
    (measured on 2 cores: 3.9 s alone, 35.9 s beside another 2-thread process). torchrun sets
    OMP_NUM_THREADS=1 for the same reason.
    """
    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(1, local_world_size)))
    return torch.get_num_threads()


def _init_group(backend: str, init_method: str, rank: int, world_size: int, local_rank: int,
                local_world_size: int) -> None:
    dist.init_process_group(backend=backend, init_method=init_method, world_size=world_size, rank=rank)
    if backend == "nccl":
        torch.cuda.set_device(local_rank)
    else:
        share_cpu_threads(local_world_size)
    comm.synchronize()
    # FastReID's comm needs the group of the processes on this machine.
    assert comm._LOCAL_PROCESS_GROUP is None
    for machine in range(world_size // local_world_size):
        ranks = list(range(machine * local_world_size, (machine + 1) * local_world_size))
        group = dist.new_group(ranks)
        if rank in ranks:
            comm._LOCAL_PROCESS_GROUP = group


def _spawned_worker(local_rank: int, main_func: Callable, backend: str, world_size: int,
                    num_per_machine: int, machine_rank: int, dist_url: str, args: Sequence) -> None:
    rank = machine_rank * num_per_machine + local_rank
    _init_group(backend, dist_url, rank, world_size, local_rank, num_per_machine)
    try:
        main_func(*args)
    finally:
        dist.destroy_process_group()


def launch(main_func: Callable, num_processes_per_machine: int, num_machines: int = 1,
           machine_rank: int = 0, dist_url: Optional[str] = None, args: Sequence = (),
           device: str = "cuda") -> None:
    """Run ``main_func(*args)`` on one process, N spawned processes, or under torchrun/SLURM.

    ``num_processes_per_machine`` is FastReID's ``--num-gpus``: GPUs per
    machine, or CPU processes when ``device`` is ``cpu``.
    """
    env = cluster_env()
    backend = choose_backend(device)
    if env is not None:
        logger.info(f"{env.source}: rank {env.rank}/{env.world_size}, local rank {env.local_rank}, {backend}")
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")  # the rendezvous of a single-machine launch
        os.environ.setdefault("MASTER_PORT", "29500")
        _init_group(backend, "env://", env.rank, env.world_size, env.local_rank, env.local_world_size)
        try:
            main_func(*args)
        finally:
            dist.destroy_process_group()
        return
    world_size = num_machines * num_processes_per_machine
    if world_size == 1:
        main_func(*args)
        return
    if backend == "nccl" and num_processes_per_machine > torch.cuda.device_count():
        raise RuntimeError(f"--num-gpus {num_processes_per_machine} but only {torch.cuda.device_count()} "
                           f"GPUs are visible; use MODEL.DEVICE cpu for CPU processes")
    if dist_url in (None, "auto"):
        if num_machines != 1:
            raise ValueError("multi-machine jobs need an explicit --dist-url tcp://HOST:PORT")
        from fastreid.engine.launch import _find_free_port

        dist_url = f"tcp://127.0.0.1:{_find_free_port()}"
    mp.spawn(_spawned_worker, nprocs=num_processes_per_machine, daemon=False,
             args=(main_func, backend, world_size, num_processes_per_machine, machine_rank, dist_url, args))


def world_size_of_launch(num_processes_per_machine: int, num_machines: int) -> int:
    """The world size a launch will have (an external launcher's, when there is one)."""
    env = cluster_env()
    return env.world_size if env is not None else num_processes_per_machine * num_machines
