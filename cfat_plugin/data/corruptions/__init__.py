"""The 20 benchmark corruptions (issue 4)."""
