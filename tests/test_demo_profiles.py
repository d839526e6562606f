"""The demo's profiles: what its table shows for one test draw or several, and the duration it announces."""
import pytest

from cfat_plugin.demo.compare import comparison_rows, markdown
from cfat_plugin.demo.profiles import get_profile


def summary(mean: float, std: float, draws: int) -> dict:
    """A robustness summary of one model with every corrupted statistic at (mean, std) over ``draws``."""
    stats = {m: {"mean": mean, "std": std, "n": draws} for m in ("mINP", "mAP", "Rank-1")}
    return {"clean": {"mINP": 40.0, "mAP": 60.0, "Rank-1": 65.0}, "settings": {"both": stats},
            "seen": stats, "held_out": stats}


@pytest.mark.parametrize("draws,cell", [(1, "| 25.50 |"), (2, "| 25.50 ± 0.75 |")])
def test_the_table_shows_a_spread_of_test_draws_only_when_there_are_several(draws, cell):
    profile = get_profile("default", repeats=draws)
    text = markdown(comparison_rows({"b": ("(b) baseline", summary(25.5, 0.75 if draws > 1 else 0.0, draws))}),
                    profile)
    row = text.splitlines()[2]
    assert row.startswith("| (b) baseline | 40.00 | 60.00 | 65.00 |")
    assert row.count("±") == (0 if draws == 1 else 5)  # corrupted mINP, mAP, R1, seen and held-out mAP
    assert cell in row
    assert ("one seeded draw" in text) == (draws == 1)
    assert ("mean ± std over 2 draws" in text) == (draws == 2)


def test_the_demo_announces_the_duration_timed_for_its_precision():
    profile = get_profile("default", precision="float32", expected_minutes={"float32": 13.6, "bfloat16": 8.2})
    assert profile.expected_duration().startswith("about 14 min on a quiet 2-core CPU in float32")
    assert get_profile("default", precision="bfloat16",
                       expected_minutes={"float32": 13.6, "bfloat16": 8.2}).expected_duration().startswith("about 8 min")
    assert get_profile("tiny").expected_duration() == "not timed for this profile and precision"


def test_a_run_of_another_size_than_the_timed_one_announces_no_duration(monkeypatch, capsys, tmp_path):
    """``--repeats 10`` is not the run the README timed: the demo says so instead of a wrong estimate."""
    from cfat_plugin.demo import __main__ as demo_main

    seen = {}

    class Stop(Exception):
        pass

    def fake_demo(profile, output_dir, echo):
        seen["profile"] = profile
        raise Stop

    monkeypatch.setattr(demo_main, "Demo", fake_demo)
    with pytest.raises(Stop):
        demo_main.main(["--output-dir", str(tmp_path), "--precision", "float32"])
    assert seen["profile"].expected_minutes == get_profile("default").expected_minutes
    with pytest.raises(Stop):
        demo_main.main(["--output-dir", str(tmp_path), "--precision", "float32", "--repeats", "10"])
    assert seen["profile"].expected_duration() == "not timed for this profile and precision"
