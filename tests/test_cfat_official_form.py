"""The fine stage in the released code's form: every key that differs from the project's form, tested
against hand-computed cases (bridge, KL), on a tiny model (second CE, NaN guards, teacher mode)."""
import math

import pytest
import torch
import torch.nn.functional as F

from test_cfat_model import cfat_cfg, paired_batch

import cfat_plugin  # noqa: F401
from cfat_plugin.cfat import Posterior, bridge_features, make_bridge, official_bridge_features
from cfat_plugin.cfat.losses import bridge_kl_loss, guarded_sigma_elements
from cfat_plugin.cfat.meta_arch import set_teacher_mode
from cfat_plugin.demo.pipeline import VAE_FORMS, alignment_weight, official_fine
from fastreid.modeling import build_model
from fastreid.modeling.losses import cross_entropy_loss
from fastreid.utils.events import EventStorage

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ---------------------------------------------------------------- the bridge
def test_official_bridge_is_the_released_closed_form_on_raw_features():
    """(t f_co + (1-t) f_cl) / sqrt(t^2 + (1-t)^2 + 2t(1-t)<f_cl, f_co>), worked by hand."""
    f_clean = torch.tensor([[3.0, 0.0], [1.0, 2.0]])
    f_corrupt = torch.tensor([[0.0, 4.0], [3.0, 1.0]])
    t = torch.tensor([0.5, 0.25])
    bridge, guarded = official_bridge_features(f_clean, f_corrupt, t)
    # row 0: <f_cl, f_co> = 0, radicand 0.25 + 0.25 = 0.5; numerator (1.5, 2)
    # row 1: <f_cl, f_co> = 5, radicand 0.0625 + 0.5625 + 2 * 0.1875 * 5 = 2.5; numerator (1.5, 1.75)
    expected = torch.tensor([[1.5 / math.sqrt(0.5), 2.0 / math.sqrt(0.5)],
                             [1.5 / math.sqrt(2.5), 1.75 / math.sqrt(2.5)]])
    assert guarded == 0
    assert torch.allclose(bridge, expected, atol=1e-6)
    # not a unit vector on raw features: that scale gap is what the released KL sees
    assert not torch.allclose(bridge.norm(dim=1), torch.ones(2))


def test_official_bridge_equals_the_arc_on_unit_ends():
    g = torch.Generator().manual_seed(0)
    clean, corrupt = F.normalize(torch.randn(5, 8, generator=g)), F.normalize(torch.randn(5, 8, generator=g))
    t = torch.rand(5, 1, generator=g)
    official, guarded = official_bridge_features(clean, corrupt, t)
    assert guarded == 0
    assert torch.allclose(official, bridge_features(clean, corrupt, t), atol=1e-5)


def test_a_negative_radicand_is_guarded_and_counted():
    """<f_cl, f_co> = -3 at t = 0.5: radicand 0.5 - 1.5 < 0, NaN in the released code."""
    bridge, guarded = official_bridge_features(torch.tensor([[1.0, 0.0], [1.0, 0.0]]),
                                               torch.tensor([[-3.0, 0.0], [2.0, 0.0]]), 0.5)
    assert guarded == 1
    assert torch.isfinite(bridge).all()
    assert torch.allclose(bridge[1], torch.tensor([1.5, 0.0]) / math.sqrt(0.5 + 0.5 * 2.0))  # row 1 untouched


def test_bridge_form_key_is_checked():
    with pytest.raises(ValueError, match="MODEL.CFAT.BRIDGE.FORM"):
        make_bridge("midpoint", torch.ones(1, 2), torch.ones(1, 2), 0.5)
    arc, guarded = make_bridge("arc", torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 5.0]]), 0.5)
    assert guarded == 0 and torch.allclose(arc, torch.tensor([[1.0, 1.0]]) / math.sqrt(2))


# ---------------------------------------------------------------- the KL with raw sigma
def released_kl(mu_re, sigma_re, mu_t, sigma_t):
    """The released KL_Loss2, written out: normalise mu and sigma, then sum over batch and latent."""
    mu_re, sigma_re, mu_t, sigma_t = (F.normalize(x) for x in (mu_re, sigma_re, mu_t, sigma_t))
    return torch.sum(torch.log(sigma_t / sigma_re) + (sigma_re ** 2 + (mu_re - mu_t) ** 2) / (2 * sigma_t ** 2) - 0.5)


