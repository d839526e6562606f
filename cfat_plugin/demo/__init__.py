"""The end-to-end demo (``make demo``): SynthReID, teacher, three students, the benchmark, a comparison."""
from .pipeline import Demo, students
from .profiles import PROFILES, DemoProfile, get_profile

__all__ = ["Demo", "DemoProfile", "PROFILES", "get_profile", "students"]
