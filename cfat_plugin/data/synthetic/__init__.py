"""Procedural generator of person crops (issue 3)."""
