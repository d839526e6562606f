"""Identity samplers that hang forever on an impossible batch layout."""
import functools

from ..utils.batch_layout import check_identity_batch
from .patching import wrap_method_once


def fix_identity_sampler_hang() -> None:
    """Fail fast where ``NaiveIdentitySampler``/``BalancedIdentitySampler`` would hang.

    Symptom (fast-reid #552): training stalls at the first iteration with no
    message when the per-process batch is not a multiple of
    ``DATALOADER.NUM_INSTANCE`` (or there are fewer identities than one batch
    needs): the sampler's generator never reaches a full batch.
    """
    from fastreid.data.samplers import triplet_sampler
    from fastreid.utils import comm

    def checked_layout(original):
        @functools.wraps(original)
        def __init__(self, data_source, mini_batch_size, num_instances, *args, **kwargs):
            num_ids = len({item[1] for item in data_source})
            check_identity_batch(mini_batch_size, num_instances, num_ids, comm.get_world_size())
            original(self, data_source, mini_batch_size, num_instances, *args, **kwargs)
        return __init__

    for cls in (triplet_sampler.NaiveIdentitySampler, triplet_sampler.BalancedIdentitySampler):
        wrap_method_once(cls, "__init__", checked_layout)
