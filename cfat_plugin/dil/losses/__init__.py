"""DIL's losses, one module per term of the paper: realism (LS-GAN), degradation ranking, (self-)
reconstruction, content invariance, identity, and stage II's replay consistency KL."""
from .consistency import replay_consistency_kl
from .degradation_rank import degradation_rank_loss, quality_score
from .identity import identity_consistency_kl, identity_loss
from .invariance import content_invariance_loss
from .realism import lsgan_loss, r1_penalty, realism_discriminator_loss, realism_generator_loss
from .reconstruction import reconstruction_loss

__all__ = ["content_invariance_loss", "degradation_rank_loss", "identity_consistency_kl", "identity_loss",
           "lsgan_loss", "quality_score", "r1_penalty", "realism_discriminator_loss", "realism_generator_loss",
           "reconstruction_loss", "replay_consistency_kl"]
