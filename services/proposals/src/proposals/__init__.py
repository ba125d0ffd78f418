"""Citizen proposals, participation processes and participatory budgets."""
