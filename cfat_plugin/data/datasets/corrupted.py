"""Corrupted benchmark test sets (issue 4)."""
