"""Whether P x K identity sampling can fill a batch: checked before a run rather than hanging in it."""
from .errors import BatchLayoutError


def check_identity_batch(mini_batch_size: int, num_instances: int, num_identities: int,
                         world_size: int = 1) -> None:
    """Raise :class:`BatchLayoutError` unless P x K sampling can fill a batch."""
    if num_instances <= 0 or mini_batch_size <= 0 or mini_batch_size % num_instances != 0:
        raise BatchLayoutError(
            f"SOLVER.IMS_PER_BATCH / world size = {mini_batch_size} images per process is not a "
            f"multiple of DATALOADER.NUM_INSTANCE = {num_instances} (world size {world_size}); the "
            f"identity sampler would wait forever for a full batch. Make IMS_PER_BATCH a multiple "
            f"of NUM_INSTANCE x world size = {max(num_instances, 1) * world_size}.")
    ids_per_batch = mini_batch_size // num_instances
    if num_identities < ids_per_batch:
        raise BatchLayoutError(
            f"A batch of {mini_batch_size} images with NUM_INSTANCE = {num_instances} needs "
            f"{ids_per_batch} identities, but the training set has only {num_identities}; the "
            f"identity sampler would wait forever. Lower SOLVER.IMS_PER_BATCH or raise "
            f"DATALOADER.NUM_INSTANCE.")