def test_signed_sigma_kl_is_the_released_value_where_that_is_defined():
    """Negative sigmas of the same sign: the released formula is defined, and the guard changes nothing."""
    mu_co, mu_bb = torch.tensor([[0.3, -0.4, 1.0]]), torch.tensor([[0.5, 0.1, 0.8]])
    sigma_co, sigma_bb = torch.tensor([[-0.5, -1.0, -0.7]]), torch.tensor([[-1.0, -2.0, -0.4]])
    ours = bridge_kl_loss(mu_co, sigma_co, mu_bb, sigma_bb, form="published", reduction="sum", signed_sigma=True)
    assert torch.allclose(ours, released_kl(mu_co, sigma_co, mu_bb, sigma_bb), rtol=1e-5)
    assert guarded_sigma_elements(sigma_co, sigma_bb, 1e-3) == 0


def test_sigmas_of_opposite_sign_give_nan_in_the_released_form_and_are_guarded_here():
    mu = torch.tensor([[0.3, -0.4, 1.0]])
    sigma_co, sigma_bb = torch.tensor([[0.5, -1.0, 0.7]]), torch.tensor([[1.0, 2.0, 0.4]])
    assert torch.isnan(released_kl(mu, sigma_co, mu, sigma_bb))
    assert guarded_sigma_elements(sigma_co, sigma_bb, 1e-3) == 1
    guarded = bridge_kl_loss(mu, sigma_co, mu, sigma_bb, signed_sigma=True)
    # the guard reads |sigma| in the log: the same as the released value of the sign-flipped element
    assert torch.allclose(guarded, released_kl(mu, sigma_co.abs(), mu, sigma_bb), rtol=1e-5)


# ---------------------------------------------------------------- on the model
def official_model(tmp_path, **keys):
    cfg = cfat_cfg(tmp_path)
    pairs = list(official_fine(30.0))
    for key, value in keys.items():
        pairs += [key, value]
    cfg.merge_from_list(pairs)
    torch.manual_seed(0)
    return build_model(cfg).train()


def test_every_official_key_reaches_the_model(tmp_path):
    model = official_model(tmp_path)
    assert model.bridge_form == "official" and model.recon_id_logits == "student"
    assert model.heads.bfg.signed_sigma and model.heads.bfg.decoder_out == "sigmoid"
    assert not model.heads.bfg_norm_input and model.recon_reduction == "mean"
    assert model.scales["recon"] == model.scales["recon_triplet"] == 30.0 and model.scales["recon_id"] == 1.0
    assert set(VAE_FORMS["official"]) <= set(official_fine(30.0))
    with EventStorage(0):
        losses = model(paired_batch())
    assert all(torch.isfinite(v) for v in losses.values()), losses
    recon = model.heads.bfg.decode(torch.randn(4, model.heads.bfg.enc_mu.out_features))
    assert ((recon > 0) & (recon < 1)).all()  # sigmoid decoder


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_second_ce_is_the_student_ce_again_at_its_own_weight(tmp_path, scale):
    """RECON_ID.LOGITS student: loss_recon_cls is the student's own CE, times RECON_ID.SCALE, and
    its gradient on the student's logits is scale times the first CE's."""
    model = official_model(tmp_path, **{"MODEL.CFAT.LOSS.RECON_ID.SCALE": str(scale)})
    with EventStorage(0):
        losses = model(paired_batch())
    assert torch.allclose(losses["loss_recon_cls"], losses["loss_cls"] * scale, rtol=1e-6)
    # and the same model in the project form classifies the reconstruction instead: another value
    project = official_model(tmp_path / "p", **{"MODEL.CFAT.LOSS.RECON_ID.LOGITS": "reconstruction",
                                                 "MODEL.HEADS.BFG.SIGMA": "softplus"})
    with EventStorage(0):
        other = project(paired_batch())
    assert not torch.allclose(other["loss_recon_cls"], other["loss_cls"] * project.scales["recon_id"])


def test_second_ce_helper_matches_fastreid_ce(tmp_path):
    model = official_model(tmp_path)
    batch = paired_batch()
    targets, camids = model.targets_of(batch), model.camids_of(batch)
    outputs = model.heads(model.backbone_output(model.preprocess_image(batch), camids).feature_map, targets)
    f_clean = model.teacher_feature(batch, camids)
    with EventStorage(0):
        losses = model.bfg_losses(outputs["pool_feat"], f_clean, targets, student_cls=outputs["cls_outputs"])
    ce = model.loss_kwargs["ce"]
    assert torch.allclose(losses["loss_recon_cls"], cross_entropy_loss(outputs["cls_outputs"], targets, ce["eps"],
                                                                       ce["alpha"]))
    with pytest.raises(ValueError, match="RECON_ID.LOGITS student"):
        model.bfg_losses(outputs["pool_feat"], f_clean, targets)


