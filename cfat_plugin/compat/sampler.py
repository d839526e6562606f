"""Identity samplers that hang forever on an impossible batch layout."""
import functools

ORIGINAL_INITS = {}


class BatchLayoutError(ValueError):
    """The per-process batch cannot be filled with whole identities."""


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


def fix_identity_sampler_hang() -> None:
    """Fail fast where ``NaiveIdentitySampler``/``BalancedIdentitySampler`` would hang.

    Symptom (fast-reid #552): training stalls at the first iteration with no
    message when the per-process batch is not a multiple of
    ``DATALOADER.NUM_INSTANCE`` (or there are fewer identities than one batch
    needs): the sampler's generator never reaches a full batch.
    """
    from fastreid.data.samplers import triplet_sampler
    from fastreid.utils import comm

    for cls in (triplet_sampler.NaiveIdentitySampler, triplet_sampler.BalancedIdentitySampler):
        if cls in ORIGINAL_INITS:
            continue
        original = ORIGINAL_INITS[cls] = cls.__init__

        @functools.wraps(original)
        def __init__(self, data_source, mini_batch_size, num_instances, *args,
                     _original=original, **kwargs):
            num_ids = len({item[1] for item in data_source})
            check_identity_batch(mini_batch_size, num_instances, num_ids, comm.get_world_size())
            _original(self, data_source, mini_batch_size, num_instances, *args, **kwargs)

        cls.__init__ = __init__
