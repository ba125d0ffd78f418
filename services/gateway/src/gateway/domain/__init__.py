"""Aggregates, state machines and rules: plain Python, no framework imports (to come)."""