def test_recon_id_logits_key_is_checked(tmp_path):
    cfg = cfat_cfg(tmp_path)
    cfg.MODEL.CFAT.LOSS.RECON_ID.LOGITS = "teacher"
    with pytest.raises(ValueError, match="MODEL.CFAT.LOSS.RECON_ID.LOGITS"):
        build_model(cfg)


def test_nan_guard_of_raw_sigma_is_counted_per_step_in_the_event_storage(tmp_path):
    model = official_model(tmp_path)
    mu = torch.tensor([[0.3, -0.4, 1.0], [0.1, 0.2, 0.3]])
    sigma_co = torch.tensor([[0.5, -1.0, 0.7], [1.0, 1.0, 1.0]])
    sigma_bb = torch.tensor([[1.0, 2.0, -0.4], [1.0, 2.0, 3.0]])
    with EventStorage(0) as storage:
        for step in range(2):
            storage.iter = step
            assert torch.isfinite(model.bridge_kl(Posterior(mu, sigma_co), Posterior(mu, sigma_bb)))
            storage.step()
        model.bridge_kl(Posterior(mu, sigma_bb), Posterior(mu, sigma_bb))  # nothing to guard: not counted
        history = storage.histories()
    assert model.guarded_steps["kl"] == 2
    assert history["guarded_kl_steps"].latest() == 2.0
    assert history["guarded_kl_elements"].latest() == 0.0
    assert [v for v, _ in history["guarded_kl_elements"].values()] == [2.0, 2.0, 0.0]
    # a full training step of the released form logs both guards' counters
    with EventStorage(0) as storage:
        model(paired_batch())
        assert {"guarded_kl_steps", "guarded_bridge_steps", "guarded_bridge_rows"} <= set(storage.histories())


def test_teacher_train_mode_runs_dropout_but_freezes_batchnorm():
    teacher = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1), torch.nn.BatchNorm2d(4), torch.nn.Dropout(0.5))
    set_teacher_mode(teacher, True)
    assert teacher[2].training and not teacher[1].training
    running = teacher[1].running_mean.clone()
    with torch.no_grad():
        teacher(torch.randn(2, 3, 4, 4) + 5)
    assert torch.equal(running, teacher[1].running_mean)
    set_teacher_mode(teacher, False)
    assert not any(m.training for m in teacher.modules())


def test_teacher_train_mode_key_reaches_the_teacher(tmp_path):
    cfg = cfat_cfg(tmp_path)
    cfg.MODEL.CFAT.TEACHER_TRAIN_MODE = True
    model = build_model(cfg).train()
    dropouts = [m for m in model.teacher.modules() if isinstance(m, torch.nn.Dropout) or "DropPath" in type(m).__name__]
    assert dropouts and all(m.training for m in dropouts)
    model.eval()
    assert not any(m.training for m in model.teacher.modules())
    assert not any(m.training for m in build_model(cfat_cfg(tmp_path / "e")).train().teacher.modules())


def test_released_fine_weights_follow_each_profiles_alignment_weight():
    """The released code weights every term 1: the fine terms follow the coarse alignment's weight of the
    config they run in (30 in the CPU profiles' configs, 1 in the ViT ones), the second CE stays at 1."""
    assert alignment_weight("projects/CFAT/synthreid_r18_staged.yml") == 30.0
    assert alignment_weight("projects/CFAT/cuhk01_mnv2_staged.yml") == 30.0
    assert alignment_weight("projects/CFAT/synthreid_vit_staged.yml") == 1.0
    pairs = dict(zip(official_fine(1.0)[::2], official_fine(1.0)[1::2]))
    assert pairs["MODEL.CFAT.LOSS.KL.SCALE"] == pairs["MODEL.CFAT.LOSS.RECON_TRIPLET.SCALE"] == "1.0"
    assert dict(zip(official_fine(30)[::2], official_fine(30)[1::2]))["MODEL.CFAT.LOSS.RECON_ID.SCALE"] == "1.0"
