"""SynthReID's persistent cues: people who change clothes keep cues a full-quality crop shows."""
import pytest

from cfat_plugin.data.synthetic import preset
from cfat_plugin.data.synthetic.clothes import dressed_identity, num_outfits
from cfat_plugin.data.synthetic.persistent_cues import BUILD_RANGES, HEAD_RANGE, PERSISTENT_HAIR_TONES

SPEC = preset("ltcc-persistent")
KEPT_BY_DEFAULT = ("height", "leg_ratio", "arm_swing", "skin")  # drawn as the default draws them


def _outfits(pid: int, cues: str) -> list:
    return [dressed_identity(SPEC.seed, pid, k, SPEC.difficulty, cues)
            for k in range(num_outfits(SPEC.seed, pid, SPEC.outfits_per_id))]


def test_a_person_keeps_shoes_hair_and_build_across_outfits_and_never_wears_a_cap():
    shoes_changed = caps = 0
    for pid in range(1, 41):
        kept = _outfits(pid, "persistent")
        names = [i.outfit_names() for i in kept]
        assert len({n["shoes"] for n in names}) == 1 and len({n["hair_color"] for n in names}) == 1
        assert all(i.hair_style != "cap" for i in kept)
        assert len({(i.head, i.build) for i in kept}) == 1
        gender = names[0]["gender"]
        assert HEAD_RANGE[0] <= kept[0].head <= HEAD_RANGE[1]
        assert BUILD_RANGES[gender][0] <= kept[0].build <= BUILD_RANGES[gender][1]
        assert 0 <= names[0]["hair_color"] < len(PERSISTENT_HAIR_TONES)
        default = _outfits(pid, "all")
        shoes_changed += len({i.outfit_names()["shoes"] for i in default}) > 1
        caps += sum(i.hair_style == "cap" for i in default)
        # what the mode does not redraw is the default's draw: the same person, garments and gender
        for a, b in zip(kept, default):
            assert all(getattr(a, k) == getattr(b, k) for k in KEPT_BY_DEFAULT + ("upper_color", "lower_type"))
            assert a.outfit_names()["gender"] == b.outfit_names()["gender"]
    assert shoes_changed > 10 and caps > 0  # by default shoes change with the outfit and caps hide hair


def test_persistent_cues_are_only_for_the_clothes_changing_layouts():
    with pytest.raises(ValueError, match="identity_cues='persistent' is for the ltcc and prcc layouts"):
        preset("demo").replace(identity_cues="persistent")
    assert preset("prcc").replace(identity_cues="persistent").identity_cues == "persistent"
    assert SPEC == preset("ltcc").replace(identity_cues="persistent")


def test_the_clothes_changing_oracle_reads_the_kept_shoes_and_bins_the_wider_body_ranges():
    from cfat_plugin.data.synthetic.clothes_plan import draw_seed
    from cfat_plugin.rlq.clothes_changing_oracle import person_cues

    seed, bins = draw_seed(SPEC), set()
    for pid in range(1, 41):
        count = num_outfits(SPEC.seed, pid, SPEC.outfits_per_id)
        kept = [person_cues(seed, pid, k, SPEC.difficulty, "persistent") for k in range(count)]
        assert len({c["kept_shoes"] for c in kept}) == 1 and kept[0]["kept_shoes"] != "none"
        assert person_cues(seed, pid, 0, SPEC.difficulty)["kept_shoes"] == "none"
        bins.add(kept[0]["head"])
    assert bins == {0, 1, 2}  # every head falls in the mode's own range, spread over its bins
